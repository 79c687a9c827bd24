"""Interview sessions and their events, kept in the lab's own database (``lab.db`` in the
lab home, or the shared ``LAB_DATABASE_URL``), next to the run book.

A session row holds what is current (the fault override, the scoring sheet); the events
table holds what happened, in order, for the timeline and the report.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from lab import database
from lab import workspace as workspaces
from lab.interview.sheet import ScoreSheet
from lab.interview.timeline import KINDS, MARKS, STAGES, Event

# Unambiguous to read aloud and type: no 0/O, 1/I/L.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
_CODE = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")

metadata = sa.MetaData()
sessions = sa.Table(
    "interview_sessions", metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("scenario", sa.String(120), nullable=False),
    sa.Column("workspace", sa.String(40), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("closed_at", sa.DateTime, nullable=True),
    sa.Column("drift", sa.Text, nullable=True),   # the fault override (JSON), None: none
    sa.Column("sheet", sa.Text, nullable=False),  # the scoring sheet (JSON)
)
events = sa.Table(
    "interview_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(16), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)


class SessionError(ValueError):
    """A session code or entry that cannot be used: says what is allowed."""


@dataclass(frozen=True)
class Session:
    code: str
    scenario: str
    workspace: str
    created_at: datetime
    closed_at: datetime | None = None
    drift: list[dict[str, Any]] | None = None
    sheet: ScoreSheet = field(default_factory=ScoreSheet)

    @property
    def open(self) -> bool:
        return self.closed_at is None


def normalise_code(code: str | None) -> str:
    """A session code as typed (spaces, dashes, lower case allowed), or a clear error."""
    text = re.sub(r"[\s-]", "", code or "").upper()
    if not _CODE.fullmatch(text):
        raise SessionError(f"session code {code!r} is not valid: {CODE_LENGTH} letters and "
                           "digits, as the interviewer gave it (e.g. K7QM2X)")
    return text


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class SessionStore:
    def __init__(self, url: str | None = None):
        self.engine = database.runbook_engine(metadata, url)

    # -- sessions --
    def open_session(self, scenario: str, workspace: str) -> Session:
        """A new session for ``scenario`` in the candidate's ``workspace``."""
        from lab.scenario import load_scenario

        workspace = workspaces.validate(workspace)
        load_scenario(scenario)  # an unknown scenario is an error naming the available ones
        session = Session(code="".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)),
                          scenario=scenario, workspace=workspace, created_at=_now())
        with self.engine.begin() as conn:
            conn.execute(sessions.insert().values(
                code=session.code, scenario=scenario, workspace=workspace,
                created_at=session.created_at, sheet=orjson.dumps(ScoreSheet().to_dict()).decode()))
        self.record(session.code, "opened", {"scenario": scenario, "workspace": workspace})
        return session

    def get(self, code: str) -> Session | None:
        code = normalise_code(code)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sessions).where(sessions.c.code == code)).first()
        return None if row is None else _session(row)

    def require(self, code: str) -> Session:
        session = self.get(code)
        if session is None:
            raise SessionError(f"no interview session {normalise_code(code)!r}: check the code")
        return session

    def list(self, open_only: bool = False) -> list[Session]:
        stmt = sa.select(sessions).order_by(sessions.c.created_at.desc())
        if open_only:
            stmt = stmt.where(sessions.c.closed_at.is_(None))
        with self.engine.connect() as conn:
            return [_session(r) for r in conn.execute(stmt)]

    def live_for(self, workspace: str, scenario: str | None = None) -> Session | None:
        """The newest open session on ``workspace`` (and ``scenario``), if any: what the
        candidate's pages consult to hide the key, show hints and take the fault override."""
        stmt = (sa.select(sessions).where(sessions.c.workspace == workspace,
                                          sessions.c.closed_at.is_(None))
                .order_by(sessions.c.created_at.desc()))
        if scenario is not None:
            stmt = stmt.where(sessions.c.scenario == scenario)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else _session(row)

    def close(self, code: str) -> None:
        self._update(code, closed_at=_now())

    def set_drift(self, code: str, drift: list[dict[str, Any]] | None, summary: str) -> None:
        self._update(code, drift=None if drift is None else orjson.dumps(drift).decode())
        self.record(code, "fault", {"summary": summary, "drift": drift})

    def save_sheet(self, code: str, sheet: ScoreSheet) -> None:
        self._update(code, sheet=orjson.dumps(sheet.to_dict()).decode())

    # -- events --
    def record(self, code: str, kind: str, data: dict[str, Any] | None = None) -> Event:
        if kind not in KINDS:
            raise SessionError(f"event kind {kind!r} is not one of {list(KINDS)}")
        data = dict(data or {})
        if kind == "stage" and data.get("stage") not in STAGES:
            raise SessionError(f"stage: {data.get('stage')!r} is not one of {list(STAGES)}")
        if kind == "followup" and data.get("mark") not in MARKS:
            raise SessionError(f"mark: {data.get('mark')!r} is not one of {list(MARKS)}")
        event = Event(at=_now(), kind=kind, data=data)
        with self.engine.begin() as conn:
            conn.execute(events.insert().values(code=normalise_code(code), at=event.at,
                                                kind=kind, data=orjson.dumps(data).decode()))
        return event

    def events(self, code: str) -> list[Event]:
        stmt = (sa.select(events).where(events.c.code == normalise_code(code))
                .order_by(events.c.at, events.c.id))
        with self.engine.connect() as conn:
            return [Event(at=r.at, kind=r.kind, data=orjson.loads(r.data))
                    for r in conn.execute(stmt)]

    def _update(self, code: str, **values: Any) -> None:
        code = normalise_code(code)
        with self.engine.begin() as conn:
            updated = conn.execute(sessions.update().where(sessions.c.code == code)
                                   .values(**values)).rowcount
        if not updated:
            raise SessionError(f"no interview session {code!r}")

    def dispose(self) -> None:
        if not database.shared(self.engine):
            self.engine.dispose()


def _session(row) -> Session:
    return Session(code=row.code, scenario=row.scenario, workspace=row.workspace,
                   created_at=row.created_at, closed_at=row.closed_at,
                   drift=None if row.drift is None else orjson.loads(row.drift),
                   sheet=ScoreSheet.from_dict(orjson.loads(row.sheet)))
