"""Feature health against a reference summarised once, for large files.

:func:`lab.monitor.core.features_health` re-reads the whole reference for every window
(sorting it for each Wasserstein distance, counting its categories, its range): fine
for the lab's few thousand rows, too slow for a 200,000-row reference and a million
current rows. Here the reference is sorted and counted once, and each window costs one
sort per numeric feature and one count per categorical. The decisions are the same ones
(same tests, same thresholds, same effect sizes; a test checks the two agree), and a
small reference (where the p-value tests apply) goes through ``column_drift`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import distance

from lab.monitor.stats import DISTANCE, SMALL_REFERENCE, ColumnDrift, column_drift


@dataclass
class ColumnProfile:
    name: str
    categorical: bool
    rows: int
    missing_share: float
    distinct: int
    sorted_values: np.ndarray | None = None   # numeric: finite values, ascending
    std: float = 0.0
    low: float = 0.0
    high: float = 0.0
    counts: pd.Series | None = None           # categorical: counts per value (as text)
    known: np.ndarray | None = None           # categorical: values as they are


def profile_column(values: pd.Series, categorical: bool) -> ColumnProfile:
    missing = float(values.isna().mean())
    present = values.dropna()
    if categorical:
        counts = _text_counts(present)
        return ColumnProfile(values.name, True, len(values), missing, int(present.nunique()),
                             counts=counts, known=present.unique())
    numbers = present.to_numpy(dtype=float)
    finite = np.sort(numbers[np.isfinite(numbers)])
    return ColumnProfile(values.name, False, len(values), missing, int(len(np.unique(finite))),
                         sorted_values=finite, std=float(np.std(finite)) if len(finite) else 0.0,
                         low=float(np.min(numbers)) if len(numbers) else np.nan,
                         high=float(np.max(numbers)) if len(numbers) else np.nan)


def _text_counts(present: pd.Series) -> pd.Series:
    """``present.astype(str).value_counts()``, counting first and converting only the
    distinct values (a million rows, a handful of categories)."""
    counts = present.value_counts(sort=False)
    counts.index = counts.index.astype(str)
    return counts.groupby(level=0, sort=False).sum()


def profile_frame(frame: pd.DataFrame, features: list[dict[str, Any]]
                  ) -> dict[str, ColumnProfile]:
    return {f["name"]: profile_column(frame[f["name"]], f["kind"] == "categorical")
            for f in features}


def wasserstein_sorted(a: np.ndarray, b: np.ndarray) -> float:
    """W1 between two samples given sorted, exactly, in linear time.

    W1 is the area between the quantile functions, which are steps at i/n and j/m: the
    merged order of those breakpoints follows from integer arithmetic, so nothing is
    sorted or searched again (``scipy.stats.wasserstein_distance`` sorts both samples
    together on every call).
    """
    n, m = len(a), len(b)
    i, j = np.arange(1, n + 1, dtype=np.int64), np.arange(1, m + 1, dtype=np.int64)
    # Position of each breakpoint in the merged order (a's first where they coincide).
    pos_a = (i - 1) + (i * m - 1) // n
    pos_b = (j - 1) + (j * n) // m
    u = np.empty(n + m)
    u[pos_a], u[pos_b] = i / n, j / m
    from_a = np.zeros(n + m, dtype=np.int64)
    from_a[pos_a] = 1
    # On the piece ending at merged breakpoint k, a's quantile is a[number of a's
    # breakpoints before k] (and likewise for b).
    ka = np.cumsum(from_a) - from_a
    kb = np.arange(n + m) - ka
    widths = np.diff(u, prepend=0.0)
    return float(np.sum(widths * np.abs(a[np.minimum(ka, n - 1)] - b[np.minimum(kb, m - 1)])))


def _drift(ref: ColumnProfile, reference: pd.Series, current: pd.Series,
           cur_sorted: np.ndarray | None, cur_counts: pd.Series | None) -> ColumnDrift:
    present = int(ref.counts.sum()) if ref.categorical else len(ref.sorted_values)
    if present <= SMALL_REFERENCE or (not ref.categorical and ref.distinct <= 5):
        # p-value tests, or few distinct numbers: the shared code path, exactly.
        return column_drift(reference, current, ref.categorical)
    if ref.categorical:
        if cur_counts is None or cur_counts.sum() == 0:
            return ColumnDrift("none", float("nan"), 0.0, False, 0.0)
        keys = ref.counts.index.union(cur_counts.index, sort=False)
        r = ref.counts.reindex(keys, fill_value=0).to_numpy(dtype=float)
        c = cur_counts.reindex(keys, fill_value=0).to_numpy(dtype=float)
        js = float(distance.jensenshannon(r / r.sum(), c / c.sum()))
        return ColumnDrift("Jensen-Shannon distance", js, DISTANCE, js >= DISTANCE, js)
    if cur_sorted is None or len(cur_sorted) == 0 or len(ref.sorted_values) == 0:
        return ColumnDrift("none", float("nan"), 0.0, False, 0.0)
    effect = wasserstein_sorted(ref.sorted_values, cur_sorted) / max(ref.std, 0.001)
    return ColumnDrift("Wasserstein distance (normed)", effect, DISTANCE, effect >= DISTANCE,
                       effect)


def numeric_drift(ref: ColumnProfile, reference: pd.Series, current: pd.Series) -> ColumnDrift:
    """``column_drift`` of a numeric column (the prediction) against its profile."""
    numbers = pd.to_numeric(current, errors="coerce").to_numpy(dtype=float)
    return _drift(ref, reference, current, np.sort(numbers[np.isfinite(numbers)]), None)


def column_health(ref: ColumnProfile, reference: pd.Series, current: pd.Series
                  ) -> dict[str, Any]:
    """What ``lab.monitor.core._feature_health`` reports, from the profile."""
    n = max(len(current), 1)
    missing = float(current.isna().mean())
    present = current.dropna()
    out: dict[str, Any] = {}
    if ref.categorical:
        counts = _text_counts(present)
        drift = _drift(ref, reference, current, None, counts)
        unseen = float((~present.isin(ref.known)).sum() / n)
        out_of_range, distinct = 0.0, len(counts)
    else:
        numbers = pd.to_numeric(present, errors="coerce").to_numpy(dtype=float)
        finite = np.sort(numbers[np.isfinite(numbers)])
        drift = _drift(ref, reference, current, finite, None)
        outside = (numbers < ref.low) | (numbers > ref.high)
        unseen, out_of_range = 0.0, float(outside.sum() / n)
        kept = numbers[~np.isnan(numbers)]
        distinct = 0 if len(kept) == 0 else 1 + int(np.any(kept != kept[0]))
    out.update(drift.to_dict())
    out.update({"seasonal": False, "missing_share": round(missing, 6),
                "missing_delta": round(missing - ref.missing_share, 6),
                "unseen_share": round(unseen, 6), "out_of_range_share": round(out_of_range, 6),
                "constant": bool(distinct <= 1 < ref.distinct)})
    return out


def window_health(profiles: dict[str, ColumnProfile], reference: pd.DataFrame,
                  window: pd.DataFrame, features: list[dict[str, Any]]
                  ) -> dict[str, dict[str, Any]]:
    """Every feature of ``window`` against the profiled reference."""
    out = {}
    for spec in features:
        name = spec["name"]
        current = window[name]
        if spec["kind"] == "numeric":
            current = pd.to_numeric(current, errors="coerce")
        out[name] = column_health(profiles[name], reference[name], current)
    return out
