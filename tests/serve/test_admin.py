"""With LAB_ADMIN_TOKEN set, reloading a model needs it as a bearer token; with two workers,
both serve and /metrics adds up what each counted."""

import http.client
import json

import httpx
import psutil
import pytest

from lab.config import Settings
from lab.serve.process import ServerProcess
from tests.serve.conftest import SCENARIO, trained_home

pytestmark = pytest.mark.slow


def test_reload_needs_the_admin_token(tmp_path_factory, migrated_store):
    home = trained_home(tmp_path_factory, migrated_store)
    with ServerProcess(Settings(home=home, admin_token="s3cret")) as server:
        url = f"{server.url}/models/{SCENARIO}/reload"
        assert httpx.post(url).status_code == 401
        wrong = httpx.post(url, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert "LAB_ADMIN_TOKEN" in wrong.json()["detail"][0]["reason"]
        ok = httpx.post(url, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and ok.json()["version"] == 1
        # Predictions need no token.
        example = httpx.get(f"{server.url}/models/{SCENARIO}").json()["example"]
        predicted = httpx.post(f"{server.url}/models/{SCENARIO}/predict", json=example)
        assert predicted.status_code == 200


def serving_worker(server_pid: int, client_port: int) -> int | None:
    """The pid of the process holding the server end of the client's open connection
    (a worker; with a single worker uvicorn serves from its main process)."""
    root = psutil.Process(server_pid)
    for worker in [root, *root.children(recursive=True)]:
        for conn in worker.net_connections(kind="tcp"):
            if conn.raddr and conn.raddr.port == client_port:
                return worker.pid
    return None


def test_both_workers_serve_and_metrics_add_up(tmp_path_factory, migrated_store):
    home = trained_home(tmp_path_factory, migrated_store)
    with ServerProcess(Settings(home=home), workers=2) as server:
        example = httpx.get(f"{server.url}/models/{SCENARIO}").json()["example"]
        body = json.dumps(example)
        served_by: dict[int, int] = {}
        sent = 0
        # A new connection each time, so the kernel hands each to whichever worker accepts;
        # look up who holds it while it is still open. Bounded: 40 requests, more (up to
        # 200) only if one worker has not been seen yet.
        while sent < 40 or (len(served_by) < 2 and sent < 200):
            conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
            conn.request("POST", f"/models/{SCENARIO}/predict", body,
                         {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            sent += 1
            pid = serving_worker(server.proc.pid, conn.sock.getsockname()[1])
            conn.close()
            assert pid is not None, "no worker holds the connection that was just served"
            served_by[pid] = served_by.get(pid, 0) + 1
        text = httpx.get(f"{server.url}/metrics").text
    assert len(served_by) == 2, f"one worker served all {sent} requests: {served_by}"
    line = f'driftlab_requests_total{{model="{SCENARIO}",status="200"}} {float(sent)}'
    assert line in text.splitlines(), f"per worker {served_by}, /metrics says:\n" + "\n".join(
        row for row in text.splitlines() if row.startswith("driftlab_requests_total"))
