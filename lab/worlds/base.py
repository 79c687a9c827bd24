"""What every world is: a seeded generator of a product domain with a known P(y | x).

A world's constructor parameters are its whole configuration (as with scikit-learn's
estimators), so prior and concept drift are worlds with other parameters
(:meth:`World.with_params`), not edits of a frame.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

# Every world's clock starts on the same Monday, so frames line up across runs.
EPOCH = pd.Timestamp("2026-01-05 00:00:00")


@dataclass(frozen=True)
class Feature:
    """One column of a world's schema, as the model and the server see it."""

    name: str
    kind: Literal["numeric", "categorical"]
    description: str = ""
    categories: tuple[str, ...] = ()
    nullable: bool = False
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None
    # A calendar feature: its distribution follows the clock, so the monitor matches the
    # reference to each window on it instead of calling its cycles drift.
    seasonal: bool = False

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if v not in (None, (), "", False)}
        if self.categories:
            out["categories"] = list(self.categories)
        return out


@dataclass(frozen=True)
class Schema:
    features: tuple[Feature, ...]
    target: str
    timestamp: str = "timestamp"
    positive_label: str = "positive"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def numeric(self) -> list[str]:
        return [f.name for f in self.features if f.kind == "numeric"]

    @property
    def categorical(self) -> list[str]:
        return [f.name for f in self.features if f.kind == "categorical"]

    def __getitem__(self, name: str) -> Feature:
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(name)


class World:
    """Base class. Subclasses define ``kind``, ``schema``, ``_features`` and ``_logit``."""

    kind: ClassVar[str]
    title: ClassVar[str]
    schema: ClassVar[Schema]

    # -- parameters (the scikit-learn contract: __init__ stores, nothing else) --
    @classmethod
    def param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.param_names()}

    def with_params(self, **changes: Any) -> World:
        """A copy of this world with some parameters changed (validated like any world)."""
        unknown = set(changes) - set(self.param_names())
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)} for world {self.kind!r}")
        return type(self)(**{**self.get_params(), **changes})

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- what subclasses implement --
    @property
    def rows_per_day(self) -> float:
        raise NotImplementedError

    def _features(self, n: int, rng: np.random.Generator, start: pd.Timestamp) -> pd.DataFrame:
        raise NotImplementedError

    def _calibration_frame(self, rng: np.random.Generator) -> pd.DataFrame:
        """The sample the intercept is solved on: it should span whole cycles of the world."""
        return self._features(20_000, rng, EPOCH)

    def _logit(self, frame: pd.DataFrame) -> np.ndarray:
        """The log-odds of the label up to the intercept (which :attr:`base_rate` sets)."""
        raise NotImplementedError

    # -- what every world gets --
    def sample(self, n: int, seed: int, start: pd.Timestamp | str | None = None) -> pd.DataFrame:
        """``n`` rows ordered by time from ``start`` on: timestamp, features and label."""
        if n <= 0:
            raise ValueError(f"n must be positive, got {n}")
        rng = np.random.default_rng(seed)
        start = EPOCH if start is None else pd.Timestamp(start)
        frame = self._features(n, rng, start)
        frame[self.schema.target] = self.draw_labels(frame, rng)
        return frame

    def p_label(self, frame: pd.DataFrame) -> np.ndarray:
        """P(y = 1 | x) for each row, the ground truth the labels are drawn from."""
        return expit(self.intercept_ + self._logit(frame))

    def draw_labels(self, frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        return (rng.random(len(frame)) < self.p_label(frame)).astype(np.int8)

    @property
    def intercept_(self) -> float:
        return _calibrated_intercept(type(self), _freeze(self.get_params()))


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple) and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return {k: _thaw(v) for k, v in value}
    return value


@lru_cache(maxsize=64)
def _calibrated_intercept(cls: type[World], frozen_params: tuple) -> float:
    """The intercept at which the world's mean P(y | x) equals its ``base_rate``.

    Solved on a fixed-seed sample so that it is a pure function of the parameters.
    """
    params = {k: _thaw(v) for k, v in frozen_params}
    world = cls(**params)
    frame = world._calibration_frame(np.random.default_rng(12345))
    logit = world._logit(frame)
    target = float(params["base_rate"])
    return float(brentq(lambda b: expit(b + logit).mean() - target, -30.0, 30.0))
