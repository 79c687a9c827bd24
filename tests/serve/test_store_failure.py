"""When the prediction store cannot commit, the server says 503 and acknowledges nothing."""

from concurrent.futures import Future

from fastapi.testclient import TestClient

from lab.config import Settings
from lab.serve.app import create_app
from tests.serve.conftest import SCENARIO, trained_home


def test_a_failed_commit_is_a_503_not_an_acknowledgement(tmp_path_factory, migrated_store):
    home = trained_home(tmp_path_factory, migrated_store)
    with TestClient(create_app(Settings(home=home))) as client:
        example = client.get(f"/models/{SCENARIO}").json()["example"]
        state = client.app.state.lab
        real_submit = state.writer.submit

        def failing(job):
            if getattr(job, "func", None).__name__ == "insert_predictions":
                fut: Future = Future()
                fut.set_exception(OSError("disk full"))
                return fut
            return real_submit(job)

        state.writer.submit = failing
        r = client.post(f"/models/{SCENARIO}/predict", json=example)
        assert r.status_code == 503
        assert r.json()["detail"][0]["field"] == "store"
        assert "OSError" in r.json()["detail"][0]["reason"]
        state.writer.submit = real_submit
        assert state.store.count(SCENARIO) == 0
        assert client.post(f"/models/{SCENARIO}/predict", json=example).status_code == 200
        assert state.store.count(SCENARIO) == 1
