"""Production traffic: the scenario's production stream sent to a server over HTTP.

Rows go out in time order, ``batch_size`` records a request and ``concurrency`` requests
at a time. Every request belongs to one prediction *run* (its id goes with every record)
and every record carries a request id chosen here, so a request retried after a lost
answer is recognised by the server instead of being logged twice. Labels follow as the
stream's clock passes each ticket's label delay: the newest rows of a run have no label
yet, as in life, so the monitor must estimate there.

A run may change its drift plan half-way (an interviewer's live fault switch): ``switch``
is asked before each chunk; a new plan takes over the rows from there on (the same clean
stream with the new plan applied), and the run's truth records what was in force where.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import pandas as pd

from lab.data import Production, production_frame
from lab.drift import Truth
from lab.drift.delivery import changed_records, labels_arrive, refused
from lab.scenario import Scenario
from lab.workspace import new_run_id
from lab.workspace.runs import RunBook

CHUNK = 1000           # rows between progress reports and label deliveries
DEFAULT_BATCH = 200    # records a request: the stream's clock is simulated, so batching is fair
FEEDBACK_BATCH = 2000
RETRIES = 3


@dataclass
class TrafficReport:
    scenario: str
    url: str
    rows: int
    model: str = ""
    run: str = ""
    requests: int = 0
    predictions: int = 0
    errors_by_status: dict[str, int] = field(default_factory=dict)
    retried: int = 0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    seconds: float = 0.0
    labels_sent: int = 0
    labels_unknown: int = 0
    request_ids: list[str | None] = field(default_factory=list, repr=False)
    decisions: list[int | None] = field(default_factory=list, repr=False)
    events: pd.Series | None = field(default=None, repr=False)
    truths: list[Truth] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def latency(self, q: float) -> float | None:
        return float(np.percentile(self.latencies_ms, q * 100)) if self.latencies_ms else None

    def per_day(self, upto: int | None = None) -> pd.DataFrame:
        """Rows answered and their alert rate per day of the stream, so far."""
        if self.events is None:
            return pd.DataFrame(columns=["day", "rows", "alert_rate"])
        n = len(self.events) if upto is None else upto
        decided = pd.Series(self.decisions[:n], dtype="float")
        frame = pd.DataFrame({"day": self.events.iloc[:n].dt.floor("D").to_numpy(),
                              "decision": decided.to_numpy()})
        grouped = frame.groupby("day")["decision"]
        return pd.DataFrame({"rows": grouped.count(), "alert_rate": grouped.mean()}
                            ).reset_index()

    def summary(self, reveal: bool = False) -> dict[str, Any]:
        out = {
            "scenario": self.scenario, "model": self.model, "run": self.run, "url": self.url,
            "rows": self.rows, "requests": self.requests, "predictions": self.predictions,
            "errors_by_status": self.errors_by_status, "retried": self.retried,
            "seconds": round(self.seconds, 2),
            "requests_per_second": round(self.throughput, 1),
            "latency_ms": {"p50": _round(self.latency(0.5)), "p99": _round(self.latency(0.99))},
            "labels_sent": self.labels_sent, "labels_unknown": self.labels_unknown,
        }
        if reveal:
            out["truth"] = [t.to_dict() for t in self.truths]
        return out


@dataclass(frozen=True)
class TrafficProgress:
    """Where a run stands: rows done, and the stream's own clock (the production date)."""

    done: int
    total: int
    stream_time: pd.Timestamp
    report: TrafficReport


ProgressFn = Callable[[TrafficProgress], None]
# Asked before each chunk: a scenario carrying a new drift plan, or None to keep the plan.
PlanSwitch = Callable[[], Scenario | None]


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def records_of(frame: pd.DataFrame, names: list[str]) -> list[dict[str, Any]]:
    """Rows as JSON-ready records: missing values become null."""
    part = frame[names].astype(object)
    return part.where(part.notna(), None).to_dict("records")


def send_traffic(scenario: Scenario, url: str, rows: int | None = None, seed: int = 0,
                 concurrency: int = 4, batch_size: int = DEFAULT_BATCH,
                 reference_rows: int | None = None, all_labels: bool = False,
                 progress: ProgressFn | None = None, timeout: float = 30.0,
                 model: str | None = None, run: str | None = None,
                 production: Production | None = None,
                 switch: PlanSwitch | None = None) -> TrafficReport:
    """Stream the scenario's production data (drift applied) to ``url``; post labels.

    ``model`` is the served model (a workspace's own; the scenario id by default) and
    ``run`` the prediction run the records belong to (a new one by default).
    ``production`` is another stream of the scenario to send instead (the week after a
    remedy, :mod:`lab.remediation`). ``switch`` may change the drift plan between chunks
    of the scenario's own stream (see the module's docstring).
    """
    if switch is not None and production is not None:
        raise ValueError("switch: changes the plan of the scenario's own stream, not of a "
                         "prebuilt one (production=)")
    production = production or production_frame(scenario, rows, seed, reference_rows)
    report = TrafficReport(scenario.id, url, len(production.frame),
                           model=model or scenario.model_name, run=run or new_run_id(),
                           truths=production.truths)
    # The lab keeps the truth of what it sends (the server never sees the plan), so the
    # run can be graded later by its id.
    book = RunBook()
    try:
        book.record(report.run, report.model, scenario.id, seed, report.rows, reference_rows,
                    [t.to_dict() for t in production.truths])
    finally:
        book.dispose()
    replan = None
    if switch is not None:
        def replan(frame: pd.DataFrame, at: int) -> pd.DataFrame | None:
            changed = switch()
            if changed is None:
                return None
            new = production_frame(changed, len(frame), seed, reference_rows)
            report.truths = switched_truths(report.truths, new.truths, at,
                                            frame[scenario.world_.schema.timestamp])
            return splice(frame, new.frame, at)

    asyncio.run(_stream(scenario, production.frame, report, concurrency, batch_size,
                        all_labels, progress, timeout, replan))
    if production.truths != report.truths:  # the plan changed during the run
        book = RunBook()
        try:
            book.record(report.run, report.model, scenario.id, seed, report.rows,
                        reference_rows, [t.to_dict() for t in report.truths])
        finally:
            book.dispose()
    return report


def splice(frame: pd.DataFrame, new: pd.DataFrame, at: int) -> pd.DataFrame:
    """Rows before ``at`` as they were, the rest from ``new`` (same stream, other plan)."""
    return pd.concat([frame.iloc[:at], new.iloc[at:]], ignore_index=True)


def switched_truths(old: list[Truth], new: list[Truth], at: int,
                    events: pd.Series) -> list[Truth]:
    """The truth of a run whose plan changed at row ``at``: each old fault that had begun
    is recorded as ending there (``details.until_row``), each new one as starting there at
    the earliest; a fault the switch left as it was stays one record."""
    moment = str(events.iloc[at]) if at < len(events) else None
    kept = [t for t in old if t in new]
    ended = [dataclasses.replace(t, details={**t.details, "until_row": at,
                                             "until_time": moment})
             for t in old if t not in new and t.onset_row < at]
    began = [t if t.onset_row >= at else
             dataclasses.replace(t, onset_row=at, onset_time=moment,
                                 details={**t.details, "switched_in_at_row": at})
             for t in new if t not in old]
    return kept + ended + began


async def _stream(scenario, frame, report, concurrency, batch_size, all_labels, progress,
                  timeout, replan=None) -> None:
    schema = scenario.world_.schema
    # An upstream schema change alters what some clients send (see lab.drift.delivery).
    records = changed_records(frame, records_of(frame, schema.names))
    from_changed_client = refused(frame)
    events = frame[schema.timestamp].reset_index(drop=True)
    labels = frame[schema.target].to_numpy()
    ready_at = (events + pd.Timedelta(scenario.label_delay)).to_numpy()
    n = len(frame)
    report.events = events
    report.request_ids = [None] * n
    report.decisions = [None] * n
    stamps = [e.isoformat() for e in events]
    statuses: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    labelled_upto = 0  # rows before this index have had their label sent (or failed)

    async with httpx.AsyncClient(base_url=report.url, limits=limits, timeout=timeout) as client:
        for chunk_start in range(0, n, CHUNK):
            changed = replan(frame, chunk_start) if replan and chunk_start else None
            if changed is not None:  # a new plan from this row on; the rows sent stay
                frame = changed
                rest = frame.iloc[chunk_start:]
                records[chunk_start:] = changed_records(rest, records_of(rest, schema.names))
                from_changed_client = refused(frame)
                labels = frame[schema.target].to_numpy()
            chunk = range(chunk_start, min(chunk_start + CHUNK, n))
            pending: asyncio.Queue[list[int]] = asyncio.Queue()
            for i in range(0, len(chunk), batch_size):
                group = list(chunk[i:i + batch_size])
                # A client whose schema changed sends requests of its own: their refusal
                # silences that segment, not the other clients' records batched with it.
                for part in ([j for j in group if not from_changed_client[j]],
                             [j for j in group if from_changed_client[j]]):
                    if part:
                        pending.put_nowait(part)

            async def worker(todo: asyncio.Queue[list[int]]) -> None:
                while not todo.empty():
                    group = todo.get_nowait()
                    await _predict(client, group, records, stamps, report, statuses)

            await asyncio.gather(*(worker(pending) for _ in range(concurrency)))
            # Labels whose delay has passed on the stream's clock.
            now = events.iloc[chunk.stop - 1]
            due = int(np.searchsorted(ready_at, np.datetime64(now), side="right"))
            labelled_upto = await _feedback(client, report, frame, labels, labelled_upto, due)
            if progress:
                progress(TrafficProgress(chunk.stop, n, now, report))
        if all_labels:
            await _feedback(client, report, frame, labels, labelled_upto, n)
    report.seconds = time.perf_counter() - started
    report.errors_by_status = dict(sorted(statuses.items()))


def _body(group: list[int], records, stamps, run: str) -> dict[str, Any]:
    items = [{"features": records[i], "event_time": stamps[i], "request_id": f"{run}-{i}"}
             for i in group]
    return {"run": run, **items[0]} if len(items) == 1 else {"run": run, "batch": items}


async def _predict(client, group, records, stamps, report, statuses) -> None:
    body = _body(group, records, stamps, report.run)
    path = f"/models/{report.model}/predict"
    for attempt in range(RETRIES + 1):
        t0 = time.perf_counter()
        try:
            response = await client.post(path, json=body)
        except httpx.TransportError as exc:
            # The answer was lost, not necessarily the work: the same request ids make a
            # retry safe (the server answers with what it already committed).
            if attempt < RETRIES:
                report.retried += 1
                await asyncio.sleep(0.2 * (attempt + 1))
                continue
            statuses[type(exc).__name__] += 1
            report.requests += 1
            return
        if response.status_code == 503 and attempt < RETRIES:
            report.retried += 1
            await asyncio.sleep(0.2 * (attempt + 1))
            continue
        break
    report.latencies_ms.append((time.perf_counter() - t0) * 1000)
    report.requests += 1
    if response.status_code != 200:
        statuses[str(response.status_code)] += 1
        return
    data = response.json()
    answers = [data] if len(group) == 1 else data["predictions"]
    for i, answer in zip(group, answers):
        report.request_ids[i] = answer["request_id"]
        report.decisions[i] = int(answer["decision"])
    report.predictions += len(answers)


async def _feedback(client, report, frame, labels, start: int, stop: int) -> int:
    # Some faults stop labels, or let only the model's alerts (or non-alerts) get one.
    decisions = np.array([d or 0 for d in report.decisions[start:stop]], dtype=int)
    arrives = labels_arrive(frame.iloc[start:stop], decisions)
    pending = [{"request_id": report.request_ids[i], "label": int(labels[i])}
               for i in range(start, stop)
               if report.request_ids[i] is not None and arrives[i - start]]
    for i in range(0, len(pending), FEEDBACK_BATCH):
        response = await client.post(f"/models/{report.model}/feedback",
                                     json={"labels": pending[i:i + FEEDBACK_BATCH]})
        response.raise_for_status()
        data = response.json()
        report.labels_sent += data["updated"]
        report.labels_unknown += len(data["unknown"])
    return max(start, stop)
