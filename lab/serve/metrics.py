"""Prometheus metrics of the server (one set a process; several workers aggregate through
``PROMETHEUS_MULTIPROC_DIR``, which ``driftlab serve`` sets when it starts more than one)."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

REQUESTS = Counter("driftlab_requests_total", "Prediction requests by model and HTTP status.",
                   ["model", "status"])
PREDICTIONS = Counter("driftlab_predictions_total", "Records scored, by model.", ["model"])
LATENCY = Histogram("driftlab_request_latency_seconds", "Prediction request latency.",
                    ["model"], buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5,
                                        1.0, 2.5))
SCORES = Histogram("driftlab_score", "Scores returned, by model.", ["model"],
                   buckets=tuple(i / 10 for i in range(1, 11)))


def exposition() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = DEFAULT_REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
