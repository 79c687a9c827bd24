"""The prediction store on PostgreSQL (LAB_STORE_URL), behind a real server.

Runs when LAB_TEST_POSTGRES_URL points at a database that answers (.ci/run starts one with
scripts/postgres.sh). Without one it is skipped locally and fails under CI.
"""

import os
from datetime import datetime
from functools import partial

import httpx
import pytest
import sqlalchemy as sa

from lab.config import Settings
from lab.serve.process import ServerProcess
from lab.serve.store import PredictionStore, Writer, metadata
from tests.conftest import require_or_skip
from tests.serve.conftest import SCENARIO, trained_home

URL = os.environ.get("LAB_TEST_POSTGRES_URL")
pytestmark = pytest.mark.slow


def _reachable(url: str | None) -> str:
    if not url:
        require_or_skip("LAB_TEST_POSTGRES_URL is not set (.ci/run sets it from "
                        "scripts/postgres.sh, which starts Debian's PostgreSQL)")
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except (ImportError, sa.exc.DBAPIError) as err:
        require_or_skip(f"PostgreSQL at LAB_TEST_POSTGRES_URL does not answer: "
                        f"{type(err).__name__}: {str(err).splitlines()[0]}")
    return url


@pytest.fixture
def pg_store():
    store = PredictionStore(_reachable(URL))
    metadata.drop_all(store.engine)
    metadata.create_all(store.engine)
    yield store
    store.dispose()


def test_store_round_trip_on_postgres(pg_store):
    assert pg_store.engine.dialect.name == "postgresql"
    writer = Writer(pg_store)
    now = datetime(2026, 3, 1, 12)
    rows = [{"request_id": f"r{i}", "model": "m", "version": 1, "received_at": now,
             "event_time": now, "features": '{"a": 1}', "score": i / 10, "decision": i % 2,
             "threshold": 0.5, "latency_ms": 1.0 + i,
             "unseen": '{"a": "x"}' if i == 3 else None, "label": None, "labelled_at": None}
            for i in range(10)]
    assert writer.submit(partial(PredictionStore.insert_predictions, rows=rows)).result(10) == 10
    updated, unknown, replaced = writer.submit(partial(
        PredictionStore.apply_labels, model="m", labels={"r1": 1, "r2": 0, "nope": 1},
        at=now)).result(10)
    assert (updated, unknown, replaced) == (2, ["nope"], [])
    writer.submit(partial(PredictionStore.bump_reload, model="m")).result(10)
    writer.submit(partial(PredictionStore.bump_reload, model="m")).result(10)
    writer.close()
    stats = pg_store.stats("m")
    assert stats["predictions"] == 10 and stats["labelled"] == 2 and stats["alerts"] == 5
    assert stats["unseen_categories"] == {"a": 1}
    assert pg_store.reload_generations() == {"m": 2}
    assert pg_store.frame("m")["label"].notna().sum() == 2
    assert pg_store.prune("m", run="") == 10 and pg_store.count("m") == 10  # dry run
    assert pg_store.prune("m", run="", execute=True) == 10 and pg_store.count("m") == 0


def test_a_server_logs_to_postgres(pg_store, tmp_path_factory, migrated_store):
    home = trained_home(tmp_path_factory, migrated_store)
    with ServerProcess(Settings(home=home, store_url=URL), workers=2) as server:
        example = httpx.get(f"{server.url}/models/{SCENARIO}").json()["example"]
        r = httpx.post(f"{server.url}/models/{SCENARIO}/predict",
                       json={"batch": [example] * 200})
        ids = [p["request_id"] for p in r.json()["predictions"]]
        fb = httpx.post(f"{server.url}/models/{SCENARIO}/feedback",
                        json={"labels": [{"request_id": i, "label": 1} for i in ids[:50]]})
        assert fb.json() == {"updated": 50, "unknown": [], "replaced": []}
        assert httpx.get(f"{server.url}/health").json()["store"] == "postgresql"
    with pg_store.engine.connect() as conn:
        count, labelled = conn.execute(sa.text(
            "select count(*), count(label) from predictions where model = :m"),
            {"m": SCENARIO}).one()
    assert (count, labelled) == (200, 50)
    # Nothing went to SQLite (training may have made the lab's default file, empty).
    sqlite = home / "predictions.db"
    assert not sqlite.exists() or sqlite.stat().st_size == 0


def test_an_old_postgres_store_is_upgraded_and_keeps_runs(pg_store):
    metadata.drop_all(pg_store.engine)
    with pg_store.engine.begin() as conn:  # the table as 09bc79a made it
        conn.exec_driver_sql(
            "CREATE TABLE predictions (request_id VARCHAR(36) PRIMARY KEY, "
            "model VARCHAR(120) NOT NULL, version INTEGER NOT NULL, "
            "received_at TIMESTAMP NOT NULL, event_time TIMESTAMP, features TEXT NOT NULL, "
            "score FLOAT NOT NULL, decision INTEGER NOT NULL, threshold FLOAT NOT NULL, "
            "latency_ms FLOAT NOT NULL, unseen TEXT, label INTEGER, labelled_at TIMESTAMP)")
        conn.exec_driver_sql("INSERT INTO predictions VALUES ('old', 'm', 1, '2026-01-01', "
                             "'2026-01-01', '{}', 0.2, 0, 0.5, 1.0, NULL, NULL, NULL)")
    store = PredictionStore(URL)
    try:
        long_id = "client:" + "x" * 57  # 64 characters, past the old VARCHAR(36)
        writer = Writer(store)
        now = datetime(2026, 3, 1, 12)
        row = {"request_id": long_id, "model": "m", "run": "r1", "version": 2,
               "received_at": now, "event_time": now, "features": "{}", "score": 0.7,
               "decision": 1, "threshold": 0.5, "latency_ms": 1.0, "unseen": None,
               "label": None, "labelled_at": None}
        job = partial(PredictionStore.record_predictions, model="m", rows=[row],
                      client_ids=[long_id])
        assert writer.submit(job).result(10) == {}
        assert set(writer.submit(job).result(10)) == {long_id}  # a retry: stored once
        writer.close()
        assert [(r["run"], r["versions"], r["predictions"]) for r in store.runs("m")] == \
            [("r1", [2], 1), ("", [1], 1)]
        assert store.latest_run("m") == "r1"
        assert store.prune("m", run="", execute=True) == 1 and store.count("m") == 1
    finally:
        store.dispose()
