"""A stuck or stale feature: a dead cache keeps serving the last value it held."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lab.drift.base import Injector, require_feature, set_values
from lab.worlds.base import World


class StuckFeature(Injector):
    """From the onset, a share (``rate``) of rows carry one constant value of ``feature``.

    ``value`` is the constant; left empty, it is the last value the feature had before
    the onset (what a cache that stopped refreshing would keep serving). The world does
    not change: labels stay as they were drawn from the true values.
    """

    kind = "stuck_feature"
    category = "pipeline"

    def __init__(self, feature: str, value: float | str | None = None, rate: float = 1.0,
                 **timing):
        super().__init__(**timing)
        self.feature = feature
        self.value = value
        self.rate = rate
        if not 0 < rate <= 1:
            raise ValueError("rate must be in (0, 1]")

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> tuple[list[str], dict[str, Any]]:
        require_feature(world, self.feature)
        spec = world.schema[self.feature]
        numeric = spec.kind == "numeric"
        if numeric and isinstance(self.value, str):
            raise ValueError(f"value for numeric feature {self.feature!r} must be a number")
        value = self.value if self.value is not None else self._last_value(frame)
        hit = mask & (rng.random(len(frame)) < self.rate)
        set_values(frame, self.feature, hit, value, numeric)
        value = value.item() if hasattr(value, "item") else value
        return [self.feature], {"stuck_value": value}

    def _last_value(self, frame: pd.DataFrame) -> Any:
        before = frame[self.feature].iloc[:self.onset_row(len(frame))].dropna()
        column = before if len(before) else frame[self.feature].dropna()
        return column.iloc[-1] if len(column) else None

    def root_cause(self, world: World) -> str:
        what = "a constant" if self.value is None else repr(self.value)
        return (f"A cache in front of {self.feature} stopped refreshing: {self.rate:.0%} of "
                f"rows carry {what} instead of the live value.")
