"""Training-serving skew: the online feature service computes a feature differently."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.drift.base import Injector, require_feature
from lab.worlds.base import World


class TrainingServingSkew(Injector):
    """Online, ``feature`` is ``x * scale + shift`` times log-normal noise of sd ``noise``.

    The offline pipeline that built the training data and the online service agree on
    the name and the unit but not on the formula: a shorter window (counts shrink and
    get noisier), a different smoothing, a timezone offset. Unlike a unit change the
    online value is not a clean multiple of the true one. Labels stay (the world did not
    change); often the skew is there from the first day (``onset: 0``).
    """

    kind = "training_serving_skew"
    category = "pipeline"

    def __init__(self, feature: str, scale: float = 1.0, shift: float = 0.0, noise: float = 0.0,
                 **timing):
        super().__init__(**timing)
        self.feature = feature
        self.scale = scale
        self.shift = shift
        self.noise = noise
        if noise < 0:
            raise ValueError("noise must be 0 or more (sd of the log-normal factor)")
        if scale == 1.0 and shift == 0.0 and noise == 0.0:
            raise ValueError("training_serving_skew needs a scale other than 1, a shift or noise")

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> list[str]:
        require_feature(world, self.feature, "numeric")
        spec = world.schema[self.feature]
        values = frame.loc[mask, self.feature].astype(float).to_numpy()
        values = values * self.scale + self.shift
        if self.noise:
            values = values * rng.lognormal(0.0, self.noise, len(values))
        low = -np.inf if spec.minimum is None else spec.minimum
        high = np.inf if spec.maximum is None else spec.maximum
        values = np.clip(values, low, high)
        if spec.integer:
            values = np.round(values)
        frame[self.feature] = frame[self.feature].astype(float)
        frame.loc[mask, self.feature] = values
        return [self.feature]

    def root_cause(self, world: World) -> str:
        parts = [f"x{self.scale:g}" if self.scale != 1 else "",
                 f"{self.shift:+g}" if self.shift else "",
                 f"noise sd {self.noise:g}" if self.noise else ""]
        formula = ", ".join(p for p in parts if p)
        return (f"The online feature service computes {self.feature} with another formula "
                f"than the training pipeline ({formula}).")
