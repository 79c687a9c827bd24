"""The interviewer's live mirror of the candidate: read from the candidate's workspace (its
runs in the run book, its attempts) and from the session's stage events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lab.attempts import AttemptStore
from lab.interview.store import Session, SessionStore
from lab.interview.timeline import Event, current_stage, hints_given, time_per_stage
from lab.workspace.runs import RunBook, RunRecord


@dataclass
class Progress:
    stage: str | None
    seconds_per_stage: dict[str, float]
    hints: int
    runs: list[RunRecord] = field(default_factory=list)
    attempt: dict[str, Any] | None = None  # the newest attempt in the session
    threshold: float | None = None          # the candidate's last chosen threshold


def progress(session: Session, events: list[Event] | None = None,
             now: datetime | None = None) -> Progress:
    now = now or datetime.now(UTC).replace(tzinfo=None)
    if events is None:
        store = SessionStore()
        try:
            events = store.events(session.code)
        finally:
            store.dispose()
    book = RunBook()
    try:
        runs = book.list(session.workspace, session.scenario, since=session.created_at)
    finally:
        book.dispose()
    thresholds = [e.data["threshold"] for e in events
                  if e.kind == "stage" and e.data.get("threshold") is not None]
    return Progress(stage=current_stage(events), seconds_per_stage=time_per_stage(events, now),
                    hints=hints_given(events), runs=runs, attempt=newest_attempt(session),
                    threshold=thresholds[-1] if thresholds else None)


def newest_attempt(session: Session) -> dict[str, Any] | None:
    """The candidate's newest attempt on the session's scenario since it opened."""
    store = AttemptStore(workspace=session.workspace)
    try:
        frame = store.frame()
        if frame.empty:
            return None
        mine = frame[(frame["scenario"] == session.scenario)
                     & (frame["at"] >= session.created_at)]
        if mine.empty:
            return None
        row = mine.iloc[-1]
        saved = store.grade_of(int(row["id"]))
        return {"id": int(row["id"]), "total": float(row["total"]), "run": row["run"],
                **saved}
    finally:
        store.dispose()
