"""Is a scenario fair? What the lab shows for it, against what its key claims.

One audit trains the scenario's model for a seed (in the current lab home), replays its
production stream through the same monitoring the candidate sees (offline: no HTTP, the
scores are the same), and measures: the first window that alarmed against the window of
the onset, where each injected feature ranks among the suspects, realised performance
before and after the onset, and whether the fault hurts (measured, not declared).

It also runs every remedy on the week after the production run (:mod:`lab.remediation`,
at the audit's sizes, for the audited model) and keeps each one's cost a day: whether a
key may accept doing nothing is judged by those outcomes (:attr:`Audit.nothing_acceptable`),
not by harm alone. A fault can leave the model's regret where it was and still leave a
cheap fix on the table (a rarer fraud makes the old threshold hold too many payments).
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lab.remediation.evaluate import BENIGN_SAVING
from lab.scenario import Scenario

# Doing nothing is acceptable unless a remedy saves more than this share of its cost a day
# on the same next week: the margin below which the remedies' debrief says a change "did
# not hurt the model" (lab.remediation.evaluate.explain), so the two never disagree.
MATERIAL = BENIGN_SAVING


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
    visible: bool = False  # the fault shows in the inputs (named features, production)
    kinds: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # each fault's (covariate, service...)
    actions: list[str] = field(default_factory=list)  # the key's accepted actions
    world: str = ""
    topics: list[str] = field(default_factory=list)
    remedies: dict[str, float] = field(default_factory=dict)  # remedy -> cost a day, next week

    @property
    def nothing_acceptable(self) -> bool | None:
        """No remedy beats doing nothing by more than ``MATERIAL`` of its cost a day on the
        week after the run (None: the remedies were not evaluated)."""
        nothing = self.remedies.get("nothing")
        if nothing is None:
            return None
        return min(self.remedies.values()) >= nothing * (1 - MATERIAL)

    @property
    def best_remedy(self) -> str | None:
        """The cheapest remedy on the next week (ties: the one listed first, doing less)."""
        return min(self.remedies, key=self.remedies.get) if self.remedies else None

    def saving(self, remedy: str | None = None) -> float | None:
        """The share of doing nothing's cost a day that ``remedy`` (the best) saves."""
        remedy = remedy or self.best_remedy
        nothing = self.remedies.get("nothing")
        if remedy is None or not nothing:
            return None
        return round(1 - self.remedies[remedy] / nothing, 4)

    @property
    def alarm_delay(self) -> int | None:
        """Windows from the onset to the first alarm at or after it."""
        if self.onset_window is None or self.first_alarm is None:
            return None
        return self.first_alarm - self.onset_window

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "alarm_delay": self.alarm_delay,
                "nothing_acceptable": self.nothing_acceptable,
                "best_remedy": self.best_remedy, "saving": self.saving()}


def fit_in_process(scenario: Scenario, seed: int = 0) -> tuple[Any, dict[str, Any]]:
    """The scenario's model and card as :func:`lab.train.train` makes them (same data,
    split, pipeline, threshold rule and seed), without MLflow: an audit needs the model,
    not its registration, and logging costs more than fitting."""
    from lab.data import reference_frame
    from lab.evaluation import classification_metrics, point_at
    from lab.train import fit_and_choose, model_card, time_split

    costs, schema = scenario.costs, scenario.world_.schema
    frame = reference_frame(scenario, None, seed)
    fit_part, val_part, test_part = time_split(frame)
    pipeline, chosen = fit_and_choose(scenario, fit_part, val_part, seed)
    test_scores = pipeline.predict_proba(test_part[schema.names])[:, 1]
    y_test = test_part[schema.target].to_numpy()
    metrics = classification_metrics(y_test, test_scores, chosen.threshold)
    point = point_at(y_test, test_scores, chosen.threshold, costs.false_positive,
                     costs.false_negative, scenario.world_.rows_per_day)
    metrics["cost_per_day"] = point.cost_per_day
    card = model_card(scenario, seed, len(frame), chosen, metrics,
                      example=test_part[schema.names].iloc[0])
    return pipeline, card


def audit(scenario: Scenario, seed: int = 0, window: str = "1d", remedies: bool = True
          ) -> Audit:
    """One scenario and seed, offline: no MLflow, no server (the scores are the same).
    ``remedies``: also run every remedy on the next week (:attr:`Audit.remedies`)."""
    import time

    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    with threadpool_limits(limits=1):  # one thread: the host is shared
        return _audit(scenario, seed, window, started, remedies)


def audit_many(scenarios: list[Scenario], seeds: tuple[int, ...] = (0, 1, 2),
               window: str = "1d", workers: int | None = None) -> list[Audit]:
    """``audit`` for every scenario x seed, in scenario-then-seed order.

    Each audit is single-threaded and independent, so they run in ``workers`` processes
    (default: one per core, at most two here): the sweep is the suite's longest step.
    """
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(spec, seed, window) for spec in scenarios for seed in seeds]
    workers = workers or min(2, os.cpu_count() or 1)
    if workers <= 1 or len(jobs) <= 1:
        return [audit(*job) for job in jobs]
    # spawn: a forked child would inherit the parent's threads and locks (MLflow, uvicorn,
    # OpenMP). A spawned child re-runs the parent's __main__ unless told otherwise, and
    # under a test runner or Streamlit that "main" is someone else's script: the children
    # start from a blank one.
    context = multiprocessing.get_context("spawn")
    with _blank_main(), ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(_audit_job, jobs))


@contextlib.contextmanager
def _blank_main():
    import sys
    import types

    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _audit_job(job: tuple[Scenario, int, str]) -> Audit:
    return audit(*job)


def _audit(scenario: Scenario, seed: int, window: str, started: float,
           remedies: bool = True) -> Audit:
    import time

    from lab.drift.harm import measure_harm
    from lab.monitor import summarize
    from lab.monitor.reference import reference_from
    from lab.replay import replay_log

    pipeline, card = fit_in_process(scenario, seed)
    reference = reference_from(f"audit.{scenario.id}", 1, card, pipeline)
    threshold, rows = reference.threshold, card["reference_rows"]
    log, truths = replay_log(scenario, pipeline, threshold, seed=seed, reference_rows=rows,
                             version=1)
    result = summarize(reference, log, window).to_dict()
    windows = result["windows"]
    measured = measure_harm(scenario, pipeline, threshold, seed=seed,
                            reference_rows=rows) if truths else []
    hurts = any(t.hurts_model for t in measured) if truths else None
    # The alarm is owed from the first fault that hurts (a plan can open with a benign
    # shift); without one, from the first fault.
    harmful = [t for t in measured if t.hurts_model] or measured
    onset_time = min((pd.Timestamp(t.onset_time) for t in harmful if t.onset_time),
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
    full, _ = replay_log(scenario, pipeline, threshold, seed=seed, reference_rows=rows,
                         all_labels=True)
    split = onset_time if onset_time is not None else full["event_time"].iloc[len(full) // 2]
    before = _realised(full[full["event_time"] < split], scenario)
    later = _realised(full[full["event_time"] >= split], scenario)
    # Visible in the inputs: a fault on named features of the production stream (not a
    # change of P(y|x), of the labels, or of what the model learnt; a schema change shows
    # as refused requests and a silent segment, not in the renamed field).
    visible = any(t.features and t.category in ("covariate", "pipeline")
                  and t.stage == "production" and t.kind != "schema_change" for t in truths)
    costs = _remedy_costs(scenario, seed, pipeline, threshold, rows) if remedies else {}
    return Audit(scenario.id, seed, len(windows), onset_window,
                 after[0] if after else None, false_alarms, len(alarmed),
                 sum(w["alert"] == "warn" for w in windows), ranks, hurts, before, later,
                 round(time.perf_counter() - started, 2), visible=visible,
                 kinds=[t.kind for t in truths], categories=[t.category for t in truths],
                 actions=list(scenario.questions.answer.actions),
                 world=scenario.world.kind, topics=list(scenario.topics), remedies=costs)


def _remedy_costs(scenario: Scenario, seed: int, pipeline, threshold: float,
                  reference_rows: int) -> dict[str, float]:
    """Cost a day of every remedy on the week after the production run, for the audited
    model at the audit's sizes (the same week for all: lab.remediation)."""
    from lab.remediation import Live, RemedyError, evaluate_remedies

    try:
        evaluation = evaluate_remedies(scenario, seed, reference_rows=reference_rows,
                                       live=Live(pipeline, threshold))
    except RemedyError:
        return {}
    return {r: round(o.cost_per_day, 2) for r, o in evaluation.outcomes.items()}


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
