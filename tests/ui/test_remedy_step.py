"""The scenario page's remedy step, driven through Streamlit's AppTest over a real server."""

import pytest
from streamlit.testing.v1 import AppTest

from lab.scenario import load_scenario
from lab.serve.process import ServerProcess
from lab.train import train

pytestmark = pytest.mark.slow
SCENARIO = "sla-flagging-dropped-tuesday"
MODEL = f"alice.{SCENARIO}"


def _remedy_page():
    import streamlit as st

    from lab.scenario import load_scenario
    from lab.ui.flow import Deployment
    from lab.ui.remedy import remedy_step

    deployment = Deployment(st.session_state["test_url"], st.session_state["test_model"], 1,
                            0.3, 0.0, 0.0)
    remedy_step(load_scenario(st.session_state["test_scenario"]), {"production_rows": 6000},
                deployment)


def test_fix_the_feed_and_see_every_remedy_side_by_side(lab_home):
    train(load_scenario(SCENARIO), seed=0, rows=6000, workspace="alice")
    with ServerProcess(models=[MODEL]) as server:
        at = AppTest.from_function(_remedy_page, default_timeout=180)
        at.session_state["test_url"] = server.url
        at.session_state["test_model"] = MODEL
        at.session_state["test_scenario"] = SCENARIO
        at.run()
        assert not at.exception
        assert at.button(key="scenario_remedy_button").disabled  # nothing chosen yet
        at.radio(key="scenario_remedy_choice").set_value("fix-pipeline").run()
        at.slider(key="scenario_remedy_fixed_at").set_value(0.0)
        at.button(key="scenario_remedy_button").click().run()
        assert not at.exception
    result = at.session_state["scenario_remedy_result"]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Outcome"] == "10 / 10"
    assert shown["Cost a day, next week"] == f"{result.after.cost_per_day:,.0f}"
    table = at.dataframe[-1].value.set_index("remedy")
    assert {"nothing", "fix-pipeline", "retrain", "yours (fix-pipeline, served)"} <= set(
        table.index)
    assert table.loc["fix-pipeline", "cost_per_day"] < table.loc["nothing", "cost_per_day"]
    assert table.loc["yours (fix-pipeline, served)", "regret_per_day"] == pytest.approx(0,
                                                                                      abs=1)
