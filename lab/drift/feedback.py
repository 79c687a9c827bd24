"""A feedback loop: the model's own decisions decide which examples get a label."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.drift.base import Injector
from lab.drift.delivery import set_policy
from lab.worlds.base import World

LABELLED = {"alerted": "if_alerted", "not_alerted": "unless_alerted"}


class FeedbackLoop(Injector):
    """From the onset, only rows the model ``labelled`` (``alerted`` or ``not_alerted``)
    get their label back, except a random ``audit_rate`` of the others.

    ``alerted``: only flagged items are reviewed (moderation, fraud review), so misses
    are never seen and realised recall looks perfect. ``not_alerted``: what the model
    blocked never shows its outcome (a blocked payment cannot be charged back), so
    realised precision cannot be measured and retraining on what comes back learns the
    model's own blind spot. The world and the inputs do not change.
    """

    kind = "feedback_loop"
    category = "labels"

    def __init__(self, labelled: str = "alerted", audit_rate: float = 0.02, **timing):
        super().__init__(**timing)
        self.labelled = labelled
        self.audit_rate = audit_rate
        if labelled not in LABELLED:
            raise ValueError(f"labelled must be one of {list(LABELLED)}, got {labelled!r}")
        if not 0 <= audit_rate < 1:
            raise ValueError("audit_rate must be in [0, 1)")

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> list[str]:
        audited = rng.random(len(frame)) < self.audit_rate
        set_policy(frame, mask & ~audited, LABELLED[self.labelled])
        return []

    def root_cause(self, world: World) -> str:
        which = ("the model flagged" if self.labelled == "alerted" else "the model let through")
        return (f"A feedback loop: only cases {which} get a label ({self.audit_rate:.0%} "
                "audited otherwise), so realised metrics and any retraining see a biased sample.")
