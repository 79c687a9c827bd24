"""Production traffic: the scenario's production stream sent to a server over HTTP.

Rows go out in time order as single-record requests (or batches), ``concurrency`` at a
time. Labels follow as the stream's clock passes each ticket's label delay: the newest
tickets of a run have no label yet, as in life, so the monitor must estimate there.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import pandas as pd

from lab.data import production_frame
from lab.drift import Truth
from lab.drift.delivery import changed_records, labels_arrive
from lab.scenario import Scenario

ProgressFn = Callable[[int, int], None]
CHUNK = 500
FEEDBACK_BATCH = 5000


@dataclass
class TrafficReport:
    scenario: str
    url: str
    rows: int
    requests: int = 0
    predictions: int = 0
    errors_by_status: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    seconds: float = 0.0
    labels_sent: int = 0
    labels_unknown: int = 0
    request_ids: list[str | None] = field(default_factory=list, repr=False)
    decisions: list[int | None] = field(default_factory=list, repr=False)
    truths: list[Truth] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def latency(self, q: float) -> float | None:
        return float(np.percentile(self.latencies_ms, q * 100)) if self.latencies_ms else None

    def summary(self, reveal: bool = False) -> dict[str, Any]:
        out = {
            "scenario": self.scenario, "url": self.url, "rows": self.rows,
            "requests": self.requests, "predictions": self.predictions,
            "errors_by_status": self.errors_by_status, "seconds": round(self.seconds, 2),
            "requests_per_second": round(self.throughput, 1),
            "latency_ms": {"p50": _round(self.latency(0.5)), "p99": _round(self.latency(0.99))},
            "labels_sent": self.labels_sent, "labels_unknown": self.labels_unknown,
        }
        if reveal:
            out["truth"] = [t.to_dict() for t in self.truths]
        return out


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def records_of(frame: pd.DataFrame, names: list[str]) -> list[dict[str, Any]]:
    """Rows as JSON-ready records: missing values become null."""
    part = frame[names].astype(object)
    return part.where(part.notna(), None).to_dict("records")


def send_traffic(scenario: Scenario, url: str, rows: int | None = None, seed: int = 0,
                 concurrency: int = 8, batch_size: int = 1,
                 reference_rows: int | None = None, all_labels: bool = False,
                 progress: ProgressFn | None = None, timeout: float = 30.0) -> TrafficReport:
    """Stream the scenario's production data (drift applied) to ``url``; post labels."""
    production = production_frame(scenario, rows, seed, reference_rows)
    return asyncio.run(_stream(scenario, production.frame, production.truths, url,
                               concurrency, batch_size, all_labels, progress, timeout))


async def _stream(scenario, frame, truths, url, concurrency, batch_size, all_labels,
                  progress, timeout) -> TrafficReport:
    schema = scenario.world_.schema
    name = scenario.model_name
    # An upstream schema change alters what some clients send (see lab.drift.delivery).
    records = changed_records(frame, records_of(frame, schema.names))
    events = frame[schema.timestamp].reset_index(drop=True)
    labels = frame[schema.target].to_numpy()
    ready_at = events + pd.Timedelta(scenario.label_delay)
    report = TrafficReport(scenario.id, url, len(frame), truths=truths,
                           request_ids=[None] * len(frame), decisions=[None] * len(frame))
    statuses: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    labelled_upto = 0  # rows before this index have had their label sent (or failed)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:
        for chunk_start in range(0, len(frame), CHUNK):
            chunk = range(chunk_start, min(chunk_start + CHUNK, len(frame)))
            groups = [list(chunk[i:i + batch_size]) for i in range(0, len(chunk), batch_size)]
            pending: asyncio.Queue[list[int]] = asyncio.Queue()
            for g in groups:
                pending.put_nowait(g)

            async def worker(todo: asyncio.Queue[list[int]]) -> None:
                while not todo.empty():
                    group = todo.get_nowait()
                    await _predict(client, name, group, records, events, report, statuses)

            await asyncio.gather(*(worker(pending) for _ in range(concurrency)))
            if progress:
                progress(chunk.stop, len(frame))
            # Labels whose delay has passed on the stream's clock.
            now = events.iloc[chunk.stop - 1]
            due = int(np.searchsorted(ready_at.to_numpy(), np.datetime64(now), side="right"))
            labelled_upto = await _feedback(client, name, report, frame, labels, labelled_upto,
                                            due)
        if all_labels:
            await _feedback(client, name, report, frame, labels, labelled_upto, len(frame))
    report.seconds = time.perf_counter() - started
    report.errors_by_status = dict(sorted(statuses.items()))
    return report


async def _predict(client, name, group, records, events, report, statuses) -> None:
    if len(group) == 1:
        i = group[0]
        body: dict[str, Any] = {"features": records[i], "event_time": events.iloc[i].isoformat()}
    else:
        body = {"batch": [{"features": records[i], "event_time": events.iloc[i].isoformat()}
                          for i in group]}
    t0 = time.perf_counter()
    try:
        response = await client.post(f"/models/{name}/predict", json=body)
    except httpx.TransportError as exc:
        statuses[type(exc).__name__] += 1
        report.requests += 1
        return
    report.latencies_ms.append((time.perf_counter() - t0) * 1000)
    report.requests += 1
    if response.status_code != 200:
        statuses[str(response.status_code)] += 1
        return
    data = response.json()
    predictions = [data] if len(group) == 1 else data["predictions"]
    for i, p in zip(group, predictions):
        report.request_ids[i] = p["request_id"]
        report.decisions[i] = p["decision"]
    report.predictions += len(predictions)


async def _feedback(client, name, report, frame, labels, start: int, stop: int) -> int:
    # Some faults stop labels, or let only the model's alerts (or non-alerts) get one.
    decisions = np.array([d or 0 for d in report.decisions[start:stop]], dtype=int)
    arrives = labels_arrive(frame.iloc[start:stop], decisions)
    pending = [{"request_id": report.request_ids[i], "label": int(labels[i])}
               for i in range(start, stop)
               if report.request_ids[i] is not None and arrives[i - start]]
    for i in range(0, len(pending), FEEDBACK_BATCH):
        response = await client.post(f"/models/{name}/feedback",
                                     json={"labels": pending[i:i + FEEDBACK_BATCH]})
        response.raise_for_status()
        data = response.json()
        report.labels_sent += data["updated"]
        report.labels_unknown += len(data["unknown"])
    return max(start, stop)

