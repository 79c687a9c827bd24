"""A real uvicorn server over a trained lab home, shared by a module's load tests."""

from __future__ import annotations

import pytest

from lab.config import Settings
from lab.serve.process import ServerProcess
from lab.serve.store import PredictionStore
from tests.serve.conftest import Served, trained_home


@pytest.fixture(scope="module")
def served(tmp_path_factory, migrated_store):
    home = trained_home(tmp_path_factory, migrated_store)
    settings = Settings(home=home)
    with ServerProcess(settings, log_path=home / "server.log") as server:
        store = PredictionStore(settings.prediction_store_url)
        yield Served(home, server, store)
        store.dispose()


@pytest.fixture
def in_served_home(served, monkeypatch):
    """This test's lab settings point at the served home (the lab writes plans there)."""
    from lab.config import get_settings

    monkeypatch.setenv("LAB_HOME", str(served.home))
    get_settings.cache_clear()
    yield served
    get_settings.cache_clear()
