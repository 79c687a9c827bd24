"""Candidates load-tested against real servers: cost against p99, per model."""

from __future__ import annotations

import pytest

from lab.load.candidates import load_test_candidates
from lab.scenario import ModelSpec, load_scenario

pytestmark = pytest.mark.slow


def test_each_candidate_is_trained_served_and_measured_at_the_rate(lab_home):
    scenario = load_scenario("sla-latency-budget")
    light = ModelSpec(kind="logistic_regression")
    heavy = ModelSpec(kind="random_forest", params={"n_estimators": 200, "min_samples_leaf": 1})
    results = load_test_candidates(scenario, rate=20.0, requests=120, seed=0,
                                   candidates=(light, heavy), train_rows=4000)
    by_kind = {r.kind: r for r in results}
    assert set(by_kind) == {"logistic_regression", "random_forest"}
    for r in results:
        assert r.errors == 0 and r.cost_per_day > 0 and r.workers == 1
        assert r.model == f"sla-latency-budget--{r.kind.replace('_', '-')}"
        # The user's wait includes the server's: never less.
        assert r.p99_ms >= r.server_p99_ms > 0
    # The forest scores a record many times slower than the logistic regression.
    assert by_kind["random_forest"].server_p99_ms > 2 * by_kind["logistic_regression"].server_p99_ms
