"""A traffic surge: the arrival rate rises past what the workers serve."""

from __future__ import annotations

from typing import Any

import numpy as np

from lab.service.base import ServiceFault


class TrafficSurge(ServiceFault):
    """From the onset, requests arrive ``factor`` times as fast (open loop). Once the rate
    passes the workers' capacity a queue builds: the served throughput stops at capacity,
    and under sustained overload p50 rises with p99. What shows the surge is the offered
    rate (the monitoring's ``service.offered``, from the generator's intended send times)
    rising past the served one."""

    kind = "traffic_surge"
    cause = "traffic-surge"

    def __init__(self, factor: float = 4.0, **timing):
        super().__init__(**timing)
        if factor <= 1:
            raise ValueError("factor: how many times the arrival rate rises, > 1")
        self.factor = factor

    def rates(self, rates: np.ndarray) -> np.ndarray:
        out = np.asarray(rates, float).copy()
        out[self.onset_row(len(out)):] *= self.factor
        return out

    def details(self) -> dict[str, Any]:
        return {"rate_factor": self.factor}

    def root_cause(self) -> str:
        return (f"A traffic surge: from the onset requests arrived {self.factor:g}x as fast, "
                "past what the workers serve, so requests queued; the model and its "
                "dependencies did not change.")
