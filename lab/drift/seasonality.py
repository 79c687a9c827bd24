"""Benign seasonality: for a while, the days look like another part of the week.

A public holiday, the week between the years, a sale weekend: from the onset the
affected rows are what the world produces on another weekday (``like_weekday``) at the
same hour (fewer people at work, another mix of customers, other queues). The calendar
features keep the true clock, and the labels are drawn again from the world's unchanged
P(y | x), so the model meets inputs it knows from its training weeks and should hold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.drift.base import Injector, redraw_labels
from lab.worlds.base import EPOCH, World


class BenignSeasonality(Injector):
    """Affected rows take the inputs of ``like_weekday`` (0 = Monday ... 6 = Sunday)."""

    kind = "benign_seasonality"
    category = "covariate"

    def __init__(self, like_weekday: int = 6, **timing):
        super().__init__(**timing)
        self.like_weekday = like_weekday
        if like_weekday not in range(7):
            raise ValueError("like_weekday must be a day of the week, 0 (Monday) to 6 (Sunday)")

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> list[str]:
        rows = np.flatnonzero(mask)
        if not len(rows):
            return []
        ts = pd.to_datetime(frame[world.schema.timestamp]).iloc[rows]
        pool = self._pool(world, max(2000, len(rows)), rng)
        pool_hour = pd.to_datetime(pool[world.schema.timestamp]).dt.hour.to_numpy()
        order = np.argsort(pool_hour, kind="stable")
        bounds = np.searchsorted(pool_hour[order], np.arange(25))
        hour = ts.dt.hour.to_numpy()
        low, count = bounds[hour], bounds[hour + 1] - bounds[hour]
        offset = (rng.random(len(rows)) * np.maximum(count, 1)).astype(int)
        pick = order[np.minimum(low + offset, len(pool) - 1)]
        # An hour the pool never saw: any row of that day.
        pick = np.where(count > 0, pick, rng.integers(0, len(pool), len(rows)))
        calendar = set(self._calendar(world))
        inputs = [name for name in world.schema.names if name not in calendar]
        before = frame.iloc[rows][inputs].copy()
        for name in inputs:
            if frame[name].dtype != pool[name].dtype:
                frame[name] = frame[name].astype(object)
            frame.iloc[rows, frame.columns.get_loc(name)] = pool[name].to_numpy()[pick]
        redraw_labels(frame, world, mask, rng)
        return moved_features(before, frame.iloc[rows][inputs], world)

    def _pool(self, world: World, size: int, rng: np.random.Generator) -> pd.DataFrame:
        """At least ``size`` rows the world makes on ``like_weekday``."""
        weeks = 1
        while True:
            n = int(np.ceil(7 * weeks * world.rows_per_day))
            start = EPOCH + pd.Timedelta(days=self.like_weekday)
            frame = world.sample(n, seed=int(rng.integers(0, 2**31)), start=start)
            day = pd.to_datetime(frame[world.schema.timestamp]).dt.weekday == self.like_weekday
            if day.sum() >= size or weeks >= 16:
                return frame[day.to_numpy()].reset_index(drop=True)
            weeks *= 2

    @staticmethod
    def _calendar(world: World) -> list[str]:
        return [f.name for f in world.schema.features if f.seasonal]

    def features_of(self, world: World) -> list[str]:
        return []

    def root_cause(self, world: World) -> str:
        day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
               "Sunday")[self.like_weekday]
        return (f"A seasonal period (a holiday): traffic looks like a {day}'s; P(y | x) held.")


def moved_features(before: pd.DataFrame, after: pd.DataFrame, world: World,
                   effect: float = 0.1, distance: float = 0.05) -> list[str]:
    """Inputs whose distribution moved visibly: a standardised mean difference (of
    log1p for numbers) above ``effect``, or a category mix whose total variation
    distance is above ``distance``."""
    moved = []
    for name in before.columns:
        if world.schema[name].kind == "categorical":
            a = before[name].fillna("<missing>").value_counts(normalize=True)
            b = after[name].fillna("<missing>").value_counts(normalize=True)
            if 0.5 * a.sub(b, fill_value=0).abs().sum() > distance:
                moved.append(name)
            continue
        a = np.log1p(np.clip(before[name].astype(float), 0, None))
        b = np.log1p(np.clip(after[name].astype(float), 0, None))
        spread = a.std()
        if spread > 0 and abs(b.mean() - a.mean()) / spread > effect:
            moved.append(name)
    return moved
