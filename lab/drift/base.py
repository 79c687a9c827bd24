"""What every drift injector is: a seeded change of a frame that reports its own truth.

An injector's constructor parameters are its whole configuration: what it changes, and
when (``onset``), how it arrives (``shape``: sudden, gradual over ``width``, or recurring
in bursts of ``width``). :meth:`Injector.apply` returns the changed copy of the frame and a
:class:`Truth` record, the only thing the grader reads.
"""

from __future__ import annotations

import inspect
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from lab.worlds.base import World

Shape = Literal["sudden", "gradual", "recurring"]
SHAPES: tuple[str, ...] = ("sudden", "gradual", "recurring")


@dataclass(frozen=True)
class Truth:
    """What was injected, where and when: the answer key of a drift plan."""

    kind: str
    category: str  # covariate | prior | concept | pipeline
    features: tuple[str, ...]
    onset_row: int
    onset_time: str | None
    shape: str
    root_cause: str
    hurts_model: bool
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["features"] = list(self.features)
        return out


class Injector:
    """Base class. Subclasses set ``kind``, ``category``, ``hurts_model`` and ``_inject``."""

    kind: ClassVar[str]
    category: ClassVar[str]
    hurts_model: ClassVar[bool] = True

    def __init__(self, onset: float = 0.5, shape: Shape = "sudden", width: float = 0.2,
                 seed: int = 0):
        self.onset = onset
        self.shape = shape
        self.width = width
        self.seed = seed
        if shape not in SHAPES:
            raise ValueError(f"shape must be one of {list(SHAPES)}, got {shape!r}")
        fraction_or_row = 0 <= onset < 1 or float(onset).is_integer() and onset >= 1
        if not fraction_or_row:
            raise ValueError("onset must be a fraction in [0, 1) or a row number")
        if not 0 < width <= 1:
            raise ValueError("width must be a fraction of the stream in (0, 1]")

    # -- scikit-learn style parameters --
    @classmethod
    def param_names(cls) -> list[str]:
        """The subclass's own parameters, then the timing ones every injector takes."""
        names: list[str] = []
        for klass in (cls, Injector):
            for p in inspect.signature(klass.__init__).parameters.values():
                if p.name != "self" and p.kind is not p.VAR_KEYWORD and p.name not in names:
                    names.append(p.name)
        return names

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.param_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- when --
    def onset_row(self, n_rows: int) -> int:
        return int(round(self.onset * n_rows)) if self.onset < 1 else min(int(self.onset), n_rows)

    def affected(self, n_rows: int, rng: np.random.Generator) -> np.ndarray:
        """Boolean mask of the rows this drift reaches."""
        idx = np.arange(n_rows)
        onset = self.onset_row(n_rows)
        width = max(1, int(round(self.width * n_rows)))
        if self.shape == "sudden":
            return idx >= onset
        if self.shape == "gradual":
            # Linear ramp, as river's ConceptDriftStream mixes two streams over a width.
            reach = np.clip((idx - onset + 1) / width, 0.0, 1.0)
            return rng.random(n_rows) < reach
        return (idx >= onset) & (((idx - onset) // width) % 2 == 0)

    # -- what --
    def apply(self, frame: pd.DataFrame, world: World) -> tuple[pd.DataFrame, Truth]:
        rng = np.random.default_rng(self.seed)
        out = frame.copy()
        mask = self.affected(len(out), rng)
        features = self._inject(out, world, mask, rng)
        onset = self.onset_row(len(out))
        ts_col = world.schema.timestamp
        onset_time = (str(out[ts_col].iloc[onset]) if onset < len(out) and ts_col in out else None)
        params = {k: v for k, v in self.get_params().items()
                  if k not in ("onset", "shape", "width", "seed")}
        truth = Truth(kind=self.kind, category=self.category, features=tuple(features),
                      onset_row=onset, onset_time=onset_time, shape=self.shape,
                      root_cause=self.root_cause(world), hurts_model=self.hurts_model,
                      params=params)
        return out, truth

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> list[str]:
        """Change ``frame`` in place on the ``mask`` rows; return the features changed."""
        raise NotImplementedError

    def root_cause(self, world: World) -> str:
        raise NotImplementedError


def redraw_labels(frame: pd.DataFrame, world: World, mask: np.ndarray,
                  rng: np.random.Generator) -> None:
    """Draw the label again on ``mask`` rows from ``world``'s P(y | x) (a real-world change)."""
    target = world.schema.target
    if target in frame and mask.any():
        frame.loc[mask, target] = world.draw_labels(frame.loc[mask], rng)


def require_feature(world: World, feature: str, kind: str | None = None) -> None:
    names = world.schema.names
    if feature not in names:
        raise ValueError(f"unknown feature {feature!r}; allowed: {names}")
    if kind and world.schema[feature].kind != kind:
        raise ValueError(f"feature {feature!r} is {world.schema[feature].kind}, needs {kind}")
