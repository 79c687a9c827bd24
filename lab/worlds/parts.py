"""Parts every causal world is built from: arrival clocks, effect tables, missing values.

A world draws P(x) causally (one column from the ones it depends on), then states
P(y | x) as a sum of named terms on the log-odds, each scaled by a ``weights`` entry so
that concept drift is a change of weights. The intercept is solved so the world's mean
P(y | x) equals its ``base_rate`` (see :mod:`lab.worlds.base`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np
import pandas as pd

from lab.worlds.base import EPOCH, World

# Relative arrival rate by hour of day: office hours, a lunch dip, a thin night.
OFFICE_HOURS = np.array([1, 1, 1, 1, 1, 2, 3, 6, 9, 10, 10, 9,
                         8, 9, 10, 10, 9, 7, 5, 4, 3, 2, 2, 1], dtype=float)
# Evening-heavy consumer traffic: commutes, lunch and the evening peak.
CONSUMER_HOURS = np.array([2, 1, 1, 1, 1, 1, 2, 4, 6, 5, 5, 5,
                           7, 6, 5, 5, 6, 7, 8, 9, 10, 10, 7, 4], dtype=float)
# Relative volume by weekday (Monday first).
WORKWEEK = np.array([1.1, 1.05, 1.0, 1.0, 0.9, 0.25, 0.2])
ALL_WEEK = np.array([1.0, 1.0, 1.0, 1.0, 1.05, 1.15, 1.1])


def arrivals(n: int, per_day: float, rng: np.random.Generator, start: pd.Timestamp,
             hours: np.ndarray = OFFICE_HOURS, weekdays: np.ndarray = WORKWEEK) -> pd.Series:
    """``n`` event times from ``start`` on, sorted, with daily and weekly cycles.

    ``per_day`` is the average over a week; busy weekdays get more, quiet ones fewer.
    """
    days = max(1, int(np.ceil(n / per_day)))
    day_weekday = (pd.Timestamp(start).weekday() + np.arange(days)) % 7
    day_weight = weekdays[day_weekday]
    day = rng.choice(days, n, p=day_weight / day_weight.sum())
    hour = rng.choice(24, n, p=hours / hours.sum())
    seconds = rng.integers(0, 3600, n)
    offset = np.sort(day * 86_400 + hour * 3600 + seconds)
    return pd.Series(pd.Timestamp(start) + pd.to_timedelta(offset, unit="s"))


def long_tail(names: Sequence[str], exponent: float = 1.1) -> np.ndarray:
    """Zipf-like shares for categories listed from most to least common."""
    weights = 1.0 / np.arange(1, len(names) + 1) ** exponent
    return weights / weights.sum()


def blank(values: np.ndarray, rate: float | np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A float copy of ``values`` with a share ``rate`` (scalar or per row) set to NaN."""
    out = values.astype(float)
    out[rng.random(len(out)) < rate] = np.nan
    return out


def effect(frame: pd.DataFrame, column: str, table: Mapping[str, float]) -> np.ndarray:
    """A category's effect on the log-odds; values the world never makes (a renaming
    upstream, an empty field) have none."""
    return frame[column].map(table).fillna(0.0).to_numpy(dtype=float)


def numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def log_ratio(frame: pd.DataFrame, column: str, typical: float, floor: float = 1.0) -> np.ndarray:
    """log(x / typical), the usual shape of a skewed count's effect; empty -> 0."""
    return np.nan_to_num(np.log(np.clip(numeric(frame, column), floor, None) / typical))


def check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def check_common(world, default_weights: Mapping[str, float], per_day_name: str) -> None:
    """The checks every causal world's parameters share, with messages naming the field."""
    check(0.0 < world.base_rate < 1.0, "base_rate must be between 0 and 1 (exclusive)")
    check(getattr(world, per_day_name) > 0, f"{per_day_name} must be positive")
    check(world.missing_scale >= 0, "missing_scale must be 0 or more (1 = as designed)")
    unknown = set(world.weights or {}) - set(default_weights)
    check(not unknown, f"weights has unknown feature(s) {sorted(unknown)}; "
          f"allowed: {sorted(default_weights)}")


class CausalWorld(World):
    """A world whose parameters are a base rate, a volume, effect weights and a missing scale.

    Subclasses set ``per_day_param`` (the name of their volume parameter),
    ``default_weights`` and implement ``_features`` and ``_logit``.
    """

    per_day_param: ClassVar[str]
    default_weights: ClassVar[dict[str, float]]

    def _validate(self) -> None:
        check_common(self, self.default_weights, self.per_day_param)

    @property
    def rows_per_day(self) -> float:
        return float(getattr(self, self.per_day_param))

    @property
    def effective_weights(self) -> dict[str, float]:
        return {**self.default_weights, **(self.weights or {})}

    def _calibration_frame(self, rng: np.random.Generator) -> pd.DataFrame:
        # Four whole weeks, so weekends weigh in the base rate as they do in life.
        n = 28_000
        return self.with_params(**{self.per_day_param: n / 28})._features(n, rng, EPOCH)

    def _missing(self, rate: float) -> float:
        return min(0.95, rate * self.missing_scale)
