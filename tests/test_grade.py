"""Grading: the truth scores 100, wrong answers score low, partial ones in between."""

import numpy as np
import pytest

from lab.grade import (
    REGRET_FOR_ZERO,
    WEIGHTS,
    AnswerError,
    Answers,
    find_concepts,
    grade,
    grade_features,
    load_answers,
    model_answers,
    threshold_regret,
)
from lab.scenario import load_scenario

SCENARIO = load_scenario("sla-response-units")
TRUTH = [{"kind": "unit_change", "category": "pipeline",
          "features": ["minutes_to_first_response"], "onset_row": 10, "onset_time": None,
          "shape": "sudden", "root_cause": "...", "hurts_model": True, "params": {}}]
RNG = np.random.default_rng(0)
Y = (RNG.random(3000) < 0.2).astype(int)
SCORES = np.clip(0.3 * Y + RNG.beta(2, 5, 3000), 0, 1)
PER_DAY = 1500.0


def best_threshold() -> float:
    _, best, _ = threshold_regret(Y, SCORES, 0.5, 20, 150, PER_DAY, 400)
    return best.threshold


def test_the_truth_scores_100():
    sheet = model_answers(SCENARIO, TRUTH, best_threshold())
    result = grade(SCENARIO, sheet, TRUTH, Y, SCORES, PER_DAY)
    assert result.total == 100
    assert all(p.points == p.maximum for p in result.parts)
    assert result.concepts_missed == []


def test_a_wrong_diagnosis_scores_low():
    sheet = Answers(features=["customer_tier"], kind="covariate", root_cause="new-customers",
                    action="retrain", threshold=0.05, justification="More customers came.")
    result = grade(SCENARIO, sheet, TRUTH, Y, SCORES, PER_DAY)
    assert result.total < 15
    by_part = {p.name: p for p in result.parts}
    assert by_part["root_cause"].points == 0 and "upstream service changed" in \
        by_part["root_cause"].why
    assert by_part["action"].points == 0 and "fix-pipeline" in by_part["action"].why


def test_partial_answers_score_in_between():
    sheet = Answers(features=["minutes_to_first_response", "team_load"], kind="pipeline",
                    root_cause="busier-team", action="fix-pipeline", threshold=best_threshold(),
                    justification="Looks like an upstream unit problem hurting precision.")
    result = grade(SCENARIO, sheet, TRUTH, Y, SCORES, PER_DAY)
    by_part = {p.name: p.points for p in result.parts}
    assert by_part["features"] == pytest.approx(WEIGHTS["features"] * 2 / 3, abs=0.01)
    assert by_part["root_cause"] == 0 and by_part["kind"] == WEIGHTS["kind"]
    assert result.concepts_found == ["unit", "upstream", "precision"]
    assert result.concepts_missed == ["recall", "data validation"]
    assert 40 < result.total < 90


def test_threshold_regret_is_exact_on_a_hand_made_case():
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0])
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.3, 0.2, 0.1, 0.05])
    # FP costs 10, FN 100. Best: alert down to 0.6 -> 1 FP, 0 FN = 10.
    # At 0.75: alerts 0.9 and 0.8 -> 0 FP, 1 FN = 100. Regret (100 - 10) / 10 = 9.
    regret, best, yours = threshold_regret(y, s, 0.75, 10, 100, 8.0, None)
    assert best.threshold == 0.6 and best.cost == 10
    assert yours.cost == 100 and regret == 9.0
    regret, _, _ = threshold_regret(y, s, 0.55, 10, 100, 8.0, None)  # same alerts as 0.6
    assert regret == 0.0
    # At 0.25: 2 FP, 0 FN = 20: regret 1.0, scoring max(0, 1 - 1.0 / 0.25) = 0.
    regret, best, yours = threshold_regret(y, s, 0.25, 10, 100, 8.0, None)
    assert regret == 1.0 and 1 - regret / REGRET_FOR_ZERO < 0


def test_feature_f1_and_the_no_fault_case():
    assert grade_features(["a", "b"], ["a"]).points == pytest.approx(20 * 2 / 3, abs=0.01)
    assert grade_features([], []).points == 20
    assert grade_features(["a"], []).points == 0


def test_concepts_match_synonyms_as_whole_words():
    rubric = SCENARIO.questions.answer.rubric
    found, missed = find_concepts("Values arrive in SECONDS; false positives spiked.", rubric)
    assert "unit" in found and "precision" in found
    found, _ = find_concepts("unitary precisionless", rubric)
    assert found == []


@pytest.mark.parametrize("text, message", [
    ("kind: weird\n", "kind: Input should be 'covariate'"),
    ("{kind: pipeline, root_cause: x, action: nothing, threshold: 0.5, extra: 1}\n",
     "extra: unknown field"),
    ("[1, 2]\n", "must be a mapping"),
    ("{kind: pipeline, root_cause: aliens, action: nothing, threshold: 0.5}\n",
     "root_cause: 'aliens' is not an option"),
    ("{kind: pipeline, root_cause: busier-team, action: nothing, threshold: 0.5, "
     "features: [colour]}\n", "features: ['colour'] are not features"),
])
def test_malformed_answer_files_are_named(tmp_path, text, message):
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    with pytest.raises(AnswerError) as caught:
        load_answers(path, SCENARIO)
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)
