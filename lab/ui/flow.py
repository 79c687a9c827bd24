"""What the scenario page does, as plain functions the page calls (and tests can too)."""

from __future__ import annotations

import atexit
import time
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np

from lab import tracking
from lab.config import get_settings
from lab.serve.process import ServerProcess


@dataclass
class Deployment:
    url: str
    model: str
    version: int
    threshold: float
    latency_p50_ms: float
    latency_p99_ms: float


def start_server() -> ServerProcess:
    """A server for the app's lab home, stopped when the app's process exits."""
    server = ServerProcess(get_settings(), log_path=None).start()
    atexit.register(server.stop)
    return server


def deploy(server: ServerProcess, model: str, threshold: float | None = None,
           probes: int = 50) -> Deployment:
    """Load the current champion (with the chosen threshold) into the running server and
    measure its latency."""
    if threshold is not None:
        tracking.set_threshold(model, threshold)
    token = get_settings().admin_token
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        client.post(f"/models/{model}/reload", headers=headers).raise_for_status()
        info = client.get(f"/models/{model}").json()
        timings = []
        for _ in range(probes):
            start = time.perf_counter()
            client.post(f"/models/{model}/predict", json=info["example"]).raise_for_status()
            timings.append((time.perf_counter() - start) * 1000)
    return Deployment(server.url, model, info["version"], info["threshold"]["threshold"],
                      float(np.percentile(timings, 50)), float(np.percentile(timings, 99)))




@dataclass
class Production:
    """A production run as the page shows it: the traffic report and its monitoring."""

    traffic: Any
    monitoring: dict[str, Any]
    seconds: float


def run_production(spec, url: str, model: str, rows: int, seed: int, reference_rows: int,
                   progress=None) -> Production:
    """Send a new run of production traffic to the served model, then monitor that run."""
    from lab.interview.actions import live_plan
    from lab.load import send_scenario_traffic as send_traffic  # open loop for serving ones
    from lab.monitor import monitor_model

    started = time.perf_counter()
    # In an interview, the interviewer's fault override (if any) applies from this run on,
    # and a change made while it runs takes over from the next chunk (closed-loop runs).
    spec, switch = live_plan(spec, model)
    extra = {} if switch is None or "serving-latency" in spec.topics else {"switch": switch}
    report = send_traffic(spec, url, rows=rows, seed=seed, reference_rows=reference_rows,
                          model=model, progress=progress, **extra)
    monitoring = monitor_model(model, run=report.run).to_dict()
    return Production(report, monitoring, time.perf_counter() - started)


def stage_hook(spec, workspace: str | None, state) -> None:
    """The one hook of the candidate flow for interviewer mode: when an interview session is
    open on this workspace and scenario, record the stage the page's ``state`` is in (once
    per change), with the threshold chosen so far."""
    if workspace is None:
        return
    from lab.interview.store import SessionStore
    from lab.interview.timeline import current_stage, stage_of

    store = SessionStore()
    try:
        session = store.live_for(workspace, spec.id)
        if session is None:
            return
        stage = stage_of(state)
        if current_stage(store.events(session.code)) != stage:
            threshold = state.get("scenario_threshold")
            store.record(session.code, "stage", {
                "stage": stage,
                "threshold": None if threshold is None else round(float(threshold), 3)})
    finally:
        store.dispose()


def run_stats(url: str, model: str, run: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/models/{model}/stats", params={"run": run}, timeout=30)
    response.raise_for_status()
    return response.json()
