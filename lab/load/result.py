"""What a load run measured, in the same shape for the open and the closed loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np


@dataclass
class LoadResult:
    mode: str                      # "open" or "closed"
    requests: int
    seconds: float
    latencies_ms: np.ndarray = field(repr=False)
    statuses: dict[str, int] = field(default_factory=dict)  # "200", "422", "timeout", ...
    target_rate: float | None = None   # open loop: the arrival rate asked for
    send_lag_ms: float = 0.0       # open loop: how late the generator itself sent (p99)
    # Open loop: the wall clock (naive UTC) when the first request was due, and each
    # request's intended send time in seconds from then (the offered load, as scheduled).
    started_at: datetime | None = None
    offsets_s: np.ndarray | None = field(default=None, repr=False)
    answered: np.ndarray | None = field(default=None, repr=False)  # each request's status

    def intended_at(self) -> list[datetime]:
        """Each request's intended send time on the wall clock (open loop only)."""
        if self.started_at is None or self.offsets_s is None:
            raise ValueError("intended_at: only an open-loop result has intended send times")
        return [self.started_at + timedelta(seconds=float(s)) for s in self.offsets_s]

    @property
    def throughput(self) -> float:
        """Answers per second of the run's wall clock."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != "200")

    def p(self, q: float) -> float | None:
        """The ``q``-th percentile latency (0-100), in ms."""
        if not len(self.latencies_ms):
            return None
        return float(np.percentile(self.latencies_ms, q))

    def summary(self) -> dict[str, Any]:
        def r(x):
            return None if x is None else round(x, 2)

        return {"mode": self.mode, "requests": self.requests, "seconds": round(self.seconds, 2),
                "target_rate": self.target_rate, "throughput": round(self.throughput, 1),
                "p50_ms": r(self.p(50)), "p95_ms": r(self.p(95)), "p99_ms": r(self.p(99)),
                "statuses": dict(sorted(self.statuses.items())),
                "send_lag_ms": round(self.send_lag_ms, 2)}
