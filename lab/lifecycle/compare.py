"""Champion against challenger on the same rows, in the scenario's own costs.

Each candidate is a fitted pipeline with its operating threshold. The comparison reports
what a promotion decision weighs: precision and recall at the threshold, alerts and cost
per day, and the threshold-free ranking quality (ROC and PR AUC).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from lab.evaluation import choose_threshold, classification_metrics, point_at
from lab.scenario import Scenario


@dataclass(frozen=True)
class Candidate:
    name: str          # how the table calls it ("champion v1", "challenger v3", ...)
    pipeline: Any
    threshold: float


def compare(scenario: Scenario, candidates: list[Candidate], frame: pd.DataFrame
            ) -> pd.DataFrame:
    """One row per candidate, scored on the labelled rows of ``frame``."""
    world, costs = scenario.world_, scenario.costs
    schema = world.schema
    missing = [c for c in [*schema.names, schema.target] if c not in frame]
    if missing:
        raise ValueError(f"frame: missing column(s) {missing}")
    y = frame[schema.target].to_numpy()
    rows = []
    for c in candidates:
        scores = c.pipeline.predict_proba(frame[schema.names])[:, 1]
        metrics = classification_metrics(y, scores, c.threshold)
        point = point_at(y, scores, c.threshold, costs.false_positive, costs.false_negative,
                         world.rows_per_day)
        rows.append({"candidate": c.name, "threshold": c.threshold,
                     "precision": metrics["precision"], "recall": metrics["recall"],
                     "alerts_per_day": point.alerts_per_day, "cost_per_day": point.cost_per_day,
                     "roc_auc": metrics["roc_auc"], "pr_auc": metrics["pr_auc"]})
    return pd.DataFrame(rows).set_index("candidate")


def rethresholded(scenario: Scenario, candidate: Candidate, frame: pd.DataFrame,
                  name: str | None = None) -> Candidate:
    """The same model with the threshold chosen again, on ``frame``, by the scenario's
    rule (cheapest within the review capacity): the cheap alternative to retraining."""
    world, costs = scenario.world_, scenario.costs
    schema = world.schema
    scores = candidate.pipeline.predict_proba(frame[schema.names])[:, 1]
    point = choose_threshold(frame[schema.target].to_numpy(), scores, costs.false_positive,
                             costs.false_negative, world.rows_per_day,
                             costs.review_capacity_per_day)
    return Candidate(name or f"{candidate.name}, re-thresholded", candidate.pipeline,
                     point.threshold)
