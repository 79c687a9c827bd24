"""When the prediction store really fails to commit, nothing is acknowledged and the writer
lives on (no mocks: SQLite itself refuses the commit or the insert)."""

import asyncio
from datetime import datetime
from functools import partial

import httpx
import pytest
import sqlalchemy as sa

from lab.config import Settings
from lab.serve.process import ServerProcess
from lab.serve.store import PredictionStore, Writer
from tests.serve.conftest import SCENARIO, trained_home


def _row(rid: str, model: str = "m") -> dict:
    now = datetime(2026, 3, 1, 12)
    return {"request_id": rid, "model": model, "version": 1, "received_at": now,
            "event_time": now, "features": "{}", "score": 0.5, "decision": 1,
            "threshold": 0.5, "latency_ms": 1.0, "unseen": None, "label": None,
            "labelled_at": None}


@pytest.fixture
def doomed_store(tmp_path):
    """A store whose COMMIT fails for a row of model 'doomed': a deferred foreign key that
    SQLite checks only at commit time."""
    store = PredictionStore(f"sqlite:///{tmp_path / 'p.db'}")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TABLE children (parent INTEGER REFERENCES parents(id) "
                             "DEFERRABLE INITIALLY DEFERRED)")
        conn.exec_driver_sql("CREATE TRIGGER doom AFTER INSERT ON predictions "
                             "WHEN NEW.model = 'doomed' BEGIN "
                             "INSERT INTO children VALUES (999); END")
    store.engine.dispose()
    sa.event.listen(store.engine, "connect",
                    lambda dbapi, _: dbapi.execute("PRAGMA foreign_keys=ON"))
    yield store
    store.dispose()


def test_a_job_is_acknowledged_only_after_its_own_commit(doomed_store):
    writer = Writer(doomed_store)
    try:
        good = writer.submit(partial(PredictionStore.insert_predictions, rows=[_row("a")]))
        doomed = writer.submit(partial(PredictionStore.insert_predictions,
                                       rows=[_row("b", "doomed")]))
        assert good.result(10) == 1
        with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"):
            doomed.result(10)  # the job ran, but its commit failed: no result
        # The writer thread survived and keeps committing.
        later = writer.submit(partial(PredictionStore.insert_predictions, rows=[_row("c")]))
        assert later.result(10) == 1
    finally:
        writer.close()
    stored = set(doomed_store.frame("m")["request_id"])
    assert stored == {"a", "c"} and doomed_store.count("doomed") == 0


def test_a_failed_commit_is_a_503_and_the_server_keeps_serving(tmp_path_factory,
                                                              migrated_store):
    """Poisoned rows fail their insert (a trigger RAISEs); the others in the same group
    commit are retried alone and acknowledged; nothing unacknowledged is stored."""
    home = trained_home(tmp_path_factory, migrated_store)
    settings = Settings(home=home)
    store = PredictionStore(settings.prediction_store_url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TRIGGER poison BEFORE INSERT ON predictions "
                             "WHEN NEW.features LIKE '%poison%' BEGIN "
                             "SELECT RAISE(ABORT, 'poisoned row'); END")
    with ServerProcess(settings) as server:
        example = httpx.get(f"{server.url}/models/{SCENARIO}").json()["example"]
        poisoned = {"features": {**example["features"], "product_area": "poison"}}

        async def fire() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
                bodies = [poisoned if i % 4 == 0 else example for i in range(200)]
                return await asyncio.gather(*(client.post(f"/models/{SCENARIO}/predict",
                                                          json=b) for b in bodies))

        responses = asyncio.run(fire())
        codes = [r.status_code for r in responses]
        assert codes.count(503) == 50 and codes.count(200) == 150
        failed = responses[0].json()["detail"][0]
        assert failed["field"] == "store" and "IntegrityError" in failed["reason"]
        acknowledged = {r.json()["request_id"] for r in responses if r.status_code == 200}
        assert set(store.frame(SCENARIO)["request_id"]) == acknowledged
        # The writer is alive: a later request is committed and acknowledged.
        assert httpx.post(f"{server.url}/models/{SCENARIO}/predict",
                          json=example).status_code == 200
        stats = httpx.get(f"{server.url}/models/{SCENARIO}/stats").json()
        assert stats["predictions"] == 151 and stats["errors_by_status"]["503"] == 50
    store.dispose()
