"""A model under a p99 budget, graded against the candidate's saved load tests (pure)."""

from __future__ import annotations

import pandas as pd
import pytest

from lab.grade import Answers, grade
from lab.grade.budget import budget_parts, kind_of
from lab.grade.evidence import RunEvidence
from lab.load.candidates import candidate_kinds
from lab.scenario import load_scenario

BUDGET, RATE = 50.0, 40.0
KINDS = candidate_kinds()


def _test(i, kind, workers, p99, cost, rate=RATE, errors=0, server=None):
    return {"id": i, "kind": kind, "workers": workers, "rate": rate, "throughput": rate,
            "p99_ms": p99, "server_p99_ms": server if server is not None else p99 * 0.6,
            "cost_per_day": cost, "errors": errors}


# Three candidates at the rate, two workers each: the forest is the cheapest but too slow.
TESTS = [_test(1, "logistic_regression", 2, 8.0, 900.0),
         _test(2, "hist_gradient_boosting", 2, 21.0, 700.0),
         _test(3, "random_forest", 2, 310.0, 650.0)]


def _parts(tests=TESTS, **answers) -> dict:
    parts = budget_parts(Answers(**answers), tests, BUDGET, RATE, KINDS)
    return {p.name: p for p in parts}


def _points(parts: dict) -> dict:
    return {name: p.points for name, p in parts.items()}


def test_the_cheapest_model_within_the_budget_with_its_own_p99_earns_every_part():
    parts = _parts(chosen_model="hist_gradient_boosting", workers=2, measured_p99_ms=20.0)
    assert _points(parts) == {"budget": 10, "measured_p99": 10, "expected_cost": 10}
    assert "p99 21.0 ms against a budget of 50 ms: met" in parts["budget"].why
    assert "lowest expected cost" in parts["expected_cost"].why


def test_a_model_over_the_budget_misses_it_and_is_told_the_cheapest_that_met_it():
    parts = _parts(chosen_model="random_forest", workers=2, measured_p99_ms=310.0)
    assert _points(parts) == {"budget": 0, "measured_p99": 10, "expected_cost": 0}
    assert parts["budget"].why.endswith("missed.")
    assert "hist_gradient_boosting with 2 worker(s) met it at 700 a day" in \
        parts["expected_cost"].why


def test_a_model_within_the_budget_that_costs_more_loses_the_cost_part():
    parts = _parts(chosen_model="logistic_regression", workers=2, measured_p99_ms=8.0)
    assert _points(parts) == {"budget": 10, "measured_p99": 10, "expected_cost": 0}
    assert "costs 900 a day" in parts["expected_cost"].why


@pytest.mark.parametrize("stated, points, says", [
    (23.0, 10, "it holds"),            # within 5 ms
    (12.6, 0, "the server's own p99"),  # the server's figure, not what a caller waits
    (40.0, 0, "it does not hold"),
])
def test_the_stated_p99_is_checked_against_that_load_test(stated, points, says):
    parts = _parts(chosen_model="hist_gradient_boosting", workers=2, measured_p99_ms=stated)
    assert parts["measured_p99"].points == points and says in parts["measured_p99"].why


def test_a_choice_never_load_tested_at_the_rate_scores_nothing_and_says_what_was():
    tests = [*TESTS, _test(4, "hist_gradient_boosting", 1, 12.0, 700.0, rate=20.0)]
    parts = _parts(tests, chosen_model="hist_gradient_boosting", workers=1,
                   measured_p99_ms=12.0)
    assert _points(parts) == {"budget": 0, "measured_p99": 0, "expected_cost": 0}
    assert "never load-tested hist_gradient_boosting with 1 worker(s) at 36 requests/s" in \
        parts["budget"].why
    assert "hist_gradient_boosting x2" in parts["budget"].why


def test_the_newest_test_of_a_choice_is_the_one_judged():
    tests = [*TESTS, _test(5, "hist_gradient_boosting", 2, 75.0, 700.0)]
    parts = _parts(tests, chosen_model="hist_gradient_boosting", workers=2,
                   measured_p99_ms=21.0)
    assert _points(parts) == {"budget": 0, "measured_p99": 0, "expected_cost": 0}
    assert "test #5" in parts["budget"].why


def test_errors_miss_the_budget_and_untested_candidates_leave_cost_unproven():
    tests = [TESTS[0], _test(2, "hist_gradient_boosting", 2, 21.0, 700.0, errors=3)]
    parts = _parts(tests, chosen_model="hist_gradient_boosting", workers=2,
                   measured_p99_ms=21.0)
    assert parts["budget"].points == 0 and "3 errors" in parts["budget"].why
    assert parts["expected_cost"].points == 0
    assert "missing: random_forest" in parts["expected_cost"].why


def test_unanswered_or_without_load_tests_every_part_says_why():
    assert all(p.why.startswith("Unanswered") for p in _parts().values())
    parts = _parts([], chosen_model="hist_gradient_boosting", workers=2)
    assert all("driftlab loadtest" in p.why and p.points == 0 for p in parts.values())


def test_the_sheet_may_name_the_registered_candidate():
    assert kind_of("alice.sla-latency-budget--hist-gradient-boosting", KINDS) == \
        "hist_gradient_boosting"
    assert kind_of("random_forest", KINDS) == "random_forest"
    assert kind_of("xgboost", KINDS) == "xgboost"


def test_grade_reads_the_load_tests_in_the_evidence_and_stays_out_of_100():
    evidence = RunEvidence([], pd.DataFrame(), {"windows": []}, None, 1500, load_tests=TESTS)
    scenario = load_scenario("sla-latency-budget")
    right = grade(scenario, Answers(chosen_model="hist_gradient_boosting", workers=2,
                                    measured_p99_ms=21.0), evidence)
    wrong = grade(scenario, Answers(chosen_model="random_forest", workers=2,
                                    measured_p99_ms=310.0), evidence)
    assert {right.part(n).points for n in ("budget", "measured_p99", "expected_cost")} == {10}
    assert wrong.part("budget").points == 0 and wrong.part("expected_cost").points == 0
    assert right.total > wrong.total and right.total <= 100
    assert sum(p.maximum for p in right.parts) == 130  # 100 + the three budget parts


def test_a_stress_test_after_the_budget_test_does_not_replace_it():
    # The candidate met the budget at the rate, then pushed the same choice to three times it.
    stressed = [*TESTS, _test(4, "hist_gradient_boosting", 2, 900.0, 700.0, rate=3 * RATE)]
    parts = _parts(stressed, chosen_model="hist_gradient_boosting", workers=2,
                   measured_p99_ms=20.0)
    assert _points(parts) == {"budget": 10, "measured_p99": 10, "expected_cost": 10}
    # Without a test near the rate, the stress test is what there is.
    only = [t for t in stressed if t["id"] != 2]
    parts = _parts(only, chosen_model="hist_gradient_boosting", workers=2,
                   measured_p99_ms=20.0)
    assert parts["budget"].points == 0
