"""Start and stop a real uvicorn server in a child process (for the CLI, tests, the app)."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from lab.config import Settings, get_settings


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def server_env(settings: Settings, workers: int, models: list[str] | None = None
               ) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("LAB_SERVE_MODELS", None)
    env.pop("LAB_INTERVIEWER_PASSCODE", None)  # the app's secret: no server needs it
    # One id for this server's workers: a reload reaches them all, and no other server
    # (one started by hand keeps serving what it served, whatever the app reloads).
    env["LAB_SERVER_ID"] = secrets.token_hex(8)
    if models:
        env["LAB_SERVE_MODELS"] = ",".join(models)
    # scikit-learn's OpenMP threads x several workers on two cores collapse throughput.
    env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "LAB_HOME": str(settings.home_dir), "MLFLOW_DISABLE_TELEMETRY": "true",
                "MLFLOW_TRACKING_URI": settings.mlflow_uri})
    if settings.store_url:
        env["LAB_STORE_URL"] = settings.store_url
    if settings.admin_token:
        env["LAB_ADMIN_TOKEN"] = settings.admin_token
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if workers > 1:
        metrics_dir = Path(tempfile.mkdtemp(prefix=METRICS_PREFIX))
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    return env


METRICS_PREFIX = "driftlab-prom-"


def remove_metrics_dir(env: dict[str, str]) -> None:
    """Delete the metrics folder ``server_env`` made, once its server has stopped."""
    folder = env.get("PROMETHEUS_MULTIPROC_DIR")
    if folder and Path(folder).name.startswith(METRICS_PREFIX):
        shutil.rmtree(folder, ignore_errors=True)


def uvicorn_command(host: str, port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "lab.serve.app:create_app", "--factory",
            "--host", host, "--port", str(port), "--workers", str(workers),
            "--log-level", "warning", "--no-access-log", "--loop", "uvloop", "--http",
            "httptools"]


class ServerProcess:
    """``with ServerProcess() as server: httpx.get(server.url + "/health")``."""

    def __init__(self, settings: Settings | None = None, host: str = "127.0.0.1",
                 port: int | None = None, workers: int = 1, startup_timeout: float = 60.0,
                 log_path: Path | None = None, models: list[str] | None = None):
        self.settings = settings or get_settings()
        self.models = models
        self.host = host
        self.port = port or free_port(host)
        self.workers = workers
        self.startup_timeout = startup_timeout
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.env: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerProcess:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.env = server_env(self.settings, self.workers, self.models)
        self.proc = subprocess.Popen(uvicorn_command(self.host, self.port, self.workers),
                                     env=self.env,
                                     stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()  # nothing to stop but its metrics folder
                raise RuntimeError(f"the server exited with code {self.proc.returncode}"
                                   + (f"; see {self.log_path}" if self.log_path else ""))
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer on {self.url} within "
                           f"{self.startup_timeout:.0f} s")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        remove_metrics_dir(self.env)

    def kill(self) -> None:
        """SIGKILL the whole server (all workers), as a crash would."""
        self.stop(signal.SIGKILL)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
