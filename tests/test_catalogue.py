"""The shipped catalogue: scenarios that describe symptoms, carry three hints, and cover the lab.

A candidate reads a scenario's id (`driftlab scenarios`, the model's name in the API), title
and brief before investigating; none of them may name the answer. The coverage counts are
those of issue 11; they hold only for the whole catalogue (two engineers write it).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from lab.drift import DRIFTS
from lab.scenario import TOPICS, Scenario, list_scenarios
from lab.worlds import WORLDS

SCENARIOS = list_scenarios()
IDS = [s.id for s in SCENARIOS]

# Real changes of the world's inputs: harmless when P(y | x) holds (the key says so, and
# the fairness audit measures it).
HARMLESS_CATEGORIES = {"covariate"}


def normalise(text: str) -> str:
    """Lower case, '-' and '_' as spaces, runs of spaces as one: 'team_load' ~ 'Team-load'."""
    return " ".join(re.sub(r"[-_]", " ", text.lower()).split())


def contains(haystack: str, needle: str) -> bool:
    return re.search(rf"\b{re.escape(normalise(needle))}\b", normalise(haystack)) is not None


def giveaways(scenario: Scenario) -> set[str]:
    """What a reader must not see before investigating: the answer and the mechanism."""
    answer = next(o for o in scenario.questions.root_causes
                  if o.id == scenario.questions.answer.root_cause)
    words = {answer.id, answer.text}
    for step in scenario.drift:
        words.add(step["kind"])
        if "feature" in step:
            words.add(step["feature"])
        words.update(step.get("weights", {}))  # concept drift names the features it re-weighs
    words.update(step["kind"] for step in scenario.service)  # a fault at the server, too
    return words


def declares_harmless(scenario: Scenario) -> bool:
    """Nothing harmful happened: no fault, or only real input shifts, and the key says do
    nothing."""
    categories = {DRIFTS[step["kind"]].category for step in scenario.drift}
    return categories <= HARMLESS_CATEGORIES and scenario.questions.answer.actions == ["nothing"]


def centres_on_the_threshold(scenario: Scenario) -> bool:
    """The precision/recall decision is the point: an evaluation-metrics scenario whose key
    re-thresholds, or whose reviewers' capacity bounds the operating point."""
    answer = scenario.questions.answer
    return "evaluation-metrics" in scenario.topics and (
        "re-threshold" in answer.actions or scenario.costs.review_capacity_per_day is not None)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_id_title_and_brief_do_not_give_the_answer_away(scenario):
    shown = {"id": scenario.id, "title": scenario.title, "brief": scenario.brief}
    leaks = [(where, word) for where, text in shown.items() for word in giveaways(scenario)
             if contains(text, word)]
    assert leaks == []


def test_the_leak_check_can_fail():
    assert contains("Team-Load went missing", "team_load")
    assert contains("a unit change upstream", "unit_change")
    assert not contains("teammates load the page", "team_load")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_three_staged_hints(scenario):
    hints = scenario.questions.hints
    assert len(hints) == 3
    assert all(len(h.split()) >= 6 for h in hints)
    assert len(set(hints)) == 3


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_answer_options_are_unique_and_keys_are_written(scenario):
    ids = [o.id for o in scenario.questions.root_causes]
    assert len(ids) == len(set(ids)) >= 3
    answer = scenario.questions.answer
    assert "TODO" not in answer.debrief and "TODO" not in answer.model_answer
    assert len(answer.debrief.split()) >= 40 and len(answer.model_answer.split()) >= 40


def test_every_world_at_least_twice():
    counts = Counter(s.world.kind for s in SCENARIOS)
    assert {w: counts[w] for w in WORLDS if counts[w] < 2} == {}


def test_every_fault_kind_at_least_once():
    used = {step["kind"] for s in SCENARIOS for step in s.drift}
    assert sorted(set(DRIFTS) - used) == []


def test_every_topic_at_least_three_times():
    counts = Counter(t for s in SCENARIOS for t in s.topics)
    assert {t: counts[t] for t in TOPICS if counts[t] < 3} == {}


def test_three_difficulty_levels_a_control_and_a_harmless_shift():
    assert {s.difficulty for s in SCENARIOS} == {"easy", "medium", "hard"}
    harmless = [s for s in SCENARIOS if declares_harmless(s)]
    assert len(harmless) >= 2
    assert any(not s.drift for s in harmless), "a control with no fault at all"
    assert any(s.drift for s in harmless), "a shift that does not hurt"


def test_at_least_three_scenarios_centre_on_the_precision_recall_decision():
    assert len([s for s in SCENARIOS if centres_on_the_threshold(s)]) >= 3


def test_hints_are_optional_but_at_most_three():
    import yaml

    from lab.scenario import ScenarioError, scenario_files, validate_scenario

    raw = yaml.safe_load(scenario_files()[0].read_text(encoding="utf-8"))
    raw["questions"].pop("hints")
    assert validate_scenario(raw).questions.hints == []
    raw["questions"]["hints"] = ["look", "compare", "almost", "the answer"]
    with pytest.raises(ScenarioError, match=r"questions\.hints: .*at most 3"):
        validate_scenario(raw)
