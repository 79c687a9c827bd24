"""Evidently (0.7, current API): the only module that imports it.

Two uses: the full report of a window (data drift, data summary, classification when
labels exist) written as HTML on demand and cached, and Evidently's own per-column drift
decisions, which the lab's fast statistics are checked against.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from pathlib import Path

import pandas as pd

from lab.config import get_settings, private_dir, private_file

TARGET, SCORE = "__label", "__score"


def _evidently():
    get_settings()  # the offline environment (DO_NOT_TRACK) before Evidently loads
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import evidently
        from evidently import presets
    return evidently, presets


def _definition(numeric: list[str], categorical: list[str], classification: bool):
    evidently, _ = _evidently()
    kwargs = {}
    if classification:
        kwargs["classification"] = [evidently.BinaryClassification(
            target=TARGET, prediction_probas=SCORE, pos_label=1)]
    return evidently.DataDefinition(numerical_columns=numeric, categorical_columns=categorical,
                                    **kwargs)


def _dataset(frame: pd.DataFrame, definition):
    evidently, _ = _evidently()
    return evidently.Dataset.from_pandas(frame, data_definition=definition)


def drift_decisions(reference: pd.DataFrame, current: pd.DataFrame, numeric: list[str],
                    categorical: list[str]) -> dict[str, dict]:
    """Evidently's DataDriftPreset verdict per column: method, value, drifted."""
    evidently, presets = _evidently()
    definition = _definition(numeric, categorical, classification=False)
    columns = numeric + categorical
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snapshot = evidently.Report([presets.DataDriftPreset()]).run(
            _dataset(current[columns], definition), _dataset(reference[columns], definition))
    out = {}
    pattern = re.compile(r"ValueDrift\(column=(.+?),method=(.+?),threshold=([0-9.]+)\)")
    for metric in snapshot.dict()["metrics"]:
        match = pattern.fullmatch(metric["metric_name"])
        if not match:
            continue
        column, method, threshold = match.group(1), match.group(2), float(match.group(3))
        value = float(metric["value"])
        drifted = (value <= threshold if method.startswith("K-S") else value < threshold) \
            if "p_value" in method else value >= threshold
        out[column] = {"method": method, "value": value, "drifted": drifted}
    return out


def full_report(reference: pd.DataFrame, current: pd.DataFrame, numeric: list[str],
                categorical: list[str], folder: Path, key: str) -> Path:
    """The full Evidently report of one window as HTML, cached under ``folder``.

    ``reference`` and ``current`` carry the features plus ``__score`` (where there is a
    prediction) and, where labels exist, ``__label``; the classification section appears
    only with labels.
    """
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    path = Path(folder) / f"evidently-{digest}.html"
    if path.exists():
        return path
    evidently, presets = _evidently()
    labelled = TARGET in current and current[TARGET].notna().any()
    scored = [SCORE] if SCORE in current else []  # own data may carry no prediction
    cols = numeric + categorical + scored
    if labelled:
        current = current[current[TARGET].notna()].astype({TARGET: int})
        reference = reference.astype({TARGET: int})
        cols = cols + [TARGET]
    definition = _definition(numeric + scored, categorical, classification=labelled)
    metrics = [presets.DataDriftPreset(columns=numeric + categorical),
               presets.DataSummaryPreset()]
    if labelled:
        metrics.append(presets.ClassificationPreset())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snapshot = evidently.Report(metrics).run(_dataset(current[cols], definition),
                                                 _dataset(reference[cols], definition))
    private_dir(path.parent)  # reports show the prediction log: private like the rest
    tmp = private_file(path.with_suffix(".tmp"))
    snapshot.save_html(str(tmp))
    tmp.replace(path)
    return path
