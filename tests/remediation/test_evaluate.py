"""Every remedy on the same seeded next week, one scenario per fault category: the ordering
each scenario's key claims must show in the realised cost per day.

Real training at the scenarios' own sizes (four weeks of reference, two of production: at
a small reference, any retrain gains from the extra rows alone, which would hide what the
shift did), computed once per scenario for the module. A claim that does not hold is
reported with its numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lab.data import production_frame
from lab.grade.outcome import outcome_part
from lab.remediation import RemedyError, evaluate_remedies
from lab.remediation.outcome import realised
from lab.scenario import load_scenario

SIZES: dict = {}  # the scenarios' own sizes
PIPELINE = "sla-flagging-dropped-tuesday"      # missing_values on team_load
PRIOR = "sla-breaches-pile-up"                 # prior_shift 18% -> 35%
CONCEPT = "sla-escalations-miss-real-breaches"  # concept_drift
BENIGN = "sla-drift-warnings-after-sales-push"  # a real covariate shift that does not hurt
CONTROL = "sla-dashboard-wiggles"              # no fault at all
BENIGN_MARGIN = 0.02  # "retraining buys ~nothing": at most 2% of the cost of doing nothing
FEW = 0.05  # two remedies "about as good": within 5% of each other's cost a day


@pytest.fixture(scope="module")
def evaluations():
    cache = {}

    def get(scenario_id):
        if scenario_id not in cache:
            cache[scenario_id] = evaluate_remedies(load_scenario(scenario_id), seed=0, **SIZES)
        return cache[scenario_id]

    return get


def costs(evaluation) -> dict[str, float]:
    return {name: round(o.cost_per_day) for name, o in evaluation.outcomes.items()}


def test_every_remedy_runs_on_the_same_week(evaluations):
    evaluation = evaluations(PIPELINE)
    assert set(evaluation.outcomes) == {"nothing", "fix-pipeline", "re-threshold", "retrain",
                                        "retrain:production"}, evaluation.notes
    rows = {o.rows for o in evaluation.outcomes.values()}
    days = {o.days for o in evaluation.outcomes.values()}
    assert len(rows) == 1 and days == {7}
    # The week after the run: it starts where the run's last day ends.
    first = evaluation.outcomes["nothing"].per_day["day"].iloc[0]
    assert first == evaluation.before.per_day["day"].iloc[-1] + pd.Timedelta(days=1)
    assert evaluation.table()["regret_per_day"].min() == 0.0


def test_pipeline_fault_fixing_the_feed_is_best_and_doing_nothing_worst(evaluations):
    evaluation = evaluations(PIPELINE)
    cost = costs(evaluation)
    assert evaluation.best == "fix-pipeline", cost
    assert evaluation.best_accepted() == "fix-pipeline"
    assert cost["nothing"] == max(cost.values()), cost
    # Retraining on the broken feed recovers part of the loss, not all of it.
    assert cost["fix-pipeline"] < cost["retrain:production"] < cost["nothing"], cost
    why = evaluation.table().set_index("remedy")["why"]
    assert "teaches the model to live without team_load" in why["retrain"]
    assert "saves" in why["fix-pipeline"]


def test_prior_shift_rethreshold_recovers_and_doing_nothing_is_worst(evaluations):
    evaluation = evaluations(PRIOR)
    cost = costs(evaluation)
    assert cost["nothing"] == max(cost.values()), cost
    # Doing nothing costs about twice the re-threshold: the key does not accept it.
    assert cost["re-threshold"] < 0.6 * cost["nothing"], cost
    assert cost["fix-pipeline"] == cost["nothing"]  # nothing in the feed to fix
    assert "nothing to fix" in evaluation.outcomes["fix-pipeline"].note


def test_prior_shift_the_keys_remedies_are_the_cheapest(evaluations):
    # After a prior shift the ranking holds: a threshold re-chosen on the labels since the
    # onset and a refit on them both learn the new base rate. The key accepts both, not
    # doing nothing: the cheapest remedy is one of them, and the other is about as good.
    evaluation = evaluations(PRIOR)
    cost = costs(evaluation)
    assert set(evaluation.accepted) == {"re-threshold", "retrain"}
    assert evaluation.best == evaluation.best_accepted(), cost
    for remedy in ("re-threshold", "retrain:production"):
        assert cost[remedy] <= cost[evaluation.best] * (1 + FEW), (remedy, cost)


def test_concept_drift_retraining_on_current_data_is_best(evaluations):
    evaluation = evaluations(CONCEPT)
    cost = costs(evaluation)
    assert evaluation.best == "retrain:production", cost
    assert evaluation.best_accepted() == "retrain:production"
    assert cost["nothing"] == max(cost.values()), cost
    # Old and new data mixed: the reference outweighs the change.
    assert cost["retrain:production"] < 0.85 * cost["retrain"], cost


@pytest.mark.parametrize("scenario_id", [BENIGN, CONTROL])
def test_benign_shift_and_control_retraining_buys_nothing(evaluations, scenario_id):
    evaluation = evaluations(scenario_id)
    cost = costs(evaluation)
    nothing = cost["nothing"]
    for remedy in ("retrain", "retrain:production", "re-threshold"):
        assert cost[remedy] >= nothing * (1 - BENIGN_MARGIN), (remedy, cost)
    assert "buys about nothing" in evaluation.table().set_index("remedy")["why"]["retrain"]


def test_regret_and_the_outcome_part(evaluations):
    evaluation = evaluations(PIPELINE)
    best = evaluation.outcomes["fix-pipeline"].cost_per_day
    nothing = evaluation.outcomes["nothing"].cost_per_day
    assert evaluation.regret("fix-pipeline") == 0.0
    assert evaluation.regret("nothing") == pytest.approx(nothing - best)
    full = outcome_part(best, evaluation, "fix-pipeline")
    assert (full.name, full.points, full.maximum) == ("outcome", 10, 10)
    worse = outcome_part(nothing, evaluation, "nothing")
    relative = (nothing - best) / best
    assert worse.points == pytest.approx(10 / (1 + (relative / 0.10) ** 2), abs=0.05)
    assert worse.points < 5 and "fix-pipeline" in worse.why
    with pytest.raises(RemedyError, match="remedy"):
        evaluation.regret("roll-back")


def test_the_fix_stops_the_feed_fault_from_the_chosen_row_only():
    scenario = load_scenario(PIPELINE)
    plain = production_frame(scenario, 6000, 0, 6000)
    longer = production_frame(scenario, 6000, 0, 6000, extra_rows=6000)
    assert longer.truths[0].onset_row == plain.truths[0].onset_row
    fixed = production_frame(scenario, 6000, 0, 6000, extra_rows=6000, fixed_from=9000)
    missing = fixed.frame["team_load"].isna().to_numpy()
    assert missing[plain.truths[0].onset_row:9000].mean() > 0.6  # the fault goes on...
    assert missing[9000:].mean() == pytest.approx(longer.frame["team_load"].iloc[:3000]
                                                  .isna().mean(), abs=0.03)  # ...then stops
    assert fixed.truths[0].details["fixed_from_row"] == 9000
    # A real change of the world is not the feed's: fixing changes nothing.
    prior = load_scenario(PRIOR)
    a = production_frame(prior, 6000, 0, 6000, extra_rows=3000)
    b = production_frame(prior, 6000, 0, 6000, extra_rows=3000, fixed_from=6000)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    with pytest.raises(ValueError, match="fixed_from"):
        production_frame(prior, 6000, 0, 6000, fixed_from=10**6)


def test_review_capacity_leaves_late_alerts_unreviewed():
    scenario = load_scenario(PIPELINE)  # capacity 400 a day, FP 20, FN 150
    schema = scenario.world_.schema
    day = pd.Timestamp("2026-02-02")
    frame = pd.DataFrame({schema.timestamp: [day + pd.Timedelta(seconds=i) for i in range(500)],
                          schema.target: np.r_[np.ones(50), np.zeros(450)].astype(int)})
    alerts = np.ones(500, dtype=bool)  # 500 alerts: the last 100 (all negatives) unreviewed
    out = realised("x", frame, alerts, scenario)
    assert out.unreviewed_per_day == 100
    assert out.cost_per_day == 350 * 20  # reviewed false positives; every breach was caught
    late = frame.iloc[::-1].reset_index(drop=True)  # breaches last: 50 of them missed
    late[schema.timestamp] = frame[schema.timestamp]
    out = realised("x", late, alerts, scenario)
    assert out.cost_per_day == 400 * 20 + 50 * 150


def test_bad_input_names_the_field():
    scenario = load_scenario(CONTROL)
    with pytest.raises(RemedyError, match="remedy: 'reboot'"):
        evaluate_remedies(scenario, remedies=("reboot",), **SIZES)
    with pytest.raises(RemedyError, match="roll-back needs the previous model"):
        evaluate_remedies(scenario, remedies=("roll-back",), **SIZES)


def test_the_outcome_part_joins_a_grade_and_the_total_stays_out_of_100(evaluations):
    from lab.grade import Answers, grade
    from lab.grade.scores import round_score
    from tests.test_grade import EVIDENCE, UNITS

    answers = Answers(kind="pipeline", action="fix-pipeline")
    plain = grade(UNITS, answers, EVIDENCE)
    assert "outcome" not in [p.name for p in plain.parts]
    evaluation = evaluations(PIPELINE)
    part = outcome_part(evaluation.outcomes["nothing"].cost_per_day, evaluation, "nothing")
    graded = grade(UNITS, answers, EVIDENCE, outcome=part)
    assert graded.part("outcome") == part
    points = sum(p.points for p in plain.parts) + part.points
    assert graded.total == round_score(100 * points / 110)
