"""Recent labelled production, cut by time: what a challenger learns from, and what it and
the champion are then judged on (always later rows, never the ones either learnt from)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lab.drift.delivery import HIDDEN


@dataclass(frozen=True)
class Recent:
    train: pd.DataFrame     # labelled rows in [since, until): the challenger's training data
    holdout: pd.DataFrame   # rows from ``until`` on: where champion and challenger compete
    since: pd.Timestamp
    until: pd.Timestamp


def recent_split(frame: pd.DataFrame, timestamp: str, since, until) -> Recent:
    """Rows of ``frame`` (production with labels) from ``since`` to ``until`` to train on,
    and every row from ``until`` on to compare on. The lab's hidden delivery columns are
    dropped: a retrained model sees what production sent."""
    since, until = pd.Timestamp(since), pd.Timestamp(until)
    if until <= since:
        raise ValueError(f"until: must be after since ({since}), got {until}")
    if timestamp not in frame:
        raise ValueError(f"timestamp: no column {timestamp!r} in the frame")
    visible = frame.drop(columns=[c for c in HIDDEN if c in frame])
    times = visible[timestamp]
    train = visible[(times >= since) & (times < until)].reset_index(drop=True)
    holdout = visible[times >= until].reset_index(drop=True)
    if train.empty or holdout.empty:
        raise ValueError(f"since/until: {len(train)} rows to train on and {len(holdout)} to "
                         f"compare on between {times.min()} and {times.max()}; both need rows")
    return Recent(train, holdout, since, until)
