"""Open loop against closed loop: what each says p99 is, below, near and above capacity.

One server (one worker, the first scenario's model, single-record requests). First the
closed loop finds the server's capacity and gives its p99 at a few concurrencies; then the
open loop sends Poisson arrivals at fixed fractions of that capacity, and for each rate
prints the generator's p99 (from each request's intended send time), the p99 the server
itself logged for the run (commit included, queueing before it not), and the closed loop's
p99 at the nearest throughput. Under overload the closed loop's p99 stays small while users
would wait seconds: coordinated omission.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

SCENARIO = "sla-escalation-queue-flooded"


@dataclass(frozen=True)
class Sizes:
    train_rows: int
    requests: int            # per load run
    fractions: tuple[float, ...]  # open-loop rates, as fractions of the measured capacity
    concurrencies: tuple[int, ...]


FULL = Sizes(20_000, int(os.environ.get("BENCH_REQUESTS", "2000")), (0.5, 0.9, 1.2),
             (1, 2, 4, 8))
QUICK = Sizes(6000, 60, (0.5, 1.2), (1, 4))  # --quick: that it works, not a measurement


def _bodies(n: int, run: str, seed: int) -> list[bytes]:
    from lab.scenario import load_scenario
    from lab.traffic import records_of

    scenario = load_scenario(SCENARIO)
    frame = scenario.world_.sample(n, seed=seed)
    records = records_of(frame, scenario.world_.schema.names)
    return [orjson.dumps({"run": run, "features": r, "request_id": f"{run}-{i}"})
            for i, r in enumerate(records)]


def main(quick: bool = False) -> dict[str, float]:
    sizes = QUICK if quick else FULL
    home = Path(tempfile.mkdtemp(prefix="bench-load-"))
    os.environ["LAB_HOME"] = str(home)
    from lab.config import Settings, get_settings

    get_settings.cache_clear()
    from lab.load import closed_loop, open_loop
    from lab.scenario import load_scenario
    from lab.serve.process import ServerProcess
    from lab.serve.store import PredictionStore
    from lab.train import train

    train(load_scenario(SCENARIO), seed=0, rows=sizes.train_rows)
    settings = Settings(home=home)
    path = f"/models/{SCENARIO}/predict"
    print(f"machine: {os.cpu_count()} cores, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    out: dict[str, float] = {}
    with ServerProcess(settings, workers=1) as server:
        store = PredictionStore(settings.prediction_store_url)
        closed_loop(server.url, path, _bodies(max(20, sizes.requests // 10), "warm", 0), 4)
        closed = {}
        for c in sizes.concurrencies:
            load = closed_loop(server.url, path, _bodies(sizes.requests, f"closed-{c}", c), c)
            closed[c] = load
            print(f"closed loop, {c} in flight: {load.throughput:7.1f} req/s  "
                  f"p50 {load.p(50):7.1f} ms  p99 {load.p(99):7.1f} ms  "
                  f"errors {load.errors}", flush=True)
        capacity = max(load.throughput for load in closed.values())
        out["capacity_rps"] = capacity
        print(f"capacity (best closed-loop throughput): {capacity:.1f} req/s")
        for fraction in sizes.fractions:
            rate = fraction * capacity
            run = f"open-{int(fraction * 100)}"
            load = open_loop(server.url, path, _bodies(sizes.requests, run, 99), rate, seed=1)
            logged = store.frame(SCENARIO, run=run)["latency_ms"].to_numpy(float)
            server_p99 = float(np.percentile(logged, 99)) if len(logged) else float("nan")
            near = min(closed.values(), key=lambda c: abs(c.throughput - load.throughput))
            print(f"open loop at {fraction:.0%} of capacity ({rate:.0f} req/s): carried "
                  f"{load.throughput:.1f} req/s; p99 generator {load.p(99):8.1f} ms, "
                  f"server {server_p99:8.1f} ms, closed loop at {near.throughput:.0f} req/s "
                  f"{near.p(99):7.1f} ms; errors {load.errors}; send lag p99 "
                  f"{load.send_lag_ms:.1f} ms", flush=True)
            out[f"open_{int(fraction * 100)}_p99_ms"] = load.p(99)
            out[f"server_{int(fraction * 100)}_p99_ms"] = server_p99
        store.dispose()
    print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return out


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)
