"""Monitoring: the prediction log against the reference, window by window.

Evidently is imported only in :mod:`lab.monitor.evidently_report`.
"""

from __future__ import annotations

from lab.monitor.core import DEFAULT_WINDOW, MonitorResult, log_frame, parse_window, summarize
from lab.monitor.reference import Reference, build_reference

__all__ = ["DEFAULT_WINDOW", "MonitorResult", "Reference", "build_reference", "log_frame",
           "monitor_model", "parse_window", "summarize"]


def monitor_model(model: str, window: str | int = DEFAULT_WINDOW, store=None) -> MonitorResult:
    """Summarise the champion's prediction log in the lab's store."""
    from lab.config import get_settings
    from lab.serve.store import PredictionStore

    reference = build_reference(model)
    own = store is None
    store = store or PredictionStore(get_settings().prediction_store_url)
    try:
        log = log_frame(store.frame(model), reference.names)
    finally:
        if own:
            store.dispose()
    return summarize(reference, log, window)
