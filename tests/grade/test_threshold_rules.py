"""Every shipped scenario's threshold rule agrees with its own debrief and model answer."""

from __future__ import annotations

import re

import pytest

from lab.grade import WEIGHTS, Answers, best_threshold, grade
from lab.scenario import list_scenarios

SCENARIOS = {s.id: s for s in list_scenarios()}
# What each debrief says about the operating point, in its own words.
SAYS = {"clean-data": r"keep (the model and )?(its |the )?threshold|threshold chosen on clean data",
        "re-optimise": r"lower the threshold|re-choose|re-threshold|threshold is lower|"
                       r"do nothing"}
# Where the debrief makes a numeric promise: keeping the training threshold is right
# ("keep"), or the right one is lower than it ("lower").
PROMISE = {"sla-flagging-dropped-tuesday": "keep", "sla-escalation-queue-flooded": "keep",
           "sla-low-scores-on-breached-tickets": "keep", "sla-dashboard-wiggles": "keep",
           "sla-breaches-pile-up": "lower"}
KEEP_AT_LEAST = 0.9  # of the threshold part


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_the_rule_is_what_the_debrief_says(sid):
    key = SCENARIOS[sid].questions.answer
    text = " ".join(f"{key.debrief} {key.model_answer}".split()).lower()
    assert re.search(SAYS[key.threshold_rule], text), (sid, key.threshold_rule)
    other = next(r for r in SAYS if r != key.threshold_rule)
    if key.threshold_rule == "clean-data":  # a pipeline fault never asks for a new threshold
        assert not re.search(SAYS[other], text), sid


@pytest.mark.slow
@pytest.mark.parametrize("sid", sorted(PROMISE))
def test_the_model_answers_threshold_scores_as_the_debrief_argues(sid, runs):
    scenario = SCENARIOS[sid]
    evidence = runs.evidence(sid)
    trained = evidence.monitoring["model"]["threshold"]
    kept = grade(scenario, Answers(threshold=trained), evidence).part("threshold")
    best = best_threshold(scenario, evidence)
    print(f"{sid}: training threshold {trained:.3f} scores {kept.points}; "
          f"rule's best {best:.3f}. {kept.why}")
    if PROMISE[sid] == "keep":
        assert kept.points >= KEEP_AT_LEAST * WEIGHTS["threshold"], kept.why
    else:
        assert best < trained, kept.why
        assert kept.points < KEEP_AT_LEAST * WEIGHTS["threshold"], kept.why
        lowered = grade(scenario, Answers(threshold=best), evidence).part("threshold")
        assert lowered.points == WEIGHTS["threshold"]
