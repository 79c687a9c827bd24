"""Single-record and batch throughput: the lab's server against `mlflow models serve`.

Same model (the first scenario's HistGradientBoosting @champion), same machine, same load
generator, same run. Each server gets one worker and OMP_NUM_THREADS=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from loadgen import run_load

SCENARIO = "sla-response-units"
CONCURRENCY = 8
SINGLE_REQUESTS = int(os.environ.get("BENCH_REQUESTS", "4000"))
BATCH_REQUESTS = 24


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


def main() -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    os.environ["LAB_HOME"] = str(home)
    from lab.config import get_settings

    get_settings.cache_clear()
    from lab.scenario import load_scenario
    from lab.serve.process import ServerProcess, free_port, server_env
    from lab.train import train

    settings = get_settings()
    train(load_scenario(SCENARIO), seed=0)
    card_example = None
    results = {}

    with ServerProcess(settings) as lab:
        card_example = httpx.get(f"{lab.url}/models/{SCENARIO}").json()["example"]["features"]
        single = json.dumps({"features": card_example}).encode()
        batch = json.dumps({"batch": [{"features": card_example}] * 1000}).encode()
        path = f"/models/{SCENARIO}/predict"
        run_load(lab.url, path, single, 400, CONCURRENCY)  # warm-up
        lab_single = run_load(lab.url, path, single, SINGLE_REQUESTS, CONCURRENCY)
        lab_batch = run_load(lab.url, path, batch, BATCH_REQUESTS, 2)

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
        m_single_body = json.dumps({"dataframe_records": [card_example]}).encode()
        m_batch_body = json.dumps({"dataframe_records": [card_example] * 1000}).encode()
        run_load(url, "/invocations", m_single_body, 200, CONCURRENCY)  # warm-up
        ml_single = run_load(url, "/invocations", m_single_body, SINGLE_REQUESTS // 4,
                             CONCURRENCY)
        ml_batch = run_load(url, "/invocations", m_batch_body, BATCH_REQUESTS, 2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            proc.wait(20)

    print(f"model: {SCENARIO} (HistGradientBoosting), concurrency {CONCURRENCY}, 1 worker each")
    print(lab_single.line("driftlab serve, 1 record"))
    print(ml_single.line("mlflow models serve, 1 record"))
    print(lab_batch.line("driftlab serve, batch of 1000", 1000))
    print(ml_batch.line("mlflow models serve, batch of 1000", 1000))
    ratio = lab_single.rps / ml_single.rps
    print(f"single-record throughput ratio: {ratio:.1f}x (target >= 5x); "
          f"driftlab p99 {lab_single.p(99):.1f} ms (target < 20 ms)")
    print(f"batch-of-1000 throughput ratio: {lab_batch.rps / ml_batch.rps:.1f}x")
    results.update(lab_rps=lab_single.rps, mlflow_rps=ml_single.rps, ratio=ratio,
                   lab_p99=lab_single.p(99), lab_batch_records_per_s=lab_batch.rps * 1000,
                   mlflow_batch_records_per_s=ml_batch.rps * 1000)
    return results


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
