"""With LAB_ADMIN_TOKEN set, reloading a model needs it as a bearer token."""

import httpx
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
        assert wrong.status_code == 401 and "LAB_ADMIN_TOKEN" in wrong.json()["detail"]
        ok = httpx.post(url, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and ok.json()["version"] == 1
        # Predictions need no token.
        example = httpx.get(f"{server.url}/models/{SCENARIO}").json()["example"]
        predicted = httpx.post(f"{server.url}/models/{SCENARIO}/predict", json=example)
        assert predicted.status_code == 200


def test_metrics_add_up_across_workers(tmp_path_factory, migrated_store):
    home = trained_home(tmp_path_factory, migrated_store)
    with ServerProcess(Settings(home=home), workers=2) as server:
        example = httpx.get(f"{server.url}/models/{SCENARIO}").json()["example"]
        for _ in range(40):
            with httpx.Client() as client:  # a new connection each time: both workers serve
                client.post(f"{server.url}/models/{SCENARIO}/predict", json=example)
        text = httpx.get(f"{server.url}/metrics").text
    line = f'driftlab_requests_total{{model="{SCENARIO}",status="200"}} 40.0'
    assert line in text.splitlines()
