"""The whole loop, headless: train if needed, serve, send traffic, (monitor), stop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lab import tracking
from lab.scenario import Scenario
from lab.serve.process import ServerProcess
from lab.traffic import TrafficReport, send_traffic
from lab.train import TrainResult, train


@dataclass
class LoopResult:
    scenario: Scenario
    trained: TrainResult | None
    version: int
    traffic: TrafficReport

    def summary(self, reveal: bool = False) -> dict[str, Any]:
        return {"scenario": self.scenario.id, "model_version": self.version,
                "trained_now": self.trained is not None,
                "traffic": self.traffic.summary(reveal=False),
                **({"truth": [t.to_dict() for t in self.traffic.truths]} if reveal else {})}


def run_loop(scenario: Scenario, seed: int = 0, rows: int | None = None,
             reference_rows: int | None = None, concurrency: int = 8,
             on_step: Callable[[str], None] | None = None,
             on_traffic: Callable[[int, int], None] | None = None) -> LoopResult:
    say = on_step or (lambda _s: None)
    trained = None
    version = tracking.champion_version(scenario.model_name)
    if version is None:
        say("train the model")
        trained = train(scenario, seed=seed, rows=reference_rows)
        version = trained.version
    else:
        say(f"reuse {scenario.model_name} v{version} @champion")
    say("start the server")
    with ServerProcess() as server:
        say(f"send traffic to {server.url}")
        traffic = send_traffic(scenario, server.url, rows=rows, seed=seed,
                               concurrency=concurrency, progress=on_traffic,
                               reference_rows=_reference_rows(scenario, trained, reference_rows))
    return LoopResult(scenario, trained, version, traffic)


def _reference_rows(scenario: Scenario, trained: TrainResult | None,
                    reference_rows: int | None) -> int:
    # Production starts where the champion's reference data ended.
    if trained is not None:
        return trained.rows
    return reference_rows or scenario.reference_rows
