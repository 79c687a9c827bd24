"""A label outage: the feed that brings outcomes back stops after the onset."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.drift.base import Injector
from lab.drift.delivery import set_policy
from lab.worlds.base import World


class LabelOutage(Injector):
    """From the onset, a share ``rate`` of rows never get their label.

    Realised metrics thin out and vanish while the estimated ones carry on; the model
    and the world are unchanged. (A recurring shape makes the feed flap.)
    """

    kind = "label_outage"
    category = "labels"

    def __init__(self, rate: float = 1.0, **timing):
        super().__init__(**timing)
        self.rate = rate
        if not 0 < rate <= 1:
            raise ValueError("rate must be in (0, 1]")

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> list[str]:
        set_policy(frame, mask & (rng.random(len(frame)) < self.rate), "never")
        return []

    def root_cause(self, world: World) -> str:
        return (f"The label feed for {world.schema.target} stopped: {self.rate:.0%} of "
                "outcomes after the onset never arrive.")
