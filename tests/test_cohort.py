"""A cohort on one lab host: one database URL for the lab's own state, and eight candidates
at once on PostgreSQL + an MLflow tracking server + a two-worker model server.

The PostgreSQL tests run when LAB_TEST_POSTGRES_URL points at a database that answers
(.ci/run starts one with scripts/postgres.sh); without one they skip locally and fail in CI.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa

from lab.config import Settings, get_settings
from lab.serve.process import free_port
from lab.serve.state import RELOAD_POLL_SECONDS
from tests.conftest import require_or_skip
from tests.test_tracking_server import _stop, _wait_for

PG_URL = os.environ.get("LAB_TEST_POSTGRES_URL")
SCENARIO = "sla-escalation-queue-flooded"
CANDIDATES = 8
TRAIN_ROWS = 3000


def _postgres() -> str:
    if not PG_URL:
        require_or_skip("LAB_TEST_POSTGRES_URL is not set (.ci/run sets it from "
                        "scripts/postgres.sh, which starts Debian's PostgreSQL)")
    try:
        engine = sa.create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except (ImportError, sa.exc.DBAPIError) as err:
        require_or_skip(f"PostgreSQL at LAB_TEST_POSTGRES_URL does not answer: "
                        f"{type(err).__name__}: {str(err).splitlines()[0]}")
    return PG_URL


# -- one URL for the lab's own state (no PostgreSQL needed) --

def test_one_database_url_carries_predictions_attempts_and_runs(monkeypatch, lab_home):
    monkeypatch.setenv("LAB_DATABASE_URL", "postgresql+psycopg://u:p@db:5432/lab")
    get_settings.cache_clear()
    s = get_settings()
    assert s.prediction_store_url == s.attempts_url == s.runbook_url == \
        "postgresql+psycopg://u:p@db:5432/lab"
    assert s.store_url == s.database_url  # what the server and the monitor read

    # LAB_STORE_URL still selects the prediction store alone (and wins for it).
    monkeypatch.setenv("LAB_STORE_URL", "postgresql+psycopg://u:p@other:5432/preds")
    get_settings.cache_clear()
    s = get_settings()
    assert s.prediction_store_url == "postgresql+psycopg://u:p@other:5432/preds"
    assert s.attempts_url == s.runbook_url == "postgresql+psycopg://u:p@db:5432/lab"

    monkeypatch.delenv("LAB_DATABASE_URL")
    monkeypatch.delenv("LAB_STORE_URL")
    get_settings.cache_clear()
    s = get_settings()
    assert s.attempts_url == f"sqlite:///{lab_home / 'attempts.db'}"
    assert s.runbook_url == f"sqlite:///{lab_home / 'lab.db'}"
    assert Settings(home=lab_home).prediction_store_url == \
        f"sqlite:///{lab_home / 'predictions.db'}"


def test_attempts_and_run_book_follow_the_database_url(monkeypatch, lab_home, tmp_path):
    from lab.attempts import AttemptStore
    from lab.workspace.runs import RunBook

    shared = tmp_path / "shared.db"
    monkeypatch.setenv("LAB_DATABASE_URL", f"sqlite:///{shared}")
    get_settings.cache_clear()
    book = RunBook()
    book.record("r1", "ann.sla-escalation-queue-flooded", SCENARIO, 0, 100, None, [{"kind": "x"}])
    assert book.get("r1").workspace == "ann"
    book.dispose()
    store = AttemptStore(workspace="ann")
    assert store.frame().empty
    store.dispose()

    engine = sa.create_engine(f"sqlite:///{shared}")
    assert {"attempts", "traffic_runs"} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()
    # Nothing went to the home's own files.
    assert not (lab_home / "lab.db").exists()
    assert not (lab_home / "attempts.db").exists() or (lab_home / "attempts.db").stat().st_size == 0


def test_an_old_attempts_table_on_postgres_is_upgraded_in_place():
    url = _postgres()
    from lab import database
    from lab.attempts import AttemptStore

    schema = f"old_{secrets.token_hex(3)}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        conn.execute(sa.text(
            f"CREATE TABLE {schema}.attempts (id SERIAL PRIMARY KEY, scenario VARCHAR(120) NOT "
            "NULL, at TIMESTAMP NOT NULL, total FLOAT NOT NULL, topics TEXT NOT NULL, "
            "grade TEXT NOT NULL, answers TEXT NOT NULL)"))
        conn.execute(sa.text(f"INSERT INTO {schema}.attempts (scenario, at, total, topics, "
                             "grade, answers) VALUES ('s', now(), 0.5, '[]', '{}', '{}')"))
    try:
        scoped = f"{url}?options=-csearch_path%3D{schema}"
        store = AttemptStore(scoped, workspace="default")
        assert store.engine is database.engine_for(scoped)  # one pool per URL and process
        old = store.frame()
        assert len(old) == 1 and old["workspace"].tolist() == ["default"]
        assert old["run"].isna().all()
    finally:
        database.engine_for(scoped).dispose()
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


# -- eight candidates at once --

@pytest.fixture
def cohort_host(tmp_path, monkeypatch, lab_home):
    """PostgreSQL for the lab's state and MLflow's backend, artifacts in a shared folder."""
    url = _postgres()
    port = free_port()
    log = open(tmp_path / "mlflow-server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "2", "--backend-store-uri", url,
         "--artifacts-destination", str(tmp_path / "artifacts")],
        stdout=log, stderr=log, start_new_session=True,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"})
    tracking = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{tracking}/health", proc, "mlflow server", timeout=180)
        monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking)
        monkeypatch.setenv("LAB_DATABASE_URL", url)
        get_settings.cache_clear()
        yield url, tracking
    finally:
        _stop(proc)
        log.close()


@dataclass
class Outcome:
    workspace: str
    model: str
    versions: int
    rows: int
    run: str
    attempts: list[int]
    total: float
    served_version: int
    logged: int


def candidate(index: int, tag: str, server_url: str) -> Outcome:
    """One candidate, start to finish, through the library: what the app's page does."""
    from lab.attempts import AttemptStore, grade_attempt
    from lab.grade import Answers, evidence_from_run
    from lab.scenario import load_scenario
    from lab.train import train
    from lab.ui.flow import run_production

    spec = load_scenario(SCENARIO)
    workspace = f"c{index}-{tag}"
    versions = 1 + index % 2  # odd candidates train twice: their v2 is the champion
    for attempt in range(versions):
        trained = train(spec, seed=index * 10 + attempt, rows=TRAIN_ROWS, workspace=workspace)
    assert trained.version == versions, (workspace, trained.version)
    model = trained.model_name

    with httpx.Client(base_url=server_url, timeout=60) as client:
        reloaded = client.post(f"/models/{model}/reload")
        assert reloaded.status_code == 200, reloaded.text
        assert reloaded.json()["version"] == versions
    # /reload answers once the worker that took it has the model; the other worker follows
    # within its poll (RELOAD_POLL_SECONDS) plus a load. Until then it would answer 404, so
    # wait for it: each probe on a new connection, which either worker may accept.
    time.sleep(2 * RELOAD_POLL_SECONDS)
    seen, deadline = 0, time.monotonic() + 60
    while seen < 40 and time.monotonic() < deadline:
        answer = httpx.get(f"{server_url}/models/{model}", timeout=30,
                           headers={"Connection": "close"})
        ok = answer.status_code == 200 and answer.json()["version"] == versions
        seen = seen + 1 if ok else 0
    assert seen >= 40, f"{model} v{versions} is not served by every worker"

    rows = 1500 + 150 * index  # a different count each, so a leak would show
    production = run_production(spec, server_url, model, rows=rows, seed=index,
                                reference_rows=TRAIN_ROWS)
    assert production.traffic.errors_by_status == {}, production.traffic.errors_by_status
    run = production.traffic.run
    assert sum(w["rows"] for w in production.monitoring["windows"]) == rows

    truth = production.traffic.truths[0].features
    evidence = evidence_from_run(spec, model, run)
    assert len(evidence.log) == rows
    answers = Answers(features=list(truth), kind="pipeline", root_cause="upstream-unit-change",
                      action="fix-pipeline", threshold=trained.threshold,
                      justification=spec.questions.answer.model_answer)
    store = AttemptStore(workspace=workspace)
    saved = []
    for _ in range(1 + index % 3):  # 1, 2 or 3 attempts
        result = grade_attempt(spec, answers, evidence)
        saved.append(store.save(spec, result, answers, run=run))
    store.dispose()
    stats = httpx.get(f"{server_url}/models/{model}/stats", params={"run": run},
                      timeout=30).json()
    return Outcome(workspace, model, versions, rows, run, saved, result.total, versions,
                   stats["predictions"])


@pytest.mark.slow
def test_eight_candidates_at_once_never_meet(cohort_host):
    from mlflow import MlflowClient

    from lab.attempts import AttemptStore
    from lab.serve.process import ServerProcess
    from lab.serve.store import PredictionStore, predictions
    from lab.workspace.runs import RunBook

    pg_url, tracking_url = cohort_host
    tag = secrets.token_hex(2)  # the database outlives one test run locally
    names = [f"c{i}-{tag}.{SCENARIO}" for i in range(CANDIDATES)]
    with ServerProcess(get_settings(), workers=2, models=names, startup_timeout=120) as server:
        with ThreadPoolExecutor(CANDIDATES) as pool:
            outcomes = list(pool.map(lambda i: candidate(i, tag, server.url),
                                     range(CANDIDATES)))
        served = httpx.get(f"{server.url}/models", timeout=30).json()

    # Models: each workspace has exactly the versions it trained, served at its champion.
    client = MlflowClient(tracking_uri=tracking_url, registry_uri=tracking_url)
    mine = sorted(m.name for m in client.search_registered_models(f"name LIKE 'c%-{tag}.%'"))
    assert mine == sorted(names)
    for o in outcomes:
        assert o.model == f"{o.workspace}.{SCENARIO}"
        assert len(client.search_model_versions(f"name='{o.model}'")) == o.versions
        assert served[o.model] == o.versions

    # Predictions: every run holds exactly what its candidate sent, under its model only.
    store = PredictionStore(pg_url)
    try:
        for o in outcomes:
            assert o.logged == o.rows
            assert [(r["run"], r["predictions"], r["versions"]) for r in store.runs(o.model)] \
                == [(o.run, o.rows, [o.versions])]
        ours = [o.run for o in outcomes]
        with store.engine.connect() as conn:
            by_run = dict(conn.execute(
                sa.select(predictions.c.run, sa.func.count(sa.distinct(predictions.c.model)))
                .where(predictions.c.run.in_(ours)).group_by(predictions.c.run)).all())
        assert by_run == {run: 1 for run in ours}
        assert sum(store.count(o.model) for o in outcomes) == sum(o.rows for o in outcomes)
    finally:
        store.dispose()

    # Attempts: each workspace sees its own and nothing else; the run book knows every run.
    book = RunBook()
    for o in outcomes:
        store = AttemptStore(workspace=o.workspace)
        frame = store.frame()
        assert sorted(frame["id"].tolist()) == sorted(o.attempts)
        assert set(frame["run"]) == {o.run}
        assert frame["total"].tolist() == [o.total] * len(o.attempts)
        assert 0 < o.total <= 100
        others = [a for p in outcomes if p is not o for a in p.attempts]
        assert all(store.grade_of(a) is None for a in others)
        record = book.get(o.run)
        assert (record.workspace, record.model, record.rows) == (o.workspace, o.model, o.rows)
        store.dispose()
    book.dispose()
    assert sum(len(o.attempts) for o in outcomes) == sum(1 + i % 3 for i in range(CANDIDATES))
