"""The service-level parts: the remedy, the stated p99 and the budget, against the run."""

from __future__ import annotations

import pandas as pd
import pytest

from lab.grade import Answers
from lab.grade.evidence import RunEvidence
from lab.grade.service import run_service, service_parts
from lab.scenario import load_scenario

ONSET = "2026-01-02 00:00:00"


def _evidence(p99s: list[float], rate: float = 40.0) -> RunEvidence:
    windows = []
    for i, p99 in enumerate(p99s):
        windows.append({"index": i, "start": f"2026-01-0{i + 1} 00:00:00",
                        "end": f"2026-01-0{i + 1} 23:59:00",
                        "service": {"p99_ms": p99, "seconds": 100.0,
                                    "requests": int(rate * 100)}})
    truth = [{"kind": "slow_dependency", "category": "service", "features": [],
              "onset_time": ONSET}]
    return RunEvidence(truth, pd.DataFrame(), {"windows": windows}, None, 1500)


def _parts(sid: str, evidence: RunEvidence, **answers) -> dict:
    return {p.name: p for p in service_parts(load_scenario(sid), Answers(**answers), evidence)}


def test_the_run_p99_is_the_worst_window_from_the_onset():
    evidence = _evidence([10.0, 42.0, 30.0])
    assert run_service(evidence.monitoring)["p99_ms"] == 42.0
    assert run_service(evidence.monitoring, pd.Timestamp("2026-01-03"))["p99_ms"] == 30.0
    assert run_service(evidence.monitoring)["rate"] == pytest.approx(40.0)


@pytest.mark.parametrize("stated, points", [(42.0, 10), (45.0, 10), (20.0, 0)])
def test_a_stated_p99_holds_within_tolerance_of_the_run(stated, points):
    parts = _parts("sla-slow-escalations", _evidence([10.0, 42.0]),
                   service_remedy="cache-or-timeout-dependency", measured_p99_ms=stated)
    assert parts["measured_p99"].points == points
    assert parts["remedy"].points == 10


def test_a_wrong_or_missing_remedy_scores_nothing_and_says_why():
    parts = _parts("sla-slow-escalations", _evidence([10.0, 42.0]),
                   service_remedy="scale-or-shed-load")
    assert parts["remedy"].points == 0 and "cache-or-timeout" in parts["remedy"].why
    assert _parts("sla-slow-escalations", _evidence([1.0]))["remedy"].why.startswith(
        "Unanswered")


@pytest.mark.parametrize("p99s, rate, points", [
    ([20.0, 45.0], 40.0, 10),   # met at the rate
    ([20.0, 80.0], 40.0, 0),    # missed
    ([20.0, 30.0], 20.0, 0),    # met, but at half the rate asked
])
def test_the_budget_is_checked_at_the_stated_rate(p99s, rate, points):
    parts = _parts("sla-latency-budget", _evidence(p99s, rate),
                   chosen_model="hist_gradient_boosting", workers=2,
                   measured_p99_ms=max(p99s))
    assert parts["budget"].points == points
    assert parts["measured_p99"].points == 10
    assert "remedy" not in parts  # this key asks for no remedy


def test_other_scenarios_have_no_service_parts():
    scenario = load_scenario("sla-flagging-dropped-tuesday")
    assert service_parts(scenario, Answers(), _evidence([1.0])) == []


def test_a_service_fault_is_no_kind_of_data_problem():
    from lab.grade import grade

    evidence = _evidence([10.0, 42.0])
    graded = grade(load_scenario("sla-slow-escalations"), Answers(kind="none"), evidence)
    assert graded.part("kind").points == 5
    graded = grade(load_scenario("sla-slow-escalations"), Answers(kind="pipeline"), evidence)
    assert graded.part("kind").points == 0
