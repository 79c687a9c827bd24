"""Grading parts on hand-made evidence: no free points, checked claims, text with sense."""

import numpy as np
import pandas as pd
import pytest

from lab.grade import (
    WEIGHTS,
    AnswerError,
    Answers,
    Claim,
    RunEvidence,
    check_threshold,
    find_concepts,
    format_score,
    grade,
    load_answers,
    option_order,
    regret_score,
    round_score,
)
from lab.grade.core import grade_claims, grade_features
from lab.scenario import load_scenario

UNITS = load_scenario("sla-escalation-queue-flooded")
FEATURES = UNITS.world_.schema.names
TRUTH = [{"kind": "unit_change", "category": "pipeline",
          "features": ["minutes_to_first_response"], "onset_row": 500,
          "onset_time": "2026-01-03 00:00:00", "shape": "sudden", "root_cause": "...",
          "hurts_model": True, "params": {}}]


def _window(i: int, start: str, mtfr_oor: float, score_mean: float) -> dict:
    features = {f: {"missing_share": 0.0, "missing_delta": 0.0, "effect": 0.02,
                    "unseen_share": 0.0, "out_of_range_share": 0.0} for f in FEATURES}
    features["minutes_to_first_response"].update(out_of_range_share=mtfr_oor,
                                                 effect=0.9 if mtfr_oor else 0.03)
    return {"index": i, "start": f"{start} 00:00:00", "end": f"{start} 23:59:00",
            "features": features, "alert_rate": 0.2 if not mtfr_oor else 0.55,
            "prediction_drift": {"score_mean": score_mean},
            "realised": {"precision": 0.5 if not mtfr_oor else 0.28, "recall": 0.8,
                         "base_rate": 0.18},
            "estimated": {"precision": 0.5, "recall": 0.8}}


MONITORING = {"reference": {"rows": 1000, "base_rate": 0.18, "precision": 0.5, "recall": 0.8,
                            "alert_rate": 0.2},
              "windows": [_window(0, "2026-01-01", 0.0, 0.20), _window(1, "2026-01-02", 0.0, 0.21),
                          _window(2, "2026-01-03", 0.62, 0.48),
                          _window(3, "2026-01-04", 0.60, 0.47)]}


def _evidence(truth=TRUTH) -> RunEvidence:
    rng = np.random.default_rng(0)
    scores = np.arange(1000) / 1000
    y = (rng.random(1000) < scores ** 2).astype(int)
    times = pd.date_range("2026-01-01", periods=1000, freq="6min")
    log = pd.DataFrame({"event_time": times, "score": scores[::-1], "label": y[::-1]})
    return RunEvidence(truth, log, MONITORING, (y, scores), rows_per_day=1000.0)


EVIDENCE = _evidence()
GOOD_CLAIM = Claim(feature="minutes_to_first_response", statistic="out_of_range_share",
                   window=2, value=0.6, baseline=0.0)


def test_an_untouched_form_scores_nothing_and_says_so():
    result = grade(UNITS, Answers(), EVIDENCE)
    assert result.total == 0
    assert all(p.points == 0 for p in result.parts)
    assert all("nanswered" in p.why for p in result.parts)


def test_options_are_shuffled_per_attempt_seed():
    assert option_order(UNITS, 3) == option_order(UNITS, 3)
    first = {option_order(UNITS, seed)[0] for seed in range(20)}
    assert len(first) >= 3  # the right answer is not always on top
    assert sorted(option_order(UNITS, 5)) == sorted(o.id for o in UNITS.questions.root_causes)


def test_weights_add_up_to_100_and_claims_are_worth_real_points():
    assert sum(WEIGHTS.values()) == 100 and WEIGHTS["claims"] == 25


def test_a_claim_that_holds_and_bears_scores_a_false_one_costs():
    part, checks, held = grade_claims([GOOD_CLAIM], EVIDENCE)
    assert held and part.points == 12.5 and checks[0]["bears"]
    false = GOOD_CLAIM.model_copy(update={"value": 0.2, "window": 3})
    part, checks, held = grade_claims([GOOD_CLAIM, false], EVIDENCE)
    assert not checks[1]["holds"] and part.points == 7.5 and "false" in part.why
    # Within tolerance (0.03 or 10%): 0.65 against 0.62 holds.
    _, checks, _ = grade_claims([GOOD_CLAIM.model_copy(update={"value": 0.65})], EVIDENCE)
    assert checks[0]["holds"]


def test_true_claims_that_do_not_bear_score_nothing():
    before_onset = GOOD_CLAIM.model_copy(update={"window": 0, "value": 0.0})
    other_feature = Claim(feature="team_load", statistic="effect", window=3, value=0.02)
    part, checks, held = grade_claims([before_onset, other_feature], EVIDENCE)
    assert held and part.points == 0
    assert "before the fault" in checks[0]["why"] and not checks[1]["bears"]


def test_p99_without_a_service_section_cannot_be_checked():
    claim = Claim(statistic="p99_ms", window=2, value=120.0)
    part, checks, held = grade_claims([claim], EVIDENCE)
    assert checks[0]["holds"] is None and "cannot be checked" in part.why and part.points == 0


def test_a_keyword_list_scores_nothing_for_justification():
    salad = "unit upstream precision recall data validation seconds pipeline false positives"
    found = find_concepts(salad, UNITS.questions.answer.rubric, FEATURES)
    assert found.found == [] and found.sentences == 0


def test_concepts_need_a_sentence_that_names_evidence():
    rubric = UNITS.questions.answer.rubric
    vague = find_concepts("I think it is an upstream unit problem with the data.", rubric,
                          FEATURES)
    assert vague.found == []
    concrete = find_concepts("In window 2 minutes_to_first_response arrived in seconds from "
                             "the upstream event service.", rubric, FEATURES)
    assert {"unit", "upstream"} <= set(concrete.found)


def test_inflections_match_and_arguments_against_do_not():
    rubric = load_scenario("sla-escalations-miss-real-breaches").questions.answer.rubric
    yes = find_concepts("Realised recall fell to 0.41, so the model must be retrained on "
                        "labels from after the change.", rubric, FEATURES)
    assert "retrain" in yes.found and "labels" in yes.found
    for text in ("Realised recall fell to 0.41; retraining would chase a moving mix.",
                 "Realised recall fell to 0.41, which is not a retrain situation at all.",
                 "The base rate moved to 0.35 and I would not retrain the model."):
        assert "retrain" not in find_concepts(text, rubric, FEATURES).found, text


def test_a_release_is_not_upstream_and_an_incident_is_not_temporary():
    units = find_concepts("Realised recall held at 0.8 after the release, and the escalation "
                          "queue grew in window 3.", UNITS.questions.answer.rubric, FEATURES)
    assert "upstream" not in units.found and "precision" not in units.found
    assert "recall" in units.found
    wave = load_scenario("sla-breaches-pile-up").questions.answer.rubric
    found = find_concepts("The base rate rose to 0.35 during the incident and the outage.",
                          wave, FEATURES)
    assert "temporary" not in found.found and "prior shift" in found.found


def test_text_is_capped_when_no_claim_holds():
    text = ("minutes_to_first_response jumped by a factor of 60 in window 2: the upstream "
            "event service sends seconds. Realised precision fell to 0.28, so the false "
            "positives filled the queue while recall stayed at 0.8. A data validation range "
            "check on the 60x jump would have caught it in window 2.")
    alone = grade(UNITS, Answers(justification=text), EVIDENCE).part("justification")
    backed = grade(UNITS, Answers(justification=text, claims=[GOOD_CLAIM]), EVIDENCE)
    assert backed.part("justification").points == WEIGHTS["justification"]
    assert alone.points == pytest.approx(WEIGHTS["justification"] / 3, abs=0.05)
    assert "Capped" in alone.why


def test_the_control_needs_a_chosen_kind_to_credit_an_empty_feature_list():
    assert grade_features([], [], None).points == 0
    assert grade_features([], [], "none").points == WEIGHTS["features"]
    assert grade_features(["team_load"], [], "none").points == 0


def test_threshold_regret_is_smooth_and_capacity_is_explained_with_the_excess():
    assert regret_score(0) == 1 and regret_score(0.10) == pytest.approx(0.5)
    assert 0.75 < regret_score(0.05) < 0.85 and regret_score(0.3) > 0
    y, scores = EVIDENCE.clean
    # 415 scores are >= 0.585: 415 alerts a day against a capacity of 400.
    check = check_threshold(0.585, "clean-data", y, scores, 20, 150, 1000.0, 400)
    assert check.yours.alerts_per_day == 415
    assert "415 tickets a day, 15 over the review capacity of 400" in check.why
    capacity_part = 1 - 15 / 400 / 0.5
    assert check.fraction == pytest.approx(capacity_part * regret_score(check.regret))
    assert check.fraction > 0.5  # 15 over is a small miss, not a zero


def test_one_rounding_rule():
    assert round_score(85.74) == 85.7 and round_score(85.75) == 85.8
    assert format_score(86.0, 100) == "86 / 100" and format_score(85.74) == "85.7"


def test_an_answer_file_reports_every_problem_at_once(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("kind: weird\naction: panic\nroot_cause: aliens\nfeatures: [colour]\n"
                    "colour: red\nclaims:\n  - {statistic: missing_share, window: 1, "
                    "value: 0.7}\n  - {feature: nope, statistic: vibes, window: 1, value: 1}\n")
    with pytest.raises(AnswerError) as caught:
        load_answers(path, UNITS)
    lines = str(caught.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines)
    text = str(caught.value)
    for expected in ("kind: 'weird' is not allowed; allowed: ['covariate'",
                     "action: 'panic' is not allowed; allowed: ['retrain'",
                     "colour: unknown field; allowed: ['action'",
                     "root_cause: 'aliens' is not an option; allowed: ['upstream-unit-change'",
                     "features: ['colour'] are not features",
                     "claims[0]: ", "name the feature",
                     "claims[1].statistic: 'vibes' is not allowed; allowed: ['missing_share'",
                     "claims[1].feature: 'nope' is not a feature"):
        assert expected in text, (expected, text)


def test_a_complete_answer_file_loads(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("kind: pipeline\nroot_cause: upstream-unit-change\naction: fix-pipeline\n"
                    "threshold: 0.3\nfeatures: [minutes_to_first_response]\nclaims:\n"
                    "  - {feature: minutes_to_first_response, statistic: out_of_range_share, "
                    "window: 2, value: 0.6, baseline: 0}\n")
    answers = load_answers(path, UNITS)
    assert answers.claims[0].value == 0.6 and answers.justification == ""


def test_without_embeddings_grading_falls_back_to_stems_and_says_so(monkeypatch):
    from lab.grade import paraphrase

    monkeypatch.setattr(paraphrase, "_model", lambda: None)
    text = "In window 2 minutes_to_first_response arrived in seconds, a unit change upstream."
    result = grade(UNITS, Answers(justification=text, claims=[GOOD_CLAIM]), EVIDENCE)
    assert any("wordllama could not load" in note for note in result.notes)
    assert {"unit", "upstream"} <= set(result.concepts_found)


def test_embeddings_load_offline_from_the_wheel():
    from lab.grade import paraphrase

    paraphrase._model.cache_clear()
    assert paraphrase.available()  # no network here: the weights and tokenizer are local


def test_the_apps_claims_table_becomes_claims():
    from lab.ui.pages.scenario import claim_rows

    table = pd.DataFrame({"feature": pd.Series(["team_load", None], dtype=object),
                          "statistic": pd.Series(["missing_share", "base_rate"], dtype=object),
                          "window": pd.Series([3, 4], dtype="Int64"),
                          "value": [0.7, 0.3], "baseline": [0.0, None]})
    assert claim_rows(table) == [
        Claim(feature="team_load", statistic="missing_share", window=3, value=0.7, baseline=0.0),
        Claim(statistic="base_rate", window=4, value=0.3)]
    assert claim_rows(table.iloc[0:0]) == []
