"""Ranked suspects: which features most likely sit behind a change.

Two kinds of evidence, both per feature:
* input change: its drift effect size and data-quality change, weighed by the feature's
  permutation importance to the model (a broken feature the model ignores matters less);
* relationship change (needs labels): how unevenly the model's errors spread across the
  feature's values, beyond what the reference shows. Concept drift moves the labels
  without moving the inputs; this is how it still points at features.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

MIN_LABELS = 300
BINS = 10


def residual_structure(values: pd.Series, residual: np.ndarray, categorical: bool,
                       edges: np.ndarray | None) -> float:
    """Weighted variance of the mean residual (y - calibrated p) across the feature's bins."""
    if categorical:
        keys = values.astype(str).fillna("<missing>").to_numpy()
    else:
        v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        keys = np.where(np.isnan(v), -1, np.searchsorted(edges, v, side="right"))
    frame = pd.DataFrame({"k": keys, "r": residual})
    groups = frame.groupby("k")["r"].agg(["mean", "count"])
    groups = groups[groups["count"] >= 20]
    if groups.empty:
        return 0.0
    w = groups["count"] / groups["count"].sum()
    centre = float((w * groups["mean"]).sum())
    return float((w * (groups["mean"] - centre) ** 2).sum())


def rank(features: list[dict[str, Any]], importance: dict[str, float],
         window_effects: dict[str, dict[str, Any]], reference: pd.DataFrame,
         reference_residual: np.ndarray, current: pd.DataFrame,
         current_residual: np.ndarray | None) -> list[dict[str, Any]]:
    top = max(importance.values(), default=0.0) or 1.0
    out = []
    for f in features:
        name = f["name"]
        if f.get("seasonal"):
            continue
        categorical = f["kind"] == "categorical"
        weight = max(importance.get(name, 0.0) / top, 0.1)
        e = window_effects[name]
        change = (e["effect"] if e["drifted"] else 0.0) + abs(e["missing_delta"]) \
            + e.get("unseen_share", 0.0) + e.get("out_of_range_share", 0.0)
        relationship = 0.0
        if current_residual is not None and len(current_residual) >= MIN_LABELS:
            edges = None
            if not categorical:
                ref_values = pd.to_numeric(reference[name], errors="coerce").dropna()
                edges = np.unique(np.quantile(ref_values, np.linspace(0, 1, BINS + 1)[1:-1]))
            now = residual_structure(current[name], current_residual, categorical, edges)
            before = residual_structure(reference[name], reference_residual, categorical, edges)
            relationship = float(np.sqrt(max(0.0, now - before)))
        out.append({"feature": name, "score": round(weight * change + relationship, 4),
                    "input_change": round(change, 4), "relationship_change":
                    round(relationship, 4), "importance": round(importance.get(name, 0.0), 4)})
    return sorted(out, key=lambda s: -s["score"])
