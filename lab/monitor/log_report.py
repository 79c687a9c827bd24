"""The full Evidently report of one window of a prediction log given as a frame.

:func:`lab.monitor.evidently_window_report` reads the log from the prediction store; this
takes it as a frame (a replayed log, say), so notebooks and tests can look at a window's
report without a server. The window is compared with reference rows of its own calendar
mix, as the monitor compares it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from lab.monitor.core import DEFAULT_WINDOW, parse_window, split
from lab.monitor.reference import Reference


def window_frames(reference: Reference, log: pd.DataFrame, index: int,
                  window: str | int = DEFAULT_WINDOW) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Window ``index`` of ``log`` and its season-matched reference rows, each with the
    columns Evidently's classification section reads (``__score``, ``__label``)."""
    from lab.monitor.evidently_report import SCORE, TARGET

    windows = split(log, parse_window(window))
    if not 0 <= index < len(windows):
        raise IndexError(f"window {index} does not exist; there are {len(windows)} "
                         f"(0 to {len(windows) - 1})")
    win = log.iloc[windows[index]].copy()
    matched = reference.matched(win, seed=index)
    ref = reference.frame.iloc[matched].copy()
    ref[SCORE] = reference.scores[matched]
    ref[TARGET] = ref[reference.target]
    win[SCORE] = win["score"].astype(float)
    win[TARGET] = win["label"]
    for spec in reference.features:
        if spec["kind"] == "numeric":  # a logged feature may arrive as objects (None)
            win[spec["name"]] = pd.to_numeric(win[spec["name"]], errors="coerce")
    return ref, win


def log_window_report(reference: Reference, log: pd.DataFrame, index: int,
                      window: str | int = DEFAULT_WINDOW, folder: Path | None = None) -> Path:
    """Evidently's HTML report of window ``index`` of ``log`` (cached by its content)."""
    from lab.config import get_settings
    from lab.monitor.evidently_report import full_report

    ref, win = window_frames(reference, log, index, window)
    numeric = [f["name"] for f in reference.features if f["kind"] == "numeric"]
    categorical = [f["name"] for f in reference.features if f["kind"] == "categorical"]
    # The cache key hashes the rows themselves: another log of the same size is another report.
    content = pd.util.hash_pandas_object(win[["event_time", "score", "label"]], index=False)
    digest = hashlib.sha256(content.to_numpy().tobytes()).hexdigest()[:16]
    key = f"{reference.model}|{reference.version}|frame|{window}|{index}|{digest}"
    return full_report(ref, win, numeric, categorical,
                       folder or get_settings().home_dir / "reports", key)
