"""Champion against challenger on a week the real server served with a rollout on.

Read from the server's own log (the prediction store): which version answered each request
(the ``predictions`` table) and, in shadow, the challenger's decision on the same request
(the ``shadow_predictions`` table). Labels are the week's (the world's), matched by the
request ids the lab sent (``<run>-<row>``), so the comparison is realised, not estimated.

* **shadow**: both versions decided every request: their outcomes are directly comparable.
* **canary**: each version decided its share. Precision and recall compare as they are; a
  cost per day is its share's cost scaled to the whole traffic, with the reviewers split
  the same way (a version that answers 30% of tickets gets 30% of the review capacity).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lab.remediation.outcome import Outcome, realised
from lab.scenario import Scenario

ROLES = ("champion", "challenger")


@dataclass(frozen=True)
class Comparison:
    mode: str  # shadow | canary
    share: float | None  # canary: the share asked for
    versions: dict[str, int]  # role -> version
    answered: dict[str, int]  # role -> requests it answered
    outcomes: dict[str, Outcome]  # role -> its realised outcome (canary: on its share)
    scale: dict[str, float]  # role -> factor from its share's cost to the whole traffic's
    per_window: pd.DataFrame = field(repr=False)  # day, role, version, rows, precision...

    def cost_per_day(self, role: str) -> float:
        """The role's cost a day at the whole traffic (a canary's share scaled up)."""
        return self.outcomes[role].cost_per_day * self.scale[role]

    def verdict(self) -> str:
        champion, challenger = (self.cost_per_day(r) for r in ROLES)
        better = "cheaper" if challenger < champion else "dearer"
        where = ("on every request" if self.mode == "shadow" else
                 f"on its {self.answered['challenger']} of "
                 f"{sum(self.answered.values())} requests")
        return (f"{self.mode}: the challenger v{self.versions['challenger']} costs "
                f"{challenger:,.0f} a day {where}, {better} than the champion "
                f"v{self.versions['champion']}'s {champion:,.0f}")

    def to_dict(self) -> dict[str, Any]:
        table = self.per_window.assign(day=self.per_window["day"].astype(str))
        return {"mode": self.mode, "share": self.share, "versions": self.versions,
                "answered": self.answered,
                "cost_per_day": {r: self.cost_per_day(r) for r in ROLES},
                "precision": {r: self.outcomes[r].precision for r in ROLES},
                "recall": {r: self.outcomes[r].recall for r in ROLES},
                "verdict": self.verdict(),
                "per_window": table.astype(object).where(table.notna(), None)
                .to_dict("records")}


def compare(scenario: Scenario, week: pd.DataFrame, run: str, served: pd.DataFrame,
            shadow: pd.DataFrame, mode: str, versions: dict[str, int],
            share: float | None = None) -> Comparison:
    """``served``: the run's rows of the prediction store (request_id, version, decision);
    ``shadow``: its shadow rows (request_id, version, decision); ``week``: the frame the lab
    sent, row ``i`` as request ``<run>-<i>``."""
    if mode not in ("shadow", "canary"):
        raise ValueError(f"mode: 'shadow' or 'canary', got {mode!r}")
    row_of = {f"{run}-{i}": i for i in range(len(week))}
    capacity = scenario.costs.review_capacity_per_day
    outcomes, answered, scale = {}, {}, {}
    decided: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # role: (rows, decisions)
    for role in ROLES:
        version = versions[role]
        if mode == "shadow":
            source = served if role == "champion" else shadow
            mine = source[source["version"] == version]
        else:
            mine = served[served["version"] == version]
        known = mine[mine["request_id"].isin(row_of)]
        rows = known["request_id"].map(row_of).to_numpy(dtype=int)
        decisions = np.zeros(len(week), dtype=bool)
        decisions[rows] = known["decision"].to_numpy().astype(bool)
        answered[role] = len(rows)
        decided[role] = (rows, decisions)
    # In shadow both decide the same requests, but a request the challenger could not score
    # has no shadow row: both are judged on the requests both decided, never a missing
    # decision counted as "no alert".
    common = (np.intersect1d(*(decided[r][0] for r in ROLES)) if mode == "shadow" else None)
    for role in ROLES:
        rows, decisions = decided[role]
        subset = np.sort(rows if common is None else common)
        part = len(subset) / max(len(week), 1)
        outcomes[role] = realised(
            role, week.iloc[subset].reset_index(drop=True), decisions[subset], scenario,
            capacity=None if capacity is None else max(1.0, capacity * part))
        scale[role] = 1.0 / part if part else float("nan")
    return Comparison(mode, share, dict(versions), answered, outcomes, scale,
                      _windows(outcomes, versions, scale))


def _windows(outcomes: dict[str, Outcome], versions: dict[str, int],
             scale: dict[str, float]) -> pd.DataFrame:
    """Per day and version: rows it decided, realised precision and recall, cost a day."""
    frames = []
    for role, outcome in outcomes.items():
        day = outcome.per_day
        alerts, caught, positives = day["alerts"], day["caught"], day["positives"]
        frames.append(pd.DataFrame({
            "day": pd.to_datetime(day["day"]).dt.date, "role": role,
            "version": versions[role], "rows": day["rows"],
            "precision": (caught / alerts.where(alerts > 0)).round(3),
            "recall": (caught / positives.where(positives > 0)).round(3),
            "cost": (day["cost"] * scale[role]).round(1)}))
    return (pd.concat(frames, ignore_index=True).sort_values(["day", "role"], kind="stable")
            .reset_index(drop=True))
