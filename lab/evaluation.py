"""Classification metrics and the choice of an operating threshold by expected cost.

Scores at or above the threshold are alerts. Costs are per ticket; with a review
capacity, thresholds whose alert volume per day exceeds it are not allowed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

# A threshold above every score: nothing is alerted.
NO_ALERTS = float(np.nextafter(1.0, 2.0))


@dataclass(frozen=True)
class OperatingPoint:
    threshold: float
    precision: float
    recall: float
    f1: float
    alerts: int
    alert_rate: float
    alerts_per_day: float
    tp: int
    fp: int
    fn: int
    tn: int
    cost: float
    cost_per_day: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def operating_curve(y_true, scores, fp_cost: float, fn_cost: float,
                    rows_per_day: float) -> pd.DataFrame:
    """Every distinct threshold (each score, and one above all) with its counts and cost.

    Computed in one sort: the rows with the highest scores are alerted first.
    """
    y = np.asarray(y_true, dtype=np.int64)
    s = np.asarray(scores, dtype=float)
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    # The last index of each run of equal scores: a threshold alerts whole runs.
    last_of_run = np.r_[np.nonzero(np.diff(s_sorted))[0], len(s_sorted) - 1]
    tp = np.r_[0, np.cumsum(y_sorted)[last_of_run]]
    alerts = np.r_[0, last_of_run + 1]
    thresholds = np.r_[NO_ALERTS, s_sorted[last_of_run]]
    return _with_counts(thresholds, tp, alerts, int(y.sum()), len(y), fp_cost, fn_cost,
                        rows_per_day)


def _with_counts(thresholds, tp, alerts, positives, n, fp_cost, fn_cost, rows_per_day):
    tp = np.asarray(tp)
    alerts = np.asarray(alerts)
    fp = alerts - tp
    fn = positives - tp
    tn = n - alerts - fn
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(alerts > 0, tp / np.maximum(alerts, 1), 1.0)
        recall = np.where(positives > 0, tp / max(positives, 1), 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    cost = fp * fp_cost + fn * fn_cost
    per_day = rows_per_day / n
    return pd.DataFrame({
        "threshold": thresholds, "precision": precision, "recall": recall, "f1": f1,
        "alerts": alerts, "alert_rate": alerts / n, "alerts_per_day": alerts * per_day,
        "tp": tp, "fp": fp, "fn": fn, "tn": tn, "cost": cost, "cost_per_day": cost * per_day,
    })


def _point(row: pd.Series) -> OperatingPoint:
    ints = {"alerts", "tp", "fp", "fn", "tn"}
    return OperatingPoint(**{k: int(v) if k in ints else float(v) for k, v in row.items()})


def point_at(y_true, scores, threshold: float, fp_cost: float, fn_cost: float,
             rows_per_day: float) -> OperatingPoint:
    """The operating point of a given threshold."""
    y = np.asarray(y_true, dtype=np.int64)
    alert = np.asarray(scores, dtype=float) >= threshold
    frame = _with_counts([threshold], [int((alert & (y == 1)).sum())], [int(alert.sum())],
                         int(y.sum()), len(y), fp_cost, fn_cost, rows_per_day)
    return _point(frame.iloc[0])


def choose_threshold(y_true, scores, fp_cost: float, fn_cost: float, rows_per_day: float,
                     capacity_per_day: float | None = None) -> OperatingPoint:
    """The threshold with the least expected cost (within the review capacity, if any).

    Ties go to the higher threshold (fewer alerts for the same cost).
    """
    curve = operating_curve(y_true, scores, fp_cost, fn_cost, rows_per_day)
    if capacity_per_day is not None:
        curve = curve[curve["alerts_per_day"] <= capacity_per_day + 1e-9]
    best = curve.loc[curve["cost"].idxmin()]  # first minimum = highest threshold
    return _point(best)


def classification_metrics(y_true, scores, threshold: float) -> dict[str, float]:
    """Threshold-free (ROC AUC, PR AUC, Brier) and thresholded metrics with the confusion matrix."""
    y = np.asarray(y_true, dtype=np.int64)
    s = np.asarray(scores, dtype=float)
    both_classes = 0 < y.sum() < len(y)
    point = point_at(y, s, threshold, 0.0, 0.0, 1.0)
    return {
        "precision": point.precision, "recall": point.recall, "f1": point.f1,
        "roc_auc": float(roc_auc_score(y, s)) if both_classes else float("nan"),
        "pr_auc": float(average_precision_score(y, s)) if both_classes else float("nan"),
        "brier": float(brier_score_loss(y, s)),
        "base_rate": float(y.mean()), "alert_rate": point.alert_rate,
        "tp": point.tp, "fp": point.fp, "fn": point.fn, "tn": point.tn,
    }
