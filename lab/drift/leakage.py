"""Label leakage: a training feature was recorded after the outcome, so it carries the label.

It acts when the model is trained (``stage = "training"``): the reference frame's
``feature`` is moved on the positive rows, as a value logged after the fact would be
(watchers pile onto a ticket that breached, a chargeback flag updates the account). The
model learns to lean on it and looks excellent offline; in production the feature is
recorded at scoring time, before the outcome, and the model is worse than it promised.
The production stream is not changed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.drift.base import Injector, require_feature, set_values
from lab.worlds.base import World


class LabelLeakage(Injector):
    """In training data, positive rows get ``feature`` moved by the label.

    Numeric: positives get ``strength`` standard deviations of the feature added (times a
    uniform factor in [0.5, 1.5], so it is not a clean step). Categorical: a share
    ``strength`` (at most 1) of positives take the value ``value`` (e.g. a status that is
    only set once the outcome is known). The onset is the start of production.
    """

    kind = "label_leakage"
    category = "pipeline"
    stage = "training"

    def __init__(self, feature: str, strength: float = 2.0, value: str | None = None,
                 **timing):
        super().__init__(**timing)
        self.feature = feature
        self.strength = strength
        self.value = value
        if strength <= 0:
            raise ValueError("strength must be positive")

    def onset_row(self, n_rows: int) -> int:
        return 0  # the model is flawed from its first production request

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> list[str]:
        require_feature(world, self.feature)
        spec = world.schema[self.feature]
        positive = mask & (frame[world.schema.target].to_numpy() == 1)
        if spec.kind == "categorical":
            if self.value is None:
                raise ValueError(f"label_leakage on categorical {self.feature!r} needs a value")
            if not 0 < self.strength <= 1:
                raise ValueError("strength on a categorical feature is a share in (0, 1]")
            hit = positive & (rng.random(len(frame)) < self.strength)
            set_values(frame, self.feature, hit, self.value, numeric=False)
            return [self.feature]
        values = frame[self.feature].astype(float)
        step = self.strength * float(np.nanstd(values)) * rng.uniform(0.5, 1.5, len(frame))
        moved = values.to_numpy() + np.where(positive, step, 0.0)
        if spec.maximum is not None:
            moved = np.minimum(moved, spec.maximum)
        if spec.integer:
            moved = np.round(moved)
        frame[self.feature] = moved
        return [self.feature]

    def root_cause(self, world: World) -> str:
        return (f"Label leakage: in the training data {self.feature} was recorded after the "
                f"outcome ({world.schema.target}) was known; at scoring time it is not.")
