"""What a model's decisions did on a week of traffic: precision, recall, cost per day.

Realised, not estimated: the labels of the week are the world's. A review capacity holds
per day: reviewers work the day's alerts in arrival order and stop at capacity, so an alert
past it is never reviewed (no false-positive cost, and a real breach behind it is missed).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lab.drift.delivery import refused
from lab.drift.harm import within_capacity
from lab.scenario import Scenario


@dataclass(frozen=True)
class Outcome:
    remedy: str
    precision: float | None
    recall: float | None
    alerts_per_day: float
    unreviewed_per_day: float  # alerts past the review capacity
    cost_per_day: float
    days: int
    rows: int
    per_day: pd.DataFrame = field(repr=False, compare=False)  # day, rows, alerts, cost...
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "per_day"}
        out["per_day"] = [{**r, "day": str(r["day"].date())}
                          for r in self.per_day.to_dict("records")]
        return out


def decide(pipeline, frame: pd.DataFrame, names: list[str], threshold: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """Scores and alerts of ``pipeline`` on ``frame``; a refused request is no alert."""
    scores = pipeline.predict_proba(frame[names])[:, 1]
    return scores, (scores >= threshold) & ~refused(frame)


def realised(remedy: str, frame: pd.DataFrame, alerts: np.ndarray, scenario: Scenario,
             note: str = "", capacity: float | None = None) -> Outcome:
    """``capacity`` replaces the scenario's review capacity a day (a canary's version sees
    its share of the traffic, and of the reviewers)."""
    schema, costs = scenario.world_.schema, scenario.costs
    capacity = costs.review_capacity_per_day if capacity is None else capacity
    y = frame[schema.target].to_numpy().astype(bool)
    alerts = np.asarray(alerts, dtype=bool)
    day = frame[schema.timestamp].dt.floor("D").to_numpy()
    reviewed = alerts.copy()
    if capacity is not None:
        # The same rule as the harm measurement: first come, first served, per day.
        reviewed &= within_capacity(frame[schema.timestamp], alerts, capacity)
    fp = reviewed & ~y
    missed = y & ~reviewed
    cost = fp * costs.false_positive + missed * costs.false_negative
    table = pd.DataFrame({"day": day, "rows": 1, "alerts": alerts.astype(int),
                          "unreviewed": (alerts & ~reviewed).astype(int),
                          "positives": y.astype(int), "caught": (alerts & y).astype(int),
                          "cost": cost}).groupby("day", as_index=False).sum()
    days = len(table)
    tp = int((alerts & y).sum())
    return Outcome(
        remedy=remedy,
        precision=tp / int(alerts.sum()) if alerts.any() else None,
        recall=tp / int(y.sum()) if y.any() else None,
        alerts_per_day=float(alerts.sum()) / max(days, 1),
        unreviewed_per_day=float((alerts & ~reviewed).sum()) / max(days, 1),
        cost_per_day=float(cost.sum()) / max(days, 1), days=days, rows=len(frame),
        per_day=table, note=note)
