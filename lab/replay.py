"""Offline replay: what the server would have logged for a scenario's production stream.

Scores the production frame with a model in one call, no HTTP. Used where the network
path is not the point (monitoring tests, benchmarks, notebooks); the shape matches
:func:`lab.monitor.log_frame` of a real prediction log, labels delayed as traffic does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.data import production_frame
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
    if not all_labels:
        labels = np.where(due.to_numpy(), labels, np.nan)
    features = frame[schema.names].reset_index(drop=True).astype(object)
    log = pd.DataFrame({
        "request_id": [f"replay-{i}" for i in range(len(frame))],
        "version": version, "event_time": events, "score": scores,
        "decision": (scores >= threshold).astype(int), "label": labels})
    log = pd.concat([log, features.where(features.notna(), None)], axis=1)
    return log, production.truths
