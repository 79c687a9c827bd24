"""What every service fault is: a change to how requests are served, from an onset.

Data faults (:mod:`lab.drift`) change the rows; a service fault changes the time the
server takes or the load it meets, never the rows. Each reports a :class:`Truth` (category
``service``) for the grader, and acts through up to three hooks that the load driver
(:func:`lab.load.open_loop_traffic`) calls; the served API shows nothing of the plan.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lab.drift.base import Truth

CATEGORY = "service"


class ServiceFault:
    kind: ClassVar[str]
    cause: ClassVar[str]  # the answer-sheet id of this cause (see lab.grade.service)

    def __init__(self, onset: float = 0.5, seed: int = 0):
        if not 0 < onset < 1:
            raise ValueError("onset: a fraction of the stream in (0, 1)")
        self.onset = onset
        self.seed = seed

    @classmethod
    def param_names(cls) -> list[str]:
        """The fault's own parameters, then the timing ones every fault takes."""
        names: list[str] = []
        for klass in (cls, ServiceFault):
            for p in inspect.signature(klass.__init__).parameters.values():
                if p.name not in ("self", "timing") and p.name not in names:
                    names.append(p.name)
        return names

    def onset_row(self, n: int) -> int:
        return int(round(self.onset * n))

    # -- hooks (the defaults do nothing) --
    def rates(self, rates: np.ndarray) -> np.ndarray:
        """The arrival rate of each request (a surge raises it from the onset)."""
        return rates

    def server_plan(self, onset_time: pd.Timestamp) -> dict[str, Any] | None:
        """What the server must do for this run, sent through the private plan table."""
        return None

    def prepare(self, model: str, scenario, seed: int) -> None:
        """Before the stream (e.g. register a challenger without promoting it)."""

    def at_onset(self, model: str, url: str) -> None:
        """When the stream reaches the onset (e.g. promote the challenger)."""

    # -- the answer key --
    def params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def details(self) -> dict[str, Any]:
        return {}

    def truth(self, events: pd.Series) -> Truth:
        row = self.onset_row(len(events))
        return Truth(kind=self.kind, category=CATEGORY, features=(), onset_row=row,
                     onset_time=str(events.iloc[row]) if len(events) else None,
                     shape="sudden", root_cause=self.root_cause(), hurts_model=False,
                     params=self.params(), details={"cause": self.cause, **self.details()})

    def root_cause(self) -> str:
        raise NotImplementedError
