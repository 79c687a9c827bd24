"""The whole loop, headless: train if needed, serve, send traffic, (monitor), stop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lab import tracking
from lab import workspace as workspaces
from lab.config import get_settings
from lab.load import send_scenario_traffic as send_traffic  # open loop for serving ones
from lab.monitor import DEFAULT_WINDOW, MonitorResult, monitor_model
from lab.scenario import Scenario
from lab.serve.process import ServerProcess
from lab.traffic import DEFAULT_BATCH, ProgressFn, TrafficReport
from lab.train import TrainResult, train


@dataclass
class LoopResult:
    scenario: Scenario
    trained: TrainResult | None
    model: str
    version: int
    traffic: TrafficReport
    monitoring: MonitorResult | None = None
    seed: int = 0
    reference_rows: int | None = None

    def measured_truth(self) -> list[dict[str, Any]]:
        """The run's truth with ``hurts_model`` measured for the model that served it."""
        from lab.catalogue.truth import measured_truth_of_champion

        return measured_truth_of_champion(self.scenario, self.model, self.seed,
                                          self.traffic.rows, self.reference_rows)

    @property
    def run(self) -> str:
        return self.traffic.run

    def summary(self, reveal: bool = False) -> dict[str, Any]:
        out = {"scenario": self.scenario.id, "model": self.model,
               "model_version": self.version, "run": self.run,
               "trained_now": self.trained is not None,
               "traffic": self.traffic.summary(reveal=False)}
        truth = self.measured_truth() if reveal else []
        if self.monitoring is not None:
            out["monitoring"] = self.monitoring.to_dict()
            if reveal:
                out["monitoring"]["truth"] = truth
        if reveal:
            out["truth"] = truth
        return out


def run_loop(scenario: Scenario, seed: int = 0, rows: int | None = None,
             reference_rows: int | None = None, concurrency: int = 4,
             batch_size: int = DEFAULT_BATCH, window: str | int = DEFAULT_WINDOW,
             monitor: bool = True, workspace: str | None = None,
             on_step: Callable[[str], None] | None = None,
             on_traffic: ProgressFn | None = None) -> LoopResult:
    """Train unless the champion already fits, serve, send a new run of traffic, monitor.

    The champion is reused only when it was trained with the same seed and size; nothing
    already logged is deleted: the run gets an id of its own and monitoring reads it alone.
    """
    say = on_step or (lambda _s: None)
    workspace = workspaces.validate(workspace or get_settings().workspace)
    name = workspaces.model_name(scenario.id, workspace)
    wanted_rows = reference_rows or scenario.reference_rows
    trained = None
    card = _champion_card(name)
    if card is None or card.get("seed") != seed or card.get("reference_rows") != wanted_rows:
        say("train the model" if card is None else
            f"train the model again (seed {seed}, {wanted_rows:,} rows)")
        trained = train(scenario, seed=seed, rows=wanted_rows, workspace=workspace)
        version = trained.version
    else:
        version = tracking.champion_version(name)
        say(f"reuse {name} v{version} @champion")
    say("start the server")
    with ServerProcess(models=[name]) as server:
        say(f"send traffic to {server.url}")
        traffic = send_traffic(scenario, server.url, rows=rows, seed=seed,
                               concurrency=concurrency, batch_size=batch_size,
                               progress=on_traffic, reference_rows=wanted_rows, model=name)
    result = LoopResult(scenario, trained, name, version, traffic, seed=seed,
                        reference_rows=wanted_rows)
    if monitor:
        say("monitor the run")
        result.monitoring = monitor_model(name, window, run=traffic.run)
    return result


def _champion_card(name: str) -> dict[str, Any] | None:
    try:
        return tracking.load_champion_card(name)
    except tracking.NoChampion:
        return None
