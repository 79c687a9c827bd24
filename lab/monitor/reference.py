"""The reference a model is monitored against: the data it was trained on, scored.

Rebuilt from the model card (world, seed, rows: frames are pure functions of them), or,
for a model that learnt from given rows (``train(frame=)``), those rows as logged with its
run; kept per model version. It carries what every window is compared with: the features,
the scores, a calibration of the scores (for estimated performance), permutation
importances (for ranking suspects) and the model's test metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.isotonic import IsotonicRegression
from threadpoolctl import threadpool_limits

from lab import tracking
from lab.data import world_reference
from lab.worlds import make_world


@dataclass
class Reference:
    model: str
    version: int
    card: dict[str, Any]
    frame: pd.DataFrame  # features, timestamp and target
    scores: np.ndarray
    calibrated: np.ndarray
    calibrator: IsotonicRegression
    importance: dict[str, float]
    pipeline: Any

    @property
    def features(self) -> list[dict[str, Any]]:
        return self.card["features"]

    @property
    def names(self) -> list[str]:
        return [f["name"] for f in self.features]

    @property
    def seasonal(self) -> list[str]:
        return [f["name"] for f in self.features if f.get("seasonal")]

    @property
    def target(self) -> str:
        return self.card["target"]

    @property
    def threshold(self) -> float:
        return float(self.card["threshold"]["threshold"])

    @property
    def holdout(self) -> slice:
        return holdout(len(self.frame))

    @property
    def reliance(self) -> dict[str, float]:
        """Each feature's permutation importance relative to the top feature's (0 to 1)."""
        top = max(self.importance.values(), default=0.0)
        if top <= 0:
            return {n: 1.0 for n in self.importance}  # nothing measured: assume relied on
        return {n: v / top for n, v in self.importance.items()}

    @cached_property
    def baseline(self) -> dict[str, dict[str, float | None]]:
        """Estimated and realised precision/recall on the held-out reference: what a
        window's performance is compared with to decide whether it moved."""
        from lab.monitor import performance

        hold = self.holdout
        scores = self.scores[hold]
        alerted = scores >= self.threshold
        y = self.frame[self.target].to_numpy()[hold].astype(int)
        return {"estimated": performance.estimated(self.calibrated[hold], alerted, 0, 0, 1),
                "realised": performance.realised(y, scores, alerted, 0, 0, 1)}

    def calibrate(self, scores: np.ndarray) -> np.ndarray:
        return self.calibrator.predict(np.asarray(scores, dtype=float))

    def matched(self, window: pd.DataFrame, seed: int = 0) -> np.ndarray:
        """Row positions of a reference sample whose calendar mix matches ``window``'s.

        Weekly and daily cycles then cancel out, so a weekend window is compared with
        weekend references instead of alarming about busy queues every Saturday.
        """
        if not self.seasonal or window.empty:
            return np.arange(len(self.frame))
        ref_keys = _strata(self.frame, self.seasonal)
        win_keys = _strata(window, self.seasonal)
        wanted = win_keys.value_counts(normalize=True)
        groups = pd.Series(np.arange(len(self.frame))).groupby(ref_keys.to_numpy()).indices
        wanted = wanted[[k in groups for k in wanted.index]]
        if wanted.empty:
            return np.arange(len(self.frame))
        rng = np.random.default_rng(seed)
        size = len(self.frame)
        counts = rng.multinomial(size, (wanted / wanted.sum()).to_numpy())
        parts = [rng.choice(groups[key], n, replace=True)
                 for key, n in zip(wanted.index, counts) if n]
        return np.sort(np.concatenate(parts))


IMPORTANCE_ROWS = 3000


def importance_sample(held: pd.DataFrame, target: str, rows: int = IMPORTANCE_ROWS
                      ) -> pd.DataFrame:
    """The held-out rows permutation importance is measured on: up to half of them
    positives. ROC AUC does not depend on the class balance, but its noise does: 3000 rows
    drawn at a fraud rate of 0.4% hold about a dozen frauds, and an importance measured on a
    dozen is a coin toss (a payment method the model leans on came out as unused, so its
    alarms were capped as "barely used"). All the positives, up to half the rows, make the
    measure as stable as the reference allows."""
    if len(held) <= rows:
        return held
    positive = (held[target] == 1).to_numpy()
    n_pos = min(int(positive.sum()), rows // 2)
    n_neg = min(int((~positive).sum()), rows - n_pos)
    return pd.concat([held[positive].sample(n_pos, random_state=0),
                      held[~positive].sample(n_neg, random_state=0)])


def holdout(rows: int) -> slice:
    """The newest 40% (validation and test): scores there are out of sample."""
    return slice(int(rows * 0.6), rows)


def _strata(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One integer key per combination of the calendar features' values."""
    key = np.zeros(len(frame), dtype=np.int64)
    for col in columns:
        values = pd.to_numeric(frame[col], errors="coerce").fillna(-1).to_numpy()
        key = key * 10_000 + values.astype(np.int64) + 1
    return pd.Series(key, index=frame.index)


def build_reference(model: str, version: int | None = None) -> Reference:
    """The reference of ``model``'s champion (or of another registered ``version``: one
    that served part of a run), cached per version."""
    if version is None:
        version = tracking.champion_version(model)
        if version is None:
            raise tracking.NoChampion(f"model {model!r} has no @champion: train it first")
    return _build(model, int(version), tracking.tracking_uri())


@lru_cache(maxsize=8)
def _build(model: str, version: int, _store: str) -> Reference:
    # One OpenMP thread: on a host shared by several candidates, scoring with threads that
    # spin against each other is many times slower than scoring with one.
    with threadpool_limits(limits=1):
        return _build_reference(model, version)


def _build_reference(model: str, version: int) -> Reference:
    # By version, not alias: the alias may have moved since the version was chosen.
    loaded = tracking.load_version(model, version)
    given = (loaded.card.get("data") or {}).get("source") == "frame"
    frame = tracking.load_reference(loaded.run_id) if given else None
    return reference_from(model, version, loaded.card, loaded.pipeline, frame)


def reference_from(model: str, version: int, card: dict[str, Any], pipeline,
                   frame: pd.DataFrame | None = None) -> Reference:
    """A reference from a model card and its fitted pipeline, without the registry (the
    catalogue's audits build thousands of them); ``frame``: the rows the model learnt from,
    when they are not the world's reference."""
    if frame is None:
        world = make_world(card["world"]["kind"], **card["world"]["params"])
        frame = world_reference(world, card["reference_rows"], card["seed"])
    names = [f["name"] for f in card["features"]]
    scores = pipeline.predict_proba(frame[names])[:, 1]
    hold = holdout(len(frame))
    y_hold = frame[card["target"]].to_numpy()[hold]
    calibrator = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    calibrator.fit(scores[hold], y_hold)
    sample = importance_sample(frame.iloc[hold], card["target"])
    result = permutation_importance(pipeline, sample[names], sample[card["target"]],
                                    scoring="roc_auc", n_repeats=2, random_state=0)
    importance = {n: max(0.0, float(v)) for n, v in zip(names, result.importances_mean)}
    return Reference(model, version, card, frame, scores, calibrator.predict(scores),
                     calibrator, importance, pipeline)
