"""What the interviewer does to a session, each recorded as an event. The page calls these
only behind the passcode gate (lab/ui/pages/interviewer.py); tests call them directly."""

from __future__ import annotations

from typing import Any

from lab.interview import faults
from lab.interview.followups import by_id
from lab.interview.sheet import ScoreSheet
from lab.interview.store import Session, SessionError, SessionStore
from lab.interview.timeline import hints_given
from lab.scenario import Scenario


def give_hint(store: SessionStore, session: Session, scenario: Scenario) -> int:
    """Give the next of the scenario's hints; returns how many are given now."""
    given = hints_given(store.events(session.code))
    if given >= len(scenario.questions.hints):
        raise SessionError(f"hints: all {given} of the scenario's hints are given")
    store.record(session.code, "hint", {"number": given + 1})
    return given + 1


def mark_followup(store: SessionStore, session: Session, question_id: str, mark: str) -> None:
    question = by_id(question_id)
    store.record(session.code, "followup",
                 {"id": question.id, "question": question.question, "mark": mark})


def score_signal(store: SessionStore, session: Session, signal: str, level: str,
                 notes: str = "") -> ScoreSheet:
    sheet = ScoreSheet.from_dict(session.sheet.to_dict()).score(signal, level, notes)
    store.save_sheet(session.code, sheet)
    store.record(session.code, "score", {"signal": signal, "level": level})
    return sheet


def override_total(store: SessionStore, session: Session, total: float | None,
                   reason: str = "") -> ScoreSheet:
    sheet = ScoreSheet.from_dict(session.sheet.to_dict()).override(total, reason)
    store.save_sheet(session.code, sheet)
    store.record(session.code, "override",
                 {"total": sheet.override_total, "reason": sheet.override_reason})
    return sheet


def add_note(store: SessionStore, session: Session, text: str) -> None:
    if not text.strip():
        raise SessionError("note: empty")
    store.record(session.code, "note", {"text": text.strip()})


def set_fault(store: SessionStore, session: Session, scenario: Scenario,
              drift: list[dict[str, Any]] | None) -> str:
    """Keep ``drift`` as the plan of the candidate's traffic (None: back to the
    scenario's); checked like a scenario file first. Returns its one-line description."""
    if drift is not None:
        faults.check_drift(scenario, drift)
    summary = faults.describe(drift if drift is not None else scenario.drift)
    store.set_drift(session.code, drift, summary if drift is not None else
                    f"back to the scenario's plan ({summary})")
    return summary


def _live(scenario: Scenario, model: str) -> Session | None:
    from lab.workspace import split_model_name

    store = SessionStore()
    try:
        return store.live_for(split_model_name(model)[0], scenario.id)
    finally:
        store.dispose()


def live_plan(scenario: Scenario, model: str):
    """What a workspace's production run is sent with in an interview: the scenario with
    the session's fault override (else the scenario itself), and a callable the traffic
    asks between chunks (lab.traffic's ``switch``) that gives the scenario with the
    interviewer's newer plan when it changed since the last ask (else None). Outside an
    interview: ``(scenario, None)``."""
    session = _live(scenario, model)
    if session is None:
        return scenario, None
    seen = {"drift": session.drift}

    def switch() -> Scenario | None:
        latest = _live(scenario, model)
        drift = None if latest is None else latest.drift
        if drift == seen["drift"]:
            return None
        seen["drift"] = drift
        return faults.scenario_with_drift(scenario, drift)

    return faults.scenario_with_drift(scenario, session.drift), switch


def traffic_scenario(scenario: Scenario, model: str) -> Scenario:
    """The scenario a workspace's next production run is built from."""
    return live_plan(scenario, model)[0]
