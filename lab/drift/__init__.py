"""The registry of drift kinds, and how a drift plan is applied to a frame."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from lab.drift.base import SHAPES, Injector, Truth
from lab.drift.concept import ConceptDrift
from lab.drift.covariate import CovariateShift
from lab.drift.pipeline import CategoryRename, MissingValues, NullToDefault, UnitChange
from lab.drift.prior import PriorShift
from lab.registry import build
from lab.worlds.base import World

DRIFTS: dict[str, type[Injector]] = {
    cls.kind: cls
    for cls in (CovariateShift, PriorShift, ConceptDrift, UnitChange, MissingValues,
                NullToDefault, CategoryRename)
}

__all__ = ["DRIFTS", "SHAPES", "Injector", "Truth", "apply_plan", "make_injector"]


def make_injector(kind: str, **params: Any) -> Injector:
    """Build a registered injector; unknown kinds and parameters raise ``ValueError``."""
    return build(DRIFTS, "drift", kind, params)


def apply_plan(frame: pd.DataFrame, world: World,
               plan: Iterable[Injector | Mapping[str, Any]]) -> tuple[pd.DataFrame, list[Truth]]:
    """Apply each injection in turn; return the changed frame and one truth per injection."""
    truths: list[Truth] = []
    for step in plan:
        injector = step if isinstance(step, Injector) else make_injector(**dict(step))
        frame, truth = injector.apply(frame, world)
        truths.append(truth)
    return frame, truths
