"""The candidate's whole flow, driven headless through Streamlit's AppTest."""

from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from lab.attempts import AttemptStore
from lab.grade import Answers, format_score
from lab.scenario import list_scenarios

pytestmark = pytest.mark.slow
APP = str(Path(__file__).resolve().parents[2] / "app.py")
SCENARIO = "sla-escalation-queue-flooded"
MODEL = f"alice.{SCENARIO}"


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_select_train_choose_deploy_traffic_answer_submit(lab_home):
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    # The first visit asks for a workspace before anything else.
    assert [t.value for t in at.title] == ["Driftlab"]
    assert not [b for b in at.button if b.key and b.key.startswith("catalogue_open_")]
    at.text_input(key="workspace_welcome_name").input("Not OK!")
    button(at, "Start").click().run()
    assert "workspace 'Not OK!' is not allowed" in at.error[0].value
    at.text_input(key="workspace_welcome_name").input("alice")
    button(at, "Start").click().run()
    assert at.query_params["ws"] == ["alice"] or at.query_params["ws"] == "alice"
    assert len([b for b in at.button if b.key.startswith("catalogue_open_")]) == len(
        list_scenarios())

    at.button(key=f"catalogue_open_{SCENARIO}").click().run()
    assert not at.exception
    at.number_input(key="scenario_reference_rows").set_value(6000)
    at.number_input(key="scenario_production_rows").set_value(4500)
    at.button(key="scenario_train_button").click().run()
    assert not at.exception
    assert f"{MODEL} v1 is your @champion (6,000 rows)" in at.success[0].value

    at.slider(key="scenario_threshold").set_value(0.3).run()
    shown = metrics(at)
    assert set(shown) >= {"precision", "recall", "alerts a day", "expected cost a day"}
    at.text_area(key="scenario_threshold_why").input("Missed breaches cost 7.5x a false alarm")

    at.button(key="scenario_deploy_button").click().run()
    assert not at.exception
    shown = metrics(at)
    assert shown["model version"] == "1" and shown["threshold"] == "0.300"
    deployment = at.session_state["scenario_deployment"]
    # The slider's threshold is what the server applies, and what it says it applies.
    served = httpx.get(f"{deployment.url}/models/{MODEL}", timeout=10).json()
    assert served["threshold"]["threshold"] == pytest.approx(0.3)

    at.button(key="scenario_traffic_button").click().run()
    assert not at.exception
    shown = metrics(at)
    assert shown["predictions"] == "4,500" and shown["error rate"] == "0.0%"
    done = at.session_state["scenario_production"]
    assert done.seconds < 120 and done.traffic.run.startswith("r")
    assert [t.label for t in at.tabs] == ["Drift per feature", "Data quality", "Performance",
                                         "Suspects", "What-if threshold"]
    # The window selector opens on the first window that alerted, with its reasons.
    first = done.monitoring["summary"]["first_alert"]
    assert first is not None
    assert at.selectbox(key="scenario_window").value == first["index"]
    assert any("Why this window alerted" in m.value for m in at.markdown)
    at.number_input(key="scenario_whatif_threshold").set_value(0.6).run()
    assert not at.exception
    assert "expected cost a day" in metrics(at)

    answers = Answers(features=["minutes_to_first_response"], kind="pipeline",
                      root_cause="upstream-unit-change", action="fix-pipeline", threshold=0.3,
                      justification="An upstream unit change to seconds broke precision.")
    at.multiselect(key="scenario_features").set_value(answers.features)
    at.radio(key="scenario_kind").set_value(answers.kind)
    at.radio(key="scenario_root_cause").set_value(answers.root_cause)
    at.selectbox(key="scenario_action").set_value(answers.action)
    at.number_input(key="scenario_new_threshold").set_value(answers.threshold)
    at.text_area(key="scenario_justification").input(answers.justification)
    button(at, "Submit the diagnosis").click().run()
    assert not at.exception

    expected = at.session_state["scenario_grade"]  # graded on the run the app showed
    assert metrics(at)["Score"] == format_score(expected.total, 100)
    parts = at.dataframe[-1].value.set_index("part")
    assert parts.loc["features", "points"] == "10 / 10"
    assert parts.loc["root_cause", "points"] == "10 / 10"
    assert parts.loc["action", "points"] == "10 / 10"
    assert parts.loc["claims", "points"] == "0 / 25"
    assert "Unanswered" in parts.loc["claims", "why"]
    assert any("unit_change" in m.value for m in at.markdown)
    # Submitted is final: the form is gone until the candidate tries again.
    assert not [m for m in at.multiselect if m.key == "scenario_features"]
    assert AttemptStore(workspace="alice").best_scores() == {SCENARIO: expected.total}
    assert AttemptStore(workspace="bob").best_scores() == {}
    button(at, "Try again").click().run()
    assert at.multiselect(key="scenario_features").value == []
    assert "scenario_grade" not in at.session_state

    for name, text in (("alice", f"Your best score: **{format_score(expected.total)}**"),
                       ("bob", "Not tried yet")):
        catalogue = AppTest.from_file(APP, default_timeout=60)
        catalogue.query_params["ws"] = name
        catalogue.run()
        assert text in [m.value for m in catalogue.markdown]
    progress = AppTest.from_function(_progress_page, default_timeout=60)
    progress.session_state["workspace_name"] = "alice"
    progress.run()
    assert not progress.exception
    assert [t.value for t in progress.title] == ["Progress"]
    assert progress.dataframe[0].value["scenario"].tolist() == [SCENARIO]
    attempt = int(progress.dataframe[0].value.index[0])
    progress.selectbox(key="progress_attempt").set_value(attempt).run()
    assert not progress.exception
    assert metrics(progress)["Score"] == format_score(expected.total, 100)


def _progress_page():
    from lab.ui.pages import progress

    progress.page()
