"""Where a prediction's milliseconds go, and what batching buys: measured on the real server.

:func:`latency_breakdown` sends records one at a time (one request in flight, so nothing
queues) and, for each, sets side by side:

* ``pipeline_ms``: scoring the record in this process with the scikit-learn Pipeline (one-row
  DataFrame, ``predict_proba``): the naive path a first server would take;
* ``model_ms``: scoring it with the server's own compiled scorer, in this process: the model's
  arithmetic alone;
* ``server_ms``: what the server logged for the request (``latency_ms``, taken after the
  prediction store's commit): validation, feature lookup, scoring and the durable write;
* ``client_ms``: the round trip the client measured: the server's time plus HTTP, JSON,
  the event loop and the network stack.

:func:`batch_throughput` sends the same records in batches of several sizes, one request
at a time, and reports records per second and the latency of each request.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np
import orjson
import pandas as pd

from lab.serve.scoring import CompiledScorer

SETTLE_S = 0.2  # the server writes each request's final latency in its next group commit


def latency_breakdown(url: str, model: str, records: Sequence[dict[str, Any]], pipeline,
                      feature_names: Sequence[str], store, run: str,
                      timeout: float = 30.0) -> pd.DataFrame:
    """One row per record: ``pipeline_ms``, ``model_ms``, ``server_ms``, ``client_ms``.

    ``store`` is the server's :class:`lab.serve.store.PredictionStore` (to read what it
    logged for ``run``, a run id not used before).
    """
    if not records:
        raise ValueError("records: at least one record to send")
    names = list(feature_names)
    scorer = CompiledScorer(pipeline, names)
    rows = []
    with httpx.Client(base_url=url, timeout=timeout) as client:
        client.get("/health").raise_for_status()  # the connection is open before timing
        for i, record in enumerate(records):
            started = time.perf_counter()
            pipeline.predict_proba(pd.DataFrame([record], columns=names))
            pipeline_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            scorer.scores([record])
            model_ms = (time.perf_counter() - started) * 1000
            request_id = f"{run}-{i}"
            body = orjson.dumps({"run": run, "features": record, "request_id": request_id})
            started = time.perf_counter()
            response = client.post(f"/models/{model}/predict", content=body,
                                   headers={"content-type": "application/json"})
            client_ms = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            rows.append({"request_id": request_id, "pipeline_ms": pipeline_ms,
                         "model_ms": model_ms, "client_ms": client_ms})
    frame = pd.DataFrame(rows).set_index("request_id")
    logged = server_latencies(store, model, run, expected=len(rows))
    frame["server_ms"] = logged.reindex(frame.index)
    return frame[["pipeline_ms", "model_ms", "server_ms", "client_ms"]]


def server_latencies(store, model: str, run: str, expected: int | None = None,
                     deadline_s: float = 10.0) -> pd.Series:
    """The latency the server logged for each request of ``run`` (by request id), read once
    the values have settled (each is rewritten after its own commit, asynchronously)."""
    stop = time.monotonic() + deadline_s
    last = None
    while True:
        time.sleep(SETTLE_S)
        frame = store.frame(model, run=run)
        now = frame.set_index("request_id")["latency_ms"].astype(float).sort_index()
        complete = expected is None or len(now) >= expected
        if complete and last is not None and now.equals(last):
            return now
        if time.monotonic() > stop:
            return now
        last = now


def stages(breakdown: pd.DataFrame, q: float = 50) -> pd.Series:
    """The ``q``-th percentile of each stage as a sum: model, the rest of the server, and
    the HTTP round trip around it (in ms)."""
    model = np.percentile(breakdown["model_ms"], q)
    server = np.percentile(breakdown["server_ms"], q)
    client = np.percentile(breakdown["client_ms"], q)
    return pd.Series({"model arithmetic": model,
                      "rest of the server (validation, lookup, commit)": max(server - model, 0.0),
                      "HTTP, JSON and client": max(client - server, 0.0)})


def batch_throughput(url: str, model: str, records: Sequence[dict[str, Any]],
                     sizes: Sequence[int] = (1, 10, 100, 1000), run: str = "batch",
                     timeout: float = 60.0) -> pd.DataFrame:
    """Send ``records`` in batches of each size (one request in flight); one row per size:
    requests, seconds, records per second, and the median and worst request latency."""
    if not records:
        raise ValueError("records: at least one record to send")
    if any(size < 1 for size in sizes):
        raise ValueError("sizes: every batch size must be at least 1")
    out = []
    with httpx.Client(base_url=url, timeout=timeout) as client:
        client.get("/health").raise_for_status()
        for size in sizes:
            latencies = []
            started = time.perf_counter()
            for start in range(0, len(records), size):
                part = records[start:start + size]
                ids = [f"{run}-{size}-{start + j}" for j in range(len(part))]
                if size == 1:
                    body = {"run": run, "features": part[0], "request_id": ids[0]}
                else:
                    body = {"run": run, "batch": [{"features": r, "request_id": rid}
                                                  for r, rid in zip(part, ids)]}
                sent = time.perf_counter()
                response = client.post(f"/models/{model}/predict", content=orjson.dumps(body),
                                       headers={"content-type": "application/json"})
                latencies.append((time.perf_counter() - sent) * 1000)
                response.raise_for_status()
            seconds = time.perf_counter() - started
            out.append({"batch_size": size, "requests": len(latencies), "seconds": seconds,
                        "records_per_s": len(records) / seconds,
                        "p50_request_ms": float(np.percentile(latencies, 50)),
                        "max_request_ms": float(np.max(latencies))})
    return pd.DataFrame(out).set_index("batch_size")
