"""Load-test candidate models at a rate: the evidence for a model under a p99 budget.

Each candidate (a model kind and its parameters) is trained on the scenario's data and
registered under its own name (``<scenario>--<kind>``), then served alone by a real server
with ``workers`` workers and sent the scenario's production records open-loop at ``rate``.
What comes back per candidate is what the choice weighs: expected cost per day on the test
split against the p99 a user would wait (from intended send times) and the server's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from lab.load.openloop import open_loop
from lab.scenario import ModelSpec, Scenario
from lab.traffic import records_of
from lab.workspace import new_run_id

CANDIDATES = (
    ModelSpec(kind="logistic_regression"),
    ModelSpec(kind="hist_gradient_boosting", params={"max_iter": 100}),
    ModelSpec(kind="random_forest", params={"n_estimators": 300, "min_samples_leaf": 2}),
)


@dataclass
class CandidateLoad:
    kind: str
    model: str
    cost_per_day: float
    rate: float
    workers: int
    throughput: float
    p99_ms: float | None         # from intended send times: what a user waits
    server_p99_ms: float | None  # what the server logged (commit included)
    errors: int
    version: int | None = None   # the registered version that was served
    requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass(frozen=True)
class CandidateStep:
    """Progress: ``done`` of ``total`` steps (a training and a load test per candidate)."""

    done: int
    total: int
    text: str


def candidate_name(scenario: Scenario, spec: ModelSpec) -> str:
    return f"{scenario.id}--{spec.kind.replace('_', '-')}"


def candidate_kinds(candidates: tuple[ModelSpec, ...] = CANDIDATES) -> list[str]:
    return [c.kind for c in candidates]


def choose_candidates(kinds: list[str] | None) -> tuple[ModelSpec, ...]:
    """The default candidates of these kinds (all of them for None); unknown kinds are an
    error naming the field and what is allowed."""
    if kinds is None:
        return CANDIDATES
    allowed = candidate_kinds()
    unknown = [k for k in kinds if k not in allowed]
    if unknown or not kinds:
        raise ValueError(f"models: {unknown or 'none'} not allowed; choose from {allowed}")
    return tuple(c for c in CANDIDATES if c.kind in kinds)


def load_test_candidates(scenario: Scenario, rate: float | None = None,
                         requests: int = 600, workers: int = 1, seed: int = 0,
                         candidates: tuple[ModelSpec, ...] = CANDIDATES,
                         train_rows: int | None = None, workspace: str | None = None,
                         progress: Callable[[CandidateStep], None] | None = None,
                         reuse: bool = False) -> list[CandidateLoad]:
    """Train, serve and load-test each candidate at ``rate`` (the scenario's by default).

    ``reuse`` keeps a candidate already registered in the workspace when it was trained
    with the same seed, rows and parameters (a second load test with other workers need
    not train again); ``progress`` hears of each step as it starts.
    """
    from lab.config import get_settings
    from lab.serve.process import ServerProcess
    from lab.serve.store import PredictionStore

    rate = rate or scenario.traffic_rate
    say = progress or (lambda _step: None)
    frame = scenario.world_.sample(requests, seed=seed + 101)
    records = records_of(frame, scenario.world_.schema.names)
    total = 2 * len(candidates)
    out = []
    for i, spec in enumerate(candidates):
        variant = scenario.model_copy(update={"id": candidate_name(scenario, spec),
                                              "model": spec})
        name, version, cost = _trained(variant, seed, train_rows, workspace, reuse,
                                       lambda text, i=i: say(CandidateStep(2 * i, total, text)))
        # A run id of its own each time: two load tests of one model never mix their logs.
        run = f"load-{spec.kind.replace('_', '-')}-w{workers}-{new_run_id()}"
        bodies = [orjson.dumps({"run": run, "features": r, "request_id": f"{run}-{j}"})
                  for j, r in enumerate(records)]
        say(CandidateStep(2 * i + 1, total, f"load-testing {spec.kind} with {workers} "
                                            f"worker(s) at {rate:g}/s…"))
        with ServerProcess(models=[name], workers=workers) as server:
            load = open_loop(server.url, f"/models/{name}/predict", bodies, rate, seed=seed)
        store = PredictionStore(get_settings().prediction_store_url)
        try:
            logged = store.frame(name, run=run)["latency_ms"].to_numpy(float)
        finally:
            store.dispose()
        out.append(CandidateLoad(
            spec.kind, name, cost, rate, workers, load.throughput, load.p(99),
            float(np.percentile(logged, 99)) if len(logged) else None, load.errors,
            version, len(bodies)))
        p99 = "-" if load.p(99) is None else f"{load.p(99):,.0f} ms"
        say(CandidateStep(2 * i + 2, total, f"{spec.kind}: p99 {p99} at {rate:g}/s"))
    return out


def _trained(variant: Scenario, seed: int, rows: int | None, workspace: str | None,
             reuse: bool, say: Callable[[str], None]) -> tuple[str, int, float]:
    """(registered name, version, expected cost per day on the test split)."""
    from lab import workspace as workspaces
    from lab.config import get_settings
    from lab.train import train

    workspace = workspaces.validate(workspace or get_settings().workspace)
    name = workspaces.model_name(variant.id, workspace)
    if reuse:
        card = _same_training(name, variant, seed, rows or variant.reference_rows)
        if card is not None:
            say(f"reusing {variant.model.kind} v{card['version']} (same seed and rows)")
            return name, card["version"], float(card["test_metrics"]["cost_per_day"])
    say(f"training {variant.model.kind}…")
    trained = train(variant, seed=seed, rows=rows, workspace=workspace)
    return trained.model_name, trained.version, float(trained.test_metrics["cost_per_day"])


def _same_training(name: str, variant: Scenario, seed: int, rows: int) -> dict | None:
    """The champion's card when it was trained exactly as asked now, else None."""
    from lab import tracking

    try:
        card = tracking.load_champion_card(name)
    except tracking.NoChampion:
        return None
    params = tracking.run_params(card["run_id"])
    wanted = {"seed": str(seed), "rows": str(rows), "model": variant.model.kind,
              **{f"model.{k}": str(v) for k, v in variant.model.params.items()}}
    logged = {k: params.get(k) for k in wanted}
    model_params = {k for k in params if k.startswith("model.")}
    same = logged == wanted and model_params == {k for k in wanted if k.startswith("model.")}
    return card if same else None
