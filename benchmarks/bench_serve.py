"""Single-record and batch throughput: the lab's server against `mlflow models serve`.

Same model (the first scenario's HistGradientBoosting @champion), same machine, same load
generator, same run, and the same load on each side: one worker and OMP_NUM_THREADS=1, the
same warm-up, the same number of requests, the same concurrency. A ratio is printed only when
neither side had an error: a server that fails fast would otherwise look fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from loadgen import Load, run_load

SCENARIO = "sla-escalation-queue-flooded"
CONCURRENCY = 8
BATCH = 1000


@dataclass(frozen=True)
class Sizes:
    train_rows: int | None  # None: the scenario's own size
    warmup: int
    single: int
    batches: int


FULL = Sizes(None, 400, int(os.environ.get("BENCH_REQUESTS", "4000")), 24)
QUICK = Sizes(6000, 20, 80, 2)  # --quick: a smoke run that both paths work, not a measurement


@dataclass
class Side:
    single: Load
    batch: Load


def _wait(url: str, path: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url + path, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def _drive(url: str, path: str, single: bytes, batch: bytes, sizes: Sizes) -> Side:
    """The one load both servers get: warm-up (of both kinds), single records, batches."""
    run_load(url, path, single, sizes.warmup, CONCURRENCY)
    run_load(url, path, batch, 2, 2)
    return Side(run_load(url, path, single, sizes.single, CONCURRENCY),
                run_load(url, path, batch, sizes.batches, 2))


def _ratio(label: str, lab: Load, other: Load) -> str:
    if lab.errors or other.errors:
        return (f"{label}: no ratio, errors on a side (driftlab {lab.errors} "
                f"{lab.error_statuses}, mlflow {other.errors} {other.error_statuses})")
    return f"{label}: {lab.rps / other.rps:.1f}x"


def main(quick: bool = False) -> dict[str, float]:
    sizes = QUICK if quick else FULL
    home = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    os.environ["LAB_HOME"] = str(home)
    from lab.config import get_settings

    get_settings.cache_clear()
    from lab.scenario import load_scenario
    from lab.serve.process import ServerProcess, free_port, server_env
    from lab.train import train

    settings = get_settings()
    train(load_scenario(SCENARIO), seed=0, rows=sizes.train_rows)

    with ServerProcess(settings) as server:
        example = httpx.get(f"{server.url}/models/{SCENARIO}").json()["example"]["features"]
        lab = _drive(server.url, f"/models/{SCENARIO}/predict",
                     json.dumps({"features": example}).encode(),
                     json.dumps({"batch": [{"features": example}] * BATCH}).encode(), sizes)

    port = free_port()
    env = server_env(settings, 1)
    # mlflow runs `uvicorn` by name: it must find the venv's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    mlflow_cmd = [str(Path(sys.executable).with_name("mlflow")), "models", "serve", "-m",
                  f"models:/{SCENARIO}@champion", "--env-manager", "local", "-h", "127.0.0.1",
                  "-p", str(port), "--workers", "1"]
    proc = subprocess.Popen(mlflow_cmd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait(url, "/ping", proc)
        mlflow = _drive(url, "/invocations",
                        json.dumps({"dataframe_records": [example]}).encode(),
                        json.dumps({"dataframe_records": [example] * BATCH}).encode(), sizes)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            proc.wait(20)

    print(f"model: {SCENARIO} (HistGradientBoosting), 1 worker each; each side: "
          f"{sizes.warmup} warm-up requests, {sizes.single} single-record requests at "
          f"concurrency {CONCURRENCY}, {sizes.batches} batches of {BATCH} at concurrency 2")
    print(lab.single.line("driftlab serve, 1 record"))
    print(mlflow.single.line("mlflow models serve, 1 record"))
    print(lab.batch.line(f"driftlab serve, batch of {BATCH}", BATCH))
    print(mlflow.batch.line(f"mlflow models serve, batch of {BATCH}", BATCH))
    print(_ratio("single-record throughput ratio (target >= 5x)", lab.single, mlflow.single)
          + f"; driftlab p99 {lab.single.p(99):.1f} ms (target < 20 ms)")
    print(_ratio(f"batch-of-{BATCH} throughput ratio", lab.batch, mlflow.batch))
    results = {"lab_rps": lab.single.rps, "mlflow_rps": mlflow.single.rps,
               "lab_p99": lab.single.p(99), "lab_errors": lab.single.errors + lab.batch.errors,
               "mlflow_errors": mlflow.single.errors + mlflow.batch.errors,
               "lab_batch_records_per_s": lab.batch.rps * BATCH,
               "mlflow_batch_records_per_s": mlflow.batch.rps * BATCH}
    if not (results["lab_errors"] or results["mlflow_errors"]):
        results["ratio"] = lab.single.rps / mlflow.single.rps
    return results


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main(quick="--quick" in sys.argv[1:])
