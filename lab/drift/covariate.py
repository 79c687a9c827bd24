"""Covariate shift: the inputs change in the world itself; P(y | x) stays, so labels follow."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.drift.base import Injector, redraw_labels, require_feature
from lab.worlds.base import World


class CovariateShift(Injector):
    """Shift or scale a numeric feature (``x * scale + shift``) or change a category mix.

    Labels of the affected rows are drawn again from the world's unchanged P(y | x), as
    they would be if, say, more enterprise customers really arrived.
    """

    kind = "covariate_shift"
    category = "covariate"

    def __init__(self, feature: str, shift: float = 0.0, scale: float = 1.0,
                 mix: dict[str, float] | None = None, **timing):
        super().__init__(**timing)
        self.feature = feature
        self.shift = shift
        self.scale = scale
        self.mix = mix
        if mix is not None:
            if not mix or any(v < 0 for v in mix.values()) or sum(mix.values()) <= 0:
                raise ValueError("mix must map categories to non-negative weights")
        elif shift == 0.0 and scale == 1.0:
            raise ValueError("covariate_shift needs a shift, a scale other than 1, or a mix")

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> list[str]:
        require_feature(world, self.feature, "categorical" if self.mix else "numeric")
        spec = world.schema[self.feature]
        n = int(mask.sum())
        if self.mix:
            unknown = set(self.mix) - set(spec.categories)
            if unknown:
                raise ValueError(f"mix has categories {sorted(unknown)} that {self.feature!r} "
                                 f"does not have; allowed: {list(spec.categories)}")
            cats = list(self.mix)
            weights = np.array([self.mix[c] for c in cats], dtype=float)
            frame.loc[mask, self.feature] = rng.choice(cats, n, p=weights / weights.sum())
        else:
            values = frame.loc[mask, self.feature].astype(float) * self.scale + self.shift
            if spec.minimum is not None:
                values = values.clip(lower=spec.minimum)
            if spec.maximum is not None:
                values = values.clip(upper=spec.maximum)
            if spec.integer:
                values = values.round()
            frame[self.feature] = frame[self.feature].astype(float)
            frame.loc[mask, self.feature] = values
            if spec.integer and not frame[self.feature].isna().any():
                frame[self.feature] = frame[self.feature].astype(np.int64)
        redraw_labels(frame, world, mask, rng)
        return [self.feature]

    def root_cause(self, world: World) -> str:
        if self.mix:
            mix = ", ".join(f"{k} {v:.0%}" for k, v in self.mix.items())
            return f"The mix of {self.feature} really changed in production ({mix})."
        change = []
        if self.scale != 1.0:
            change.append(f"scaled by {self.scale:g}")
        if self.shift:
            change.append(f"shifted by {self.shift:+g}")
        return f"{self.feature} really changed in production ({' and '.join(change)})."
