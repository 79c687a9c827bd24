"""The monitoring summary of the user's own data: the lab's checks, window by window.

Same checks and thresholds as :mod:`lab.monitor.core` (feature drift and data quality
from ``features_health``, tiers from ``alerts.assess``, ranking from ``suspects.rank``);
what differs is only what the files can tell: without a prediction there is no
prediction drift nor estimated performance, without labels no realised performance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lab.monitor import alerts, performance, suspects
from lab.monitor.core import MIN_WINDOW_ROWS, MonitorResult, parse_window, split
from lab.owndata.prepare import LABEL, SCORE, TIME, Prepared
from lab.owndata.profile import numeric_drift, window_health

# The relationship check (how errors spread over a feature's bins) is a variance of bin
# means: a seeded sample of this many rows on each side pins it down at any file size.
RELATIONSHIP_ROWS = 100_000


def health(prepared: Prepared, rows: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Drift and data quality of every feature; no calendar matching, so every window
    meets the whole reference."""
    ref = prepared.reference
    return window_health(prepared.profiles, ref.frame, rows, ref.features)


def windows_of(prepared: Prepared, window: str | int | None) -> tuple[str, list[np.ndarray],
                                                                      list[str]]:
    """The window label, the row positions of every window, and notes."""
    log, notes = prepared.log, []
    has_time = prepared.roles.timestamp is not None
    if window is None:
        window = "1d" if has_time else str(len(log))
    size = parse_window(window)
    if not isinstance(size, int) and not has_time:
        notes.append(f"Window {window} needs a timestamp (--timestamp); without one the "
                     "current data is one window.")
        window, size = str(len(log)), len(log)
    if has_time:
        parts = split(pd.DataFrame({"event_time": log[TIME]}), size)
    else:
        parts = [np.arange(i, min(i + size, len(log))) for i in range(0, len(log), size)]
    return str(window), parts, notes


def evaluate(prepared: Prepared, win: pd.DataFrame, first: int) -> dict[str, Any]:
    """One window against the whole reference; ``first`` is its first row (for labels of
    windows that have no timestamp)."""
    ref = prepared.reference
    features = health(prepared, win)
    drifted = [n for n, f in features.items() if f["drifted"]]
    labels = win[LABEL].to_numpy(dtype=float)
    labelled = ~np.isnan(labels)
    score_drift = est_labelled = realised = estimated = alert_rate = None
    if prepared.has_prediction:
        scores = win[SCORE].to_numpy(dtype=float)
        scored = ~np.isnan(scores)
        alerted = scores >= ref.threshold
        calibrated = ref.calibrate(np.nan_to_num(scores))
        score_drift = numeric_drift(prepared.score_profile, pd.Series(ref.scores), win[SCORE])
        estimated = _no_cost(performance.estimated(calibrated[scored], alerted[scored], 1, 1, 0))
        alert_rate = float(alerted[scored].mean()) if scored.any() else None
        both = labelled & scored
        if both.any():
            y = labels[both].astype(int)
            realised = _no_cost(performance.realised(y, scores[both], alerted[both], 1, 1, 0))
            est_labelled = performance.estimated(calibrated[both], alerted[both], 1, 1, 0)
    n_labelled = int(labelled.sum())
    tier, reasons = alerts.assess(features, score_drift.effect if score_drift else 0.0,
                                  est_labelled, realised, n_labelled if realised else 0)
    if len(win) < MIN_WINDOW_ROWS:
        tier, reasons = alerts.OK, [f"only {len(win)} rows: too few to judge"]
    if prepared.roles.timestamp is not None:
        start, end = str(win[TIME].iloc[0]), str(win[TIME].iloc[-1])
    else:
        start, end = f"row {first}", f"row {first + len(win) - 1}"
    return {
        "start": start, "end": end, "rows": len(win), "labelled": n_labelled,
        "alert": tier, "reasons": reasons,
        "drift_share": round(len(drifted) / max(len(features), 1), 4),
        "drifted_features": drifted,
        "prediction_drift": None if score_drift is None else {
            **score_drift.to_dict(), "score_mean": float(np.nanmean(win[SCORE]))},
        "alert_rate": alert_rate,
        "estimated": estimated,
        "realised": realised if n_labelled >= alerts.MIN_LABELS else None,
        "features": features,
    }


def _no_cost(metrics: dict[str, Any]) -> dict[str, Any]:
    # The files carry no costs: the lab's cost per day has no meaning here.
    return {**metrics, "cost_per_day": None}


def rank_suspects(prepared: Prepared, parts: list[np.ndarray],
                  windows: list[dict[str, Any]], seed: int = 0) -> list[dict[str, Any]]:
    """Features ranked over the windows from the first alert on (all if none alerted)."""
    ref, log = prepared.reference, prepared.log
    flagged = [w["index"] for w in windows if w["alert"] != alerts.OK]
    start = flagged[0] if flagged else 0
    rows = np.concatenate(parts[start:])
    if len(parts) - start == 1:
        effects = windows[start]["features"]  # the same rows: no need to compute again
    else:
        effects = health(prepared, log.iloc[rows])
    residual, part = None, log.iloc[:0]
    if prepared.has_prediction and ref.target is not None:
        labels = log[LABEL].to_numpy(dtype=float)[rows]
        scores = log[SCORE].to_numpy(dtype=float)[rows]
        usable = np.flatnonzero(~np.isnan(labels) & ~np.isnan(scores))
        if len(usable) >= suspects.MIN_LABELS:
            keep = _sample(usable, seed)
            residual = labels[keep] - ref.calibrate(scores[keep])
            part = log.iloc[rows[keep]]
    ref_rows = _sample(np.arange(len(ref.frame)), seed)
    ref_frame = ref.frame.iloc[ref_rows]
    ref_residual = np.zeros(len(ref_rows))
    if residual is not None:
        ref_y = ref_frame[ref.target].to_numpy(dtype=float)
        ref_residual = np.nan_to_num(ref_y - ref.calibrated[ref_rows])
    return suspects.rank(ref.features, ref.importance, effects, ref_frame, ref_residual,
                         part, residual)


def _sample(rows: np.ndarray, seed: int) -> np.ndarray:
    if len(rows) <= RELATIONSHIP_ROWS:
        return rows
    return np.sort(np.random.default_rng(seed).choice(rows, RELATIONSHIP_ROWS, replace=False))


def summarize_own(prepared: Prepared, window: str | int | None = None) -> MonitorResult:
    label, parts, notes = windows_of(prepared, window)
    windows = [{"index": i, **evaluate(prepared, prepared.log.iloc[idx], int(idx[0]))}
               for i, idx in enumerate(parts)]
    ref = prepared.reference
    return MonitorResult(
        model=ref.model, version=None, threshold=ref.threshold, window=label,
        reference=_reference_numbers(prepared), windows=windows,
        suspects=rank_suspects(prepared, parts, windows, prepared.seed),
        notes=[*prepared.notes, *notes, *([performance.BLIND_SPOT]
                                          if prepared.has_prediction else [])])


def _reference_numbers(prepared: Prepared) -> dict[str, Any]:
    ref = prepared.reference
    out: dict[str, Any] = {"rows": len(ref.frame), "base_rate": None, "precision": None,
                           "recall": None, "alert_rate": None,
                           "features": {f["name"]: f["kind"] for f in ref.features}}
    y = ref.frame[ref.target].to_numpy(dtype=float) if ref.target else None
    if y is not None:
        out["base_rate"] = float(np.nanmean(y))
    if ref.scores is not None:
        alerted = ref.scores >= ref.threshold
        out["alert_rate"] = float(alerted.mean())
        if y is not None:
            known = ~np.isnan(y) & ~np.isnan(ref.scores)
            tp = float((alerted & (y == 1))[known].sum())
            out["precision"] = tp / max(float(alerted[known].sum()), 1.0)
            out["recall"] = tp / max(float((y[known] == 1).sum()), 1.0)
    return out
