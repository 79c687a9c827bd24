"""Monitoring: the prediction log against the reference, window by window.

Evidently is imported only in :mod:`lab.monitor.evidently_report`.
"""

from __future__ import annotations

from lab.monitor.core import DEFAULT_WINDOW, MonitorResult, log_frame, parse_window, summarize
from lab.monitor.reference import Reference, build_reference

__all__ = ["DEFAULT_WINDOW", "MonitorResult", "Reference", "build_reference",
           "evidently_window_report", "log_frame", "monitor_model", "parse_window",
           "report_key", "summarize", "truth_for"]


def _log(model: str, reference: Reference):
    from lab.config import ensure_home, get_settings
    from lab.serve.store import PredictionStore

    settings = get_settings()
    if settings.store_url is None:
        ensure_home(settings)  # the default store is created private, never by the umask
    store = PredictionStore(settings.prediction_store_url)
    try:
        return log_frame(store.frame(model), reference.names)
    finally:
        store.dispose()


def monitor_model(model: str, window: str | int = DEFAULT_WINDOW) -> MonitorResult:
    """Summarise the champion's prediction log in the lab's store."""
    reference = build_reference(model)
    return summarize(reference, _log(model, reference), window)


def evidently_window_report(model: str, index: int, window: str | int = DEFAULT_WINDOW):
    """The full Evidently report of window ``index`` as HTML (cached in the lab home)."""
    from lab.config import get_settings
    from lab.monitor.core import split
    from lab.monitor.evidently_report import SCORE, TARGET, full_report

    reference = build_reference(model)
    log = _log(model, reference)
    windows = split(log, parse_window(window))
    if not 0 <= index < len(windows):
        raise IndexError(f"window {index} does not exist; there are {len(windows)} "
                         f"(0 to {len(windows) - 1})")
    win = log.iloc[windows[index]].copy()
    matched = reference.matched(win, seed=index)
    ref = reference.frame.iloc[matched].copy()
    ref[SCORE] = reference.scores[matched]
    ref[TARGET] = ref[reference.target]
    win[SCORE] = win["score"]
    win[TARGET] = win["label"]
    numeric = [f["name"] for f in reference.features if f["kind"] == "numeric"]
    categorical = [f["name"] for f in reference.features if f["kind"] == "categorical"]
    for name in numeric:
        win[name] = win[name].astype(float)
    key = report_key(model, reference.version, window, index, win)
    return full_report(ref, win, numeric, categorical, get_settings().home_dir / "reports", key)


def report_key(model: str, reference_version: int, window: str | int, index: int,
               win) -> str:
    """What a cached report is of: the model and reference version, the window, and a hash
    of every row of the window (request id, version, time, features, score, label), so other
    traffic, a late or changed label all make a new report, even at equal counts."""
    import hashlib

    import pandas as pd

    rows = win.astype({"label": "Float64"}).reset_index(drop=True)
    digest = hashlib.sha256(pd.util.hash_pandas_object(rows, index=False).to_numpy()
                            .tobytes()).hexdigest()
    return f"{model}|{reference_version}|{window}|{index}|{digest}"


def truth_for(scenario, rows: int, seed: int = 0) -> list[dict]:
    """The drift plan's truth for a stream of ``rows`` sent with ``seed``."""
    from lab.data import production_frame

    return [t.to_dict() for t in production_frame(scenario, rows, seed).truths]
