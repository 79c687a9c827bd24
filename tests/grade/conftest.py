"""Small trained champions and the evidence of their replayed runs, shared by grading tests."""

from __future__ import annotations

import shutil

import pytest

from lab.config import get_settings
from lab.grade import evidence_by_replay
from lab.scenario import load_scenario

REFERENCE_ROWS = 8_000    # five and a bit days of tickets: enough for a stable model
PRODUCTION_ROWS = 10_500  # one week: labelled days follow every onset


class Runs:
    """Trains each scenario once into one session-wide home; evidence by replay."""

    def __init__(self, home):
        self.home = home
        self.cache = {}

    def evidence(self, sid: str):
        if sid not in self.cache:
            from lab.train import train

            scenario = load_scenario(sid)
            train(scenario, seed=0, rows=REFERENCE_ROWS)
            self.cache[sid] = evidence_by_replay(scenario, rows=PRODUCTION_ROWS, seed=1)
        return self.cache[sid]


@pytest.fixture(scope="session")
def runs(tmp_path_factory, migrated_store):
    home = tmp_path_factory.mktemp("grade-home")
    shutil.copy(migrated_store, home / "mlflow.db")
    mp = pytest.MonkeyPatch()
    mp.setenv("LAB_HOME", str(home))
    get_settings.cache_clear()
    yield Runs(home)
    mp.undo()
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _grade_home(runs, monkeypatch):
    monkeypatch.setenv("LAB_HOME", str(runs.home))
    get_settings.cache_clear()
