"""Concept drift: P(y | x) changes while the inputs stay as they were."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.drift.base import Injector, redraw_labels
from lab.worlds.base import World


class ConceptDrift(Injector):
    """Labels of the affected rows come from the world with other feature ``weights``.

    ``weights`` multiply each named feature's effect on the log-odds (0 removes it,
    2 doubles it); the world keeps its base rate, so only the relationship moves.
    """

    kind = "concept_drift"
    category = "concept"

    def __init__(self, weights: dict[str, float], **timing):
        super().__init__(**timing)
        self.weights = weights
        if not weights:
            raise ValueError("concept_drift needs at least one feature in weights")

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> list[str]:
        current = dict(getattr(world, "weights", None) or {})
        redraw_labels(frame, world.with_params(weights={**current, **self.weights}), mask, rng)
        return list(self.weights)

    def label_probability(self, world, clean, faulty, mask) -> np.ndarray:
        current = dict(getattr(world, "weights", None) or {})
        p = world.p_label(faulty)
        changed = world.with_params(weights={**current, **self.weights})
        p[mask] = changed.p_label(faulty.loc[mask])
        return p

    def root_cause(self, world: World) -> str:
        parts = ", ".join(f"{k} x{v:g}" for k, v in self.weights.items())
        return f"What drives {world.schema.target} changed (effect of {parts}); inputs did not."
