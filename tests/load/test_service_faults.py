"""Service faults through the real server: the plan acts privately, the monitor sees it."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema
import numpy as np
import pytest

from lab.load import open_loop_traffic
from lab.scenario import load_scenario
from lab.serve.dependency import lookup_ms
from lab.service import SlowDependency, TrafficSurge, make_fault
from tests.serve.conftest import SCENARIO

SCHEMA = json.loads(Path("docs/monitoring.schema.json").read_text())
ROWS = 600
RATE = 40.0


@pytest.fixture(scope="module")
def slow_run(served, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        from lab.config import get_settings

        mp.setenv("LAB_HOME", str(served.home))
        get_settings.cache_clear()
        fault = SlowDependency(base_ms=1.0, slow_ms=25.0, tail=2.0, onset=0.5, seed=1)
        sent = open_loop_traffic(load_scenario(SCENARIO), served.url, rate=RATE, rows=ROWS,
                                 seed=3, faults=[fault], reference_rows=6000)
        get_settings.cache_clear()
    return fault, sent


def test_the_slow_dependency_slows_requests_from_the_onset_only(slow_run, served):
    fault, sent = slow_run
    assert sent.load.statuses == {"200": ROWS}
    stored = served.store.frame(SCENARIO, run=sent.run)
    order = stored["request_id"].str.rsplit("-", n=1).str[1].astype(int)
    latency = stored.set_index(order)["latency_ms"].sort_index().to_numpy()
    onset = fault.onset_row(ROWS)
    # From the onset every lookup waits at least slow_ms; before it, about base_ms.
    assert np.min(latency[onset + 1:]) >= 25.0
    assert np.median(latency[:onset - 1]) < 25.0 <= np.median(latency[onset + 1:])
    truth = next(t for t in sent.truths if t["kind"] == "slow_dependency")
    assert truth["category"] == "service" and truth["details"]["cause"] == "slow-dependency"
    assert truth["onset_row"] == onset


def test_the_served_api_shows_nothing_of_the_plan(slow_run, served):
    _fault, sent = slow_run
    doc = httpx.get(f"{served.url}/openapi.json").text
    assert "service_plan" not in doc and "slow_ms" not in doc
    stats = httpx.get(f"{served.url}/models/{SCENARIO}/stats", params={"run": sent.run}).text
    assert "slow" not in stats and "plan" not in stats


def test_the_monitoring_json_has_a_service_section_per_window(slow_run, served, monkeypatch):
    from lab.config import get_settings
    from lab.monitor import monitor_model

    _fault, sent = slow_run
    monkeypatch.setenv("LAB_HOME", str(served.home))
    get_settings.cache_clear()
    result = monitor_model(SCENARIO, window="200", run=sent.run)
    data = json.loads(json.dumps(result.to_dict(), default=str))
    jsonschema.validate(data, SCHEMA)
    services = [w["service"] for w in data["windows"]]
    assert sum(s["requests"] for s in services) == ROWS
    assert all(s["errors_by_status"] == {} and s["error_rate"] == 0 for s in services)
    # The first window is before the onset (row 300), the last after it.
    assert services[-1]["latency_ms"]["p50"] > 25 > services[0]["latency_ms"]["p50"]
    assert services[-1]["latency_ms"]["p99"] >= services[-1]["latency_ms"]["p95"]
    assert sum(services[0]["histogram"]["counts"]) == services[0]["requests"]
    assert services[0]["throughput"] == pytest.approx(RATE, rel=0.35)


def test_lookup_times_are_drawn_from_the_request_and_heavy_tailed():
    plan = SlowDependency(base_ms=2, slow_ms=10, tail=1.5, seed=0).server_plan(
        __import__("pandas").Timestamp("2026-01-02"))
    from datetime import datetime

    before = [lookup_ms(plan, datetime(2026, 1, 1), f"r{i}") for i in range(2000)]
    after = [lookup_ms(plan, datetime(2026, 1, 3), f"r{i}") for i in range(2000)]
    assert lookup_ms(plan, datetime(2026, 1, 3), "r1") == after[1]  # a replay waits the same
    assert np.median(before) == pytest.approx(2, rel=0.1)
    assert np.min(after) >= 10 and np.percentile(after, 99) > 5 * np.median(after)


def test_a_surge_raises_the_rate_from_its_onset():
    rates = TrafficSurge(factor=3, onset=0.25).rates(np.full(100, 10.0))
    assert rates[:25].tolist() == [10.0] * 25 and rates[25:].tolist() == [30.0] * 75


@pytest.mark.parametrize("kind, params, field", [
    ("traffic_surge", {"factor": 0.5}, "factor"),
    ("slow_dependency", {"tail": 1.0}, "tail"),
    ("slow_dependency", {"onset": 1.5}, "onset"),
    ("traffic_surge", {"speed": 2}, "speed"),
    ("no_such_fault", {}, "allowed"),
])
def test_a_bad_fault_names_its_field(kind, params, field):
    with pytest.raises(ValueError, match=field):
        make_fault(kind, **params)


def test_the_grade_checks_the_stated_p99_against_the_candidates_own_run(slow_run, served,
                                                                          monkeypatch):
    from lab.config import get_settings
    from lab.grade import Answers, grade
    from lab.grade.evidence import evidence_from_run

    _fault, sent = slow_run
    monkeypatch.setenv("LAB_HOME", str(served.home))
    get_settings.cache_clear()
    # The key of the serving scenario, over this run of the served model.
    scenario = load_scenario("sla-slow-escalations")
    evidence = evidence_from_run(scenario, SCENARIO, sent.run)
    after = [w["service"]["p99_ms"] for w in evidence.monitoring["windows"]
             if w["end"] >= evidence.truth[-1]["onset_time"]]
    right = grade(scenario, Answers(root_cause="slow-dependency", measured_p99_ms=max(after),
                                    service_remedy="cache-or-timeout-dependency"), evidence)
    wrong = grade(scenario, Answers(root_cause="traffic-surge", measured_p99_ms=max(after) * 3,
                                    service_remedy="scale-or-shed-load"), evidence)
    assert right.part("measured_p99").points == 10 and right.part("remedy").points == 10
    assert right.part("root_cause").points == 10
    assert wrong.part("measured_p99").points == 0 and wrong.part("remedy").points == 0
    # 30 of the 120 points a serving scenario has, on a total scaled to 100.
    assert right.total - wrong.total >= 25


def test_a_serving_scenario_goes_open_loop_and_reports_like_any_run(served, monkeypatch):
    from lab.config import get_settings
    from lab.load import send_scenario_traffic

    monkeypatch.setenv("LAB_HOME", str(served.home))
    get_settings.cache_clear()
    seen = []
    report = send_scenario_traffic(load_scenario("sla-slow-escalations"), served.url,
                                   rows=300, seed=1, reference_rows=6000, model=SCENARIO,
                                   progress=seen.append)
    assert report.predictions == 300 and report.requests == 300
    assert report.errors_by_status == {} and None not in report.decisions
    assert report.request_ids[7] == f"{report.run}-7"
    assert [p.done for p in seen] == [250, 300]
    assert [t.kind for t in report.truths] == ["slow_dependency"]
    assert served.store.count(SCENARIO, run=report.run) == 300
    # Its traffic came one record a request at the scenario's rate (40/s): ~7.5 s, not ~1.
    assert report.seconds > 4 and len(report.latencies_ms) == 300
