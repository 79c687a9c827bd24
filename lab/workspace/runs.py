"""The lab's own record of every production run it sent: which scenario, seed and size,
and the truth of the drift plan. The server never holds the truth (its API must not show
the plan); grading a run later reads it from here, by run id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from lab import database
from lab.workspace import split_model_name

metadata = sa.MetaData()
traffic_runs = sa.Table(
    "traffic_runs", metadata,
    sa.Column("run", sa.String(64), primary_key=True),
    sa.Column("workspace", sa.String(40), nullable=False),
    sa.Column("model", sa.String(120), nullable=False),
    sa.Column("scenario", sa.String(120), nullable=False),
    sa.Column("seed", sa.Integer, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("reference_rows", sa.Integer, nullable=True),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("truth", sa.Text, nullable=False),
)


@dataclass(frozen=True)
class RunRecord:
    run: str
    workspace: str
    model: str
    scenario: str
    seed: int
    rows: int
    reference_rows: int | None
    started_at: datetime
    truth: list[dict[str, Any]]


class RunBook:
    """Runs in ``LAB_HOME/lab.db`` (private to the user), in the shared database
    (``LAB_DATABASE_URL``), or at a SQLAlchemy URL."""

    def __init__(self, url: str | None = None):
        self.engine = database.runbook_engine(metadata, url)

    def record(self, run: str, model: str, scenario: str, seed: int, rows: int,
               reference_rows: int | None, truth: list[dict[str, Any]]) -> None:
        with self.engine.begin() as conn:
            conn.execute(traffic_runs.delete().where(traffic_runs.c.run == run))
            conn.execute(traffic_runs.insert().values(
                run=run, workspace=split_model_name(model)[0], model=model, scenario=scenario,
                seed=seed, rows=rows, reference_rows=reference_rows,
                started_at=datetime.now(UTC).replace(tzinfo=None),
                truth=orjson.dumps(truth).decode()))

    def get(self, run: str) -> RunRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(traffic_runs).where(traffic_runs.c.run == run)).first()
        if row is None:
            return None
        data = dict(row._mapping)
        data["truth"] = orjson.loads(data["truth"])
        return RunRecord(**data)

    def list(self, workspace: str, scenario: str | None = None,
             since: datetime | None = None) -> list[RunRecord]:
        """A workspace's runs (of ``scenario``, started at or after ``since``), oldest first."""
        stmt = sa.select(traffic_runs).where(traffic_runs.c.workspace == workspace)
        if scenario is not None:
            stmt = stmt.where(traffic_runs.c.scenario == scenario)
        if since is not None:
            stmt = stmt.where(traffic_runs.c.started_at >= since)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.order_by(traffic_runs.c.started_at)).all()
        return [RunRecord(**{**r._mapping, "truth": orjson.loads(r.truth)}) for r in rows]

    def dispose(self) -> None:
        if not database.shared(self.engine):
            self.engine.dispose()
