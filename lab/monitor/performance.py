"""Realised performance (from labels) and estimated performance (from calibrated scores).

The estimate is confidence-based performance estimation (CBPE, as NannyML does): with
calibrated probabilities p, the expected true positives among alerts are sum(p), the
expected false positives sum(1 - p), and so on. It holds while P(y | x) holds: it
cannot see concept drift, which is why realised performance is kept beside it.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score

BLIND_SPOT = ("Estimated performance comes from the model's own calibrated scores: it "
              "assumes P(y | x) is unchanged, so it cannot see concept drift. Trust it "
              "under covariate shift; only realised performance (labels) reveals a change "
              "in the relationship itself.")


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b > 0 else None


def estimated(calibrated: np.ndarray, alerted: np.ndarray, fp_cost: float, fn_cost: float,
              rows_per_day: float) -> dict[str, float | None]:
    p = np.asarray(calibrated, dtype=float)
    tp = float(p[alerted].sum())
    fp = float((1 - p[alerted]).sum())
    fn = float(p[~alerted].sum())
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
            "base_rate": float(p.mean()) if len(p) else None,
            "cost_per_day": _per_day(fp * fp_cost + fn * fn_cost, len(p), rows_per_day)}


def realised(y: np.ndarray, scores: np.ndarray, alerted: np.ndarray, fp_cost: float,
             fn_cost: float, rows_per_day: float) -> dict[str, float | None]:
    y = np.asarray(y, dtype=int)
    tp = int((alerted & (y == 1)).sum())
    fp = int((alerted & (y == 0)).sum())
    fn = int((~alerted & (y == 1)).sum())
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    both = 0 < y.sum() < len(y)
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
            "pr_auc": float(average_precision_score(y, scores)) if both else None,
            "base_rate": float(y.mean()) if len(y) else None,
            "cost_per_day": _per_day(fp * fp_cost + fn * fn_cost, len(y), rows_per_day),
            "tp": tp, "fp": fp, "fn": fn}


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None or p + r == 0:
        return None
    return 2 * p * r / (p + r)


def _per_day(cost: float, n: int, rows_per_day: float) -> float | None:
    return float(cost / n * rows_per_day) if n else None
