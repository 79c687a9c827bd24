"""Load-test candidate models at a rate: the evidence for a model under a p99 budget.

Each candidate (a model kind and its parameters) is trained on the scenario's data and
registered under its own name (``<scenario>--<kind>``), then served alone by a real server
with ``workers`` workers and sent the scenario's production records open-loop at ``rate``.
What comes back per candidate is what the choice weighs: expected cost per day on the test
split against the p99 a user would wait (from intended send times) and the server's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from lab.load.openloop import open_loop
from lab.scenario import ModelSpec, Scenario
from lab.traffic import records_of

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

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def candidate_name(scenario: Scenario, spec: ModelSpec) -> str:
    return f"{scenario.id}--{spec.kind.replace('_', '-')}"


def load_test_candidates(scenario: Scenario, rate: float | None = None,
                         requests: int = 600, workers: int = 1, seed: int = 0,
                         candidates: tuple[ModelSpec, ...] = CANDIDATES,
                         train_rows: int | None = None) -> list[CandidateLoad]:
    """Train, serve and load-test each candidate at ``rate`` (the scenario's by default)."""
    from lab.config import get_settings
    from lab.serve.process import ServerProcess
    from lab.serve.store import PredictionStore
    from lab.train import train

    rate = rate or scenario.traffic_rate
    frame = scenario.world_.sample(requests, seed=seed + 101)
    records = records_of(frame, scenario.world_.schema.names)
    out = []
    for spec in candidates:
        variant = scenario.model_copy(update={"id": candidate_name(scenario, spec),
                                              "model": spec})
        trained = train(variant, seed=seed, rows=train_rows)
        name = trained.model_name
        run = f"candidate-{spec.kind.replace('_', '-')}-{seed}"
        bodies = [orjson.dumps({"run": run, "features": r, "request_id": f"{run}-{i}"})
                  for i, r in enumerate(records)]
        with ServerProcess(models=[name], workers=workers) as server:
            load = open_loop(server.url, f"/models/{name}/predict", bodies, rate, seed=seed)
        store = PredictionStore(get_settings().prediction_store_url)
        try:
            logged = store.frame(name, run=run)["latency_ms"].to_numpy(float)
        finally:
            store.dispose()
        out.append(CandidateLoad(
            spec.kind, name, float(trained.test_metrics["cost_per_day"]), rate, workers,
            load.throughput, load.p(99),
            float(np.percentile(logged, 99)) if len(logged) else None, load.errors))
    return out
