"""A slow dependency: the feature lookup in the request path takes longer from the onset."""

from __future__ import annotations

from typing import Any

import pandas as pd

from lab.service.base import ServiceFault


class SlowDependency(ServiceFault):
    """Every request waits on a feature lookup of ``base_ms`` (lightly spread); from the
    onset the lookup takes ``slow_ms`` times a Pareto factor of shape ``tail`` (smaller =
    heavier tail). The server draws each wait from the request id and ``seed``."""

    kind = "slow_dependency"
    cause = "slow-dependency"

    def __init__(self, base_ms: float = 2.0, slow_ms: float = 8.0, tail: float = 1.5,
                 **timing):
        super().__init__(**timing)
        if base_ms < 0 or slow_ms <= 0:
            raise ValueError("base_ms and slow_ms: a wait in ms (base_ms >= 0, slow_ms > 0)")
        if tail <= 1:
            raise ValueError("tail: the Pareto shape, > 1 (so the mean is finite)")
        self.base_ms, self.slow_ms, self.tail = base_ms, slow_ms, tail

    def server_plan(self, onset_time: pd.Timestamp) -> dict[str, Any]:
        return {"kind": self.kind, "onset_time": onset_time.isoformat(),
                "base_ms": self.base_ms, "slow_ms": self.slow_ms, "tail": self.tail,
                "seed": self.seed}

    def root_cause(self) -> str:
        return ("A dependency in the request path (the feature lookup) slowed down at the "
                f"onset: about {self.slow_ms:g} ms with a heavy tail instead of "
                f"{self.base_ms:g} ms. Every request pays it, so p50 and p99 both rise; the "
                "model and the load did not change.")
