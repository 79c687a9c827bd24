"""The whole loop, headless: train if needed, serve, send traffic, (monitor), stop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lab import tracking
from lab.config import get_settings
from lab.monitor import DEFAULT_WINDOW, MonitorResult, monitor_model
from lab.scenario import Scenario
from lab.serve.process import ServerProcess
from lab.serve.store import PredictionStore
from lab.traffic import TrafficReport, send_traffic
from lab.train import TrainResult, train


@dataclass
class LoopResult:
    scenario: Scenario
    trained: TrainResult | None
    version: int
    traffic: TrafficReport
    monitoring: MonitorResult | None = None

    def summary(self, reveal: bool = False) -> dict[str, Any]:
        out = {"scenario": self.scenario.id, "model_version": self.version,
               "trained_now": self.trained is not None,
               "traffic": self.traffic.summary(reveal=False)}
        truth = [t.to_dict() for t in self.traffic.truths]
        if self.monitoring is not None:
            out["monitoring"] = self.monitoring.to_dict()
            if reveal:
                out["monitoring"]["truth"] = truth
        if reveal:
            out["truth"] = truth
        return out


def run_loop(scenario: Scenario, seed: int = 0, rows: int | None = None,
             reference_rows: int | None = None, concurrency: int = 8,
             window: str | int = DEFAULT_WINDOW, monitor: bool = True,
             on_step: Callable[[str], None] | None = None,
             on_traffic: Callable[[int, int], None] | None = None) -> LoopResult:
    """Train if needed, start a fresh log, serve, send traffic, stop, then monitor."""
    say = on_step or (lambda _s: None)
    trained = None
    version = tracking.champion_version(scenario.model_name)
    if version is None:
        say("train the model")
        trained = train(scenario, seed=seed, rows=reference_rows)
        version = trained.version
    else:
        say(f"reuse {scenario.model_name} v{version} @champion")
    store = PredictionStore(get_settings().prediction_store_url)
    store.clear(scenario.model_name)  # each run is a walkthrough of its own
    store.dispose()
    say("start the server")
    with ServerProcess() as server:
        say(f"send traffic to {server.url}")
        traffic = send_traffic(scenario, server.url, rows=rows, seed=seed,
                               concurrency=concurrency, progress=on_traffic,
                               reference_rows=_reference_rows(scenario, trained, reference_rows))
    result = LoopResult(scenario, trained, version, traffic)
    if monitor:
        say("monitor the prediction log")
        result.monitoring = monitor_model(scenario.model_name, window)
    return result


def _reference_rows(scenario: Scenario, trained: TrainResult | None,
                    reference_rows: int | None) -> int:
    # Production starts where the champion's reference data ended.
    if trained is not None:
        return trained.rows
    return reference_rows or scenario.reference_rows
