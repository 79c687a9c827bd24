"""The week after production: the traffic every remedy is judged on, and what was known.

The candidate's production run is the scenario's production span (``rows`` rows for
``seed``). The next week continues the same stream for seven days of the world's rows: the
drift plan keeps its timing, so a fault that had begun goes on, unless the feed is fixed
(:func:`lab.data.production_frame`'s ``fixed_from``). What the candidate could learn from
is the production span with the labels that had come back by its end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lab.data import Production, production_frame
from lab.drift.delivery import labels_arrive
from lab.scenario import Scenario

DAYS = 7


@dataclass(frozen=True)
class Span:
    """Where the production run ends and the next week starts and ends (event times)."""

    scenario: Scenario
    seed: int
    rows: int
    reference_rows: int | None
    start: pd.Timestamp
    end: pd.Timestamp  # the production run's end = the next week's start (midnight)

    @property
    def week_end(self) -> pd.Timestamp:
        return self.end + pd.Timedelta(days=DAYS)

    @property
    def week_rows(self) -> int:
        # One day more than the week, so the stream's last (randomly filled) day is spare.
        return int(math.ceil((DAYS + 1) * self.scenario.world_.rows_per_day))

    def fix_time(self, fixed_at: float) -> pd.Timestamp:
        """The moment of a fix ``fixed_at`` of the way through the next week (0: before)."""
        if not 0.0 <= fixed_at <= 1.0:
            raise ValueError(f"fixed_at: a fraction of the next week in [0, 1], got {fixed_at}")
        return self.end + pd.Timedelta(days=DAYS) * fixed_at


def span_of(scenario: Scenario, seed: int = 0, rows: int | None = None,
            reference_rows: int | None = None) -> Span:
    production = production_frame(scenario, rows, seed, reference_rows)
    ts = scenario.world_.schema.timestamp
    end = pd.Timestamp(production.frame[ts].iloc[-1]).normalize() + pd.Timedelta(days=1)
    return Span(scenario, seed, len(production.frame), reference_rows, production.start, end)


def so_far(span: Span) -> Production:
    """The production run the candidate saw (the same frame their traffic sent)."""
    return production_frame(span.scenario, span.rows, span.seed, span.reference_rows)


def next_week(span: Span, fixed_at: float | None = None) -> Production:
    """The seven days after the production run, faults going on unless fixed ``fixed_at``
    of the way through the week (0: fixed before it starts; None: never)."""
    fix = None if fixed_at is None else span.fix_time(fixed_at)
    stream = production_frame(span.scenario, span.rows, span.seed, span.reference_rows,
                              extra_rows=span.week_rows, fixed_from=fix)
    times = stream.frame[span.scenario.world_.schema.timestamp]
    keep = ((times >= span.end) & (times < span.week_end)).to_numpy()
    frame = stream.frame.loc[keep].reset_index(drop=True)
    first = int(np.argmax(keep))
    fixed_row = None if stream.fixed_from_row is None else max(0, stream.fixed_from_row - first)
    return Production(frame, stream.truths, span.end, span_rows=0, fixed_from_row=fixed_row)


def labelled(frame: pd.DataFrame, scenario: Scenario, by: pd.Timestamp,
             decisions: np.ndarray | None = None) -> np.ndarray:
    """Rows of ``frame`` whose label had come back by ``by`` (the label delay has passed,
    and the label feed delivers it given the model's ``decisions``)."""
    times = frame[scenario.world_.schema.timestamp]
    due = (times + pd.Timedelta(scenario.label_delay) <= by).to_numpy()
    return due & labels_arrive(frame, decisions)
