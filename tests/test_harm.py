"""hurts_model is measured: the model's regret on the faulty stream against the clean one."""

import numpy as np
import pytest

from lab.data import reference_frame
from lab.drift.harm import RELATIVE, RULE, compare, measure_harm
from lab.scenario import validate_scenario
from lab.train import fit_and_choose, time_split

ROWS = 12_000


def scenario_with(drift, world="support_tickets", capacity=None):
    costs = {"false_positive": 20, "false_negative": 150}
    if capacity is not None:
        costs["review_capacity_per_day"] = capacity
    return validate_scenario({
        "id": "harm-check", "title": "t", "brief": "b", "topics": ["data-drift"],
        "difficulty": "easy", "minutes": 5, "world": {"kind": world},
        "model": {"kind": "hist_gradient_boosting", "params": {"max_iter": 100}},
        "costs": costs, "drift": drift,
        "reference_rows": ROWS, "production_rows": ROWS,
        "questions": {"root_causes": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
                      "answer": {"root_cause": "a", "actions": ["nothing"],
                                 "rubric": [{"concept": "x"}], "debrief": "d",
                                 "model_answer": "m"}},
    })


def fitted(scenario, seed=0):
    """The scenario's model, trained as lab.train does (without MLflow)."""
    fit_part, val_part, _ = time_split(reference_frame(scenario, None, seed))
    pipeline, point = fit_and_choose(scenario, fit_part, val_part, seed)
    return pipeline, point.threshold


@pytest.fixture(scope="module")
def model():
    return fitted(scenario_with([]))


def measured(drift, model):
    scenario = scenario_with(drift)
    [truth] = measure_harm(scenario, *model, seed=0)
    return truth, truth.details["harm"]


def test_a_broken_feature_hurts_and_the_numbers_say_why(model):
    truth, harm = measured([{"kind": "missing_values", "feature": "team_load", "rate": 0.9}],
                           model)
    assert truth.hurts_model is True
    assert harm["relative"] > 0.5 and harm["added_regret"] > 5 * harm["standard_error"]
    assert harm["faulty"]["recall"] < harm["clean"]["recall"] - 0.3
    assert harm["rule"] == RULE and harm["rows"] == ROWS // 2


@pytest.mark.parametrize("drift", [
    # The harmless shift: an unimportant input grows by 60%.
    {"kind": "covariate_shift", "feature": "description_length", "scale": 1.6},
    # More enterprise customers really arrive: more breaches, but the model decides as well.
    {"kind": "benign_shift", "feature": "customer_tier", "favour": {"enterprise": 3}},
    {"kind": "benign_seasonality", "like_weekday": 6},
    {"kind": "label_outage"},
], ids=lambda d: d["kind"])
def test_benign_faults_measure_as_harmless(drift, model):
    truth, harm = measured([drift], model)
    assert truth.hurts_model is False
    assert harm["relative"] < RELATIVE


def test_a_prior_shift_down_hurts_through_the_stale_threshold(model):
    # Fewer breaches: the realised cost even falls, but the old threshold now alerts on
    # tickets that are no longer worth it; precision collapses.
    truth, harm = measured([{"kind": "prior_shift", "base_rate": 0.06}], model)
    assert truth.hurts_model is True
    assert harm["faulty"]["precision"] < 0.5 * harm["clean"]["precision"]


def test_label_leakage_is_measured_against_a_model_trained_clean():
    scenario = scenario_with([{"kind": "label_leakage", "feature": "watchers", "strength": 2.0}])
    leaky = fitted(scenario)
    [truth] = measure_harm(scenario, *leaky, seed=0)
    assert truth.stage == "training" and truth.hurts_model is True
    assert truth.details["harm"]["faulty"]["recall"] < truth.details["harm"]["clean"]["recall"]


def test_the_rule_needs_both_size_and_certainty():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 0.3, 4000)
    y = rng.random(4000) < p
    good = p >= 20 / 170  # the Bayes decision for costs 20 / 150
    stream = (p, y, good)
    assert not compare(stream, stream, 20, 150).hurts
    flipped = good.copy()
    flipped[:2] = ~flipped[:2]  # two rows decided badly: real but tiny
    assert not compare(stream, (p, y, flipped), 20, 150).hurts
    assert compare(stream, (p, y, ~good), 20, 150).hurts


def test_alerts_past_a_days_review_capacity_go_unreviewed():
    import pandas as pd

    from lab.drift.harm import within_capacity

    times = pd.Series(pd.to_datetime(["2026-01-01 09:00", "2026-01-01 08:00", "2026-01-01 10:00",
                                      "2026-01-01 11:00", "2026-01-02 00:30", "2026-01-02 01:00"]))
    alerts = np.array([True, True, False, True, True, True])
    # Day one: the 08:00 alert is first, then 09:00; 11:00 is the third, past a capacity of 2.
    assert within_capacity(times, alerts, 2).tolist() == [True, True, True, False, True, True]
    assert within_capacity(times, alerts, 1).tolist() == [False, True, True, False, True, False]


def test_a_flood_of_alerts_past_capacity_hurts(model):
    # The same prior shift up, with and without a review capacity that the flood overruns:
    # past capacity, alerts go unreviewed and the breaches among them are missed.
    drift = [{"kind": "prior_shift", "base_rate": 0.3, "onset": 0.5}]
    pipeline, threshold = model
    clean = scenario_with([])
    frame = reference_frame(clean, None, 0)
    schema = clean.world_.schema
    alerts_per_day = float((pipeline.predict_proba(frame[schema.names])[:, 1] >= threshold)
                           .sum() / (len(frame) / clean.world_.rows_per_day))
    [free] = measure_harm(scenario_with(drift), pipeline, threshold, seed=0)
    [capped] = measure_harm(scenario_with(drift, capacity=round(alerts_per_day * 1.1)),
                            pipeline, threshold, seed=0)
    free, capped = free.details["harm"], capped.details["harm"]
    assert capped["hurts"]
    assert capped["added_regret"] > free["added_regret"] + 0.5
    assert capped["faulty"]["recall"] < free["faulty"]["recall"] - 0.05
