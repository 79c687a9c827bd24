"""The service side of a window: throughput, latency quantiles, errors by status.

Read from what the server itself logged: each prediction's ``latency_ms`` (taken after its
commit, so the whole wait inside the server) and ``received_at``, and the refused requests
(``request_errors``). A refused request has no event time, only the moment it was received:
it is counted in the window whose predictions were received around it. What the server
cannot see -- time queued before it accepted the request -- is only in the load generator's
own figures (:mod:`lab.load`), which is why the two are shown side by side.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

QUANTILES = {"p50": 50, "p95": 95, "p99": 99}
HISTOGRAM_EDGES_MS = (0, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, np.inf)


def service_of(part: pd.DataFrame, errors: pd.DataFrame) -> dict[str, Any]:
    """One window's service figures from its predictions (``received_at``, ``latency_ms``,
    ``version``) and the errors received while they were (``status``, ``at``)."""
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
    }


def attach(windows: list[dict[str, Any]], raw: pd.DataFrame, errors: pd.DataFrame) -> None:
    """Give every monitoring window its ``service`` section, from the whole run's log
    (every model version: a promotion is part of the service story) between its first
    and last event time."""
    events = pd.to_datetime(raw["event_time"])
    for w in windows:
        rows = raw[(events >= pd.Timestamp(w["start"])) & (events <= pd.Timestamp(w["end"]))]
        w["service"] = service_of(rows, errors)


def load(model: str, run: str | None, since=None, until=None
         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The run's predictions of every version, and the model's errors while it ran."""
    from lab.config import get_settings
    from lab.serve.store import PredictionStore

    store = PredictionStore(get_settings().prediction_store_url)
    try:
        raw = store.frame(model, run=run, since=since, until=until)
        if raw.empty:
            return raw, pd.DataFrame(columns=["status", "at"])
        received = pd.to_datetime(raw["received_at"])
        errors = store.errors(model, received.min().to_pydatetime(),
                              received.max().to_pydatetime())
    finally:
        store.dispose()
    errors["at"] = pd.to_datetime(errors["at"])
    return raw[["event_time", "received_at", "latency_ms", "version"]], errors
