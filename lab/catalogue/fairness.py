"""Is a scenario fair? What the lab shows for it, against what its key claims.

One audit trains the scenario's model for a seed (in the current lab home), replays its
production stream through the same monitoring the candidate sees (offline: no HTTP, the
scores are the same), and measures: the first window that alarmed against the window of
the onset, where each injected feature ranks among the suspects, realised performance
before and after the onset, and whether the fault hurts (measured, not declared).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lab.scenario import Scenario


@dataclass
class Audit:
    scenario: str
    seed: int
    windows: int
    onset_window: int | None
    first_alarm: int | None
    false_alarms: int  # windows in alarm before the onset (or anywhere, without a fault)
    alarms: int
    warnings: int
    ranks: dict[str, int | None]  # injected feature -> rank among the suspects (1 = top)
    hurts: bool | None
    before: dict[str, float | None] = field(default_factory=dict)
    after: dict[str, float | None] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def alarm_delay(self) -> int | None:
        """Windows from the onset to the first alarm at or after it."""
        if self.onset_window is None or self.first_alarm is None:
            return None
        return self.first_alarm - self.onset_window

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "alarm_delay": self.alarm_delay}


def audit(scenario: Scenario, seed: int = 0, window: str = "1d") -> Audit:
    import time

    from lab.drift.harm import measure_harm
    from lab.monitor import build_reference, summarize
    from lab.replay import replay_log
    from lab.train import train

    started = time.perf_counter()
    trained = train(scenario, seed=seed, workspace="audit")
    reference = build_reference(trained.model_name)
    log, truths = replay_log(scenario, trained.pipeline, trained.threshold, seed=seed,
                             reference_rows=trained.rows, version=trained.version)
    result = summarize(reference, log, window).to_dict()
    windows = result["windows"]
    onset_time = min((pd.Timestamp(t.onset_time) for t in truths if t.onset_time),
                     default=None)
    onset_window = None
    if onset_time is not None:
        onset_window = next((w["index"] for w in windows
                             if pd.Timestamp(w["end"]) >= onset_time), None)
    alarmed = [w["index"] for w in windows if w["alert"] == "alarm"]
    after = [i for i in alarmed if onset_window is None or i >= onset_window]
    false_alarms = len(alarmed) if not truths else len([i for i in alarmed
                                                         if i < (onset_window or 0)])
    suspects = [s["feature"] for s in result["suspects"]]
    injected = sorted({f for t in truths for f in t.features})
    ranks = {f: (suspects.index(f) + 1 if f in suspects else None) for f in injected}
    hurts = None
    if truths:
        measured = measure_harm(scenario, trained.pipeline, trained.threshold, seed=seed,
                                reference_rows=trained.rows)
        hurts = any(t.hurts_model for t in measured)
    full, _ = replay_log(scenario, trained.pipeline, trained.threshold, seed=seed,
                         reference_rows=trained.rows, all_labels=True)
    split = onset_time if onset_time is not None else full["event_time"].iloc[len(full) // 2]
    before = _realised(full[full["event_time"] < split], scenario)
    later = _realised(full[full["event_time"] >= split], scenario)
    return Audit(scenario.id, seed, len(windows), onset_window,
                 after[0] if after else None, false_alarms, len(alarmed),
                 sum(w["alert"] == "warn" for w in windows), ranks, hurts, before, later,
                 round(time.perf_counter() - started, 2))


def _realised(part: pd.DataFrame, scenario: Scenario) -> dict[str, float | None]:
    labelled = part[part["label"].notna()]
    if labelled.empty:
        return {"precision": None, "recall": None, "cost_per_day": None, "base_rate": None}
    y = labelled["label"].to_numpy().astype(int)
    alert = labelled["decision"].to_numpy() == 1
    tp, fp = int((alert & (y == 1)).sum()), int((alert & (y == 0)).sum())
    fn = int((~alert & (y == 1)).sum())
    costs = scenario.costs
    per_row = (fp * costs.false_positive + fn * costs.false_negative) / len(y)
    return {"precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None,
            "cost_per_day": round(per_row * scenario.world_.rows_per_day, 1),
            "base_rate": round(float(np.mean(y)), 4)}
