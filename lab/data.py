"""The frames a scenario runs on: the reference the model learns from, and production.

Both are pure functions of the scenario and a seed. Production starts where the
reference ends and carries the scenario's drift plan; it comes with the plan's truth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from lab.drift import Injector, Truth, apply_plan, make_injector
from lab.scenario import Scenario
from lab.worlds.base import EPOCH, World

# Faults a fix of the feed stops: the data pipeline's and the label feed's. A real change
# of the world (prior, concept, covariate) goes on whatever the pipeline does.
FIXABLE = ("pipeline", "labels")


@dataclass(frozen=True)
class Production:
    frame: pd.DataFrame
    truths: list[Truth]
    start: pd.Timestamp
    # Rows of the production span the plan is timed on; rows after it continue the stream.
    span_rows: int | None = None
    # The first row the fixable faults no longer reach (None: never fixed).
    fixed_from_row: int | None = None


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
                     reference_rows: int | None = None, *, extra_rows: int = 0,
                     fixed_from: int | pd.Timestamp | str | None = None) -> Production:
    """Traffic after training, with the drift plan applied from its onset.

    ``extra_rows`` continues the stream beyond the production span (the week after it,
    say): the plan keeps its timing in rows of the span, so a fault that had begun goes
    on. ``fixed_from`` (a row of the returned frame, or a time) is when the feed is
    fixed: from there the pipeline and label-feed faults (:data:`FIXABLE`) stop and the
    rows are what they would have been without them; the world's own changes go on.
    """
    if extra_rows < 0:
        raise ValueError(f"extra_rows must be >= 0, got {extra_rows}")
    world = scenario.world_
    start = production_start(scenario, reference_rows)
    span = rows or scenario.production_rows
    total = span + extra_rows
    # Without extra rows the draw is exactly the one every production run has made.
    clean = world.sample(total, seed=_child_seed(seed, 1), start=start)
    plan = timed_on_span(scenario.injectors(seed), span, total)
    frame, truths = apply_plan(clean, world, plan)
    fixed_row = None
    if fixed_from is not None:
        fixed_row = _row_of(frame, world.schema.timestamp, fixed_from)
        kept = [inj for inj in plan if not _fixable(inj)]
        fixed, _ = apply_plan(clean, world, kept)
        frame = pd.concat([frame.iloc[:fixed_row], fixed.iloc[fixed_row:]])
        frame = frame.reset_index(drop=True)
        truths = [replace(t, details={**t.details, "fixed_from_row": fixed_row})
                  if t.category in FIXABLE and t.stage == "production" else t for t in truths]
    return Production(frame=frame, truths=truths, start=start, span_rows=span,
                      fixed_from_row=fixed_row)


def _fixable(injector: Injector) -> bool:
    return injector.category in FIXABLE and injector.stage == "production"


def _row_of(frame: pd.DataFrame, timestamp: str, when: int | pd.Timestamp | str) -> int:
    if isinstance(when, (int, np.integer)) and not isinstance(when, bool):
        if not 0 <= when <= len(frame):
            raise ValueError(f"fixed_from: row {when} is outside the stream (0..{len(frame)})")
        return int(when)
    try:
        moment = pd.Timestamp(when)
    except (TypeError, ValueError):
        raise ValueError(f"fixed_from: a row number or a time, got {when!r}") from None
    return int(np.searchsorted(frame[timestamp].to_numpy(), np.datetime64(moment), "left"))


def timed_on_span(plan: list[Injector], span: int, total: int) -> list[Injector]:
    """The plan with its timing in rows of the first ``span`` rows of a ``total``-row
    stream: the onset row and the ramp or burst length stay what they were on the span."""
    if total == span:
        return plan
    timed = []
    for inj in plan:
        params = inj.get_params()
        onset = inj.onset_row(span)
        # onset 0 stays the fraction 0; any other is a row number (>= 1).
        params["onset"] = 0.0 if onset == 0 else float(onset)
        params["width"] = min(1.0, inj.width * span / total)
        timed.append(make_injector(kind=inj.kind, **params))
    return timed
