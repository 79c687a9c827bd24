"""Open-loop load against the real server: arrivals on schedule, latency from intent."""

from __future__ import annotations

import httpx
import numpy as np
import orjson
import pytest

from lab import tracking
from lab.load import arrival_offsets, closed_loop, open_loop
from lab.load.breakdown import batch_throughput, latency_breakdown, stages
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


# Where the milliseconds go and what batching buys (lab.load.breakdown), on the same server.

def _records(n: int, seed: int = 5) -> list[dict]:
    world = load_scenario(SCENARIO).world_
    return records_of(world.sample(n, seed=seed), world.schema.names)


def test_each_stage_fits_inside_the_next(in_served_home):
    served = in_served_home
    champion = tracking.load_champion(SCENARIO)
    names = [f["name"] for f in champion.card["features"]]
    frame = latency_breakdown(served.url, SCENARIO, _records(40), champion.pipeline, names,
                              served.store, run="breakdown-a")
    assert len(frame) == 40 and not frame.isna().any().any()
    assert (frame > 0).all().all()
    # The server's figure is taken before its answer leaves: never more than the round trip.
    assert (frame["server_ms"] <= frame["client_ms"] + 1e-6).all()
    # The compiled scorer is what makes the server fast: far below the pandas path.
    assert frame["model_ms"].median() < frame["pipeline_ms"].median()
    assert frame["model_ms"].median() < frame["server_ms"].median()
    parts = stages(frame)
    assert (parts >= 0).all()
    assert parts.sum() == pytest.approx(frame["client_ms"].median(), rel=1e-6)
    with pytest.raises(ValueError, match="records"):
        latency_breakdown(served.url, SCENARIO, [], champion.pipeline, names, served.store, "x")


def test_batches_carry_more_records_a_second(served):
    records = _records(200, seed=6)
    table = batch_throughput(served.url, SCENARIO, records, sizes=(1, 100), run="batch-a")
    assert list(table.index) == [1, 100]
    assert table.loc[1, "requests"] == 200 and table.loc[100, "requests"] == 2
    assert table.loc[100, "records_per_s"] > 3 * table.loc[1, "records_per_s"]
    assert table.loc[100, "p50_request_ms"] > table.loc[1, "p50_request_ms"]
    assert served.store.count(SCENARIO, run="batch-a") == 400
    with pytest.raises(ValueError, match="sizes"):
        batch_throughput(served.url, SCENARIO, records, sizes=(0,))
    assert np.isfinite(table.to_numpy()).all()


def test_load_runs_from_inside_a_running_event_loop(served):
    # As in a Jupyter kernel, whose event loop is already running.
    import asyncio

    async def inside():
        return closed_loop(served.url, f"/models/{SCENARIO}/predict",
                           _bodies(10, "inside-loop"), concurrency=2)

    assert asyncio.run(inside()).statuses == {"200": 10}
