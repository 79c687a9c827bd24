"""Drift statistics computed directly with numpy/scipy.

The test for a column follows Evidently's defaults, so the decisions agree with its
DataDriftPreset on the same data (a test checks it): with a reference of at most 1000
values, KS for numbers with more than 5 distinct values, else chi-square (more than 2
values) or a two-proportion z-test, at p < 0.05; above 1000 values, the normed
Wasserstein distance for numbers with more than 5 distinct values, else the
Jensen-Shannon distance, at 0.1. Missing values are dropped first, as Evidently does.

Whatever the test, every column also gets an **effect size** (normed Wasserstein for
numbers, Jensen-Shannon for categories): alerts use it, so a huge window with a
negligible shift does not alarm however small its p-value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

P_VALUE = 0.05
DISTANCE = 0.1
SMALL_REFERENCE = 1000


@dataclass(frozen=True)
class ColumnDrift:
    method: str
    statistic: float
    threshold: float
    drifted: bool
    effect: float

    def to_dict(self) -> dict:
        return {"method": self.method, "statistic": _finite(self.statistic),
                "threshold": self.threshold, "drifted": self.drifted,
                "effect": _finite(self.effect)}


def _finite(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 6)


def _clean(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        values = values.replace([np.inf, -np.inf], np.nan)
    return values.dropna()


def column_drift(reference: pd.Series, current: pd.Series, categorical: bool) -> ColumnDrift:
    ref, cur = _clean(reference), _clean(current)
    if len(ref) == 0 or len(cur) == 0:
        return ColumnDrift("none", float("nan"), 0.0, False, 0.0)
    if categorical:
        ref, cur = ref.astype(str), cur.astype(str)
    n_values = pd.concat([ref, cur]).nunique()
    effect = (jensen_shannon(ref, cur, categorical=True) if categorical
              else wasserstein_normed(ref, cur))
    if len(ref) <= SMALL_REFERENCE:
        if not categorical and n_values > 5:
            p = float(stats.ks_2samp(ref, cur)[1])
            return ColumnDrift("K-S p_value", p, P_VALUE, p <= P_VALUE, effect)
        if n_values > 2:
            p = chi_square_p(ref, cur)
            return ColumnDrift("chi-square p_value", p, P_VALUE, p < P_VALUE, effect)
        p = z_test_p(ref, cur)
        return ColumnDrift("Z-test p_value", p, P_VALUE, p < P_VALUE, effect)
    if not categorical and n_values > 5:
        return ColumnDrift("Wasserstein distance (normed)", effect, DISTANCE, effect >= DISTANCE,
                           effect)
    js = effect if categorical else jensen_shannon(ref, cur, categorical=False)
    return ColumnDrift("Jensen-Shannon distance", js, DISTANCE, js >= DISTANCE, effect)


def wasserstein_normed(ref: pd.Series, cur: pd.Series) -> float:
    r = np.asarray(ref, dtype=float)
    norm = max(float(np.std(r)), 0.001)
    return float(stats.wasserstein_distance(r, np.asarray(cur, dtype=float)) / norm)


def _shares(ref: pd.Series, cur: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    keys = pd.Index(pd.concat([ref, cur]).unique())
    r = ref.value_counts().reindex(keys, fill_value=0).to_numpy(dtype=float)
    c = cur.value_counts().reindex(keys, fill_value=0).to_numpy(dtype=float)
    return r, c


def jensen_shannon(ref: pd.Series, cur: pd.Series, categorical: bool) -> float:
    if not categorical and ref.nunique() > 20:
        edges = np.histogram_bin_edges(np.concatenate([ref.to_numpy(float),
                                                       cur.to_numpy(float)]), bins="sturges")
        r = np.histogram(ref, edges)[0].astype(float)
        c = np.histogram(cur, edges)[0].astype(float)
    else:
        r, c = _shares(ref, cur)
    return float(distance.jensenshannon(r / len(ref), c / len(cur)))


def chi_square_p(ref: pd.Series, cur: pd.Series) -> float:
    r, c = _shares(ref, cur)
    expected = r * (len(cur) / len(ref))
    return float(stats.chisquare(c, expected)[1])


def z_test_p(ref: pd.Series, cur: pd.Series) -> float:
    keys = sorted(pd.concat([ref, cur]).unique())
    if len(keys) == 1:
        return 1.0
    p1 = float((ref != keys[0]).mean())
    p2 = float((cur != keys[0]).mean())
    n1, n2 = len(ref), len(cur)
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return float(2 * (1 - stats.norm.cdf(abs(z))))
