"""A scenario's production stream sent open-loop, one record a request, with its faults.

The closed-loop driver (:mod:`lab.traffic`) sends batches as fast as the server answers:
right for the model questions, useless for latency. Here each record is one request at its
Poisson arrival time at the scenario's rate, as users would send them, and the scenario's
service faults act on the run (:mod:`lab.service`). The run's truth goes to the lab's
:class:`RunBook`, as for any traffic run; labels follow once the stream is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
import numpy as np
import orjson
import pandas as pd

from lab.data import production_frame
from lab.drift import Truth
from lab.drift.delivery import changed_records, labels_arrive
from lab.load.openloop import open_loop
from lab.load.result import LoadResult
from lab.scenario import Scenario
from lab.service import ServiceFault
from lab.traffic import (
    ProgressFn,
    TrafficProgress,
    TrafficReport,
    records_of,
    send_traffic,
)
from lab.workspace import new_run_id
from lab.workspace.runs import RunBook

FEEDBACK_BATCH = 2000
PROGRESS_EVERY = 250  # answers between progress reports


@dataclass
class StreamLoad:
    scenario: str
    model: str
    run: str
    rate: float
    load: LoadResult
    labels_sent: int = 0
    truths: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def summary(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "model": self.model, "run": self.run,
                "rate": self.rate, **self.load.summary(), "labels_sent": self.labels_sent}


def open_loop_traffic(scenario: Scenario, url: str, rate: float, rows: int | None = None,
                      seed: int = 0, model: str | None = None, run: str | None = None,
                      faults: list[ServiceFault] | None = None, timeout: float = 30.0,
                      reference_rows: int | None = None, on_answer=None,
                      on_start=None) -> StreamLoad:
    """Send ``rows`` of the scenario's production stream at ``rate`` requests/s (Poisson).

    ``faults`` are the scenario's service faults (its ``service`` entries by default);
    ``on_start(events, truths)`` is called once the stream is drawn, ``on_answer`` as in
    :func:`lab.load.open_loop`.
    """
    if rate <= 0:
        raise ValueError("rate: requests per second, > 0")
    model = model or scenario.model_name
    run = run or new_run_id()
    faults = scenario.service_faults(seed) if faults is None else faults
    production = production_frame(scenario, rows, seed, reference_rows)
    frame = production.frame
    schema = scenario.world_.schema
    events = frame[schema.timestamp].reset_index(drop=True)
    truths = [t.to_dict() for t in production.truths]
    if on_start is not None:
        on_start(events, truths)

    rates = np.full(len(frame), float(rate))
    for fault in faults:
        rates = fault.rates(rates)
        fault.prepare(model, scenario, seed)
    truths += [fault.truth(events).to_dict() for fault in faults]
    _record_plan(run, faults, events)
    book = RunBook()
    try:
        book.record(run, model, scenario.id, seed, len(frame), reference_rows, truths)
    finally:
        book.dispose()

    records = changed_records(frame, records_of(frame, schema.names))
    bodies = [orjson.dumps({"run": run, "features": record, "event_time": events[i].isoformat(),
                            "request_id": f"{run}-{i}"}) for i, record in enumerate(records)]
    hooks = [(f.onset_row(len(frame)), partial(f.at_onset, model, url)) for f in faults
             if type(f).at_onset is not ServiceFault.at_onset]
    load = open_loop(url, f"/models/{model}/predict", bodies, rates, seed=seed,
                     timeout=timeout, hooks=hooks, on_answer=on_answer)
    _record_sends(run, events, load)
    result = StreamLoad(scenario.id, model, run, float(rate), load, truths=truths)
    result.labels_sent = _send_labels(url, model, run, frame, scenario, events)
    return result


def _record_plan(run: str, faults: list[ServiceFault], events: pd.Series) -> None:
    """Write the server-side plan (if any fault has one) to the private table."""
    from lab.config import get_settings
    from lab.serve.store import PredictionStore

    plans = [f.server_plan(events.iloc[f.onset_row(len(events))]) for f in faults]
    plans = [p for p in plans if p]
    if not plans:
        return
    if len(plans) > 1:
        raise ValueError("service: at most one fault with a server-side plan per run")
    store = PredictionStore(get_settings().prediction_store_url)
    try:
        store.set_service_plan(run, plans[0])
    finally:
        store.dispose()


def _record_sends(run: str, events: pd.Series, load: LoadResult) -> None:
    """Keep what was offered beside what was served: each request's intended send time, event
    time, and the latency and status the client saw (the monitor's offered rate per window)."""
    from lab.config import get_settings
    from lab.serve.store import PredictionStore

    intended = load.intended_at()
    rows = [{"request_id": f"{run}-{i}", "event_time": events.iloc[i].to_pydatetime(),
             "intended_at": intended[i], "latency_ms": float(load.latencies_ms[i]),
             "status": str(load.answered[i])} for i in range(len(intended))]
    store = PredictionStore(get_settings().prediction_store_url)
    try:
        store.record_sends(run, rows)
    finally:
        store.dispose()


def _send_labels(url, model, run, frame, scenario, events) -> int:
    """Labels whose delay has passed by the stream's last event, for the logged rows."""
    target = frame[scenario.world_.schema.target].to_numpy()
    due = (events + pd.Timedelta(scenario.label_delay)) <= events.iloc[-1]
    arrives = labels_arrive(frame) & due.to_numpy()
    labels = [{"request_id": f"{run}-{i}", "label": int(target[i])}
              for i in np.flatnonzero(arrives)]
    sent = 0
    with httpx.Client(base_url=url, timeout=120) as client:
        for i in range(0, len(labels), FEEDBACK_BATCH):
            response = client.post(f"/models/{model}/feedback",
                                   json={"labels": labels[i:i + FEEDBACK_BATCH]})
            response.raise_for_status()
            sent += response.json()["updated"]
    return sent



def send_scenario_traffic(scenario: Scenario, url: str, rows: int | None = None, seed: int = 0,
                          reference_rows: int | None = None, model: str | None = None,
                          progress: ProgressFn | None = None, run: str | None = None,
                          **closed_loop) -> TrafficReport:
    """A traffic run the way the scenario's topic needs it, as a :class:`TrafficReport`.

    A scenario whose lesson is latency (:attr:`Scenario.open_loop`) is sent open-loop at
    its ``traffic_rate``, one record a request, with its service faults; any other goes through
    the batched closed loop of :func:`lab.traffic.send_traffic` (``closed_loop`` options:
    concurrency, batch size, all labels; an open-loop run sends the labels due by its end).
    """
    if not scenario.open_loop:
        return send_traffic(scenario, url, rows=rows, seed=seed, reference_rows=reference_rows,
                            model=model, progress=progress, run=run, **closed_loop)
    report: TrafficReport | None = None
    done = [0]

    def answered(i: int, status: int, body: bytes) -> None:
        if status == 200:
            answer = orjson.loads(body)
            report.request_ids[i] = answer["request_id"]
            report.decisions[i] = int(answer["decision"])
            report.predictions += 1
        done[0] += 1
        if progress and (done[0] % PROGRESS_EVERY == 0 or done[0] == report.rows):
            stamp = report.events.iloc[min(i, report.rows - 1)]
            progress(TrafficProgress(done[0], report.rows, stamp, report))

    def started(events: pd.Series, truths: list) -> None:
        nonlocal report
        n = len(events)
        model_name = model or scenario.model_name
        report = TrafficReport(scenario.id, url, n, model=model_name, events=events,
                               request_ids=[None] * n, decisions=[None] * n)

    sent = open_loop_traffic(scenario, url, scenario.traffic_rate, rows, seed, model, run,
                             reference_rows=reference_rows, on_answer=answered,
                             on_start=started)
    report.run = sent.run
    report.requests = sent.load.requests
    report.latencies_ms = sent.load.latencies_ms.tolist()
    report.seconds = sent.load.seconds
    report.errors_by_status = {k: v for k, v in sent.load.statuses.items() if k != "200"}
    report.labels_sent = sent.labels_sent
    report.truths = [Truth(**{**t, "features": tuple(t["features"])}) for t in sent.truths]
    return report
