"""The run a candidate saw: what grading reads instead of rebuilding production.

``RunEvidence`` carries the truth of the drift plan, the prediction log (the shape of
:func:`lab.monitor.log_frame`), the monitoring result as a dict and the champion's clean
validation labels and scores. The app and the CLI build it from the stored run;
:func:`evidence_by_replay` builds it in-process (tests, and the CLI until it reads runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lab.scenario import Scenario

VALIDATION = (0.6, 0.8)  # lab.train.time_split: the oldest 60% train, the next 20% validate


@dataclass
class RunEvidence:
    truth: list[dict[str, Any]]
    log: pd.DataFrame  # event_time, score, decision, label, version, features...
    monitoring: dict[str, Any]  # lab.monitor.MonitorResult.to_dict()
    clean: tuple[np.ndarray, np.ndarray] | None  # (y, scores) of the champion's validation
    rows_per_day: float
    # The candidate's saved load tests (dicts), for a scenario with a p99 budget; None when
    # the evidence was not read from a workspace (the budget is then judged on the run).
    load_tests: list[dict[str, Any]] | None = None

    @property
    def onset(self) -> pd.Timestamp | None:
        times = [pd.Timestamp(t["onset_time"]) for t in self.truth if t.get("onset_time")]
        return min(times) if times else None

    def current(self) -> tuple[np.ndarray, np.ndarray]:
        """Labels and scores of the labelled predictions from the fault's onset on."""
        log = self.log
        part = log[log["label"].notna()]
        if self.onset is not None:
            part = part[pd.to_datetime(part["event_time"]) >= self.onset]
        return part["label"].to_numpy(dtype=float).astype(int), part["score"].to_numpy(float)

    def window_after_onset(self, index: int) -> bool:
        """Whether window ``index`` ends at or after the onset (always true without one)."""
        windows = self.monitoring.get("windows", [])
        if not 0 <= index < len(windows):
            return False
        return self.onset is None or pd.Timestamp(windows[index]["end"]) >= self.onset


def clean_validation(reference) -> tuple[np.ndarray, np.ndarray]:
    """The champion's validation labels and scores, from its monitoring reference."""
    n = len(reference.frame)
    a, b = int(n * VALIDATION[0]), int(n * VALIDATION[1])
    y = reference.frame[reference.target].to_numpy()[a:b]
    return y.astype(int), np.asarray(reference.scores[a:b], dtype=float)


def evidence_by_replay(scenario: Scenario, rows: int | None = None, seed: int = 0,
                       reference_rows: int | None = None, model: str | None = None
                       ) -> RunEvidence:
    """Evidence for the champion by replaying the scenario's production stream offline.

    ``reference_rows`` defaults to the champion's own training rows, so production starts
    where the candidate's traffic started.
    """
    from lab.monitor import build_reference, summarize
    from lab.replay import replay_log

    reference = build_reference(model or scenario.model_name)
    log, truths = replay_log(scenario, reference.pipeline, reference.threshold, rows=rows,
                             seed=seed,
                             reference_rows=reference_rows or reference.card["reference_rows"],
                             version=reference.version)
    monitoring = summarize(reference, log).to_dict()
    truth = _measured(scenario, reference, seed, rows,
                      reference_rows or reference.card["reference_rows"],
                      [t.to_dict() for t in truths])
    return RunEvidence(truth, log, monitoring,
                       clean_validation(reference), scenario.world_.rows_per_day,
                       workspace_load_tests(scenario, model or scenario.model_name))


class RunNotFound(LookupError):
    """No run of that id (or none at all) to grade against."""


def evidence_from_run(scenario: Scenario, model: str, run: str | None = None) -> RunEvidence:
    """Evidence from a stored run (the newest of ``model`` by default): its logged
    predictions and labels, its monitoring, and the truth the lab recorded when it sent it."""
    from lab.config import get_settings
    from lab.monitor import monitor_model, run_log
    from lab.serve.store import PredictionStore
    from lab.workspace.runs import RunBook

    if run is None:
        store = PredictionStore(get_settings().prediction_store_url)
        try:
            run = store.latest_run(model)
        finally:
            store.dispose()
        if run is None:
            raise RunNotFound(f"no production run of {model!r} is logged: send traffic first")
    book = RunBook()
    try:
        record = book.get(run)
    finally:
        book.dispose()
    if record is None or record.model != model:
        raise RunNotFound(f"run {run!r} of {model!r} was not sent by this lab (see "
                          "`driftlab runs`)")
    reference, log = run_log(model, run)
    monitoring = monitor_model(model, run=run).to_dict()
    truth = _measured(scenario, reference, record.seed, record.rows, record.reference_rows,
                      record.truth)
    return RunEvidence(truth, log, monitoring, clean_validation(reference),
                       scenario.world_.rows_per_day, workspace_load_tests(scenario, model))


def workspace_load_tests(scenario: Scenario, model: str) -> list[dict[str, Any]] | None:
    """The load tests saved in ``model``'s workspace, for a scenario with a p99 budget."""
    from lab.workspace import split_model_name
    from lab.workspace.loadtests import saved_load_tests

    key = scenario.questions.answer.service
    if key is None or key.p99_budget_ms is None:
        return None
    workspace, _ = split_model_name(model)
    return [t.to_dict() for t in saved_load_tests(workspace, scenario.id)]


def _measured(scenario: Scenario, reference, seed: int, rows: int,
              reference_rows: int | None, truth: list[dict[str, Any]]
              ) -> list[dict[str, Any]]:
    """The recorded truth with ``hurts_model`` measured for the champion that served the
    run (the record itself keeps what the plan said: None)."""
    from lab.catalogue.truth import measured_truth

    if not truth:
        return truth
    measured = measured_truth(scenario, reference.pipeline, reference.threshold, seed, rows,
                              reference_rows)
    if len(measured) != len(truth):  # the scenario file changed since the run: keep it
        return truth
    return [{**t, "hurts_model": m["hurts_model"],
             "details": {**t.get("details", {}), "harm": m["details"].get("harm")}}
            for t, m in zip(truth, measured)]
