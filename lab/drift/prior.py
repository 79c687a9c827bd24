"""Prior shift: the base rate of the label changes; the inputs do not."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.drift.base import Injector, redraw_labels
from lab.worlds.base import World


class PriorShift(Injector):
    """Labels of the affected rows come from the same world with another ``base_rate``."""

    kind = "prior_shift"
    category = "prior"

    def __init__(self, base_rate: float, **timing):
        super().__init__(**timing)
        self.base_rate = base_rate
        if not 0 < base_rate < 1:
            raise ValueError("base_rate must be between 0 and 1 (exclusive)")

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> list[str]:
        redraw_labels(frame, world.with_params(base_rate=self.base_rate), mask, rng)
        return []

    def label_probability(self, world, clean, faulty, mask) -> np.ndarray:
        p = world.p_label(faulty)
        p[mask] = world.with_params(base_rate=self.base_rate).p_label(faulty.loc[mask])
        return p

    def root_cause(self, world: World) -> str:
        before = getattr(world, "base_rate", None)
        was = f" from {before:.0%}" if before is not None else ""
        return f"The base rate of {world.schema.target} moved{was} to {self.base_rate:.0%}."
