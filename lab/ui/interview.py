"""The candidate's side of an interview: joining with the session's code, the hints the
interviewer gave, and a feedback that keeps the key for the interviewer's debrief.

The candidate's browser holds only the code (``interview_code``); everything else is read
from the session store by workspace, so nothing set by hand in a browser's session state
reveals more than the page would show anyway.
"""

from __future__ import annotations

import streamlit as st

from lab.interview.store import Session, SessionError, SessionStore
from lab.interview.timeline import hints_given
from lab.ui import workspace as ui_workspace

CODE_KEY = "interview_code"


def live_session(scenario_id: str | None = None) -> Session | None:
    """The open session on this browser's workspace (and scenario), if any."""
    name = ui_workspace.current()
    if name is None:
        return None
    store = SessionStore()
    try:
        return store.live_for(name, scenario_id)
    finally:
        store.dispose()


def join_box(where: str) -> None:
    """A form: the session code the interviewer gave. Joining switches this browser to the
    session's workspace and opens its scenario."""
    with st.form(f"interview_join_{where}", border=where == "welcome"):
        typed = st.text_input("Interview session code", key=f"interview_join_{where}_code",
                              placeholder="e.g. K7QM2X")
        if st.form_submit_button("Join the interview"):
            try:
                join(typed)
            except SessionError as exc:
                st.error(str(exc))


def join(typed: str) -> None:
    store = SessionStore()
    try:
        session = store.require(typed)
        if not session.open:
            raise SessionError(f"interview session {session.code!r} is closed")
        store.record(session.code, "joined")
    finally:
        store.dispose()
    ui_workspace.use(session.workspace)
    st.session_state[CODE_KEY] = session.code
    from lab.ui.session import open_scenario

    open_scenario(session.scenario)


def banner() -> None:
    """In the sidebar, while a session is open on this workspace."""
    session = live_session()
    if session is not None:
        st.sidebar.info(f"Interview session **{session.code}**: your interviewer follows your "
                        "progress, may give hints and may change what production sends.")


def live_hints(spec) -> int | None:
    """In a live session, the hints the interviewer gave (shown, and counted for the cap);
    None outside one (the self-practice panel applies)."""
    session = live_session(spec.id)
    if session is None:
        return None
    store = SessionStore()
    try:
        given = hints_given(store.events(session.code))
    finally:
        store.dispose()
    hints = list(spec.questions.hints)
    taken = max(given, st.session_state.get(f"scenario_hints_taken_{spec.id}", 0))
    taken = min(taken, len(hints))
    if taken:
        with st.expander(f"Hints from your interviewer ({taken})", expanded=True):
            for i, hint in enumerate(hints[:taken], start=1):
                st.markdown(f"**Hint {i}.** {hint}")
    return taken


def keeps_feedback(result) -> bool:
    """True (and says so) when a live session holds this attempt's debrief for the
    interviewer: the candidate sees that it was submitted and its score cap, not the key."""
    session = live_session(result.scenario)
    if session is None:
        return False
    st.header("6. Submitted")
    st.info("Your diagnosis is submitted. Your interviewer has it and will go through it "
            "with you.")
    return True
