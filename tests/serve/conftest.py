"""A real uvicorn server on a free port, over a lab home trained for it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from lab.config import Settings, get_settings
from lab.scenario import load_scenario
from lab.serve.process import ServerProcess
from lab.serve.store import PredictionStore

SCENARIO = "sla-escalation-queue-flooded"


@dataclass
class Served:
    home: Path
    server: ServerProcess
    store: PredictionStore

    @property
    def url(self) -> str:
        return self.server.url


def trained_home(tmp_path_factory, migrated_store, scenarios=(SCENARIO,)) -> Path:
    home = tmp_path_factory.mktemp("served-home")
    shutil.copy(migrated_store, home / "mlflow.db")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAB_HOME", str(home))
        get_settings.cache_clear()
        from lab.train import train

        for sid in scenarios:
            train(load_scenario(sid), seed=0, rows=6000)
    get_settings.cache_clear()
    return home


@pytest.fixture(scope="module")
def served(tmp_path_factory, migrated_store):
    home = trained_home(tmp_path_factory, migrated_store)
    settings = Settings(home=home)
    with ServerProcess(settings, log_path=home / "server.log") as server:
        store = PredictionStore(settings.prediction_store_url)
        yield Served(home, server, store)
        store.dispose()


@pytest.fixture
def in_home(monkeypatch):
    """Point this test's lab settings at a given home (e.g. the served one)."""

    def use(home: Path) -> None:
        monkeypatch.setenv("LAB_HOME", str(home))
        get_settings.cache_clear()

    return use
