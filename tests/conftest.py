"""Shared fixtures: every test gets its own lab home and MLflow store."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest

from lab.config import Settings, get_settings

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def in_ci() -> bool:
    """True when CI is set to anything but an empty/false value (CI runs `CI=true .ci/run`)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_or_skip(reason: str) -> NoReturn:
    """A test whose system dependency (Chromium, PostgreSQL, ...) is missing or will not start.

    Locally that is a skip with the reason. Under CI it is a failure: .ci/run installs and
    starts everything the suite needs, so a missing piece there is a broken CI, and a skip
    would hide it behind a green run.
    """
    if in_ci():
        pytest.fail(f"CI is set and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def migrated_store(tmp_path_factory):
    """An empty MLflow SQLite store, migrated once: creating one costs seconds."""
    folder = tmp_path_factory.mktemp("mlflow-template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAB_HOME", str(folder))
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        get_settings.cache_clear()
        from lab import tracking

        tracking.configure()
        tracking.served_models()  # touches the store, which runs its migrations
    get_settings.cache_clear()
    return folder / "mlflow.db"


@pytest.fixture(autouse=True)
def lab_home(tmp_path_factory, monkeypatch, migrated_store):
    """A fresh lab home (its own MLflow store and prediction store) for each test."""
    home = tmp_path_factory.mktemp("labhome")
    shutil.copy(migrated_store, home / "mlflow.db")
    monkeypatch.setenv("LAB_HOME", str(home))
    # Every lab setting but the home set just above: a test, or the CLI it invokes in
    # process (`--workspace` exports LAB_WORKSPACE for the servers it starts), may have left
    # one behind. Removed for good, not restored after the test, so none reaches the next.
    for var in {f"LAB_{name.upper()}" for name in Settings.model_fields} - {"LAB_HOME"}:
        os.environ.pop(var, None)
    for var in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture
def scenario():
    from lab.scenario import load_scenario

    return load_scenario("sla-escalation-queue-flooded")
