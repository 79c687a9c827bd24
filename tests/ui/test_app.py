"""The candidate's whole flow, driven headless through Streamlit's AppTest."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lab.attempts import AttemptStore
from lab.grade import Answers, format_score

pytestmark = pytest.mark.slow
APP = str(Path(__file__).resolve().parents[2] / "app.py")
SCENARIO = "sla-response-units"


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_select_train_choose_deploy_traffic_answer_submit(lab_home):
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    assert len([b for b in at.button if b.key.startswith("catalogue_open_")]) == 7

    at.button(key=f"catalogue_open_{SCENARIO}").click().run()
    assert [t.value for t in at.title] == ["The response clock that went 60x slow"]
    at.number_input(key="scenario_reference_rows").set_value(6000)
    at.number_input(key="scenario_production_rows").set_value(4500)
    at.button(key="scenario_train_button").click().run()
    assert not at.exception
    assert "is the @champion (6,000 rows)" in at.success[0].value

    at.slider(key="scenario_threshold").set_value(0.3).run()
    shown = metrics(at)
    assert set(shown) >= {"precision", "recall", "alerts a day", "expected cost a day"}
    at.text_area(key="scenario_threshold_why").input("Missed breaches cost 7.5x a false alarm")

    at.button(key="scenario_deploy_button").click().run()
    assert not at.exception
    assert metrics(at)["model version"] == "1"

    at.button(key="scenario_traffic_button").click().run()
    assert not at.exception
    shown = metrics(at)
    assert shown["requests"] == "4,500" and shown["error rate"] == "0.0%"
    assert [t.label for t in at.tabs] == ["Drift per feature", "Data quality", "Performance",
                                         "Suspects"]

    answers = Answers(features=["minutes_to_first_response"], kind="pipeline",
                      root_cause="upstream-unit-change", action="fix-pipeline", threshold=0.3,
                      justification="An upstream unit change to seconds broke precision.")
    at.multiselect(key="scenario_features").set_value(answers.features)
    at.radio(key="scenario_kind").set_value(answers.kind)
    at.radio(key="scenario_root_cause").set_value(answers.root_cause)
    at.selectbox(key="scenario_action").set_value(answers.action)
    at.number_input(key="scenario_new_threshold").set_value(answers.threshold)
    at.text_area(key="scenario_justification").input(answers.justification)
    at.button[-1].click().run()
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
    assert AttemptStore().best_scores() == {SCENARIO: expected.total}

    catalogue = AppTest.from_file(APP, default_timeout=60)
    catalogue.run()
    assert f"Best score: **{expected.total:.0f}**" in [m.value for m in catalogue.markdown]
    progress = AppTest.from_function(_progress_page, default_timeout=60)
    progress.run()
    assert not progress.exception
    assert [t.value for t in progress.title] == ["Progress"]
    assert progress.dataframe[0].value["scenario"].tolist() == [SCENARIO]


def _progress_page():
    from lab.ui.pages import progress

    progress.page()
