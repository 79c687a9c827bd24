"""The registry of drift kinds, and how a drift plan is applied to a frame."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from lab.drift.base import SHAPES, Injector, Truth
from lab.drift.benign_shift import BenignShift
from lab.drift.concept import ConceptDrift
from lab.drift.covariate import CovariateShift
from lab.drift.feedback import FeedbackLoop
from lab.drift.label_outage import LabelOutage
from lab.drift.leakage import LabelLeakage
from lab.drift.pipeline import CategoryRename, MissingValues, NullToDefault, UnitChange
from lab.drift.prior import PriorShift
from lab.drift.schema_change import SchemaChange
from lab.drift.seasonality import BenignSeasonality
from lab.drift.skew import TrainingServingSkew
from lab.drift.stuck import StuckFeature
from lab.drift.unseen import UnseenCategory
from lab.registry import build
from lab.worlds.base import World

DRIFTS: dict[str, type[Injector]] = {
    cls.kind: cls
    for cls in (CovariateShift, PriorShift, ConceptDrift, UnitChange, MissingValues,
                NullToDefault, CategoryRename, StuckFeature, UnseenCategory, SchemaChange,
                TrainingServingSkew, LabelLeakage, FeedbackLoop, LabelOutage, BenignShift,
                BenignSeasonality)
}
# What kind of problem each category is, in the words of the answer sheet.
CATEGORIES = ("covariate", "prior", "concept", "pipeline", "labels")
STAGES = ("production", "training")

__all__ = ["CATEGORIES", "DRIFTS", "SHAPES", "STAGES", "Injector", "Truth", "apply_plan",
           "make_injector"]


def make_injector(kind: str, **params: Any) -> Injector:
    """Build a registered injector; unknown kinds and parameters raise ``ValueError``."""
    return build(DRIFTS, "drift", kind, params)


def apply_plan(frame: pd.DataFrame, world: World, plan: Iterable[Injector | Mapping[str, Any]],
               stage: str = "production") -> tuple[pd.DataFrame, list[Truth]]:
    """Apply each injection of ``stage`` in turn; return the changed frame and the truths.

    On the production stream (the default) every injection reports its truth, and the
    training-time ones (label leakage) change nothing there. On the training frame
    (``stage="training"``) only training-time injections apply, and only theirs return.
    """
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {list(STAGES)}, got {stage!r}")
    truths: list[Truth] = []
    for step in plan:
        injector = step if isinstance(step, Injector) else make_injector(**dict(step))
        if stage == "training" and injector.stage != "training":
            continue
        frame, truth = injector.apply(frame, world, stage)
        truths.append(truth)
    return frame, truths
