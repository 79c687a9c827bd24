"""A server started with LAB_ADMIN_TOKEN follows only reloads authorised with that token,
even when another (unprotected) server shares its store."""

import time

import httpx
import pytest

from lab.config import Settings
from lab.scenario import load_scenario
from lab.serve.process import ServerProcess
from tests.serve.conftest import SCENARIO, trained_home

pytestmark = pytest.mark.slow


def versions_seen(url: str, tries: int = 12) -> set[int]:
    """The versions the server's workers report (a new connection each time)."""
    seen = set()
    for _ in range(tries):
        with httpx.Client() as client:
            seen.add(client.get(f"{url}/health").json()["models"][SCENARIO])
    return seen


def test_an_open_server_cannot_reload_a_protected_one(tmp_path_factory, migrated_store,
                                                       in_home):
    home = trained_home(tmp_path_factory, migrated_store)
    protected = ServerProcess(Settings(home=home, admin_token="s3cret"), workers=2,
                              log_path=home / "protected.log").start()
    try:
        with ServerProcess(Settings(home=home), log_path=home / "open.log") as open_server:
            in_home(home)
            from lab.train import train

            assert train(load_scenario(SCENARIO), seed=9, rows=3000).version == 2
            r = httpx.post(f"{open_server.url}/models/{SCENARIO}/reload")
            assert r.status_code == 200 and r.json()["version"] == 2
            time.sleep(3)  # three reload polls
            assert versions_seen(protected.url) == {1}
        assert httpx.post(f"{protected.url}/models/{SCENARIO}/reload").status_code == 401
        time.sleep(1.5)
        assert versions_seen(protected.url) == {1}

        ok = httpx.post(f"{protected.url}/models/{SCENARIO}/reload",
                        headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and ok.json()["version"] == 2
        deadline = time.monotonic() + 10  # the other worker follows the authorised reload
        while versions_seen(protected.url) != {2}:
            assert time.monotonic() < deadline, "a worker never followed the reload"
            time.sleep(0.3)
    finally:
        protected.stop()


def test_one_servers_reload_does_not_change_another_on_the_same_store(tmp_path_factory,
                                                                       migrated_store, in_home):
    """The app's server reloading a model leaves a server started by hand as it was."""
    home = trained_home(tmp_path_factory, migrated_store)
    by_hand = ServerProcess(Settings(home=home), workers=2, log_path=home / "hand.log").start()
    try:
        with ServerProcess(Settings(home=home), log_path=home / "app.log") as app_server:
            in_home(home)
            from lab.train import train

            assert train(load_scenario(SCENARIO), seed=9, rows=3000).version == 2
            r = httpx.post(f"{app_server.url}/models/{SCENARIO}/reload")
            assert r.status_code == 200 and r.json()["version"] == 2
            time.sleep(3)  # three reload polls
            assert versions_seen(by_hand.url) == {1}
            assert versions_seen(app_server.url) == {2}
        ok = httpx.post(f"{by_hand.url}/models/{SCENARIO}/reload")
        assert ok.status_code == 200 and ok.json()["version"] == 2
        deadline = time.monotonic() + 10  # its other worker follows its own reload
        while versions_seen(by_hand.url) != {2}:
            assert time.monotonic() < deadline, "a worker never followed the reload"
            time.sleep(0.3)
    finally:
        by_hand.stop()


def test_every_worker_serves_a_model_as_soon_as_one_was_asked_to_load_it(tmp_path_factory,
                                                                          migrated_store,
                                                                          in_home):
    """No 404 from the other worker between a reload and its next poll."""
    home = trained_home(tmp_path_factory, migrated_store)
    with ServerProcess(Settings(home=home), workers=2, log_path=home / "two.log") as server:
        in_home(home)
        from lab.train import train

        other = "sla-dashboard-wiggles"
        train(load_scenario(other), seed=0, rows=3000)  # a model neither worker has
        assert httpx.post(f"{server.url}/models/{other}/reload").status_code == 200
        statuses = []
        for _ in range(30):  # new connections: both workers answer, at once
            with httpx.Client() as client:
                statuses.append(client.get(f"{server.url}/models/{other}").status_code)
        assert statuses == [200] * 30
        with httpx.Client() as client:
            missing = client.get(f"{server.url}/models/no-such-model")
        assert missing.status_code == 404
