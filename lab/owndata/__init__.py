"""Bring your own data: monitor a reference file against a current file (CSV or Parquet)
with the lab's own checks, as ``driftlab monitor --reference REF --current CUR`` does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lab.monitor.core import MonitorResult
from lab.owndata.files import OwnDataError, read_table
from lab.owndata.prepare import DEFAULT_THRESHOLD, Prepared, prepare
from lab.owndata.summary import summarize_own, windows_of

__all__ = ["OwnDataError", "Prepared", "monitor_own_data", "own_data_report", "prepare",
           "read_table"]

Source = str | Path | pd.DataFrame


def monitor_own_data(reference: Source, current: Source, target: str | None = None,
                     prediction: str | None = None, timestamp: str | None = None,
                     window: str | int | None = None, threshold: float = DEFAULT_THRESHOLD,
                     seed: int = 0) -> MonitorResult:
    """The monitoring summary of ``current`` against ``reference`` (paths or frames).

    ``window`` defaults to one day with a timestamp, else the whole current data.
    Raises :class:`OwnDataError` (naming the file, column and problem) on bad input.
    """
    try:
        prepared = prepare(reference, current, target, prediction, timestamp, threshold, seed)
        return summarize_own(prepared, window)
    except OwnDataError:
        raise
    except ValueError as exc:  # a bad window spec, from parse_window
        raise OwnDataError(str(exc)) from None


def own_data_report(prepared: Prepared, index: int, window: str | int | None = None,
                    folder: Path | None = None) -> Path:
    """Evidently's full report of window ``index`` against the reference, as HTML."""
    import numpy as np

    from lab.config import get_settings
    from lab.monitor.evidently_report import SCORE as EV_SCORE
    from lab.monitor.evidently_report import TARGET as EV_TARGET
    from lab.monitor.evidently_report import full_report
    from lab.owndata.prepare import LABEL, SCORE

    _label, parts, _notes = windows_of(prepared, window)
    if not 0 <= index < len(parts):
        raise OwnDataError(f"--evidently: window {index} does not exist; there are "
                           f"{len(parts)} (0 to {len(parts) - 1})")
    ref = prepared.reference
    names = prepared.numeric + prepared.categorical
    ref_frame = ref.frame[names].copy()
    win = prepared.log.iloc[parts[index]][names].copy()
    for name in prepared.numeric:
        ref_frame[name] = pd.to_numeric(ref_frame[name], errors="coerce").astype(float)
        win[name] = pd.to_numeric(win[name], errors="coerce").astype(float)
    if prepared.has_prediction:
        ref_frame[EV_SCORE] = ref.scores
        win[EV_SCORE] = prepared.log[SCORE].to_numpy()[parts[index]]
        labels = prepared.log[LABEL].to_numpy()[parts[index]]
        if ref.target is not None and not np.isnan(labels).all():
            ref_frame[EV_TARGET] = ref.frame[ref.target].to_numpy()
            ref_frame = ref_frame.dropna(subset=[EV_TARGET])
            win[EV_TARGET] = labels
    key = "|".join(map(str, [ref.model, len(ref.frame), len(prepared.log), window, index,
                             prepared.roles, pd.util.hash_pandas_object(win).sum()]))
    return full_report(ref_frame, win, prepared.numeric, prepared.categorical,
                       folder or get_settings().home_dir / "reports", key)
