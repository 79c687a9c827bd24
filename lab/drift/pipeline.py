"""Faults of the data pipeline: the world is unchanged, what the model receives is not.

The labels stay as the world drew them from the true values; only the features the
model sees are broken, which is why these faults hurt the model.
"""

from __future__ import annotations

import numpy as np

from lab.drift.base import Injector, require_feature
from lab.worlds.base import World


class UnitChange(Injector):
    """An upstream service starts sending a numeric feature in other units (x ``factor``)."""

    kind = "unit_change"
    category = "pipeline"

    def __init__(self, feature: str, factor: float = 60.0, unit: str | None = None, **timing):
        super().__init__(**timing)
        self.feature = feature
        self.factor = factor
        self.unit = unit
        if factor in (0, 1):
            raise ValueError("factor must be other than 0 and 1")

    def _inject(self, frame, world, mask, rng) -> list[str]:
        require_feature(world, self.feature, "numeric")
        frame[self.feature] = frame[self.feature].astype(float)
        frame.loc[mask, self.feature] = frame.loc[mask, self.feature] * self.factor
        return [self.feature]

    def root_cause(self, world: World) -> str:
        was = world.schema[self.feature].unit or "its old unit"
        now = self.unit or f"a unit {self.factor:g}x smaller"
        return f"An upstream change sends {self.feature} in {now} instead of {was}."


class MissingValues(Injector):
    """A broken join or source leaves a feature empty in a share (``rate``) of rows."""

    kind = "missing_values"
    category = "pipeline"

    def __init__(self, feature: str, rate: float = 0.5, **timing):
        super().__init__(**timing)
        self.feature = feature
        self.rate = rate
        if not 0 < rate <= 1:
            raise ValueError("rate must be in (0, 1]")

    def _inject(self, frame, world, mask, rng) -> list[str]:
        require_feature(world, self.feature)
        hit = mask & (rng.random(len(frame)) < self.rate)
        if world.schema[self.feature].kind == "numeric":
            frame[self.feature] = frame[self.feature].astype(float)
            frame.loc[hit, self.feature] = np.nan
        else:
            frame[self.feature] = frame[self.feature].astype(object)
            frame.loc[hit, self.feature] = None
        return [self.feature]

    def root_cause(self, world: World) -> str:
        return f"An upstream source stopped filling {self.feature} for {self.rate:.0%} of rows."


class NullToDefault(Injector):
    """An upstream job starts writing a default (0, 'unknown') where the value is missing."""

    kind = "null_to_default"
    category = "pipeline"

    def __init__(self, feature: str, default: float | str = 0, **timing):
        super().__init__(**timing)
        self.feature = feature
        self.default = default

    def _inject(self, frame, world, mask, rng) -> list[str]:
        require_feature(world, self.feature)
        spec = world.schema[self.feature]
        if spec.kind == "numeric" and isinstance(self.default, str):
            raise ValueError(f"default for numeric feature {self.feature!r} must be a number")
        hit = mask & frame[self.feature].isna().to_numpy()
        frame.loc[hit, self.feature] = self.default
        return [self.feature]

    def root_cause(self, world: World) -> str:
        return (f"An upstream job now fills missing {self.feature} with {self.default!r} "
                "instead of leaving it empty.")


class CategoryRename(Injector):
    """An upstream service renames categories (``mapping`` old -> new) the model never saw."""

    kind = "category_rename"
    category = "pipeline"

    def __init__(self, feature: str, mapping: dict[str, str], **timing):
        super().__init__(**timing)
        self.feature = feature
        self.mapping = mapping
        if not mapping:
            raise ValueError("mapping must name at least one category to rename")

    def _inject(self, frame, world, mask, rng) -> list[str]:
        require_feature(world, self.feature, "categorical")
        unknown = set(self.mapping) - set(world.schema[self.feature].categories)
        if unknown:
            raise ValueError(f"mapping renames categories {sorted(unknown)} that "
                             f"{self.feature!r} does not have")
        frame.loc[mask, self.feature] = frame.loc[mask, self.feature].replace(self.mapping)
        return [self.feature]

    def root_cause(self, world: World) -> str:
        pairs = ", ".join(f"{a!r} -> {b!r}" for a, b in self.mapping.items())
        return f"An upstream service renamed values of {self.feature} ({pairs})."
