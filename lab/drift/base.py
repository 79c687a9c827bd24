"""What every drift injector is: a seeded change of a frame that reports its own truth.

An injector's constructor parameters are its whole configuration: what it changes, and
when (``onset``), how it arrives (``shape``: sudden, gradual over ``width``, or recurring
in bursts of ``width``). :meth:`Injector.apply` returns the changed copy of the frame and a
:class:`Truth` record, the only thing the grader reads.

Most faults act on the production stream; a few act when the model is trained
(``stage = "training"``, e.g. label leakage): in production they change nothing and only
report their truth. Whether a fault hurts the model is not declared by its kind: it is
measured (:mod:`lab.drift.harm`), so ``Truth.hurts_model`` is ``None`` until then.
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
    hurts_model: bool | None = None  # None until measured by lab.drift.harm
    params: dict[str, Any] = field(default_factory=dict)
    stage: str = "production"  # or "training": the fault is in what the model learnt from
    # What the grader or the debrief needs beyond the parameters (a stuck value, the rows a
    # schema change makes the server refuse, the harm measurement).
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["features"] = list(self.features)
        return out


class Injector:
    """Base class. Subclasses set ``kind``, ``category`` and ``_inject`` (and ``stage``)."""

    kind: ClassVar[str]
    category: ClassVar[str]  # covariate | prior | concept | pipeline | labels
    stage: ClassVar[str] = "production"

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
    def apply(self, frame: pd.DataFrame, world: World,
              stage: str = "production") -> tuple[pd.DataFrame, Truth]:
        """The changed copy of ``frame`` and the truth; a fault of another ``stage`` (a
        training-time fault applied to production) changes nothing and reports its truth."""
        rng = np.random.default_rng(self.seed)
        out = frame.copy()
        mask = self.affected(len(out), rng)
        if stage == self.stage:
            changed = self._inject(out, world, mask, rng)
        else:
            changed = self.features_of(world)
        features, details = changed if isinstance(changed, tuple) else (changed, {})
        onset = self.onset_row(len(out))
        ts_col = world.schema.timestamp
        onset_time = (str(out[ts_col].iloc[onset]) if onset < len(out) and ts_col in out else None)
        params = {k: v for k, v in self.get_params().items()
                  if k not in ("onset", "shape", "width", "seed")}
        truth = Truth(kind=self.kind, category=self.category, features=tuple(features),
                      onset_row=onset, onset_time=onset_time, shape=self.shape,
                      root_cause=self.root_cause(world), params=params, stage=self.stage,
                      details=details)
        return out, truth

    def label_probability(self, world: World, clean: pd.DataFrame, faulty: pd.DataFrame,
                          mask: np.ndarray) -> np.ndarray:
        """P(y = 1 | x) that ``faulty``'s labels were drawn from: the oracle that
        :mod:`lab.drift.harm` measures the model against.

        A covariate change brings real rows, so the world's P(y | x) of what arrives; any
        other fault leaves the world alone, so the world's P(y | x) of the clean rows.
        Kinds that change P(y | x) itself (prior, concept, a new category) override this.
        """
        return world.p_label(faulty if self.category == "covariate" else clean)

    def features_of(self, world: World) -> list[str]:
        """The features this fault concerns, without applying it."""
        feature = getattr(self, "feature", None)
        return [feature] if feature else []

    def _inject(self, frame: pd.DataFrame, world: World, mask: np.ndarray,
                rng: np.random.Generator) -> list[str] | tuple[list[str], dict[str, Any]]:
        """Change ``frame`` in place on the ``mask`` rows; return the features changed
        (and, optionally, details for the truth record)."""
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


def draw_with_offset(world: World, frame: pd.DataFrame, offset: np.ndarray | float,
                     rng: np.random.Generator) -> np.ndarray:
    """Labels from the world's P(y | x) with ``offset`` added to the log-odds (the effect
    of something the world's own tables do not know, such as a brand-new category)."""
    from scipy.special import expit

    p = expit(world.intercept_ + world._logit(frame) + offset)
    return (rng.random(len(frame)) < p).astype(np.int8)


def set_values(frame: pd.DataFrame, feature: str, rows: np.ndarray, value: Any,
               numeric: bool) -> None:
    """Write ``value`` into ``rows`` of a column, widening its dtype first when needed."""
    if numeric:
        frame[feature] = frame[feature].astype(float)
    else:
        frame[feature] = frame[feature].astype(object)
    frame.loc[rows, feature] = value
