"""The interviewer's page: behind the passcode, one session at a time: the answer key beside
the candidate's live progress, the hint ladder, live fault controls, follow-up questions,
the scoring sheet, notes and the report."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st
import yaml

from lab.drift import DRIFTS
from lab.grade import format_score
from lab.interview import LEVELS, SIGNALS, SessionStore, actions, faults, passcode
from lab.interview import report as reports
from lab.interview.followups import for_scenario
from lab.interview.key import answer_key
from lab.interview.mirror import progress
from lab.interview.sheet import SheetError, final_total
from lab.interview.timeline import MARKS, STAGE_LABELS, followups_marked, notes
from lab.scenario import ScenarioError, list_scenarios, load_scenario

MIRROR_EVERY_S = 5
TOKEN = "interviewer_token"
CODE = "interviewer_code"


def page() -> None:
    st.title("Interviewer")
    if not gate():
        return
    store = SessionStore()
    try:
        session = choose_session(store)
        if session is not None:
            run_session(store, session)
    finally:
        store.dispose()


def gate() -> bool:
    """Ask for the passcode until this browser session has passed it."""
    if passcode.valid(st.session_state.get(TOKEN)):
        return True
    st.session_state.pop(TOKEN, None)
    with st.form("interviewer_gate"):
        typed = st.text_input("Interviewer passcode", type="password",
                              key="interviewer_gate_passcode")
        if st.form_submit_button("Unlock"):
            token = passcode.check(typed, where="interviewer page")
            st.session_state.pop("interviewer_gate_passcode", None)  # never kept
            if token is None:
                st.error("Wrong passcode.")
            else:
                st.session_state[TOKEN] = token
                st.rerun()
    return False


@st.cache_data(ttl=60, show_spinner=False)
def scenario_titles() -> dict[str, str]:
    # Parsing every scenario file takes a while; the page reruns on every click.
    return {s.id: s.title for s in list_scenarios()}


def choose_session(store: SessionStore):
    with st.expander("Open a new session", expanded=not store.list(open_only=True)):
        with st.form("interviewer_new"):
            scenarios = scenario_titles()
            scenario = st.selectbox("Scenario", list(scenarios), format_func=scenarios.get,
                                    key="interviewer_new_scenario")
            workspace = st.text_input("Candidate's workspace", key="interviewer_new_workspace",
                                      placeholder="e.g. alice")
            if st.form_submit_button("Open the session"):
                try:
                    session = store.open_session(scenario, workspace)
                except (ValueError, ScenarioError) as exc:
                    st.error(str(exc))
                else:
                    st.session_state[CODE] = session.code
    listed = {s.code: s for s in store.list()}
    if not listed:
        st.info("No session yet: open one above and give the candidate its code.")
        return None
    codes = list(listed)
    if st.session_state.get(CODE) not in listed:
        st.session_state[CODE] = codes[0]
    code = st.selectbox("Session", codes, key=CODE, format_func=lambda c: (
        f"{c} · {listed[c].workspace} · {listed[c].scenario}"
        + ("" if listed[c].open else " (closed)")))
    return listed[code]


def run_session(store: SessionStore, session) -> None:
    spec = load_scenario(session.scenario)
    events = store.events(session.code)
    now = datetime.now(UTC).replace(tzinfo=None)
    st.markdown(f"Session code **{session.code}** for workspace **{session.workspace}**: the "
                "candidate joins with it from the sidebar or the welcome page.")
    if st.button("Refresh", key="interviewer_refresh_button"):
        st.rerun()
    key, live = st.columns(2)
    with key:
        answer_key_panel(spec, session)
    with live:
        mirror_panel(session)
    hint_ladder(store, session, spec, events)
    fault_controls(store, session, spec)
    followups(store, session, spec, events)
    scoring_sheet(store, session, events)
    notes_and_report(store, session, spec, events, now)


def answer_key_panel(spec, session) -> None:
    st.subheader("Answer key")
    key = answer_key(spec)
    st.markdown(f"**{spec.title}**")
    for t in key["truth"]:
        st.write(f"**{t['kind']}** ({t['category']}) on "
                 f"{', '.join(t['features']) or 'the labels'}, "
                 f"{t['shape']} from {t['onset']:g} of the stream: {t['root_cause']}")
    if session.drift is not None:
        st.warning(f"Your override, in force: {faults.describe(session.drift)}")
    st.write(f"Root cause: **{key['root_cause']}** · actions: {', '.join(key['actions'])} "
             f"· threshold: {key['threshold_rule']}")
    st.write("Rubric: " + "; ".join(key["rubric"]))
    with st.expander("Debrief and model answer"):
        st.markdown(key["debrief"])
        st.markdown("**Model answer.** " + key["model_answer"])


@st.fragment(run_every=timedelta(seconds=MIRROR_EVERY_S))
def mirror_panel(session) -> None:
    """Read again every few seconds on its own (the rest of the page on Refresh)."""
    if not passcode.valid(st.session_state.get(TOKEN)):  # a fragment's rerun skips the gate
        return
    st.subheader("The candidate, live")
    p = progress(session)
    st.metric("stage", STAGE_LABELS.get(p.stage, "not joined yet") if p.stage else
              "not joined yet")
    if p.seconds_per_stage:
        st.dataframe(pd.DataFrame([{"stage": STAGE_LABELS.get(s, s), "minutes": round(v / 60, 1)}
                                   for s, v in p.seconds_per_stage.items()]), hide_index=True)
    a, b, c = st.columns(3)
    a.metric("threshold chosen", "–" if p.threshold is None else f"{p.threshold:.3f}")
    b.metric("production runs", len(p.runs))
    c.metric("hints given", p.hints)
    if p.attempt is not None:
        st.metric("automatic grade (newest attempt)", format_score(p.attempt["total"], 100))
        with st.expander("The candidate's answers"):
            st.json(p.attempt["answers"])


def hint_ladder(store, session, spec, events) -> None:
    st.subheader("Hint ladder")
    hints = list(spec.questions.hints)
    given = sum(1 for e in events if e.kind == "hint")
    for i, hint in enumerate(hints, start=1):
        st.markdown(f"**Hint {i}** ({'given' if i <= given else 'not given'}). {hint}")
    if given < len(hints):
        if st.button(f"Give hint {given + 1}", key="interviewer_hint_button"):
            actions.give_hint(store, session, spec)
            st.rerun()
    st.caption("Each hint given caps the candidate's automatic score, as in self-practice.")


def fault_controls(store, session, spec) -> None:
    st.subheader("Live fault controls")
    st.caption("A change reaches the candidate's traffic from its next chunk of 1000 rows "
               "(a run under way switches there; a serving scenario's open-loop run keeps its "
               "plan until the next run); the candidate sees only the effects.")
    drift = session.drift if session.drift is not None else list(spec.drift)
    st.write(f"The plan in force: {faults.describe(drift)}")
    # The inputs start again from each new plan (a severity is relative to it): their keys
    # carry the plan's checksum.
    plan = zlib.crc32(faults.describe(drift).encode())
    for index, step in enumerate(drift):
        with st.form(f"interviewer_fault_{index}_{plan}"):
            st.markdown(f"**Fault {index + 1}**: {faults.describe([step])}")
            severity = st.number_input("Severity (x its strength)", 0.05, 20.0, 1.0, step=0.25,
                                       key=f"interviewer_fault_{index}_severity_{plan}",
                                       disabled=faults.strength_of(step) is None)
            onset = st.slider("Onset (share of the stream)", 0.0, 0.95,
                              _fraction(step.get("onset", 0.5)), step=0.05,
                              key=f"interviewer_fault_{index}_onset_{plan}")
            if st.form_submit_button("Change this fault"):
                apply(lambda i=index, sev=severity, on=onset: actions.set_fault(
                    store, session, spec, faults.change_fault(
                        drift, i, severity=None if sev == 1.0 else sev, onset=on)))
    with st.form("interviewer_fault_add"):
        kind = st.selectbox("Second fault: kind", sorted(DRIFTS), key="interviewer_add_kind")
        params = st.text_area("Its parameters (YAML)", key="interviewer_add_params",
                              placeholder="feature: team_load\nrate: 0.6")
        add_onset = st.slider("Its onset", 0.0, 0.95, 0.6, step=0.05,
                              key="interviewer_add_onset")
        if st.form_submit_button("Add this fault"):
            def add():
                extra = yaml.safe_load(params or "") or {}
                if not isinstance(extra, dict):
                    raise ValueError("parameters: a YAML mapping, e.g. 'feature: team_load'")
                return actions.set_fault(store, session, spec, faults.add_fault(
                    drift, {"kind": kind, **extra, "onset": add_onset}))
            apply(add)
    if session.drift is not None and st.button("Back to the scenario's plan",
                                               key="interviewer_fault_reset_button"):
        apply(lambda: actions.set_fault(store, session, spec, None))


def _fraction(onset) -> float:
    """A slider position for an onset (a row-number onset shows as the middle)."""
    return min(round(float(onset) / 0.05) * 0.05, 0.95) if float(onset) < 1 else 0.5


def apply(action) -> None:
    """Do ``action``; show its error (it names the field), or draw the page again with
    what it changed."""
    try:
        action()
    except (ValueError, yaml.YAMLError) as exc:
        st.error(str(exc))
    else:
        st.rerun()


def followups(store, session, spec, events) -> None:
    st.subheader("Follow-up questions")
    marked = followups_marked(events)
    for q in for_scenario(spec.topics):
        done = marked.get(q.id)
        title = f"[{q.stage}] {q.question}" + (f" — {done['mark']}" if done else "")
        with st.expander(title):
            st.caption(f"{q.topic} · a strong answer: {q.strong}")
            mark = st.radio("Mark", MARKS, index=None, horizontal=True,
                            key=f"interviewer_mark_{q.id}")
            if st.button("Record", key=f"interviewer_mark_{q.id}_button") and mark:
                actions.mark_followup(store, session, q.id, mark)
                st.rerun()


def scoring_sheet(store, session, events) -> None:
    st.subheader("Scoring sheet")
    sheet = session.sheet
    with st.form("interviewer_sheet"):
        chosen = {}
        for signal in SIGNALS:
            left, right = st.columns([1, 2])
            current = sheet.levels.get(signal)
            chosen[signal] = (
                left.radio(signal.capitalize(), LEVELS, horizontal=True,
                           index=LEVELS.index(current) if current else None,
                           key=f"interviewer_level_{signal}"),
                right.text_input("Notes", sheet.notes.get(signal, ""),
                                 key=f"interviewer_level_{signal}_notes"))
        if st.form_submit_button("Save the sheet"):
            def save():
                for signal, (level, text) in chosen.items():
                    if level is not None and (level != sheet.levels.get(signal)
                                              or text != sheet.notes.get(signal, "")):
                        actions.score_signal(store, store.require(session.code), signal,
                                             level, text)
            apply(save)
    automatic = progress_total(session)
    a, b, c = st.columns(3)
    a.metric("automatic", format_score(automatic, 100) if automatic is not None else "–")
    interview = sheet.interview_score()
    b.metric("interview signals", "–" if interview is None else f"{interview:g} / 100")
    final = final_total(automatic, sheet)
    c.metric("final", "–" if final is None else f"{final:g} / 100")
    with st.form("interviewer_override"):
        total = st.number_input("Override the automatic total", 0.0, 100.0, value=None,
                                step=1.0, key="interviewer_override_total")
        reason = st.text_input("Reason", key="interviewer_override_reason")
        if st.form_submit_button("Override"):
            def override():
                if total is None:
                    raise SheetError("override_total: enter the total to stand by")
                actions.override_total(store, session, total, reason)
            apply(override)


def progress_total(session):
    from lab.interview.mirror import newest_attempt

    attempt = newest_attempt(session)
    return None if attempt is None else attempt["total"]


def notes_and_report(store, session, spec, events, now) -> None:
    st.subheader("Notes")
    for text in notes(events):
        st.markdown(f"- {text}")
    with st.form("interviewer_note", clear_on_submit=True):
        text = st.text_area("A note (only you and the report see it)", key="interviewer_note")
        if st.form_submit_button("Add the note"):
            apply(lambda: actions.add_note(store, session, text))
    st.subheader("Timeline")
    st.dataframe(pd.DataFrame([{"time (UTC)": f"{e.at:%H:%M:%S}", "event": e.describe()}
                               for e in events]), hide_index=True)
    st.subheader("Report")
    from lab.interview.mirror import newest_attempt

    contents = reports.contents(session, spec, events, newest_attempt(session), now)
    # A click does not rerun the page: a rerun would replace the file being downloaded
    # (its contents carry the time), and the browser's download would be cancelled.
    left, right = st.columns(2)
    left.download_button("Download the report (Markdown)", reports.to_markdown(contents),
                         file_name=f"interview-{session.code}.md", mime="text/markdown",
                         key="interviewer_report_md", on_click="ignore")
    right.download_button("Download the report (HTML)", reports.to_html(contents),
                          file_name=f"interview-{session.code}.html", mime="text/html",
                          key="interviewer_report_html", on_click="ignore")
    if session.open and st.button("Close the session", key="interviewer_close_button"):
        store.close(session.code)
        st.rerun()

