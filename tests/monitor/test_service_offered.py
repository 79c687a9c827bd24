"""The service section's offered side: what the clients meant to send, beside what was served."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lab.monitor.service import attach

T0 = pd.Timestamp("2026-03-02 09:00:00")


def _run(offered_rate: float, capacity: float, n: int = 200):
    """A window's log: ``n`` requests due at ``offered_rate``, served at most at ``capacity``
    (each received when the server is free), event times one minute apart."""
    intended = T0 + pd.to_timedelta(np.arange(n) / offered_rate, unit="s")
    received, free = [], T0
    for due in intended:
        free = max(free, due) + pd.Timedelta(seconds=1 / capacity)
        received.append(free)
    events = pd.Timestamp("2026-01-05") + pd.to_timedelta(np.arange(n), unit="min")
    raw = pd.DataFrame({"event_time": events, "received_at": received,
                        "latency_ms": 5.0, "version": 1})
    waited = (pd.Series(received) - pd.Series(intended)).dt.total_seconds() * 1000
    sends = pd.DataFrame({"request_id": [f"r-{i}" for i in range(n)], "event_time": events,
                          "intended_at": intended, "latency_ms": waited,
                          "status": "200"})
    return raw, sends


def _service(raw, sends):
    windows = [{"start": str(raw["event_time"].iloc[0]), "end": str(raw["event_time"].iloc[-1])}]
    attach(windows, raw, pd.DataFrame(columns=["status", "at"]), sends)
    return windows[0]["service"]


def test_below_capacity_what_is_offered_is_served_at_once():
    s = _service(*_run(offered_rate=40, capacity=200))
    assert s["offered"]["rate"] == pytest.approx(40, rel=0.02)
    assert s["throughput"] == pytest.approx(40, rel=0.02)
    assert s["offered"]["latency_ms"]["p99"] == pytest.approx(5, abs=0.5)
    assert s["offered"]["requests"] == s["requests"] == 200


def test_past_capacity_served_stops_at_it_and_the_rest_queues():
    s = _service(*_run(offered_rate=160, capacity=80))
    assert s["offered"]["rate"] == pytest.approx(160, rel=0.02)
    assert s["throughput"] == pytest.approx(80, rel=0.02)
    # The last of 200 requests waits for the 100 the server could not take as they came.
    assert s["offered"]["latency_ms"]["p99"] > 1000
    assert s["offered"]["unanswered"] == 0


def test_a_run_without_the_clients_record_has_no_offered_side():
    raw, _sends = _run(offered_rate=40, capacity=200)
    assert _service(raw, None)["offered"] is None
    assert _service(raw, _sends.iloc[:0])["offered"] is None


def test_the_store_keeps_the_clients_record_per_run_until_the_run_is_pruned(tmp_path):
    from lab.serve.store import PredictionStore

    store = PredictionStore(f"sqlite:///{tmp_path / 'predictions.db'}")
    try:
        _raw, sends = _run(offered_rate=40, capacity=200, n=5)
        rows = sends.drop(columns="request_id").assign(
            request_id=[f"run-a-{i}" for i in range(5)]).to_dict("records")
        rows = [{**r, "event_time": r["event_time"].to_pydatetime(),
                 "intended_at": r["intended_at"].to_pydatetime()} for r in rows]
        assert store.record_sends("run-a", rows) == 5
        assert store.record_sends("run-a", rows[:3]) == 3  # a run recorded again replaces
        got = store.sends("run-a")
        assert got["request_id"].tolist() == ["run-a-0", "run-a-1", "run-a-2"]
        assert pd.to_datetime(got["intended_at"]).is_monotonic_increasing
        assert store.sends("run-b").empty
        store.prune("m", run="run-a", execute=True)
        assert store.sends("run-a").empty
    finally:
        store.dispose()
