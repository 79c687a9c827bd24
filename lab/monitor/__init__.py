"""Monitoring: the prediction log against the reference, window by window.

Evidently is imported only in :mod:`lab.monitor.evidently_report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from lab.monitor.core import (
    DEFAULT_WINDOW,
    MonitorResult,
    judged_rows,
    log_frame,
    parse_window,
    split,
    summarize,
)
from lab.monitor.reference import Reference, build_reference

__all__ = ["DEFAULT_WINDOW", "LogSelection", "MonitorResult", "NoPredictions", "Reference",
           "build_reference", "evidently_window_report", "log_frame", "monitor_model",
           "parse_window", "report_key", "run_log", "summarize", "truth_for"]


class NoPredictions(LookupError):
    """Nothing is logged for what was asked (a model, a run, a time range)."""


@dataclass(frozen=True)
class LogSelection:
    """Which part of a model's prediction log to monitor: one run (the newest by default)
    or a time range of event times, and only the version being monitored."""

    model: str
    run: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _log(selection: LogSelection, reference: Reference, every_version: bool = False
         ) -> tuple[pd.DataFrame, str | None, list[str]]:
    """The selected predictions of the reference's version (of every version with
    ``every_version``), its run id, and notes."""
    from lab.config import ensure_home, get_settings
    from lab.serve.store import PredictionStore

    settings = get_settings()
    if settings.store_url is None:
        ensure_home(settings)  # the default store is created private, never by the umask
    store = PredictionStore(settings.prediction_store_url)
    notes: list[str] = []
    try:
        run = selection.run
        if run is None and selection.since is None and selection.until is None:
            run = store.latest_run(selection.model)
        raw = store.frame(selection.model, run=run, since=selection.since,
                          until=selection.until)
    finally:
        store.dispose()
    if raw.empty:
        what = f"run {run!r} of {selection.model!r}" if run else repr(selection.model)
        raise NoPredictions(f"no predictions of {what} are logged")
    other = raw["version"] != reference.version
    if other.any() and every_version:
        versions = sorted(int(v) for v in raw["version"].unique())
        notes.append(f"This run was served by versions {versions} (a model promoted or rolled "
                     "back while it ran). Every window is kept, with the versions that served "
                     "it in its service section; its model figures (drift, performance, "
                     "alerts) are of the version that served most of it (the window's "
                     "`version`), against that version's own reference, and the suspects "
                     f"of version {reference.version}'s predictions only.")
    elif other.any():
        # After a retrain, a run can hold scores of an older version: they are not this
        # model's behaviour, so they are left out (and said to be).
        versions = sorted(int(v) for v in raw.loc[other, "version"].unique())
        notes.append(f"{int(other.sum()):,} predictions of version(s) {versions} left out: "
                     f"this summary is of version {reference.version}.")
        raw = raw[~other]
        if raw.empty:
            raise NoPredictions(f"no predictions of {selection.model!r} version "
                                f"{reference.version} in the selected log")
    return log_frame(raw, reference.names), run, notes


def monitor_model(model: str, window: str | int = DEFAULT_WINDOW, run: str | None = None,
                  since: datetime | None = None, until: datetime | None = None
                  ) -> MonitorResult:
    """Summarise the champion's predictions of one run (the newest unless named), or of a
    time range (event times), against its reference."""
    reference = build_reference(model)
    log, run, notes = _log(LogSelection(model, run, since, until), reference,
                           every_version=True)
    result = summarize(reference, log, window, references=_references(model, reference, log))
    result.run = run
    result.notes.extend(notes)
    from lab.monitor import service

    raw, errors, sends = service.load(model, run, since, until)
    service.attach(result.windows, raw, errors, sends)
    return result


def _references(model: str, reference: Reference, log: pd.DataFrame
                ) -> dict[int, Reference] | None:
    """Each version that served part of ``log`` -> its reference (``None`` when only the
    reference's own version did: the usual case, nothing more to build)."""
    versions = sorted(int(v) for v in log["version"].unique())
    if versions == [reference.version]:
        return None
    return {v: reference if v == reference.version else build_reference(model, v)
            for v in versions}


def run_log(model: str, run: str | None = None) -> tuple[Reference, pd.DataFrame]:
    """The reference and the log of one run (the newest by default), for views that look
    closer than the summary: a window's suspects, a what-if threshold. Of the champion's
    rows; of the version that served most of the run when the champion served none of it
    (a run sent before a promotion)."""
    reference = build_reference(model)
    log, _run, _notes = _log(LogSelection(model, run), reference, every_version=True)
    if not (log["version"] == reference.version).any():
        version = int(log["version"].value_counts().idxmax())
        reference = build_reference(model, version)
    return reference, log[log["version"] == reference.version].reset_index(drop=True)


def evidently_window_report(model: str, index: int, window: str | int = DEFAULT_WINDOW,
                            run: str | None = None):
    """The full Evidently report of window ``index`` as HTML (cached in the lab home)."""
    from lab.config import get_settings
    from lab.monitor.evidently_report import full_report
    from lab.monitor.log_report import window_frames

    reference = build_reference(model)
    log, run, _notes = _log(LogSelection(model, run), reference, every_version=True)
    # The window as the summary shows it: of the version that served most of it.
    references = _references(model, reference, log)
    whole = split(log, parse_window(window))
    if references and 0 <= index < len(whole):
        part, reference = judged_rows(log.iloc[whole[index]], references)
        ref, win = window_frames(reference, part, 0, len(part))
    else:
        ref, win = window_frames(reference, log, index, window)
    numeric = [f["name"] for f in reference.features if f["kind"] == "numeric"]
    categorical = [f["name"] for f in reference.features if f["kind"] == "categorical"]
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
