"""A benign covariate shift: more of some kind of row arrives, and nothing else changes.

Rows are selected, not edited: each affected row is replaced by one of several rows the
world draws for the same moment, chosen with a weight that favours high (or low) values
of ``feature`` or some of its categories. Every row is a real row of the world with its
own label, so P(y | x) holds exactly and the inputs stay inside what the model has seen:
the data moves, a calibrated model's decisions stay right, and the answer is not to
retrain (whether performance really holds is measured, see :mod:`lab.drift.harm`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.drift.base import Injector, require_feature
from lab.worlds.base import World

CANDIDATES = 8  # rows to choose from for each affected row (the row itself and 7 more)


class BenignShift(Injector):
    """Favour rows by ``feature``: ``tilt`` for a number (positive = toward high values;
    the weight is ``exp(tilt * r)`` with ``r`` the value's rank scaled to [-1, 1]), or
    ``favour`` for categories (relative weights, e.g. ``{enterprise: 3}``; unnamed
    categories weigh 1)."""

    kind = "benign_shift"
    category = "covariate"

    def __init__(self, feature: str, tilt: float = 0.0, favour: dict[str, float] | None = None,
                 **timing):
        super().__init__(**timing)
        self.feature = feature
        self.tilt = tilt
        self.favour = favour
        if favour is not None and (not favour or any(v < 0 for v in favour.values())):
            raise ValueError("favour must map categories to non-negative weights")
        if favour is None and tilt == 0.0:
            raise ValueError("benign_shift needs a tilt (numeric feature) or favour (categorical)")

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> list[str]:
        require_feature(world, self.feature, "categorical" if self.favour else "numeric")
        if self.favour:
            unknown = set(self.favour) - set(world.schema[self.feature].categories)
            if unknown:
                raise ValueError(f"favour has categories {sorted(unknown)} that "
                                 f"{self.feature!r} does not have; allowed: "
                                 f"{list(world.schema[self.feature].categories)}")
        rows = np.flatnonzero(mask)
        if not len(rows):
            return [self.feature]
        pool = same_moment_draws(frame, world, rng)
        weights = np.column_stack([self._weight(p[self.feature].iloc[rows]) for p in pool])
        weights /= weights.sum(axis=1, keepdims=True)
        chosen = (weights.cumsum(axis=1) < rng.random((len(rows), 1))).sum(axis=1)
        chosen = np.minimum(chosen, len(pool) - 1)
        columns = [*world.schema.names, world.schema.target]
        for c in range(1, len(pool)):
            take = rows[chosen == c]
            for column in columns:
                if column in frame:
                    if frame[column].dtype != pool[c][column].dtype:
                        frame[column] = frame[column].astype(object)
                    frame.iloc[take, frame.columns.get_loc(column)] = \
                        pool[c][column].to_numpy()[take]
        return [self.feature]

    def _weight(self, values: pd.Series) -> np.ndarray:
        if self.favour:
            return values.map(self.favour).fillna(1.0).to_numpy(dtype=float)
        ranks = values.astype(float).rank(pct=True).fillna(0.5).to_numpy()
        return np.exp(self.tilt * (2 * ranks - 1))

    def root_cause(self, world: World) -> str:
        if self.favour:
            more = ", ".join(f"{k} x{v:g}" for k, v in self.favour.items())
            return f"The mix of {self.feature} really changed ({more}); P(y | x) held."
        side = "high" if self.tilt > 0 else "low"
        return f"More rows with {side} {self.feature} arrive (a real change); P(y | x) held."


def same_moment_draws(frame: pd.DataFrame, world: World,
                      rng: np.random.Generator) -> list[pd.DataFrame]:
    """The frame and ``CANDIDATES - 1`` fresh draws of the world over the same period.

    Draws of the same length from the same start line up row by row in time (arrivals
    are sorted), so row ``i`` of every draw happened at about the same moment.
    """
    start = pd.Timestamp(frame[world.schema.timestamp].iloc[0]).normalize()
    seeds = rng.integers(0, 2**31, CANDIDATES - 1)
    draws = [world.sample(len(frame), seed=int(s), start=start) for s in seeds]
    return [frame.reset_index(drop=True), *[d.reset_index(drop=True) for d in draws]]
