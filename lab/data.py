"""The frames a scenario runs on: the reference the model learns from, and production.

Both are pure functions of the scenario and a seed. Production starts where the
reference ends and carries the scenario's drift plan; it comes with the plan's truth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lab.drift import Truth, apply_plan
from lab.scenario import Scenario
from lab.worlds.base import EPOCH, World


@dataclass(frozen=True)
class Production:
    frame: pd.DataFrame
    truths: list[Truth]
    start: pd.Timestamp


def _child_seed(seed: int, stream: int) -> int:
    return int(np.random.SeedSequence([seed, stream]).generate_state(1)[0])


def reference_frame(scenario: Scenario, rows: int | None = None, seed: int = 0) -> pd.DataFrame:
    """The data the model is trained and validated on (the monitoring reference).

    Faults of the training data (label leakage) act here; production-time ones do not.
    """
    frame = world_reference(scenario.world_, rows or scenario.reference_rows, seed)
    frame, _ = apply_plan(frame, scenario.world_, scenario.injectors(seed), stage="training")
    return frame


def world_reference(world: World, rows: int, seed: int) -> pd.DataFrame:
    return world.sample(rows, seed=_child_seed(seed, 0))


def production_start(scenario: Scenario, reference_rows: int | None = None) -> pd.Timestamp:
    rows = reference_rows or scenario.reference_rows
    return EPOCH + pd.Timedelta(days=math.ceil(rows / scenario.world_.rows_per_day))


def production_frame(scenario: Scenario, rows: int | None = None, seed: int = 0,
                     reference_rows: int | None = None) -> Production:
    """Traffic after training, with the drift plan applied from its onset."""
    world = scenario.world_
    start = production_start(scenario, reference_rows)
    clean = world.sample(rows or scenario.production_rows, seed=_child_seed(seed, 1), start=start)
    frame, truths = apply_plan(clean, world, scenario.injectors(seed))
    return Production(frame=frame, truths=truths, start=start)
