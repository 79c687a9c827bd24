"""The store keeps every run: listed, read one at a time, deleted only when asked; an old
store is upgraded in place; client request ids make a retry idempotent."""

import sqlite3
from datetime import datetime, timedelta
from functools import partial

import pytest
import sqlalchemy as sa

from lab.serve.store import (
    PredictionStore,
    RequestIdConflict,
    Writer,
    reload_scope,
)

T0 = datetime(2026, 3, 1, 12)


def _row(rid, run="", model="m", version=1, at=T0, label=None, score=0.5):
    return {"request_id": rid, "model": model, "run": run, "version": version,
            "received_at": at, "event_time": at, "features": "{}", "score": score,
            "decision": int(score >= 0.5), "threshold": 0.5, "latency_ms": 1.0,
            "unseen": None, "label": label, "labelled_at": None}


@pytest.fixture
def store(tmp_path):
    s = PredictionStore(f"sqlite:///{tmp_path / 'p.db'}")
    yield s
    s.dispose()


def _insert(store, rows):
    with store.engine.begin() as conn:
        store.insert_predictions(conn, rows)


def test_an_old_store_gains_the_run_column_in_place(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # the schema as 09bc79a made it, with one prediction
        db.execute("CREATE TABLE predictions (request_id VARCHAR(36) PRIMARY KEY, "
                   "model VARCHAR(120) NOT NULL, version INTEGER NOT NULL, "
                   "received_at DATETIME NOT NULL, event_time DATETIME, features TEXT NOT NULL, "
                   "score FLOAT NOT NULL, decision INTEGER NOT NULL, threshold FLOAT NOT NULL, "
                   "latency_ms FLOAT NOT NULL, unseen TEXT, label INTEGER, labelled_at DATETIME)")
        db.execute("CREATE INDEX ix_predictions_model_event ON predictions (model, event_time)")
        db.execute("INSERT INTO predictions VALUES ('old-1', 'm', 1, '2026-01-01 00:00:00', "
                   "'2026-01-01 00:00:00', '{}', 0.2, 0, 0.5, 1.0, NULL, 1, NULL)")
    store = PredictionStore(f"sqlite:///{path}")
    try:
        columns = {c["name"] for c in sa.inspect(store.engine).get_columns("predictions")}
        indexes = {i["name"]: i["column_names"]
                   for i in sa.inspect(store.engine).get_indexes("predictions")}
        assert "run" in columns
        assert indexes["ix_predictions_model_run_event"] == ["model", "run", "event_time"]
        old = store.frame("m")
        assert old["request_id"].tolist() == ["old-1"] and old["run"].tolist() == [""]
        _insert(store, [_row("new-1", run="r2")])
        assert store.runs("m")[0]["run"] == "r2" and store.count("m") == 2
    finally:
        store.dispose()
    PredictionStore(f"sqlite:///{path}").dispose()  # opening it again changes nothing


def test_runs_frames_latest_and_prune(store):
    _insert(store, [_row(f"a{i}", run="r1", at=T0 + timedelta(minutes=i), label=i % 2)
                    for i in range(5)])
    _insert(store, [_row(f"b{i}", run="r2", version=2, at=T0 + timedelta(hours=1, minutes=i))
                    for i in range(3)])
    _insert(store, [_row("c0", run="r1", model="other", at=T0 + timedelta(hours=2))])
    runs = store.runs("m")
    assert [r["run"] for r in runs] == ["r2", "r1"]  # newest first
    assert runs[1] == {"run": "r1", "model": "m", "versions": [1], "predictions": 5,
                       "labelled": 5, "first_event": T0,
                       "last_event": T0 + timedelta(minutes=4), "first_received": T0,
                       "last_received": T0 + timedelta(minutes=4)}
    assert [r["model"] for r in store.runs()] == ["other", "m", "m"]
    assert store.latest_run("m") == "r2" and store.latest_run("nobody") is None
    assert len(store.frame("m", run="r1")) == 5 and len(store.frame("m", version=2)) == 3
    window = store.frame("m", since=T0 + timedelta(minutes=2), until=T0 + timedelta(hours=1))
    assert window["request_id"].tolist() == ["a2", "a3", "a4"]
    assert store.stats("m", run="r2")["predictions"] == 3

    with pytest.raises(ValueError, match="'before' or 'run'"):
        store.prune("m")
    assert store.prune("m", run="r1") == 5 and store.count("m") == 8  # a dry run
    assert store.prune("m", before=T0 + timedelta(minutes=3)) == 3
    assert store.prune("m", run="r1", before=T0 + timedelta(minutes=3), execute=True) == 3
    assert sorted(store.frame("m", run="r1")["request_id"]) == ["a3", "a4"]
    assert store.prune("m", run="r2", execute=True) == 3
    assert store.count("m") == 2 and store.count("other") == 1  # other models untouched


def test_a_retried_request_id_is_answered_from_the_store(store):
    writer = Writer(store)
    try:
        first = writer.submit(partial(PredictionStore.record_predictions, model="m",
                                      rows=[_row("k1", score=0.9), _row("k2", score=0.1)],
                                      client_ids=["k1", "k2"])).result(10)
        assert first == {}
        again = writer.submit(partial(PredictionStore.record_predictions, model="m",
                                      rows=[_row("k1", score=0.3, version=7), _row("k3")],
                                      client_ids=["k1", "k3"])).result(10)
        assert set(again) == {"k1"}
        assert (again["k1"]["score"], again["k1"]["decision"], again["k1"]["version"]) == \
            (0.9, 1, 1)
        assert store.count("m") == 3
        clash = writer.submit(partial(PredictionStore.record_predictions, model="other",
                                      rows=[_row("k2", model="other")], client_ids=["k2"]))
        with pytest.raises(RequestIdConflict):
            clash.result(10)
        assert store.count("other") == 0
    finally:
        writer.close()


def test_feedback_says_which_labels_it_replaced(store):
    _insert(store, [_row("x"), _row("y"), _row("z")])
    with store.engine.begin() as conn:
        assert store.apply_labels(conn, "m", {"x": 1, "y": 0}, T0) == (2, [], [])
    with store.engine.begin() as conn:
        assert store.apply_labels(conn, "m", {"x": 0, "z": 1, "w": 1}, T0) == \
            (2, ["w"], ["x"])
    assert store.frame("m").set_index("request_id")["label"].to_dict() == \
        {"x": 0, "y": 0, "z": 1}


def test_reload_generations_are_scoped_by_token(store):
    protected = reload_scope("s3cret")
    assert protected != "open" and "s3cret" not in protected
    with store.engine.begin() as conn:
        store.bump_reload(conn, "m")
        store.bump_reload(conn, "m")
        store.bump_reload(conn, "m", scope=protected)
    assert store.reload_generations() == {"m": 2}
    assert store.reload_generations(protected) == {"m": 1}
    assert store.reload_generations(reload_scope("other")) == {}
