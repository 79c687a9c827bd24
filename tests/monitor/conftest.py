"""Trained champions and their replayed production logs, shared across monitor tests."""

from __future__ import annotations

import shutil

import pytest

from lab.config import get_settings
from lab.monitor import build_reference
from lab.replay import replay_log
from lab.scenario import load_scenario, validate_scenario

REFERENCE_ROWS = 21_000   # three whole weeks of tickets
PRODUCTION_ROWS = 21_000  # two weeks: labelled weekdays follow every onset

KIND_SCENARIOS = {
    "covariate_shift": "sla-drift-warnings-after-sales-push",
    "prior_shift": "sla-breaches-pile-up",
    "concept_drift": "sla-escalations-miss-real-breaches",
    "unit_change": "sla-escalation-queue-flooded",
    "missing_values": "sla-flagging-dropped-tuesday",
    "null_to_default": "sla-low-scores-on-breached-tickets",
    "category_rename": "sla-renamed-area",
    "none": "sla-dashboard-wiggles",
}


def scenario_for(sid: str):
    if sid == "sla-renamed-area":  # the one kind no shipped scenario uses
        raw = load_scenario("sla-dashboard-wiggles").model_dump(mode="json")
        raw.update(id=sid, drift=[{"kind": "category_rename", "feature": "product_area",
                                   "mapping": {"api": "public-api",
                                               "integrations": "apps"},
                                   "onset": 0.5}])
        raw["label_delay"] = "1d"
        return validate_scenario(raw)
    return load_scenario(sid)


class Lab:
    """Trains lazily into one module-wide home; replays logs on demand."""

    def __init__(self, home):
        self.home = home
        self.references = {}

    def reference(self, sid: str):
        if sid not in self.references:
            from lab.train import train

            train(scenario_for(sid), seed=0, rows=REFERENCE_ROWS)
            self.references[sid] = build_reference(sid)
        return self.references[sid]

    def log(self, sid: str, rows: int = PRODUCTION_ROWS, seed: int = 1, **kw):
        ref = self.reference(sid)
        return replay_log(scenario_for(sid), ref.pipeline, ref.threshold, rows=rows, seed=seed,
                          reference_rows=REFERENCE_ROWS, **kw)


@pytest.fixture(scope="session")
def lab(tmp_path_factory, migrated_store):
    home = tmp_path_factory.mktemp("monitor-home")
    shutil.copy(migrated_store, home / "mlflow.db")
    mp = pytest.MonkeyPatch()
    mp.setenv("LAB_HOME", str(home))
    get_settings.cache_clear()
    yield Lab(home)
    mp.undo()
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _monitor_home(lab, monkeypatch):
    # The per-test home would hide the trained models: monitor tests share the lab's.
    monkeypatch.setenv("LAB_HOME", str(lab.home))
    get_settings.cache_clear()
