"""The three "p99 doubled overnight" scenarios, told apart by their evidence.

Each scenario's own stream and service fault goes through the real server (one module-scoped
run each, at small sizes) and `monitor_model`; the monitoring JSON must show what tells the
causes apart: a surge -> offered rate up, served throughput held at the server's capacity,
queueing; a heavier model -> the version changed at the onset, p50 up at the same rate; a
slow dependency -> the same version and rate, the tail up. Margins hold on a loaded 2-core host.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from lab.config import Settings
from lab.scenario import load_scenario
from lab.serve.process import ServerProcess
from tests.serve.conftest import trained_home

pytestmark = pytest.mark.slow

SCHEMA = json.loads(Path("docs/monitoring.schema.json").read_text())
SURGE, HEAVIER, SLOW = ("sla-tracker-slow-at-peak", "sla-tracker-slow-after-release",
                        "sla-slow-escalations")
# The heavier model's prepare() trains a challenger of the scenario it is given and
# promotes it on the served model's name: the served model is that scenario's. The three
# scenarios share world, model kind and schema, so the others' streams fit it as well.
MODEL = HEAVIER
ROWS = 600            # onset at row 300: windows 0-1 before it, 2-3 after
WINDOW = "150"


@pytest.fixture(scope="module")
def home(tmp_path_factory, migrated_store):
    return trained_home(tmp_path_factory, migrated_store, scenarios=(MODEL,))


@pytest.fixture(scope="module")
def runs(home):
    """One open-loop run per scenario (its own rate and faults), monitored."""
    from lab.config import get_settings
    from lab.load import open_loop_traffic
    from lab.monitor import monitor_model

    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAB_HOME", str(home))
        get_settings.cache_clear()
        with ServerProcess(Settings(home=home), log_path=home / "server.log") as server:
            for sid in (SLOW, SURGE, HEAVIER):
                scenario = load_scenario(sid)
                faults = scenario.service_faults(seed=1)
                sent = open_loop_traffic(scenario, server.url, scenario.traffic_rate,
                                         rows=ROWS, seed=2, model=MODEL, faults=faults,
                                         reference_rows=6000)
                result = monitor_model(MODEL, window=WINDOW, run=sent.run)
                out[sid] = (sent, json.loads(json.dumps(result.to_dict(), default=str)))
        get_settings.cache_clear()
    for sid, (_sent, monitoring) in out.items():  # the evidence, for the record (-s)
        print(f"\n{sid}: window versions offered/s served/s p50 p99 client-p99 (ms)")
        for w in monitoring["windows"]:
            s = w["service"]
            print(f"  {w['index']} {s['versions']} {s['offered']['rate']} {s['throughput']} "
                  f"{p50(s)} {p99(s)} {s['offered']['latency_ms']['p99']}")
    return out


def _before_after(monitoring):
    windows = monitoring["windows"]
    assert len(windows) == 4 and all(w.get("service") for w in windows)
    return [w["service"] for w in windows[:2]], [w["service"] for w in windows[2:]]


def _mean(sections, get):
    return sum(get(s) for s in sections) / len(sections)


def p50(s):
    return s["latency_ms"]["p50"]


def p99(s):
    return s["latency_ms"]["p99"]


def offered(s):
    return s["offered"]["rate"]


def served(s):
    return s["throughput"]


@pytest.mark.parametrize("sid", [SURGE, HEAVIER, SLOW])
def test_every_window_is_kept_and_valid(runs, sid):
    sent, monitoring = runs[sid]
    jsonschema.validate(monitoring, SCHEMA)
    sections = [w["service"] for w in monitoring["windows"]]
    assert sum(s["requests"] for s in sections) == ROWS
    assert sum(s["offered"]["requests"] for s in sections) == ROWS
    assert all(s["error_rate"] == 0 and s["offered"]["unanswered"] == 0 for s in sections)


def test_a_surge_reads_as_offered_up_served_flat_and_queueing(runs):
    _sent, monitoring = runs[SURGE]
    before, after = _before_after(monitoring)
    # Offered: the clients meant to send 15x as many requests a second (past capacity).
    assert _mean(before, offered) == pytest.approx(40, rel=0.35)
    assert _mean(after, offered) > 4 * _mean(before, offered)
    # Served: the server held at its capacity, well short of what was offered ...
    assert _mean(after, served) < 0.75 * _mean(after, offered)
    # ... so the requests queued: the clients' p99 (from intended send times) exploded. The
    # baseline is the warm window before the onset (the first one pays the server's warm-up).
    assert _mean(after, lambda s: s["offered"]["latency_ms"]["p99"]) > \
        10 * min(s["offered"]["latency_ms"]["p99"] for s in before)
    # The model did not change.
    assert {v for s in before + after for v in s["versions"]} == {1}


def test_a_heavier_model_reads_as_a_new_version_and_p50_up_at_the_same_rate(runs):
    sent, monitoring = runs[HEAVIER]
    before, after = _before_after(monitoring)
    truth = next(t for t in sent.truths if t["kind"] == "heavier_model")
    old, new = truth["details"]["version_before"], truth["details"]["version_after"]
    # The version changed at the onset: only the old before it, only the new one at the end
    # (the window of the promotion holds both while the server reloads).
    assert [s["versions"] for s in before] == [[old], [old]]
    assert after[-1]["versions"] == [new]
    # Every request costs more: the median rose (here ~6 -> ~15 ms). The tail of 150
    # requests on a loaded host is mostly the host's own noise, so the median is the check.
    assert p50(after[-1]) > 1.5 * max(p50(s) for s in before)
    # ... at the same offered rate, all of it served.
    assert _mean(after, offered) == pytest.approx(_mean(before, offered), rel=0.35)
    assert after[-1]["throughput"] == pytest.approx(after[-1]["offered"]["rate"], rel=0.35)
    # Model figures stay honest: each window is judged as the version that served most of it.
    windows = monitoring["windows"]
    assert [w["version"] for w in windows[:2]] == [old, old] and windows[-1]["version"] == new
    assert any(f"versions [{old}, {new}]" in note for note in monitoring["notes"])


def test_a_slow_dependency_reads_as_the_same_version_and_rate_with_the_tail_up(runs):
    _sent, monitoring = runs[SLOW]
    before, after = _before_after(monitoring)
    assert {v for s in before + after for v in s["versions"]} == {1}
    assert _mean(after, offered) == pytest.approx(_mean(before, offered), rel=0.35)
    # Every request waits for the lookup (p50 up by about slow_ms), the tail by far more.
    rise50 = _mean(after, p50) - _mean(before, p50)
    rise99 = _mean(after, p99) - _mean(before, p99)
    assert rise50 > 8 and rise99 > 2 * rise50


def test_the_three_are_told_apart(runs):
    """One rule over the evidence alone names each run's cause."""
    def cause(monitoring) -> str:
        before, after = _before_after(monitoring)
        if {v for s in after for v in s["versions"]} - {v for s in before
                                                        for v in s["versions"]}:
            return "heavier-model"
        if _mean(after, offered) > 2 * _mean(before, offered):
            return "traffic-surge"
        if _mean(after, p99) > 2 * _mean(before, p99):
            return "slow-dependency"
        return "nothing"

    assert {sid: cause(runs[sid][1]) for sid in runs} == {
        SURGE: "traffic-surge", HEAVIER: "heavier-model", SLOW: "slow-dependency"}
    for sid in runs:
        key = load_scenario(sid).questions.answer.root_cause
        assert cause(runs[sid][1]) == key
