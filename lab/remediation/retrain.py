"""Retraining on data the candidate chooses: the reference, the labelled production rows
so far, or both, within a time window, and what the lab records as the model's lineage.

The refit follows :func:`lab.train.train` in kind, parameters and seed; its threshold is
chosen on the newest quarter of the chosen data (time order, as production runs), at the
least cost within the review capacity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lab.data import reference_frame
from lab.evaluation import OperatingPoint
from lab.remediation.week import Span, labelled, so_far
from lab.scenario import Scenario
from lab.train import fit_and_choose, time_split

SOURCES = ("reference", "production", "both")
THRESHOLD_SHARE = 0.25  # the newest quarter of the chosen data chooses the threshold
MIN_ROWS = 200


class RemedyError(ValueError):
    """A remedy that cannot be applied as asked: names the field and why."""


@dataclass(frozen=True)
class Live:
    """A model as it serves: the pipeline and its operating threshold."""

    pipeline: Any
    threshold: float
    version: int | None = None


@dataclass(frozen=True)
class TrainingData:
    frame: pd.DataFrame
    source: str
    since: pd.Timestamp | None
    until: pd.Timestamp | None
    reference_rows: int
    production_rows: int

    def lineage(self) -> dict[str, str]:
        """What the model saw, as MLflow tags on its run."""
        return {"driftlab.data.source": self.source,
                "driftlab.data.since": "" if self.since is None else str(self.since),
                "driftlab.data.until": "" if self.until is None else str(self.until),
                "driftlab.data.reference_rows": str(self.reference_rows),
                "driftlab.data.production_rows": str(self.production_rows)}


def fit_live(scenario: Scenario, seed: int = 0, reference_rows: int | None = None) -> Live:
    """The model :func:`lab.train.train` would register, fitted in memory (no MLflow)."""
    frame = reference_frame(scenario, reference_rows, seed)
    fit_part, val_part, _ = time_split(frame)
    pipeline, point = fit_and_choose(scenario, fit_part, val_part, seed)
    return Live(pipeline, point.threshold)


def training_data(span: Span, source: str, live: Live, since: pd.Timestamp | None = None,
                  until: pd.Timestamp | None = None) -> TrainingData:
    """The rows a retrain learns from: ``source`` within ``[since, until)`` (event times).

    Production rows count only once their label had come back by the end of the run
    (delay, outages, and which decisions get reviewed, for the ``live`` model's decisions).
    """
    if source not in SOURCES:
        raise RemedyError(f"data: {source!r} is not allowed; allowed: {list(SOURCES)}")
    scenario = span.scenario
    schema = scenario.world_.schema
    parts = []
    n_ref = n_prod = 0
    if source in ("reference", "both"):
        ref = reference_frame(scenario, span.reference_rows, span.seed)
        ref = _window(ref, schema.timestamp, since, until)
        n_ref = len(ref)
        parts.append(ref)
    if source in ("production", "both"):
        prod = so_far(span).frame
        alerts = live.pipeline.predict_proba(prod[schema.names])[:, 1] >= live.threshold
        prod = prod.loc[labelled(prod, scenario, span.end, alerts)]
        prod = _window(prod, schema.timestamp, since, until)
        n_prod = len(prod)
        parts.append(prod[[*schema.names, schema.target, schema.timestamp]])
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if len(frame):
        frame = frame.sort_values(schema.timestamp, kind="mergesort").reset_index(drop=True)
    return TrainingData(frame, source, since, until, n_ref, n_prod)


def _window(frame: pd.DataFrame, ts: str, since, until) -> pd.DataFrame:
    keep = np.ones(len(frame), dtype=bool)
    if since is not None:
        keep &= (frame[ts] >= pd.Timestamp(since)).to_numpy()
    if until is not None:
        keep &= (frame[ts] < pd.Timestamp(until)).to_numpy()
    return frame.loc[keep]


def refit(scenario: Scenario, data: TrainingData, seed: int = 0
          ) -> tuple[Any, OperatingPoint]:
    """A new pipeline fitted on ``data`` and its operating point (see the module doc)."""
    schema = scenario.world_.schema
    frame = data.frame
    cut = int(len(frame) * (1 - THRESHOLD_SHARE))
    fit_part, val_part = frame.iloc[:cut], frame.iloc[cut:]
    for name, part in (("fit", fit_part), ("threshold", val_part)):
        y = part[schema.target] if len(part) else pd.Series(dtype=int)
        if len(part) < MIN_ROWS // 2 or y.nunique() < 2:
            window = "".join([f" from {data.since}" if data.since is not None else "",
                              f" before {data.until}" if data.until is not None else ""])
            raise RemedyError(
                f"data: {data.source}{window} gives {len(frame)} labelled rows "
                f"({data.reference_rows} reference, {data.production_rows} production, "
                f"labels due by the run's end); the {name} part needs at least "
                f"{MIN_ROWS // 2} rows of both classes")
    return fit_and_choose(scenario, fit_part, val_part, seed)
