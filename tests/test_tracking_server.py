"""MLFLOW_TRACKING_URI set by the user: every command uses that tracking server.

A real ``mlflow server`` process on a free loopback port (its own SQLite backend and
artifact folder in tmp); train -> serve -> traffic -> monitor through the CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from lab.cli import app
from lab.config import get_settings
from lab.serve.process import free_port

SCENARIO = "sla-flagging-dropped-tuesday"
runner = CliRunner()


def _wait_for(url: str, proc: subprocess.Popen, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer at {url} within {timeout:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


@pytest.fixture
def mlflow_server(tmp_path):
    port = free_port()
    log = open(tmp_path / "mlflow-server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
         "--artifacts-destination", str(tmp_path / "server-artifacts")],
        stdout=log, stderr=log, start_new_session=True,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/health", proc, "mlflow server")
        yield url
    finally:
        _stop(proc)
        log.close()


def test_configuring_mlflow_leaves_the_users_uri_in_charge(monkeypatch, tmp_path, lab_home):
    from lab import tracking
    from lab.serve.process import server_env

    user_uri = f"sqlite:///{tmp_path / 'user.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", user_uri)
    get_settings.cache_clear()
    for _ in range(2):  # configuring twice must not turn the user's URI into the lab's
        assert tracking.configure() == user_uri
    settings = get_settings()
    assert settings.mlflow_uri == user_uri
    assert server_env(settings, workers=1)["MLFLOW_TRACKING_URI"] == user_uri
    assert tracking.ui_command() == f"mlflow ui --backend-store-uri {user_uri}"

    # Without the variable the lab uses its home, and leaves no variable behind that a
    # later change of LAB_HOME (or a child process) would mistake for the user's.
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    get_settings.cache_clear()
    assert tracking.configure() == f"sqlite:///{lab_home / 'mlflow.db'}"
    assert "MLFLOW_TRACKING_URI" not in os.environ
    other = tmp_path / "other-home"
    monkeypatch.setenv("LAB_HOME", str(other))
    get_settings.cache_clear()
    assert tracking.configure() == f"sqlite:///{other / 'mlflow.db'}"


@pytest.mark.slow
def test_every_command_uses_the_users_tracking_server(mlflow_server, lab_home, monkeypatch,
                                                      tmp_path):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    get_settings.cache_clear()

    trained = runner.invoke(app, ["train", SCENARIO, "--rows", "3000"],
                            env={"COLUMNS": "200"})
    assert trained.exit_code == 0, trained.output
    assert f"{SCENARIO} v1 @champion" in trained.stdout
    assert f"Runs: {mlflow_server}" in trained.stdout
    # The user's variable is still theirs after the lab configured MLflow.
    assert os.environ["MLFLOW_TRACKING_URI"] == mlflow_server

    port = free_port()
    serve = subprocess.Popen([sys.executable, "-m", "lab.cli", "serve", "--port", str(port)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/health", serve, "driftlab serve", timeout=90)
        assert httpx.get(f"{url}/health").json()["models"] == {SCENARIO: 1}
        sent = runner.invoke(app, ["traffic", SCENARIO, "--url", url, "--rows", "1500",
                                   "--all-labels", "--json"])
        assert sent.exit_code == 0, sent.output
        traffic = json.loads(sent.stdout)
        assert traffic["predictions"] == 1500 and traffic["errors_by_status"] == {}
    finally:
        _stop(serve)

    watched = runner.invoke(app, ["monitor", SCENARIO, "--window", "750", "--json"])
    assert watched.exit_code == 0, watched.output
    data = json.loads(watched.stdout)
    assert data["model"]["version"] == 1
    assert [w["rows"] for w in data["windows"]] == [750, 750]
    table = runner.invoke(app, ["monitor", SCENARIO, "--window", "750"],
                          env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "monitoring (750 windows)" in table.stdout

    # Nothing went to the lab's own SQLite store in LAB_HOME.
    from lab import tracking

    assert tracking.served_models() == [SCENARIO]
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    get_settings.cache_clear()
    assert tracking.tracking_uri().startswith("sqlite:")
    assert tracking.served_models() == []
