"""The service side of a window: throughput, latency quantiles, errors by status.

Read from what the server itself logged: each prediction's ``latency_ms`` (taken after its
commit, so the whole wait inside the server) and ``received_at``, and the refused requests
(``request_errors``). A refused request has no event time, only the moment it was received:
it is counted in the window whose predictions were received around it. What the server
cannot see -- time queued before it accepted the request -- is only in the load generator's
own figures (:mod:`lab.load`), which is why the two are shown side by side.

What was **offered** comes from the load generator's record of the run (the store's
``client_sends``, written by :mod:`lab.load.stream`): each request's intended send time, so
a window's offered rate is what the clients meant to send, whatever the server managed. Under
overload the served throughput stops at the server's capacity while the offered rate keeps
rising: a surge reads as "offered 4x, served flat, queueing", not as "more requests served".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

QUANTILES = {"p50": 50, "p95": 95, "p99": 99}
HISTOGRAM_EDGES_MS = (0, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, np.inf)


def offered_of(sends: pd.DataFrame) -> dict[str, Any]:
    """What the clients meant to send in a window (``intended_at``, ``latency_ms``,
    ``status`` of each request): how many, at what rate, and what they waited from each
    intended send time to its answer (queueing included)."""
    intended = pd.to_datetime(sends["intended_at"])
    span = (intended.max() - intended.min()).total_seconds() if len(sends) > 1 else 0.0
    waited = sends["latency_ms"].to_numpy(dtype=float)
    return {
        "requests": int(len(sends)),
        "seconds": round(span, 3),
        "rate": round(len(sends) / span, 2) if span > 0 else None,
        "latency_ms": {name: (round(float(np.percentile(waited, q)), 3) if len(waited)
                              else None) for name, q in QUANTILES.items()},
        "unanswered": int((sends["status"] != "200").sum()),
    }


def service_of(part: pd.DataFrame, errors: pd.DataFrame,
               sends: pd.DataFrame | None = None) -> dict[str, Any]:
    """One window's service figures from its predictions (``received_at``, ``latency_ms``,
    ``version``), the errors received while they were (``status``, ``at``) and, when the
    lab's load generator sent the run, what it meant to send (``offered``; else null)."""
    received = pd.to_datetime(part["received_at"])
    latency = part["latency_ms"].to_numpy(dtype=float)
    first, last = received.min(), received.max()
    inside = errors[(errors["at"] >= first) & (errors["at"] <= last)] if len(part) else errors[:0]
    by_status = {str(k): int(v) for k, v in inside["status"].value_counts().sort_index().items()}
    failed = sum(by_status.values())
    span = (last - first).total_seconds() if len(part) > 1 else 0.0
    counts, _ = np.histogram(latency, bins=np.asarray(HISTOGRAM_EDGES_MS, dtype=float))
    return {
        "requests": int(len(part)) + failed,
        "seconds": round(span, 3),
        "throughput": round((len(part) + failed) / span, 2) if span > 0 else None,
        "latency_ms": {name: (round(float(np.percentile(latency, q)), 3) if len(latency)
                              else None) for name, q in QUANTILES.items()},
        # The one figure a claim names (lab.grade.claims): the same p99, flat.
        "p99_ms": (round(float(np.percentile(latency, 99)), 3) if len(latency) else None),
        "errors_by_status": by_status,
        "error_rate": round(failed / max(len(part) + failed, 1), 6),
        "versions": sorted(int(v) for v in part["version"].unique()),
        "histogram": {"edges_ms": [e if np.isfinite(e) else None for e in HISTOGRAM_EDGES_MS],
                      "counts": counts.astype(int).tolist()},
        "offered": offered_of(sends) if sends is not None and len(sends) else None,
    }


def attach(windows: list[dict[str, Any]], raw: pd.DataFrame, errors: pd.DataFrame,
           sends: pd.DataFrame | None = None) -> None:
    """Give every monitoring window its ``service`` section, from the whole run's log
    (every model version: a promotion is part of the service story) and the load
    generator's sends (``sends``, may be empty) between its first and last event time."""
    events = pd.to_datetime(raw["event_time"])
    sent_events = None if sends is None else pd.to_datetime(sends["event_time"])
    for w in windows:
        start, end = pd.Timestamp(w["start"]), pd.Timestamp(w["end"])
        rows = raw[(events >= start) & (events <= end)]
        offered = (None if sends is None else
                   sends[(sent_events >= start) & (sent_events <= end)])
        w["service"] = service_of(rows, errors, offered)


def load(model: str, run: str | None, since=None, until=None
         ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """The run's predictions of every version, the model's errors while it ran, and what
    the lab's load generator meant to send in it (``None`` for a time range, not a run)."""
    from lab.config import get_settings
    from lab.serve.store import PredictionStore

    store = PredictionStore(get_settings().prediction_store_url)
    try:
        raw = store.frame(model, run=run, since=since, until=until)
        if raw.empty:
            return raw, pd.DataFrame(columns=["status", "at"]), None
        received = pd.to_datetime(raw["received_at"])
        errors = store.errors(model, received.min().to_pydatetime(),
                              received.max().to_pydatetime())
        sends = store.sends(run) if run else None
    finally:
        store.dispose()
    errors["at"] = pd.to_datetime(errors["at"])
    return raw[["event_time", "received_at", "latency_ms", "version"]], errors, sends
