"""Training: reference data -> time-ordered split -> Pipeline -> threshold -> MLflow.

The split follows time as production does: the oldest 60% trains, the next 20% chooses
the threshold (validation), the newest 20% reports the metrics (test).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from lab import plots, tracking
from lab import workspace as workspaces
from lab.config import get_settings
from lab.data import reference_frame
from lab.evaluation import OperatingPoint, choose_threshold, classification_metrics, point_at
from lab.models import build_pipeline
from lab.scenario import Scenario

Progress = Callable[[str], None]
STEPS = ("generate reference data", "fit the pipeline", "choose the threshold",
         "evaluate on the test split", "log and register in MLflow")


@dataclass(frozen=True)
class TrainResult:
    scenario_id: str
    model_name: str
    version: int
    run_id: str
    seed: int
    rows: int
    operating_point: OperatingPoint
    test_metrics: dict[str, float]
    seconds: dict[str, float]
    pipeline: Any
    # Labels and scores of the two held-out splits, for curves and the threshold slider.
    validation: tuple[np.ndarray, np.ndarray] = field(default=None, repr=False)
    test: tuple[np.ndarray, np.ndarray] = field(default=None, repr=False)

    @property
    def threshold(self) -> float:
        return self.operating_point.threshold

    def summary(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_id, "model": f"{self.model_name} v{self.version}",
            "alias": tracking.CHAMPION, "run_id": self.run_id, "seed": self.seed,
            "rows": self.rows, "threshold": self.threshold, "test": self.test_metrics,
            "validation_cost_per_day": self.operating_point.cost_per_day,
            "alerts_per_day": self.operating_point.alerts_per_day, "seconds": self.seconds,
        }


def time_split(frame: pd.DataFrame, fractions=(0.6, 0.2)) -> tuple[pd.DataFrame, ...]:
    """Oldest to newest: train, validation, test."""
    n = len(frame)
    a = int(n * fractions[0])
    b = a + int(n * fractions[1])
    return frame.iloc[:a], frame.iloc[a:b], frame.iloc[b:]


def fit_model(scenario: Scenario, fit_part: pd.DataFrame, seed: int = 0):
    """The scenario's pipeline (model kind, parameters, seed) fitted on ``fit_part``."""
    schema = scenario.world_.schema
    pipeline = build_pipeline(scenario.model.kind, scenario.model.params, schema, seed)
    # One OpenMP thread: several candidates training on one host otherwise spin against
    # each other (0.4 s became 24 s under contention here); alone, one thread costs little.
    with threadpool_limits(limits=1):
        pipeline.fit(fit_part[schema.names], fit_part[schema.target])
    return pipeline


def operating_point(scenario: Scenario, y, scores) -> OperatingPoint:
    """The cost-minimising threshold for labels ``y`` and ``scores``, within the scenario's
    review capacity."""
    costs = scenario.costs
    return choose_threshold(y, scores, costs.false_positive, costs.false_negative,
                            scenario.world_.rows_per_day, costs.review_capacity_per_day)


def fit_and_choose(scenario: Scenario, fit_part: pd.DataFrame, val_part: pd.DataFrame,
                   seed: int = 0) -> tuple[Any, OperatingPoint]:
    """A model as :func:`train` makes it, without MLflow: fitted on ``fit_part``, its
    operating point chosen on ``val_part``. For the lab's own what-ifs (audits, harm,
    remedies), which need the model, not its registration."""
    schema = scenario.world_.schema
    pipeline = fit_model(scenario, fit_part, seed)
    scores = pipeline.predict_proba(val_part[schema.names])[:, 1]
    return pipeline, operating_point(scenario, val_part[schema.target], scores)


def train(scenario: Scenario, seed: int = 0, rows: int | None = None,
          progress: Progress | None = None, workspace: str | None = None,
          frame: pd.DataFrame | None = None, alias: str = tracking.CHAMPION) -> TrainResult:
    """Train the scenario's model, log it to MLflow and point the workspace's ``@alias``
    (``@champion`` unless told otherwise, e.g. ``@challenger``) at it.

    ``frame`` trains on those labelled rows (say, recent production) instead of the
    scenario's reference; it is split by time like the reference, and ``rows`` is ignored.
    """
    say = progress or (lambda _step: None)
    workspace = workspaces.validate(workspace or get_settings().workspace)
    world = scenario.world_
    schema = world.schema
    costs = scenario.costs
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 3)
        clock = now

    say(STEPS[0])
    data = _data_source(frame, schema)
    frame = reference_frame(scenario, rows, seed) if frame is None else _checked(frame, schema)
    fit_part, val_part, test_part = time_split(frame)
    lap("generate")

    say(STEPS[1])
    pipeline = fit_model(scenario, fit_part, seed)
    lap("fit")

    say(STEPS[2])
    val_scores = pipeline.predict_proba(val_part[schema.names])[:, 1]
    chosen = operating_point(scenario, val_part[schema.target], val_scores)
    lap("threshold")

    say(STEPS[3])
    y_test = test_part[schema.target].to_numpy()
    test_scores = pipeline.predict_proba(test_part[schema.names])[:, 1]
    test_metrics = classification_metrics(y_test, test_scores, chosen.threshold)
    test_point = point_at(y_test, test_scores, chosen.threshold, costs.false_positive,
                          costs.false_negative, world.rows_per_day)
    test_metrics["cost_per_day"] = test_point.cost_per_day
    test_metrics["alerts_per_day"] = test_point.alerts_per_day
    figures = {"pr_curve": plots.pr_curve(y_test, test_scores, chosen.threshold),
               "calibration": plots.calibration(y_test, test_scores),
               "roc": plots.roc(y_test, test_scores)}
    lap("evaluate")

    say(STEPS[4])
    card = model_card(scenario, seed, len(frame), chosen, test_metrics,
                      example=test_part[schema.names].iloc[0])
    card["workspace"] = workspace
    card["data"] = data
    example = _float_numeric(frame[schema.names].head(100), schema.numeric)
    registered = tracking.log_training(
        scenario_id=scenario.id, model_name=workspaces.model_name(scenario.id, workspace),
        pipeline=pipeline,
        params={"scenario": scenario.id, "workspace": workspace, "seed": seed, "rows": len(frame),
                "world": scenario.world.kind, "model": scenario.model.kind, "data": data["source"],
                **{f"model.{k}": v for k, v in scenario.model.params.items()},
                "threshold": chosen.threshold},
        metrics={**{f"test_{k}": v for k, v in test_metrics.items()},
                 **{f"val_{k}": v for k, v in chosen.to_dict().items()}},
        figures=figures, card=card, input_example=example,
        output_example=pipeline.predict_proba(example)[:, 1], alias=alias,
        # Given rows are what this model is monitored against (the world cannot remake them).
        reference=frame if data["source"] == "frame" else None,
    )
    lap("log")
    return TrainResult(scenario.id, registered.name, registered.version, registered.run_id,
                       seed, len(frame), chosen, test_metrics, seconds, pipeline,
                       validation=(val_part[schema.target].to_numpy(), val_scores),
                       test=(y_test, test_scores))


def _data_source(frame: pd.DataFrame | None, schema) -> dict[str, Any]:
    """What the model learnt from, for its card: the reference, or given rows and their span
    (a model retrained on recent data is not monitored against the scenario's reference)."""
    if frame is None:
        return {"source": "reference"}
    times = frame[schema.timestamp] if schema.timestamp in frame else None
    return {"source": "frame", "rows": len(frame),
            "start": None if times is None else str(times.min()),
            "end": None if times is None else str(times.max())}


def _checked(frame: pd.DataFrame, schema) -> pd.DataFrame:
    missing = [c for c in [*schema.names, schema.target] if c not in frame]
    if missing:
        raise ValueError(f"frame: missing column(s) {missing}")
    if frame[schema.target].isna().any():
        raise ValueError(f"frame: {schema.target} must be labelled on every row")
    if len(frame) < 100:
        raise ValueError(f"frame: {len(frame)} rows is too few to train, split and evaluate")
    if schema.timestamp in frame:
        frame = frame.sort_values(schema.timestamp, kind="stable")
    return frame.reset_index(drop=True)


def _float_numeric(frame: pd.DataFrame, numeric: list[str]) -> pd.DataFrame:
    # Numeric inputs are doubles at the serving boundary: any of them may arrive empty.
    return frame.astype({c: np.float64 for c in numeric})


def model_card(scenario: Scenario, seed: int, rows: int, chosen: OperatingPoint,
               test_metrics: dict[str, float], example: pd.Series) -> dict[str, Any]:
    """What the server and the monitor need to know about the model, beside the model."""
    schema = scenario.world_.schema
    return {
        "scenario": scenario.id,
        "seed": seed,
        "reference_rows": rows,
        "world": {"kind": scenario.world.kind, "params": scenario.world.params},
        "target": schema.target,
        "timestamp": schema.timestamp,
        "features": [f.to_dict() for f in schema.features],
        "threshold": chosen.to_dict(),
        "costs": scenario.costs.model_dump(),
        "test_metrics": test_metrics,
        "example": to_record(example),
    }


def to_record(row: pd.Series) -> dict[str, Any]:
    """A frame row as a JSON-ready record: NaN becomes None, numpy scalars plain numbers."""
    return {k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
            for k, v in row.items()}
