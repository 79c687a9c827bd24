"""The prediction store: every acknowledged prediction, and its label once it arrives.

One SQLAlchemy Core schema for SQLite (the default, a file in the lab home, in WAL mode)
and PostgreSQL (``LAB_STORE_URL``). Writes go through :class:`Writer`, one thread that
commits whatever requests are waiting in a single transaction (group commit), so the
server acknowledges a prediction only after it is committed, at hundreds a second.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, InvalidStateError
from datetime import datetime
from typing import Any

import orjson
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event

from lab.config import private_sqlite

log = logging.getLogger("driftlab.serve")

metadata = sa.MetaData()

predictions = sa.Table(
    "predictions", metadata,
    sa.Column("request_id", sa.String(64), primary_key=True),
    sa.Column("model", sa.String(120), nullable=False),
    # The traffic run (a walkthrough, an app session, a `driftlab run`) it belongs to.
    sa.Column("run", sa.String(64), nullable=False, default="", server_default=""),
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
    sa.Index("ix_predictions_model_run_event", "model", "run", "event_time"),
)

# A challenger's scores in shadow (lab.serve.rollout): the request was answered (and logged
# above) by the champion; the challenger's score and decision on the same record are kept
# here with its version, committed in the same transaction as the answer. Labels stay on
# the prediction (join by request id), so a label reaches both.
shadow_predictions = sa.Table(
    "shadow_predictions", metadata,
    sa.Column("request_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("model", sa.String(120), nullable=False),
    sa.Column("run", sa.String(64), nullable=False, default="", server_default=""),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("event_time", sa.DateTime, nullable=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("decision", sa.Integer, nullable=False),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Index("ix_shadow_model_run", "model", "run"),
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
# Counters are scoped (``reload_scope``): a server started with an admin token follows only
# the reloads authorised with that token, so another process on the same store cannot change
# what it serves. (It replaces the unscoped ``reloads`` table, which is left unread.)
reload_requests = sa.Table(
    "reload_requests", metadata,
    sa.Column("model", sa.String(120), primary_key=True),
    sa.Column("scope", sa.String(64), primary_key=True),
    sa.Column("generation", sa.Integer, nullable=False),
)
OPEN_SCOPE = "open"

# Service faults the lab injects into one run (lab.service), written only by the lab before
# the run's traffic starts and read only by the server's private hook (lab.serve.dependency).
# No route reads or writes it: the served API never shows the plan.
service_plans = sa.Table(
    "service_plans", metadata,
    sa.Column("run", sa.String(64), primary_key=True),
    sa.Column("plan", sa.Text, nullable=False),  # JSON
)

# What the lab's open-loop load generator meant to send (lab.load.stream), one row a request:
# when it was due (its intended send time), its event time, and the latency and status the
# client saw from that moment. The server cannot know the offered load (a request queued
# before it is accepted is invisible to it); the monitor reads it here, beside the served.
client_sends = sa.Table(
    "client_sends", metadata,
    sa.Column("request_id", sa.String(64), primary_key=True),
    sa.Column("run", sa.String(64), nullable=False),
    sa.Column("event_time", sa.DateTime, nullable=False),
    sa.Column("intended_at", sa.DateTime, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),  # from intended_at to the answer
    sa.Column("status", sa.String(32), nullable=False),  # "200", "422", "timeout", ...
    sa.Index("ix_client_sends_run_event", "run", "event_time"),
)


def reload_scope(admin_token: str | None, server_id: str | None = None) -> str:
    """Whose reloads a server follows: its own workers' (``server_id``, shared by the
    workers of one server), authorised with its token when it has one (a hash, never the
    token); 'open' for a bare unprotected process started without an id."""
    parts = []
    if admin_token:
        parts.append("token:" + hashlib.sha256(admin_token.encode()).hexdigest()[:24])
    if server_id:
        parts.append(f"server:{server_id[:24]}")
    return "|".join(parts) or OPEN_SCOPE


class RequestIdConflict(Exception):
    """A client-supplied request id already stored for another model."""

    def __init__(self, request_id: str, model: str):
        self.request_id, self.model = request_id, model
        super().__init__(f"request id {request_id!r} is already used by another model")


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(private_sqlite(url), connect_args={"check_same_thread": False,
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
            self._upgrade()
        except sa.exc.DBAPIError:
            # Several workers starting at once race to create (or upgrade) the tables: the
            # loser finds them made and checks again.
            metadata.create_all(self.engine)
            self._upgrade()

    def _upgrade(self) -> None:
        """Bring a store made by an earlier version up to this schema, in place."""
        columns = {c["name"]: c for c in sa.inspect(self.engine).get_columns("predictions")}
        with self.engine.begin() as conn:
            if "run" not in columns:
                conn.execute(sa.text("ALTER TABLE predictions ADD COLUMN run VARCHAR(64) "
                                     "NOT NULL DEFAULT ''"))
            length = getattr(columns["request_id"]["type"], "length", None)
            if self.engine.dialect.name == "postgresql" and length and length < 64:
                conn.execute(sa.text("ALTER TABLE predictions ALTER COLUMN request_id "
                                     "TYPE VARCHAR(64)"))
        for index in predictions.indexes:
            index.create(self.engine, checkfirst=True)

    # -- writes (called from the writer thread, inside its transaction) --
    @staticmethod
    def insert_predictions(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> int:
        conn.execute(predictions.insert(), list(rows))
        return len(rows)

    @staticmethod
    def record_predictions(conn: sa.Connection, model: str, rows: Sequence[dict[str, Any]],
                           client_ids: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
        """Insert rows, except those whose client-supplied id is already stored.

        Returns the stored rows of those ids (a client retrying a request whose answer it
        never got is answered from the store, and nothing is stored twice). An id stored
        for another model raises :class:`RequestIdConflict`.
        """
        p = predictions
        stored: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(list(client_ids), 500):
            found = conn.execute(sa.select(p.c.request_id, p.c.model, p.c.version, p.c.score,
                                           p.c.decision, p.c.threshold, p.c.unseen)
                                 .where(p.c.request_id.in_(chunk))).mappings()
            for row in found:
                if row["model"] != model:
                    raise RequestIdConflict(row["request_id"], row["model"])
                stored[row["request_id"]] = dict(row)
        new = [row for row in rows if row["request_id"] not in stored]
        if new:
            conn.execute(predictions.insert(), new)
        return stored

    @staticmethod
    def record_with_shadow(conn: sa.Connection, model: str, rows: Sequence[dict[str, Any]],
                           client_ids: Sequence[str] = (),
                           shadow: Sequence[dict[str, Any]] = ()) -> dict[str, dict[str, Any]]:
        """:meth:`record_predictions`, and the challenger's shadow scores of the rows newly
        stored (a retried request's shadow score is already there), in one transaction."""
        stored = PredictionStore.record_predictions(conn, model, rows, client_ids)
        new = [row for row in shadow if row["request_id"] not in stored]
        if new:
            conn.execute(shadow_predictions.insert(), new)
        return stored

    @staticmethod
    def set_latency(conn: sa.Connection, request_ids: Sequence[str], latency_ms: float) -> None:
        """The server's whole latency of committed predictions (taken after their commit)."""
        for chunk in _chunks(list(request_ids), 500):
            conn.execute(predictions.update().where(predictions.c.request_id.in_(chunk))
                         .values(latency_ms=latency_ms))

    @staticmethod
    def insert_error(conn: sa.Connection, row: dict[str, Any]) -> None:
        conn.execute(request_errors.insert(), [row])

    @staticmethod
    def apply_labels(conn: sa.Connection, model: str, labels: dict[str, int],
                     at) -> tuple[int, list[str], list[str]]:
        """Set labels by request id: how many were set, the ids not found, and the ids
        whose earlier label this replaced."""
        ids = list(labels)
        earlier: dict[str, int | None] = {}
        for chunk in _chunks(ids, 500):
            rows = conn.execute(sa.select(predictions.c.request_id, predictions.c.label).where(
                predictions.c.model == model, predictions.c.request_id.in_(chunk)))
            earlier.update((r[0], r[1]) for r in rows)
        if earlier:
            stmt = (predictions.update()
                    .where(predictions.c.request_id == sa.bindparam("rid"))
                    .values(label=sa.bindparam("lbl"), labelled_at=at))
            conn.execute(stmt, [{"rid": rid, "lbl": labels[rid]} for rid in ids
                                if rid in earlier])
        return (len(earlier), [rid for rid in ids if rid not in earlier],
                [rid for rid in ids if earlier.get(rid) is not None])

    @staticmethod
    def bump_reload(conn: sa.Connection, model: str, scope: str = OPEN_SCOPE) -> None:
        r = reload_requests
        where = (r.c.model == model) & (r.c.scope == scope)
        updated = conn.execute(r.update().where(where)
                               .values(generation=r.c.generation + 1)).rowcount
        if not updated:
            conn.execute(r.insert(), [{"model": model, "scope": scope, "generation": 1}])

    def set_service_plan(self, run: str, plan: dict[str, Any]) -> None:
        """The lab's side of the private channel: what the server must do for ``run``."""
        with self.engine.begin() as conn:
            conn.execute(service_plans.delete().where(service_plans.c.run == run))
            conn.execute(service_plans.insert(), [{"run": run,
                                                   "plan": orjson.dumps(plan).decode()}])

    def service_plan(self, run: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            raw = conn.execute(sa.select(service_plans.c.plan)
                               .where(service_plans.c.run == run)).scalar_one_or_none()
        return None if raw is None else orjson.loads(raw)

    def record_sends(self, run: str, rows: Sequence[dict[str, Any]]) -> int:
        """The load generator's record of ``run`` (``client_sends`` columns), replacing any."""
        with self.engine.begin() as conn:
            conn.execute(client_sends.delete().where(client_sends.c.run == run))
            for chunk in _chunks([{**row, "run": run} for row in rows], 1000):
                conn.execute(client_sends.insert(), chunk)
        return len(rows)

    def sends(self, run: str) -> pd.DataFrame:
        """What the load generator meant to send in ``run`` (empty if it recorded nothing:
        a closed-loop run, or traffic from elsewhere), in intended order."""
        c = client_sends
        stmt = (sa.select(c.c.request_id, c.c.event_time, c.c.intended_at, c.c.latency_ms,
                          c.c.status).where(c.c.run == run).order_by(c.c.intended_at))
        with self.engine.connect() as conn:
            return pd.read_sql(stmt, conn)

    # -- reads --
    def reload_generations(self, scope: str = OPEN_SCOPE) -> dict[str, int]:
        r = reload_requests
        with self.engine.connect() as conn:
            return {m: g for m, g in conn.execute(sa.select(r.c.model, r.c.generation)
                                                  .where(r.c.scope == scope))}

    def count(self, model: str | None = None, run: str | None = None) -> int:
        stmt = sa.select(sa.func.count()).select_from(predictions)
        if model:
            stmt = stmt.where(predictions.c.model == model)
        if run is not None:
            stmt = stmt.where(predictions.c.run == run)
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def stats(self, model: str, recent: int = 10_000, run: str | None = None) -> dict[str, Any]:
        p = predictions
        mine = (p.c.model == model) if run is None else (p.c.model == model) & (p.c.run == run)
        with self.engine.connect() as conn:
            logged, labelled, positives = conn.execute(
                sa.select(sa.func.count(), sa.func.count(p.c.label),
                          sa.func.coalesce(sa.func.sum(p.c.decision), 0)).where(mine)).one()
            latencies = [r[0] for r in conn.execute(
                sa.select(p.c.latency_ms).where(mine)
                .order_by(p.c.received_at.desc()).limit(recent))]
            errors = dict(conn.execute(
                sa.select(request_errors.c.status, sa.func.count())
                .where(request_errors.c.model == model).group_by(request_errors.c.status)).all())
            unseen_rows = [r[0] for r in conn.execute(
                sa.select(p.c.unseen).where(mine, p.c.unseen.is_not(None)))]
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

    def frame(self, model: str, run: str | None = None, version: int | None = None,
              since: datetime | None = None, until: datetime | None = None) -> pd.DataFrame:
        """A model's predictions, oldest first (features still as JSON text).

        ``run`` and ``version`` select one traffic run or model version; ``since`` (inclusive)
        and ``until`` (exclusive) bound the event time (naive UTC, as stored).
        """
        p = predictions
        stmt = sa.select(p).where(p.c.model == model)
        if run is not None:
            stmt = stmt.where(p.c.run == run)
        if version is not None:
            stmt = stmt.where(p.c.version == version)
        if since is not None:
            stmt = stmt.where(p.c.event_time >= since)
        if until is not None:
            stmt = stmt.where(p.c.event_time < until)
        stmt = stmt.order_by(p.c.event_time, p.c.received_at)
        with self.engine.connect() as conn:
            return pd.read_sql(stmt, conn)

    def shadow_frame(self, model: str, run: str | None = None) -> pd.DataFrame:
        """A model's shadow scores (of a run), with the label of the answered prediction."""
        sh, p = shadow_predictions, predictions
        stmt = (sa.select(sh, p.c.label)
                .join(p, p.c.request_id == sh.c.request_id, isouter=True)
                .where(sh.c.model == model))
        if run is not None:
            stmt = stmt.where(sh.c.run == run)
        with self.engine.connect() as conn:
            return pd.read_sql(stmt.order_by(sh.c.event_time, sh.c.received_at), conn)

    def errors(self, model: str, since: datetime | None = None,
               until: datetime | None = None) -> pd.DataFrame:
        """A model's refused or failed requests (status, when), received in [since, until]."""
        e = request_errors
        stmt = sa.select(e.c.status, e.c.at).where(e.c.model == model)
        if since is not None:
            stmt = stmt.where(e.c.at >= since)
        if until is not None:
            stmt = stmt.where(e.c.at <= until)
        with self.engine.connect() as conn:
            return pd.read_sql(stmt.order_by(e.c.at), conn)

    def runs(self, model: str | None = None) -> list[dict[str, Any]]:
        """Every traffic run (of one model, or all), newest first."""
        p = predictions
        stmt = (sa.select(p.c.run, p.c.model, sa.func.count().label("predictions"),
                          sa.func.count(p.c.label).label("labelled"),
                          sa.func.min(p.c.event_time).label("first_event"),
                          sa.func.max(p.c.event_time).label("last_event"),
                          sa.func.min(p.c.received_at).label("first_received"),
                          sa.func.max(p.c.received_at).label("last_received"))
                .group_by(p.c.model, p.c.run))
        versions_stmt = sa.select(p.c.model, p.c.run, p.c.version).distinct()
        if model is not None:
            stmt = stmt.where(p.c.model == model)
            versions_stmt = versions_stmt.where(p.c.model == model)
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(stmt).mappings()]
            versions: dict[tuple[str, str], list[int]] = {}
            for m, run, version in conn.execute(versions_stmt):
                versions.setdefault((m, run), []).append(int(version))
        out = []
        for r in rows:
            out.append({"run": r["run"], "model": r["model"],
                        "versions": sorted(versions.get((r["model"], r["run"]), [])),
                        "predictions": int(r["predictions"]), "labelled": int(r["labelled"]),
                        **{k: r[k] for k in ("first_event", "last_event", "first_received",
                                             "last_received")}})
        return sorted(out, key=lambda r: r["last_received"], reverse=True)

    def latest_run(self, model: str) -> str | None:
        """The run of the model's most recently received prediction."""
        p = predictions
        stmt = (sa.select(p.c.run).where(p.c.model == model)
                .order_by(p.c.received_at.desc()).limit(1))
        with self.engine.connect() as conn:
            return conn.execute(stmt).scalar_one_or_none()

    def prune(self, model: str, before: datetime | None = None, run: str | None = None,
              execute: bool = False) -> int:
        """How many of a model's predictions were received before ``before`` and/or belong
        to ``run``; with ``execute=True`` delete them (and, given ``before``, the model's
        request errors logged before it). Deletion is never implied: name what to delete."""
        if before is None and run is None:
            raise ValueError("prune needs 'before' or 'run' (or both): nothing is deleted "
                             "by default")
        def chosen(table) -> list:  # the same rows of either table: model, time, run
            where = [table.c.model == model]
            if before is not None:
                where.append(table.c.received_at < before)
            if run is not None:
                where.append(table.c.run == run)
            return where

        p, where = predictions, chosen(predictions)
        with self.engine.begin() as conn:
            matched = int(conn.execute(sa.select(sa.func.count()).select_from(p)
                                       .where(*where)).scalar_one())
            if execute:
                conn.execute(p.delete().where(*where))
                # The shadow scores of the same requests go with them.
                conn.execute(shadow_predictions.delete().where(*chosen(shadow_predictions)))
                if run is not None:  # the load generator's record of the run goes with it
                    conn.execute(client_sends.delete().where(client_sends.c.run == run))
                if before is not None:
                    conn.execute(request_errors.delete().where(
                        request_errors.c.model == model, request_errors.c.at < before))
        return matched

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
            try:
                self._commit(batch)
            except Exception:  # noqa: BLE001 - the writer thread must outlive any failure
                log.exception("prediction writer: a batch failed unexpectedly")
                for _, fut in batch:
                    if not fut.done():
                        _resolve(fut, exc=RuntimeError("the prediction writer failed"))
            if stop:
                return

    def _commit(self, batch: list[tuple[Job, Future]]) -> None:
        try:
            with self.store.engine.begin() as conn:
                results = [job(conn) for job, _ in batch]
        except Exception:  # noqa: BLE001 - one bad job must not fail the others: retry alone
            for job, fut in batch:
                try:
                    with self.store.engine.begin() as conn:
                        result = job(conn)
                except Exception as exc:  # noqa: BLE001 - handed to the waiting request
                    _resolve(fut, exc=exc)
                else:  # only now, after this job's own commit, is its result true
                    _resolve(fut, result)
            return
        for (_, fut), result in zip(batch, results):
            _resolve(fut, result)


def _resolve(fut: Future, result: Any = None, exc: BaseException | None = None) -> None:
    """Settle a job's future; a future its caller cancelled (a client gone) is skipped."""
    try:
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(result)
    except InvalidStateError:
        pass
