"""Attempts: grading a sheet against the run the candidate saw, and keeping it.

Attempts persist in a SQLite file in the lab home, or in the shared database a cohort's
host names (``LAB_DATABASE_URL``), so progress per topic survives restarts.
The stored answers include the "why this threshold?" text; totals use the one rounding
rule of :mod:`lab.grade.scores`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import orjson
import pandas as pd
import sqlalchemy as sa

from lab import database
from lab import workspace as workspaces
from lab.config import ensure_home, get_settings
from lab.grade import Answers, Grade, RunEvidence, check_against, evidence_by_replay, grade
from lab.scenario import TOPICS, Scenario

metadata = sa.MetaData()
attempts = sa.Table(
    "attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scenario", sa.String(120), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("total", sa.Float, nullable=False),
    sa.Column("topics", sa.Text, nullable=False),
    sa.Column("grade", sa.Text, nullable=False),
    sa.Column("answers", sa.Text, nullable=False),
    sa.Column("workspace", sa.String(40), nullable=False, server_default="default"),
    sa.Column("run", sa.String(64), nullable=True),
    # The remedies applied after the diagnosis, in order (JSON list; lab.remediation.record):
    # the first one's outcome part is the attempt's outcome, later ones are kept beside it.
    sa.Column("remedies", sa.Text, nullable=True),
)
# Columns added after the first release: an older attempts file gains them in place.
ADDED = {"workspace": "VARCHAR(40) NOT NULL DEFAULT 'default'", "run": "VARCHAR(64)",
         "remedies": "TEXT"}


def grade_attempt(scenario: Scenario, answers: Answers, evidence: RunEvidence | None = None,
                  *, rows: int | None = None, seed: int = 0,
                  reference_rows: int | None = None) -> Grade:
    """Grade against the run the candidate saw: ``evidence`` read from it.

    Without evidence (the CLI until it reads stored runs), the champion's production
    stream is replayed offline from where its own training data ended.
    """
    check_against(answers, scenario)
    if evidence is None:
        evidence = evidence_by_replay(scenario, rows, seed, reference_rows)
    return grade(scenario, answers, evidence)


class AttemptStore:
    """The attempts of one workspace (the settings' workspace by default)."""

    def __init__(self, url: str | None = None, workspace: str | None = None):
        if url is None:
            settings = get_settings()
            if settings.database_url is None:
                ensure_home(settings)  # the SQLite default is created private
            url = settings.attempts_url
        self.engine = database.engine_for(url)
        self.workspace = workspaces.validate(workspace or get_settings().workspace)
        database.create_tables(self.engine, metadata, self._upgrade)

    def _upgrade(self) -> None:
        have = {c["name"] for c in sa.inspect(self.engine).get_columns("attempts")}
        with self.engine.begin() as conn:
            for name, ddl in ADDED.items():
                if name not in have:
                    conn.execute(sa.text(f"ALTER TABLE attempts ADD COLUMN {name} {ddl}"))

    def save(self, scenario: Scenario, result: Grade, answers: Answers,
             run: str | None = None) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(attempts.insert().values(
                scenario=scenario.id, at=datetime.now(UTC).replace(tzinfo=None),
                total=result.total, topics=orjson.dumps(scenario.topics).decode(),
                grade=orjson.dumps(result.to_dict(), option=orjson.OPT_SERIALIZE_NUMPY).decode(),
                answers=answers.model_dump_json(), workspace=self.workspace,
                run=run)).inserted_primary_key[0])

    def frame(self) -> pd.DataFrame:
        stmt = (sa.select(attempts).where(attempts.c.workspace == self.workspace)
                .order_by(attempts.c.at))
        with self.engine.connect() as conn:
            out = pd.read_sql(stmt, conn)
        out["topics"] = out["topics"].map(orjson.loads)
        return out

    def grade_of(self, attempt_id: int) -> dict | None:
        """A past attempt's grade, answers and remedies (of this workspace), as saved."""
        stmt = sa.select(attempts.c.grade, attempts.c.answers, attempts.c.remedies).where(
            attempts.c.id == attempt_id, attempts.c.workspace == self.workspace)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return None
        return {"grade": orjson.loads(row.grade), "answers": orjson.loads(row.answers),
                "remedies": orjson.loads(row.remedies) if row.remedies else []}

    def newest(self, scenario: str) -> int | None:
        """The id of this workspace's newest attempt at ``scenario`` (None: none yet)."""
        stmt = (sa.select(attempts.c.id).where(attempts.c.workspace == self.workspace,
                                               attempts.c.scenario == scenario)
                .order_by(attempts.c.at.desc(), attempts.c.id.desc()).limit(1))
        with self.engine.connect() as conn:
            return conn.execute(stmt).scalar_one_or_none()

    def add_remedy(self, attempt_id: int, record: dict) -> list[dict]:
        """Append a remedy applied after this attempt's diagnosis; returns them all. The
        grade and total stay as submitted: the outcome is kept beside them."""
        where = (attempts.c.id == attempt_id) & (attempts.c.workspace == self.workspace)
        with self.engine.begin() as conn:
            raw = conn.execute(sa.select(attempts.c.remedies).where(where)
                               .with_for_update()).first()
            if raw is None:
                raise LookupError(f"attempt: no attempt #{attempt_id} in workspace "
                                  f"{self.workspace!r}")
            earlier = orjson.loads(raw[0]) if raw[0] else []
            if any(r.get("graded") for r in earlier):
                # Decided here, under the row lock: of two remedies saved at once (two
                # tabs), only the first is the attempt's graded outcome.
                record = {**record, "graded": False}
            remedies = [*earlier, record]
            conn.execute(attempts.update().where(where).values(
                remedies=orjson.dumps(remedies, option=orjson.OPT_SERIALIZE_NUMPY).decode()))
        return remedies

    def best_scores(self) -> dict[str, float]:
        f = self.frame()
        return {} if f.empty else f.groupby("scenario")["total"].max().to_dict()

    def mastery(self) -> dict[str, float | None]:
        """Per topic: the mean of the best score of each scenario attempted on it."""
        f = self.frame()
        out: dict[str, float | None] = {t: None for t in TOPICS}
        if f.empty:
            return out
        best = f.groupby("scenario").agg(total=("total", "max"), topics=("topics", "first"))
        for topic in TOPICS:
            scores = [row.total for row in best.itertuples() if topic in row.topics]
            out[topic] = float(np.mean(scores)) if scores else None
        return out

    def dispose(self) -> None:
        if not database.shared(self.engine):
            self.engine.dispose()

