"""The monitoring summary: every window of the prediction log against the reference."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pandas as pd

from lab.monitor import alerts, performance, suspects
from lab.monitor.reference import Reference
from lab.monitor.stats import column_drift
from lab.worlds import make_world

SCHEMA_VERSION = 1
DEFAULT_WINDOW = "1d"
MIN_WINDOW_ROWS = 100


@dataclass
class MonitorResult:
    model: str
    version: int
    threshold: float
    window: str
    reference: dict[str, Any]
    windows: list[dict[str, Any]]
    suspects: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    suspects_note: str | None = None  # e.g. "no input moved; the positive rate did"
    truth: list[dict[str, Any]] | None = None
    run: str | None = None

    @property
    def alert(self) -> str:
        return alerts.worst([w["alert"] for w in self.windows])

    def first_alert(self, at_least: str = alerts.WARN) -> dict[str, Any] | None:
        level = alerts.TIERS.index(at_least)
        return next((w for w in self.windows if alerts.TIERS.index(w["alert"]) >= level), None)

    def to_dict(self) -> dict[str, Any]:
        first = self.first_alert()
        out = {
            "schema_version": SCHEMA_VERSION,
            "model": {"name": self.model, "version": self.version, "threshold": self.threshold},
            "run": self.run,
            "window": self.window,
            "reference": self.reference,
            "summary": {"alert": self.alert, "windows": len(self.windows),
                        "windows_in_alarm": sum(w["alert"] == alerts.ALARM for w in self.windows),
                        "first_alert": None if first is None else
                        {"index": first["index"], "start": first["start"],
                         "alert": first["alert"], "reasons": first["reasons"]}},
            "windows": self.windows,
            "suspects": self.suspects,
            "suspects_note": self.suspects_note,
            "notes": self.notes,
        }
        if self.truth is not None:
            out["truth"] = self.truth
        return out


def parse_window(spec: str | int) -> int | pd.Timedelta:
    """'2000' -> 2000 rows; '1d', '12h', '30m' -> a duration."""
    text = str(spec).strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    match = re.fullmatch(r"(\d+)\s*([mhdw])", text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"window must be a number of rows (e.g. 2000) or a duration "
                         f"(e.g. 12h, 1d, 1w), got {spec!r}")
    unit = {"m": "min", "h": "h", "d": "D", "w": "W"}[match.group(2)]
    return pd.Timedelta(int(match.group(1)) * (7 if unit == "W" else 1),
                        "D" if unit == "W" else unit)


def log_frame(store_frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The prediction log with its features as columns, in event-time order."""
    if store_frame.empty:
        return pd.DataFrame(columns=["event_time", "score", "decision", "label", *names])
    feats = pd.DataFrame([orjson.loads(f) for f in store_frame["features"]],
                         index=store_frame.index)
    for name in names:
        if name not in feats:
            feats[name] = None
    out = pd.concat([store_frame[["request_id", "version", "event_time", "score", "decision",
                                  "label"]], feats[names]], axis=1)
    out["event_time"] = pd.to_datetime(out["event_time"])
    return out.sort_values("event_time", kind="stable").reset_index(drop=True)


def split(log: pd.DataFrame, window: int | pd.Timedelta) -> list[np.ndarray]:
    if log.empty:
        return []
    if isinstance(window, int):
        return [np.arange(i, min(i + window, len(log))) for i in range(0, len(log), window)]
    origin = log["event_time"].iloc[0].floor("D")
    bucket = ((log["event_time"] - origin) // window).to_numpy()
    return [np.flatnonzero(bucket == b) for b in np.unique(bucket)]


def _feature_health(ref: pd.Series, cur: pd.Series, spec: dict[str, Any],
                    full_ref: pd.Series) -> dict[str, Any]:
    categorical = spec["kind"] == "categorical"
    drift = column_drift(ref, cur, categorical)
    ref_missing = float(ref.isna().mean())
    missing = float(cur.isna().mean())
    out: dict[str, Any] = {**drift.to_dict(), "seasonal": bool(spec.get("seasonal")),
                           "missing_share": round(missing, 6),
                           "missing_delta": round(missing - ref_missing, 6)}
    present = cur.dropna()
    if categorical:
        known = set(spec.get("categories") or full_ref.dropna().unique())
        out["unseen_share"] = round(float((~present.isin(known)).sum() / max(len(cur), 1)), 6)
        out["out_of_range_share"] = 0.0
        out["vanished_share"] = _vanished_share(ref, cur)
    else:
        values = pd.to_numeric(present, errors="coerce")
        lo, hi = full_ref.min(), full_ref.max()
        outside = (values < lo) | (values > hi)
        if spec.get("minimum") is not None:
            outside |= values < spec["minimum"]
        out["out_of_range_share"] = round(float(outside.sum() / max(len(cur), 1)), 6)
        out["unseen_share"] = 0.0
        out["vanished_share"] = 0.0
    out["constant"] = bool(present.nunique() <= 1 < full_ref.nunique())
    return out


def _vanished_share(ref: pd.Series, cur: pd.Series, expected_rows: int = 10) -> float:
    """The reference share of categories absent from the window although at least
    ``expected_rows`` of them were expected (by chance absent with probability < e^-10):
    a segment that went silent, e.g. its requests now fail validation upstream."""
    shares = ref.dropna().astype(str).value_counts(normalize=True)
    seen = set(cur.dropna().astype(str))
    gone = [share for category, share in shares.items()
            if category not in seen and share * len(cur) >= expected_rows]
    return round(float(sum(gone)), 6)


def features_health(reference: Reference, current: pd.DataFrame, matched: np.ndarray
                    ) -> dict[str, dict[str, Any]]:
    """Every feature of ``current`` against the matched reference rows."""
    mref = reference.frame.iloc[matched]
    out = {}
    for spec in reference.features:
        name = spec["name"]
        cur = current[name]
        if spec["kind"] == "numeric":
            cur = pd.to_numeric(cur, errors="coerce")
        out[name] = _feature_health(mref[name], cur, spec, reference.frame[name])
    return out


def evaluate_window(reference: Reference, win: pd.DataFrame, costs: dict[str, float],
                    rows_per_day: float, seed: int = 0) -> dict[str, Any]:
    matched = reference.matched(win, seed)
    features = features_health(reference, win, matched)
    watched = [n for n, f in features.items() if not f["seasonal"]]
    drifted = [n for n in watched if features[n]["drifted"]]
    score_drift = column_drift(pd.Series(reference.scores[matched]), win["score"], False)

    scores = win["score"].to_numpy(dtype=float)
    alerted = win["decision"].to_numpy() == 1
    calibrated = reference.calibrate(scores)
    fp, fn = costs["false_positive"], costs["false_negative"]
    labelled = win["label"].notna().to_numpy()
    n_labelled = int(labelled.sum())
    realised = est_labelled = None
    if n_labelled:
        y = win["label"].to_numpy()[labelled].astype(int)
        realised = performance.realised(y, scores[labelled], alerted[labelled], fp, fn,
                                        rows_per_day)
        est_labelled = performance.estimated(calibrated[labelled], alerted[labelled], fp, fn,
                                             rows_per_day)
    estimated = performance.estimated(calibrated, alerted, fp, fn, rows_per_day)
    trusted = realised if n_labelled >= alerts.MIN_LABELS else None
    moved, how = alerts.performance_moved(estimated, reference.baseline["estimated"],
                                          trusted, reference.baseline["realised"])
    impact = alerts.Impact(reference.reliance, moved, how, promised=_promise(reference))
    for name, health in features.items():
        health["reliance"] = round(reference.reliance.get(name, 1.0), 4)
    tier, reasons = alerts.assess(features, score_drift.effect, est_labelled, realised,
                                  n_labelled, impact)
    if len(win) < MIN_WINDOW_ROWS:
        tier, reasons = alerts.OK, [f"only {len(win)} rows: too few to judge"]
    return {
        "start": str(win["event_time"].iloc[0]), "end": str(win["event_time"].iloc[-1]),
        "rows": len(win), "labelled": n_labelled, "alert": tier, "reasons": reasons,
        "drift_share": round(len(drifted) / max(len(watched), 1), 4),
        "drifted_features": drifted,
        "prediction_drift": {**score_drift.to_dict(), "score_mean": float(scores.mean())},
        "alert_rate": float(alerted.mean()),
        "estimated": estimated,
        "realised": trusted,
        "performance_moved": {"moved": moved, "how": how},
        "features": features,
    }


def _promise(reference: Reference) -> dict[str, Any] | None:
    """The test metrics the model was trained with, when it does not keep them even on the
    reference's clean held-out rows (what a leak in the training data looks like); None
    otherwise, since per-window noise against a fixed promise would only cry wolf."""
    promised = reference.card.get("test_metrics") or {}
    kept = reference.baseline["realised"]
    broken = any(promised.get(m) is not None and kept.get(m) is not None
                 and promised[m] - kept[m] >= alerts.PERFORMANCE_MOVE
                 for m in ("precision", "recall"))
    return promised if broken else None


def judged_version(win: pd.DataFrame) -> int:
    """The version whose model figures a window shows: the one that served most of it (the
    newer on a tie, so a promotion's window is judged as the new model)."""
    counts = win["version"].value_counts()
    return int(max(counts.index[counts == counts.max()]))


def judged_rows(win: pd.DataFrame, references: dict[int, Reference] | None
                ) -> tuple[pd.DataFrame, Reference | None]:
    """The rows of a window its model figures are of, and their reference (``None`` when
    ``references`` is: the whole window against the one reference)."""
    if not references:
        return win, None
    version = judged_version(win)
    return win[win["version"] == version], references[version]


def summarize(reference: Reference, log: pd.DataFrame, window: str | int = DEFAULT_WINDOW,
              seed: int = 0, references: dict[int, Reference] | None = None) -> MonitorResult:
    """Every window of ``log`` against ``reference``.

    With ``references`` (each model version in the log -> its own reference), the log may
    hold several versions (a model promoted mid-run): windows then cover every row, and each
    window's model figures are of the rows of the version that served most of it, against
    that version's reference (its ``version``); suspects are of ``reference``'s version.
    """
    card = reference.card
    world = make_world(card["world"]["kind"], **card["world"]["params"])
    costs = card["costs"]
    size = parse_window(window)
    windows = []
    for i, idx in enumerate(split(log, size)):
        whole = log.iloc[idx]
        win, ref = judged_rows(whole, references)
        report = evaluate_window(reference if ref is None else ref, win, costs,
                                 world.rows_per_day, seed + i)
        if ref is not None:  # the window spans all it holds, whichever version served it
            report["start"] = str(whole["event_time"].iloc[0])
            report["end"] = str(whole["event_time"].iloc[-1])
        if "version" in win:  # a log from the store or a replay (own files have none)
            report = {"version": judged_version(win), **report}
        windows.append({"index": i, **report})
    if references:
        log = log[log["version"] == reference.version]
    ranked = _suspects(reference, log, windows)
    note = _suspects_note(reference, log, windows)
    ref_metrics = card["test_metrics"]
    return MonitorResult(
        model=reference.model, version=reference.version, threshold=reference.threshold,
        window=str(window),
        reference={"rows": len(reference.frame), "base_rate": ref_metrics["base_rate"],
                   "precision": ref_metrics["precision"], "recall": ref_metrics["recall"],
                   "alert_rate": ref_metrics["alert_rate"]},
        windows=windows, suspects=ranked,
        notes=[performance.BLIND_SPOT,
               "Calendar features (" + ", ".join(reference.seasonal) + ") are matched, not "
               "tested: each window is compared with reference rows of the same weekday and "
               "hour mix, so weekly cycles do not read as drift."],
        suspects_note=note)


def _flagged_part(log: pd.DataFrame, windows: list[dict[str, Any]]
                  ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The log and windows from the first alert on (all of them if nothing alerted)."""
    flagged = [w for w in windows if w["alert"] != alerts.OK]
    if not flagged:
        return log, windows
    start = pd.Timestamp(flagged[0]["start"])
    return log[log["event_time"] >= start], windows[flagged[0]["index"]:]


def _suspects_note(reference: Reference, log: pd.DataFrame,
                   windows: list[dict[str, Any]]) -> str | None:
    """Say so when no input moved but the realised positive rate did (a prior shift)."""
    if log.empty or not any(w["alert"] != alerts.OK for w in windows):
        return None
    part, flagged = _flagged_part(log, windows)
    labelled = part[part["label"].notna()]
    if len(labelled) < alerts.MIN_LABELS:
        return None
    realised = float(labelled["label"].astype(float).mean())
    expected = float(reference.calibrate(labelled["score"].to_numpy(dtype=float)).mean())
    return alerts.base_rate_note(flagged, realised, expected, len(labelled))


def _suspects(reference: Reference, log: pd.DataFrame,
              windows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rank features over the windows that alerted (or over the whole log if none did)."""
    if log.empty:
        return []
    return suspects_of(reference, _flagged_part(log, windows)[0])


def suspects_of(reference: Reference, part: pd.DataFrame) -> list[dict[str, Any]]:
    """Features ranked by how likely they sit behind a change in ``part`` of the log
    (a window, or everything since the first alert)."""
    if part.empty:
        return []
    effects = features_health(reference, part, reference.matched(part))
    labelled = part["label"].notna().to_numpy()
    residual = None
    if labelled.sum() >= suspects.MIN_LABELS:
        y = part["label"].to_numpy()[labelled].astype(float)
        residual = y - reference.calibrate(part["score"].to_numpy(dtype=float)[labelled])
        part = part[labelled]
    hold = reference.holdout
    ref_hold = reference.frame.iloc[hold]
    ref_residual = ref_hold[reference.target].to_numpy(float) - reference.calibrated[hold]
    return suspects.rank(reference.features, reference.importance, effects, ref_hold,
                         ref_residual, part, residual)
