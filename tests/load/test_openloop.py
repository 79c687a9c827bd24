"""Open-loop load against the real server: arrivals on schedule, latency from intent."""

from __future__ import annotations

import httpx
import numpy as np
import orjson
import pytest

from lab.load import arrival_offsets, closed_loop, open_loop
from lab.scenario import load_scenario
from lab.traffic import records_of
from tests.serve.conftest import SCENARIO


def test_poisson_arrivals_are_seeded_and_keep_the_rate():
    offsets = arrival_offsets(200.0, 4000, seed=3)
    assert offsets[0] == 0 and np.all(np.diff(offsets) >= 0)
    assert np.array_equal(offsets, arrival_offsets(200.0, 4000, seed=3))
    assert not np.array_equal(offsets, arrival_offsets(200.0, 4000, seed=4))
    assert np.mean(np.diff(offsets)) == pytest.approx(1 / 200, rel=0.05)
    # Exponential gaps: their spread equals their mean (a fixed-interval sender's is 0).
    assert np.std(np.diff(offsets)) == pytest.approx(1 / 200, rel=0.1)


def test_a_rate_per_request_makes_a_surge():
    rates = np.r_[np.full(2000, 50.0), np.full(2000, 200.0)]
    gaps = np.diff(arrival_offsets(rates, seed=0))
    assert np.mean(gaps[:1999]) == pytest.approx(1 / 50, rel=0.1)
    assert np.mean(gaps[2000:]) == pytest.approx(1 / 200, rel=0.1)


@pytest.mark.parametrize("rates", [0.0, -1.0])
def test_a_bad_rate_is_named(rates):
    with pytest.raises(ValueError, match="rates"):
        arrival_offsets(rates, 10)


def _bodies(n: int, run: str) -> list[bytes]:
    scenario = load_scenario(SCENARIO)
    frame = scenario.world_.sample(n, seed=1)
    records = records_of(frame, scenario.world_.schema.names)
    return [orjson.dumps({"run": run, "features": r, "request_id": f"{run}-{i}"})
            for i, r in enumerate(records)]


def test_open_loop_keeps_the_schedule_and_the_server_logs_the_whole_wait(served):
    bodies = _bodies(150, "open-a")
    load = open_loop(served.url, f"/models/{SCENARIO}/predict", bodies, 60.0, seed=2)
    assert load.statuses == {"200": 150} and load.requests == 150
    expected = arrival_offsets(60.0, 150, seed=2)[-1]
    assert load.seconds == pytest.approx(expected, abs=1.0)  # the schedule, not the answers
    assert load.send_lag_ms < 100
    stored = served.store.frame(SCENARIO, run="open-a").set_index("request_id")
    assert len(stored) == 150
    client_ms = dict(zip([f"open-a-{i}" for i in range(150)], load.latencies_ms))
    # The server's latency is taken after the commit: positive, never more than the wait
    # the client measured from its intended send time.
    for rid, row in stored.iterrows():
        assert 0 < row["latency_ms"] <= client_ms[rid] + 1e-6


def test_closed_loop_sends_everything_at_its_concurrency(served):
    load = closed_loop(served.url, f"/models/{SCENARIO}/predict", _bodies(80, "closed-a"),
                       concurrency=4)
    assert load.statuses == {"200": 80} and load.mode == "closed"
    assert load.throughput > 0 and load.p(99) >= load.p(50) > 0
    with pytest.raises(ValueError, match="concurrency"):
        closed_loop(served.url, "/x", [], concurrency=0)


def test_a_refused_request_counts_by_status(served):
    bad = [b'{"features": {"nope": 1}}'] * 5
    load = open_loop(served.url, f"/models/{SCENARIO}/predict", bad, 100.0)
    assert load.statuses == {"422": 5} and load.errors == 5
    assert httpx.get(f"{served.url}/health").status_code == 200
