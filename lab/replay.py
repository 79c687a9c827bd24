"""Offline replay: what the server would have logged for a scenario's production stream.

Scores the production frame with a model in one call, no HTTP. Used where the network
path is not the point (monitoring tests, benchmarks, notebooks); the shape matches
:func:`lab.monitor.log_frame` of a real prediction log, labels delayed as traffic does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.data import production_frame
from lab.drift.delivery import labels_arrive, refused
from lab.scenario import Scenario


def replay_log(scenario: Scenario, pipeline, threshold: float, rows: int | None = None,
               seed: int = 0, reference_rows: int | None = None, version: int = 1,
               all_labels: bool = False) -> tuple[pd.DataFrame, list]:
    schema = scenario.world_.schema
    production = production_frame(scenario, rows, seed, reference_rows)
    frame = production.frame
    scores = pipeline.predict_proba(frame[schema.names])[:, 1]
    events = frame[schema.timestamp].reset_index(drop=True)
    due = events + pd.Timedelta(scenario.label_delay) <= events.iloc[-1]
    labels = frame[schema.target].to_numpy().astype(float)
    decisions = (scores >= threshold).astype(int)
    if not all_labels:
        labels = np.where(due.to_numpy(), labels, np.nan)
    # Some faults stop labels, or let only the model's alerts (or non-alerts) get one.
    labels = np.where(labels_arrive(frame, decisions), labels, np.nan)
    features = frame[schema.names].reset_index(drop=True).astype(object)
    log = pd.DataFrame({
        "request_id": [f"replay-{i}" for i in range(len(frame))],
        "version": version, "event_time": events, "score": scores,
        "decision": decisions, "label": labels})
    log = pd.concat([log, features.where(features.notna(), None)], axis=1)
    # The server refuses records an upstream schema change broke: they are never logged.
    log = log[~refused(frame)].reset_index(drop=True)
    return log, production.truths
