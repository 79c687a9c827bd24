"""Sessions and events in the lab's database, the interviewer's actions, the report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lab.interview import SessionError, SessionStore, actions, faults
from lab.interview import report as reports
from lab.interview.key import answer_key, hidden_strings
from lab.interview.mirror import progress
from lab.interview.store import normalise_code


def test_a_session_keeps_its_events_sheet_and_fault(lab_home, scenario):
    store = SessionStore()
    session = store.open_session(scenario.id, " Alice ")
    assert session.workspace == "alice" and len(session.code) == 6
    assert (lab_home / "lab.db").exists()  # beside the run book
    assert store.get(session.code.lower()) == session
    assert store.live_for("alice", scenario.id).code == session.code
    assert store.live_for("bob", scenario.id) is None
    assert store.live_for("alice", "wiki-spam-slipping-through") is None

    store.record(session.code, "stage", {"stage": "brief"})
    assert actions.give_hint(store, session, scenario) == 1
    assert actions.give_hint(store, session, scenario) == 2
    actions.mark_followup(store, session, "root-cause-evidence", "strong")
    actions.score_signal(store, session, "diagnosis", "adequate", "got there with hints")
    actions.override_total(store, store.require(session.code), 55, "hints did the work")
    actions.add_note(store, session, "asked good clarifying questions")
    summary = actions.set_fault(store, session, scenario,
                                faults.change_fault(scenario.drift, 0, severity=2, onset=0.2))
    assert summary == "unit_change minutes_to_first_response factor=120 onset=0.2 sudden"

    again = store.require(session.code)
    assert again.drift[0]["factor"] == 120.0
    assert again.sheet.levels == {"diagnosis": "adequate"}
    assert again.sheet.override_total == 55
    kinds = [e.kind for e in store.events(session.code)]
    assert kinds == ["opened", "stage", "hint", "hint", "followup", "score", "override",
                     "note", "fault"]
    # The candidate's next run is built from the override; another workspace's is not.
    assert actions.traffic_scenario(scenario, f"alice.{scenario.id}").drift == again.drift
    assert actions.traffic_scenario(scenario, f"bob.{scenario.id}").drift == scenario.drift

    store.close(session.code)
    assert store.live_for("alice") is None
    assert actions.traffic_scenario(scenario, f"alice.{scenario.id}").drift == scenario.drift
    store.dispose()


def test_bad_codes_events_and_actions_are_named(lab_home, scenario):
    store = SessionStore()
    with pytest.raises(SessionError, match="session code 'x' is not valid"):
        normalise_code("x")
    assert normalise_code("k7q-m2x") == "K7QM2X"
    with pytest.raises(SessionError, match="no interview session 'K7QM2X'"):
        store.require("K7QM2X")
    session = store.open_session(scenario.id, "alice")
    with pytest.raises(SessionError, match="stage: 'lunch'"):
        store.record(session.code, "stage", {"stage": "lunch"})
    with pytest.raises(SessionError, match="mark: 'brilliant'"):
        actions.mark_followup(store, session, "p99-budget", "brilliant")
    for _ in range(3):
        actions.give_hint(store, session, scenario)
    with pytest.raises(SessionError, match="hints: all 3"):
        actions.give_hint(store, session, scenario)
    with pytest.raises(ValueError, match=r"drift\[0\]\.?.*factor"):
        actions.set_fault(store, session, scenario,
                          [{**scenario.drift[0], "factor": 1}])
    assert store.require(session.code).drift is None  # nothing kept from a refused change
    with pytest.raises(ValueError, match="workspace 'Not OK!'"):
        store.open_session(scenario.id, "Not OK!")
    store.dispose()


def test_report_in_markdown_and_html(lab_home, scenario):
    store = SessionStore()
    session = store.open_session(scenario.id, "alice")
    store.record(session.code, "stage", {"stage": "diagnose"})
    actions.give_hint(store, session, scenario)
    actions.mark_followup(store, session, "retrain-or-fix", "weak")
    actions.score_signal(store, session, "remediation", "weak", "wanted to retrain <now>")
    actions.override_total(store, store.require(session.code), 40, "retrain on a broken feed")
    actions.add_note(store, session, "missed the unit | twice")
    session = store.require(session.code)
    events = store.events(session.code)
    attempt = {"total": 62.5, "answers": {"features": ["minutes_to_first_response"],
                                          "kind": "pipeline", "root_cause": "busier-team",
                                          "action": "retrain", "threshold": 0.3,
                                          "justification": "the minutes moved"},
               "grade": {"parts": [{"name": "root_cause", "points": 0, "maximum": 10,
                                    "why": "not the key's"}]},
               # A remedy applied after the diagnosis (lab.remediation.record), graded.
               "remedies": [{"remedy": "retrain", "rollout": "promote", "graded": True,
                             "before": {"cost_per_day": 30200.0},
                             "after": {"cost_per_day": 25581.0},
                             "best": {"remedy": "fix-pipeline", "cost_per_day": 20103.0},
                             "outcome": {"points": 0, "maximum": 10, "why": "regret 27%"},
                             "notes": ["promoted without a shadow or canary comparison: "
                                       "allowed, but shown"]}]}
    contents = reports.contents(session, scenario, events, attempt,
                                datetime.now(UTC).replace(tzinfo=None))
    md = reports.to_markdown(contents)
    assert f"# Interview report: {scenario.title}" in md
    assert "- Automatic grade: 62.5 / 100" in md
    assert "- Interviewer's sheet: 33.3 / 100" in md
    assert "- Override of the automatic total: 40 (reason: retrain on a broken feed)" in md
    assert "- **Final total: 40 / 100**" in md
    assert "| remediation | weak | wanted to retrain <now> |" in md
    assert "| hint 1 given |" in md and "candidate: diagnosing" in md
    assert "- Why not simply retrain on the recent data? **weak**" in md
    assert "- root_cause: busier-team" in md and "  > the minutes moved" in md
    assert "- missed the unit | twice" in md
    assert "| root_cause | 0 / 10 | not the key's |" in md
    assert "## Remedy after the diagnosis" in md
    assert ("| retrain (promote) | yes | 30,200 | 25,581 | fix-pipeline 20,103 | 0 / 10 |"
            in md)
    assert "- promoted without a shadow or canary comparison: allowed, but shown" in md
    page = reports.to_html(contents)
    assert page.startswith("<!doctype html>") and "<table>" in page
    assert "wanted to retrain &lt;now&gt;" in page and "<now>" not in page
    assert "<strong>Final total: 40 / 100</strong>" in page
    store.dispose()


def test_what_the_interviewer_sees_and_what_stays_hidden(lab_home, scenario):
    key = answer_key(scenario)
    assert key["root_cause"] == "An upstream service changed the unit of a feature"
    assert key["truth"][0]["features"] == ["minutes_to_first_response"]
    assert "seconds" in key["truth"][0]["root_cause"]
    hidden = hidden_strings(scenario, hints_given=1, notes=["nervous start"])
    assert scenario.questions.hints[0] not in hidden
    assert scenario.questions.hints[1] in hidden and "nervous start" in hidden
    assert key["debrief"] in hidden and key["model_answer"] in hidden


def test_the_mirror_reads_the_candidates_workspace(lab_home, scenario):
    from lab.workspace.runs import RunBook

    store = SessionStore()
    session = store.open_session(scenario.id, "alice")
    store.record(session.code, "stage", {"stage": "threshold", "threshold": 0.31})
    book = RunBook()
    book.record("r1", f"alice.{scenario.id}", scenario.id, 0, 3000, 4000, [])
    book.record("r2", f"bob.{scenario.id}", scenario.id, 0, 3000, 4000, [])
    book.dispose()
    seen = progress(session)
    assert seen.stage == "threshold" and seen.threshold == 0.31
    assert [r.run for r in seen.runs] == ["r1"] and seen.attempt is None
    store.dispose()
