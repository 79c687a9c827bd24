"""A live interview session seen from the candidate's side, in Streamlit's AppTest: every
candidate page, every API route, and a browser session set by hand never show the answer
key, the truth, a hint not given or the interviewer's notes; the hints the interviewer gives
do show, and cap the grade; the fault override is what the candidate's run carries."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from lab.config import get_settings
from lab.interview import SessionStore, actions, faults
from lab.interview.key import hidden_strings
from lab.workspace.runs import RunBook
from tests.interview.leaks import app_text, leaked

pytestmark = pytest.mark.slow
APP = str(Path(__file__).resolve().parents[2] / "app.py")
SCENARIO = "sla-escalation-queue-flooded"
MODEL = f"alice.{SCENARIO}"
NOTE = "Candidate froze on the threshold question; probe capacity later."


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def clean(at, hidden) -> str:
    assert not at.exception, at.exception
    text = app_text(at)
    assert not leaked(text, hidden), leaked(text, hidden)
    return text


def _page(name: str) -> None:
    import importlib

    importlib.import_module(f"lab.ui.pages.{name}").page()


def candidate_page(name: str, code: str) -> AppTest:
    """A page as the candidate's browser renders it: its session holds the workspace (from
    the URL) and the interview code, nothing else."""
    at = AppTest.from_function(_page, args=(name,), default_timeout=120)
    at.session_state["workspace_name"] = "alice"
    at.session_state["interview_code"] = code
    return at.run()


def test_a_live_session_never_shows_the_candidate_the_key(lab_home, scenario, monkeypatch,
                                                         caplog):
    monkeypatch.setenv("LAB_INTERVIEWER_PASSCODE", "s3cret-panel")
    get_settings.cache_clear()
    store = SessionStore()
    session = store.open_session(SCENARIO, "alice")
    actions.add_note(store, session, NOTE)
    hidden = hidden_strings(scenario, 0, [NOTE])

    # The candidate joins from the welcome page with the code: workspace and scenario follow.
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.text_input(key="interview_join_welcome_code").input(session.code.lower())
    button(at, "Join the interview").click().run()
    clean(at, hidden)
    assert at.session_state["workspace_name"] == "alice"
    assert at.session_state["interview_code"] == session.code
    assert at.session_state["scenario_id"] == SCENARIO
    assert any(session.code in i.value for i in at.sidebar.info)

    at.number_input(key="scenario_reference_rows").set_value(4000)
    at.number_input(key="scenario_production_rows").set_value(3000)
    at.button(key="scenario_train_button").click().run()
    clean(at, hidden)
    at.slider(key="scenario_threshold").set_value(0.3).run()
    at.button(key="scenario_deploy_button").click().run()
    clean(at, hidden)

    # The interviewer doubles the fault and moves it earlier, then gives the first hint.
    changed = faults.change_fault(scenario.drift, 0, severity=2, onset=0.2)
    actions.set_fault(store, session, scenario, changed)
    actions.give_hint(store, session, scenario)
    hidden = hidden_strings(scenario, 1, [NOTE], drift=changed)
    at.button(key="scenario_traffic_button").click().run()
    text = clean(at, hidden)
    assert scenario.questions.hints[0] in text  # the hint given shows, the others do not
    assert "Hints from your interviewer (1)" in text
    assert not [b for b in at.button if (b.key or "") == "scenario_hint_button"]
    run = at.session_state["scenario_production"].traffic.run
    book = RunBook()
    truth = book.get(run).truth
    book.dispose()
    assert truth[0]["params"]["factor"] == 120.0 and truth[0]["onset_row"] == 600

    at.multiselect(key="scenario_features").set_value(["minutes_to_first_response"])
    at.radio(key="scenario_kind").set_value("pipeline")
    at.radio(key="scenario_root_cause").set_value("upstream-unit-change")
    at.selectbox(key="scenario_action").set_value("fix-pipeline")
    at.text_area(key="scenario_justification").input("minutes_to_first_response is in seconds")
    button(at, "Submit the diagnosis").click().run()
    text = clean(at, hidden)
    assert "Your interviewer has it and will go through it with you" in text
    result = at.session_state["scenario_grade"]
    assert result.hints_taken == 1 and result.score_cap == 85.0

    # The interviewer's mirror followed the flow's stages.
    stages = [e.data["stage"] for e in store.events(session.code) if e.kind == "stage"]
    assert stages[0] == "brief" and stages[-1] == "submitted"
    assert {"train", "threshold", "deploy", "production", "diagnose"} <= set(stages)
    assert next(e.data["threshold"] for e in store.events(session.code)
                if e.kind == "stage" and e.data["stage"] == "production") == 0.3

    # Every other candidate page, the attempt reopened from Progress included.
    for name in ("catalogue", "progress", "own_data"):
        page = candidate_page(name, session.code)
        clean(page, hidden)
        if name == "progress":
            page.selectbox(key="progress_attempt").set_value(
                int(page.dataframe[0].value.index[0])).run()
            assert "will go through it with you" in clean(page, hidden)

    # (2) Every route of the served API, as the candidate could call it.
    url = at.session_state["scenario_deployment"].url
    example = httpx.get(f"{url}/models/{MODEL}", timeout=30).json()["example"]
    responses = [httpx.get(f"{url}{path}", timeout=30) for path in (
        "/health", "/metrics", "/models", f"/models/{MODEL}", f"/models/{MODEL}/stats",
        f"/models/{MODEL}/stats?run={run}", "/docs", "/redoc", "/openapi.json", "/nowhere")]
    predicted = httpx.post(f"{url}/models/{MODEL}/predict", json={**example, "run": run},
                           timeout=30)
    responses += [predicted, httpx.post(
        f"{url}/models/{MODEL}/feedback", timeout=30,
        json={"labels": [{"request_id": predicted.json()["request_id"], "label": 1}]}),
        httpx.post(f"{url}/models/{MODEL}/reload", timeout=60),
        httpx.post(f"{url}/models/{MODEL}/predict", json={"features": {"x": 1}}, timeout=30)]
    assert [r.status_code for r in responses][:9] == [200] * 9
    for response in responses:
        assert not leaked(response.text, hidden), (response.url, leaked(response.text, hidden))

    # The command line a candidate may use (all but `run --reveal` and `grade`).
    from typer.testing import CliRunner

    from lab import cli

    monkeypatch.setenv("LAB_WORKSPACE", "alice")
    get_settings.cache_clear()
    runner = CliRunner()
    for args in (["scenarios", "--json"], ["runs", "--json"],
                 ["monitor", SCENARIO, "--run", run, "--json"]):
        result = runner.invoke(cli.app, args)
        assert result.exit_code == 0, (args, result.output)
        assert not leaked(result.output, hidden), (args, leaked(result.output, hidden))
    assert run in runner.invoke(cli.app, ["runs", "--json"]).output

    # (3) The candidate's browser cannot reach interviewer actions by setting keys by hand.
    forged = candidate_page("interviewer", session.code)
    forged.session_state["interviewer_token"] = "0" * 64
    forged.session_state["interviewer_code"] = session.code
    forged.session_state["interviewer_hint_button"] = True
    forged.run()
    clean(forged, hidden)
    assert [t.label for t in forged.text_input] == ["Interviewer passcode"]
    assert not [b for b in forged.button if b.label.startswith("Give hint")]
    assert "interviewer_token" not in forged.session_state
    with caplog.at_level(logging.WARNING, logger="lab.interview"):
        forged.text_input(key="interviewer_gate_passcode").input("guess")
        button(forged, "Unlock").click().run()
    clean(forged, hidden)
    assert [e.value for e in forged.error] == ["Wrong passcode."]
    assert "interviewer passcode refused" in caplog.text and "guess" not in caplog.text
    assert sum(e.kind == "hint" for e in store.events(session.code)) == 1  # nothing given

    # The same page with the passcode opens the key (the page works; it is just not theirs).
    forged.text_input(key="interviewer_gate_passcode").input("s3cret-panel")
    button(forged, "Unlock").click().run()
    assert not forged.exception
    assert scenario.questions.hints[1] in app_text(forged)
    assert "s3cret-panel" not in app_text(forged)
    assert "interviewer_gate_passcode" not in forged.session_state
    store.dispose()


def test_no_passcode_no_interviewer_page(lab_home):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["ws"] = "alice"
    at.run()
    assert "interviewer" not in at.session_state["app_pages"]
    assert "Join an interview" in [e.label for e in at.sidebar.expander]
