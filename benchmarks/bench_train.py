"""Train + log + register at 50k rows: the lab's path against MLflow's default logging.

The baseline is the same run logged the way MLflow does by default (pip requirements
inferred by probing the environment); both run in this process on a warm store.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings

ROWS = 50_000
REPEATS = 3
QUICK_ROWS, QUICK_REPEATS = 6_000, 1  # --quick: a smoke run that both paths work


def main(quick: bool = False) -> dict[str, float]:
    rows, repeats = (QUICK_ROWS, QUICK_REPEATS) if quick else (ROWS, REPEATS)
    os.environ["LAB_HOME"] = tempfile.mkdtemp(prefix="bench-train-")
    from lab.config import get_settings

    get_settings.cache_clear()
    from lab import tracking
    from lab.scenario import load_scenario
    from lab.train import train

    scenario = load_scenario("sla-escalation-queue-flooded")
    cold_start = time.perf_counter()
    train(scenario, seed=0, rows=rows)  # creates and migrates the SQLite store
    cold = time.perf_counter() - cold_start

    lab_times, stages = [], []
    for i in range(repeats):
        start = time.perf_counter()
        result = train(scenario, seed=i, rows=rows)
        lab_times.append(time.perf_counter() - start)
        stages.append(result.seconds)

    import contextlib
    import io

    import mlflow
    import mlflow.sklearn
    import skops.io

    tracking.configure()
    baseline = []
    for _ in range(repeats):
        start = time.perf_counter()
        with warnings.catch_warnings(), mlflow.start_run(), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            # MLflow's defaults (skops, requirements inferred); trusted types as the lab's.
            trusted = skops.io.get_untrusted_types(data=skops.io.dumps(result.pipeline))
            mlflow.sklearn.log_model(result.pipeline, name="model",
                                     registered_model_name="bench-default",
                                     skops_trusted_types=trusted)
        baseline.append(time.perf_counter() - start)
    log_lab = min(s["log"] for s in stages)
    best = min(lab_times)
    print(f"train+log+register at {rows:,} rows (best of {repeats}, warm store): {best:.2f} s")
    print("  stages of the best run: " + ", ".join(f"{k} {v:.2f}s" for k, v in
                                                   stages[lab_times.index(best)].items()))
    print(f"  first run on a new store (migrations included): {cold:.2f} s")
    print(f"log_model alone: lab {log_lab:.2f} s vs MLflow defaults {min(baseline):.2f} s "
          f"-> {min(baseline) / log_lab:.1f}x faster")
    return {"train_total_s": best, "log_lab_s": log_lab, "log_default_s": min(baseline),
            "cold_s": cold}


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv[1:])
