"""How a production row travels: the record the client sends, and whether its label comes back.

Most faults change values. A few change the delivery instead, and they say so in two
hidden columns of the production frame, which the traffic sender and the offline replay
read (and nobody else sees):

- ``RECORD_CHANGE``: the record is sent with a field renamed (``"rename:old:new"``) or
  without it (``"drop:old"``). The server refuses both with 422, so that segment goes
  silent: a service-level symptom.
- ``LABEL_POLICY``: when the row's label comes back: ``"never"`` (a label outage),
  ``"if_alerted"`` (only what the model flagged is reviewed) or ``"unless_alerted"`` (what
  the model blocked never shows its outcome). No column, or ``None``, means always.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

RECORD_CHANGE = "_record_change"
LABEL_POLICY = "_label_policy"
HIDDEN = (RECORD_CHANGE, LABEL_POLICY)
POLICIES = ("never", "if_alerted", "unless_alerted")


def rename(old: str, new: str) -> str:
    return f"rename:{old}:{new}"


def drop(old: str) -> str:
    return f"drop:{old}"


def change_record(record: dict[str, Any], change: str | None) -> dict[str, Any]:
    """The record as the client sends it after an upstream schema change."""
    if not change:
        return record
    action, old, *new = change.split(":")
    out = dict(record)
    value = out.pop(old, None)
    if action == "rename":
        out[new[0]] = value
    return out


def changed_records(frame: pd.DataFrame, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``records`` (one per frame row) with each row's schema change applied."""
    if RECORD_CHANGE not in frame:
        return records
    return [change_record(r, c) for r, c in zip(records, frame[RECORD_CHANGE].tolist())]


def refused(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose request the server refuses (their record does not match the schema)."""
    if RECORD_CHANGE not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[RECORD_CHANGE].notna().to_numpy()


def labels_arrive(frame: pd.DataFrame, decisions: np.ndarray | None = None) -> np.ndarray:
    """Rows whose label comes back, given the model's decisions (1 = alerted).

    Without decisions, rows whose policy depends on them count as arriving.
    """
    n = len(frame)
    if LABEL_POLICY not in frame:
        return np.ones(n, dtype=bool)
    policy = frame[LABEL_POLICY].to_numpy(dtype=object)
    alerted = (np.ones(n, dtype=bool) if decisions is None
               else np.asarray(decisions).astype(bool))
    arrives = np.ones(n, dtype=bool)
    arrives[policy == "never"] = False
    if decisions is not None:
        arrives[(policy == "if_alerted") & ~alerted] = False
        arrives[(policy == "unless_alerted") & alerted] = False
    return arrives


def set_policy(frame: pd.DataFrame, rows: np.ndarray, policy: str) -> None:
    if policy not in POLICIES:
        raise ValueError(f"label policy must be one of {list(POLICIES)}, got {policy!r}")
    if LABEL_POLICY not in frame:
        frame[LABEL_POLICY] = None
    frame[LABEL_POLICY] = frame[LABEL_POLICY].astype(object)
    frame.loc[rows, LABEL_POLICY] = policy


def set_record_change(frame: pd.DataFrame, rows: np.ndarray, change: str) -> None:
    if RECORD_CHANGE not in frame:
        frame[RECORD_CHANGE] = None
    frame[RECORD_CHANGE] = frame[RECORD_CHANGE].astype(object)
    frame.loc[rows, RECORD_CHANGE] = change
