"""The prediction store: every acknowledged prediction, and its label once it arrives.

One SQLAlchemy Core schema for SQLite (the default, a file in the lab home, in WAL mode)
and PostgreSQL (``LAB_STORE_URL``). Writes go through :class:`Writer`, one thread that
commits whatever requests are waiting in a single transaction (group commit), so the
server acknowledges a prediction only after it is committed, at hundreds a second.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from typing import Any

import orjson
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event

metadata = sa.MetaData()

predictions = sa.Table(
    "predictions", metadata,
    sa.Column("request_id", sa.String(36), primary_key=True),
    sa.Column("model", sa.String(120), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("event_time", sa.DateTime, nullable=True),
    sa.Column("features", sa.Text, nullable=False),  # JSON, as received
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("decision", sa.Integer, nullable=False),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("unseen", sa.Text, nullable=True),  # JSON {feature: value} of unseen categories
    sa.Column("label", sa.Integer, nullable=True),
    sa.Column("labelled_at", sa.DateTime, nullable=True),
    sa.Index("ix_predictions_model_event", "model", "event_time"),
)

request_errors = sa.Table(
    "request_errors", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("model", sa.String(120), nullable=True),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
)

# A counter the servers' workers watch: bumping it asks every worker to reload a model.
reloads = sa.Table(
    "reloads", metadata,
    sa.Column("model", sa.String(120), primary_key=True),
    sa.Column("generation", sa.Integer, nullable=False),
)


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False,
                                                     "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - runs inside SQLAlchemy
            cur = dbapi_conn.cursor()
            # WAL: readers never block the writer. synchronous=NORMAL: a commit survives
            # the process being killed (not a power cut), at a fraction of FULL's cost.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


class PredictionStore:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        try:
            metadata.create_all(self.engine)
        except sa.exc.DBAPIError:
            # Several workers starting at once race to create the tables: the loser
            # finds them made and checks again.
            metadata.create_all(self.engine)

    # -- writes (called from the writer thread, inside its transaction) --
    @staticmethod
    def insert_predictions(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> int:
        conn.execute(predictions.insert(), list(rows))
        return len(rows)

    @staticmethod
    def insert_error(conn: sa.Connection, row: dict[str, Any]) -> None:
        conn.execute(request_errors.insert(), [row])

    @staticmethod
    def apply_labels(conn: sa.Connection, model: str, labels: dict[str, int],
                     at) -> tuple[int, list[str]]:
        """Set labels by request id; return how many were set and the ids not found."""
        ids = list(labels)
        known: set[str] = set()
        for chunk in _chunks(ids, 500):
            rows = conn.execute(sa.select(predictions.c.request_id).where(
                predictions.c.model == model, predictions.c.request_id.in_(chunk)))
            known.update(r[0] for r in rows)
        if known:
            stmt = (predictions.update()
                    .where(predictions.c.request_id == sa.bindparam("rid"))
                    .values(label=sa.bindparam("lbl"), labelled_at=at))
            conn.execute(stmt, [{"rid": rid, "lbl": labels[rid]} for rid in ids if rid in known])
        return len(known), [rid for rid in ids if rid not in known]

    @staticmethod
    def bump_reload(conn: sa.Connection, model: str) -> None:
        updated = conn.execute(reloads.update().where(reloads.c.model == model)
                               .values(generation=reloads.c.generation + 1)).rowcount
        if not updated:
            conn.execute(reloads.insert(), [{"model": model, "generation": 1}])

    # -- reads --
    def reload_generations(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {m: g for m, g in conn.execute(sa.select(reloads.c.model,
                                                            reloads.c.generation))}

    def count(self, model: str | None = None) -> int:
        stmt = sa.select(sa.func.count()).select_from(predictions)
        if model:
            stmt = stmt.where(predictions.c.model == model)
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def stats(self, model: str, recent: int = 10_000) -> dict[str, Any]:
        p = predictions
        with self.engine.connect() as conn:
            logged, labelled, positives = conn.execute(
                sa.select(sa.func.count(), sa.func.count(p.c.label),
                          sa.func.coalesce(sa.func.sum(p.c.decision), 0))
                .where(p.c.model == model)).one()
            latencies = [r[0] for r in conn.execute(
                sa.select(p.c.latency_ms).where(p.c.model == model)
                .order_by(p.c.received_at.desc()).limit(recent))]
            errors = dict(conn.execute(
                sa.select(request_errors.c.status, sa.func.count())
                .where(request_errors.c.model == model).group_by(request_errors.c.status)).all())
            unseen_rows = [r[0] for r in conn.execute(
                sa.select(p.c.unseen).where(p.c.model == model, p.c.unseen.is_not(None)))]
        unseen: dict[str, int] = {}
        for raw in unseen_rows:
            for feature in orjson.loads(raw):
                unseen[feature] = unseen.get(feature, 0) + 1
        lat = pd.Series(latencies, dtype=float)
        return {
            "predictions": int(logged), "labelled": int(labelled), "alerts": int(positives),
            "errors_by_status": {str(k): int(v) for k, v in errors.items()},
            "latency_ms": {"p50": _q(lat, 0.5), "p99": _q(lat, 0.99), "window": len(lat)},
            "unseen_categories": unseen,
        }

    def frame(self, model: str) -> pd.DataFrame:
        """Every prediction of a model, oldest first (features still as JSON text)."""
        stmt = (sa.select(predictions).where(predictions.c.model == model)
                .order_by(predictions.c.event_time, predictions.c.received_at))
        with self.engine.connect() as conn:
            return pd.read_sql(stmt, conn)

    def clear(self, model: str) -> int:
        """Forget a model's predictions and errors (a walkthrough starting afresh)."""
        with self.engine.begin() as conn:
            conn.execute(request_errors.delete().where(request_errors.c.model == model))
            return conn.execute(predictions.delete().where(predictions.c.model == model)).rowcount

    def dispose(self) -> None:
        self.engine.dispose()


def _q(series: pd.Series, q: float) -> float | None:
    return None if series.empty else round(float(series.quantile(q)), 3)


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


Job = Callable[[sa.Connection], Any]


class Writer:
    """One thread that runs write jobs, committing each batch of waiting jobs at once.

    ``submit`` returns a Future that resolves only after the job's transaction committed.
    If a batch fails, its jobs are retried one by one so one bad job fails alone.
    """

    def __init__(self, store: PredictionStore, max_batch: int = 256):
        self.store = store
        self.max_batch = max_batch
        self._queue: queue.Queue[tuple[Job, Future] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="prediction-writer",
                                        daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> Future:
        fut: Future = Future()
        self._queue.put((job, fut))
        return fut

    def close(self, timeout: float = 10.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[tuple[Job, Future]]) -> None:
        try:
            with self.store.engine.begin() as conn:
                results = [job(conn) for job, _ in batch]
        except Exception:  # one bad job must not fail the others: retry alone
            for job, fut in batch:
                try:
                    with self.store.engine.begin() as conn:
                        fut.set_result(job(conn))
                except Exception as exc:  # noqa: BLE001 - handed to the waiting request
                    fut.set_exception(exc)
            return
        for (_, fut), result in zip(batch, results):
            fut.set_result(result)
