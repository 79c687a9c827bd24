"""The user's two files as a :class:`~lab.monitor.reference.Reference` and a log frame
shaped like the lab's own prediction log, so the monitor's checks apply unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression

from lab.monitor.reference import Reference
from lab.owndata import columns as cols
from lab.owndata.files import OwnDataError, check_frame, read_table
from lab.owndata.importance import quick_importance
from lab.owndata.profile import ColumnProfile, profile_column, profile_frame

# The log's own columns; dunder names keep clear of the user's.
TIME, SCORE, DECISION, LABEL = "__time", "__score", "__decision", "__label"
DEFAULT_THRESHOLD = 0.5


class Identity:
    """Stands in for the calibrator when the reference has no target to calibrate on:
    the prediction is then taken as a calibrated probability."""

    def predict(self, scores: np.ndarray) -> np.ndarray:
        return np.asarray(scores, dtype=float)


@dataclass
class Prepared:
    reference: Reference
    log: pd.DataFrame
    roles: cols.Roles
    profiles: dict[str, ColumnProfile]
    score_profile: ColumnProfile | None = None
    notes: list[str] = field(default_factory=list)
    seed: int = 0

    @property
    def has_prediction(self) -> bool:
        return self.roles.prediction is not None

    @property
    def numeric(self) -> list[str]:
        return [f["name"] for f in self.reference.features if f["kind"] == "numeric"]

    @property
    def categorical(self) -> list[str]:
        return [f["name"] for f in self.reference.features if f["kind"] == "categorical"]


def load(source: str | Path | pd.DataFrame, role: str) -> tuple[pd.DataFrame, str]:
    """A file path or a frame already in memory (an upload), and the name for messages."""
    if isinstance(source, pd.DataFrame):
        return check_frame(source.copy(deep=False), f"{role} data"), f"{role} data"
    return read_table(source, role), f"{role} file {source}"


def prepare(reference: str | Path | pd.DataFrame, current: str | Path | pd.DataFrame,
            target: str | None = None, prediction: str | None = None,
            timestamp: str | None = None, threshold: float = DEFAULT_THRESHOLD,
            seed: int = 0) -> Prepared:
    ref, ref_name = load(reference, "reference")
    cur, cur_name = load(current, "current")
    roles = cols.Roles(target, prediction, timestamp, ref_name, cur_name)
    cols.require(ref, target, "--target", ref_name)
    cols.require(ref, prediction, "--prediction", ref_name)
    cols.require(cur, prediction, "--prediction", cur_name)
    cols.require(cur, timestamp, "--timestamp", cur_name)
    if not 0 < threshold < 1:
        raise OwnDataError(f"threshold must be between 0 and 1, got {threshold}")
    features, notes = cols.infer_features(ref, cur, roles)

    y_ref = classes = None
    if target is not None:
        y_ref, classes = cols.binary_target(ref[target], ref_name, target)
        if np.isnan(y_ref).all():
            raise OwnDataError(f"{ref_name}: target column {target!r} is empty")
    scores = calibrated = None
    calibrator = Identity()
    if prediction is not None:
        scores = cols.probability(ref[prediction], ref_name, prediction)
        if y_ref is not None:
            known = ~np.isnan(y_ref) & ~np.isnan(scores)
            calibrator = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
            calibrator.fit(scores[known], y_ref[known])
            notes.append("Estimated performance uses the prediction calibrated on the "
                         "reference's target (isotonic regression).")
        else:
            notes.append("Estimated performance takes the prediction as a calibrated "
                         "probability: the reference has no target to check it against.")
        calibrated = calibrator.predict(np.nan_to_num(scores, nan=0.0))
    importance, note = quick_importance(ref, features, scores if scores is not None else y_ref,
                                        regression=scores is not None, seed=seed)
    notes.append(note)
    card = {"features": features, "target": target, "threshold": {"threshold": threshold},
            "classes": None if classes is None else [str(c) for c in classes]}
    ref_frame = ref[[f["name"] for f in features]].reset_index(drop=True)
    if y_ref is not None:
        ref_frame[target] = y_ref  # the reference's target as 1/0, for the residuals
    reference_obj = Reference(model=f"{_short(ref_name)} vs {_short(cur_name)}", version=None,
                              card=card, frame=ref_frame, scores=scores, calibrated=calibrated,
                              calibrator=calibrator, importance=importance, pipeline=None)
    log = _log(cur, cur_name, features, roles, classes, threshold, notes)
    score_profile = None if scores is None else profile_column(pd.Series(scores), False)
    return Prepared(reference_obj, log, roles, profile_frame(ref_frame, features),
                    score_profile, notes, seed)


def _short(name: str) -> str:
    return Path(name.split(" file ", 1)[-1]).name if " file " in name else name


def _log(cur: pd.DataFrame, cur_name: str, features: list[dict], roles: cols.Roles,
         classes, threshold: float, notes: list[str]) -> pd.DataFrame:
    log = cur[[f["name"] for f in features]].copy()
    if roles.timestamp is not None:
        log[TIME] = cols.timestamps(cur[roles.timestamp], cur_name, roles.timestamp).to_numpy()
    if roles.prediction is not None:
        score = cols.probability(cur[roles.prediction], cur_name, roles.prediction)
        log[SCORE] = score
        log[DECISION] = (score >= threshold).astype(np.int8)
    if roles.target is not None and roles.target in cur.columns:
        log[LABEL], _ = cols.binary_target(cur[roles.target], cur_name, roles.target, classes)
    else:
        log[LABEL] = np.nan
        if roles.target is not None:
            notes.append(f"The current data has no {roles.target!r} column: no realised "
                         "performance (labels not arrived yet?).")
    if roles.timestamp is not None and not log[TIME].is_monotonic_increasing:
        log = log.sort_values(TIME, kind="stable")
    log.index = pd.RangeIndex(len(log))  # windows are row positions
    return log
