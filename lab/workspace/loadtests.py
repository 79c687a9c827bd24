"""Every load test a candidate ran, kept in their workspace beside their runs.

A load test is evidence the candidate chose from (a model kind and a number of workers,
served alone and sent records open-loop at a rate): the app's table and plot read it back
after a rerun, and grading checks the sheet's chosen model, workers and p99 against it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from lab import database

metadata = sa.MetaData()
load_tests = sa.Table(
    "load_tests", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("workspace", sa.String(40), nullable=False, index=True),
    sa.Column("scenario", sa.String(120), nullable=False),
    sa.Column("kind", sa.String(60), nullable=False),
    sa.Column("model", sa.String(160), nullable=False),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("workers", sa.Integer, nullable=False),
    sa.Column("rate", sa.Float, nullable=False),
    sa.Column("requests", sa.Integer, nullable=False),
    sa.Column("seed", sa.Integer, nullable=False),
    sa.Column("throughput", sa.Float, nullable=False),
    sa.Column("p99_ms", sa.Float, nullable=True),
    sa.Column("server_p99_ms", sa.Float, nullable=True),
    sa.Column("cost_per_day", sa.Float, nullable=False),
    sa.Column("errors", sa.Integer, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
)


@dataclass(frozen=True)
class SavedLoadTest:
    id: int
    workspace: str
    scenario: str
    kind: str
    model: str
    version: int | None
    workers: int
    rate: float                  # the arrival rate asked for (requests/s)
    requests: int
    seed: int
    throughput: float            # answers per second the run carried
    p99_ms: float | None         # from intended send times: what a caller waits
    server_p99_ms: float | None  # what the server logged (commit included)
    cost_per_day: float          # the model's expected cost on its test split
    errors: int
    started_at: datetime

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["started_at"] = self.started_at.isoformat(timespec="seconds")
        return out


class LoadTestBook:
    """Load tests in ``LAB_HOME/lab.db`` (the run book's database) or the shared one."""

    def __init__(self, url: str | None = None):
        self.engine = database.runbook_engine(metadata, url)

    def record(self, workspace: str, scenario: str, *, kind: str, model: str,
               version: int | None, workers: int, rate: float, requests: int, seed: int,
               throughput: float, p99_ms: float | None, server_p99_ms: float | None,
               cost_per_day: float, errors: int) -> SavedLoadTest:
        values = dict(workspace=workspace, scenario=scenario, kind=kind, model=model,
                      version=version, workers=workers, rate=rate, requests=requests,
                      seed=seed, throughput=throughput, p99_ms=p99_ms,
                      server_p99_ms=server_p99_ms, cost_per_day=cost_per_day, errors=errors,
                      started_at=datetime.now(UTC).replace(tzinfo=None, microsecond=0))
        with self.engine.begin() as conn:
            new_id = conn.execute(load_tests.insert().values(**values)).inserted_primary_key[0]
        return SavedLoadTest(id=int(new_id), **values)

    def list(self, workspace: str, scenario: str) -> list[SavedLoadTest]:
        """A workspace's load tests of ``scenario``, oldest first."""
        stmt = (sa.select(load_tests)
                .where(load_tests.c.workspace == workspace, load_tests.c.scenario == scenario)
                .order_by(load_tests.c.id))
        with self.engine.connect() as conn:
            return [SavedLoadTest(**r._mapping) for r in conn.execute(stmt).all()]

    def dispose(self) -> None:
        if not database.shared(self.engine):
            self.engine.dispose()


def saved_load_tests(workspace: str, scenario: str) -> list[SavedLoadTest]:
    book = LoadTestBook()
    try:
        return book.list(workspace, scenario)
    finally:
        book.dispose()
