"""The scenario page's remedy step, driven through Streamlit's AppTest over a real server:
the outcome is kept with the attempt and shown on the progress page; a canary is served by
the server and compared per day; a serving scenario offers no model remedy."""

import pytest
from streamlit.testing.v1 import AppTest

from lab.attempts import AttemptStore
from lab.grade import Answers, Grade
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


def _progress_page():
    from lab.ui.pages import progress

    progress.page()


def test_fix_the_feed_and_see_every_remedy_side_by_side(lab_home):
    spec = load_scenario(SCENARIO)
    train(spec, seed=0, rows=6000, workspace="alice")
    store = AttemptStore(workspace="alice")
    attempt = store.save(spec, Grade(SCENARIO, 55.0, [], [], None, None),
                         Answers(action="fix-pipeline"), run="diagnosed")
    store.dispose()
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
        fixed = at.session_state["scenario_remedy_result"]
        assert f"Kept with attempt #{attempt}: its outcome." in [c.value for c in at.caption]
        _check_fixed(at, fixed)

        # A retrained challenger as a 30% canary: the server answers with both, compared.
        at.radio(key="scenario_remedy_choice").set_value("retrain").run()
        at.radio(key="scenario_remedy_rollout").set_value("canary").run()
        at.slider(key="scenario_remedy_share").set_value(0.3)
        at.button(key="scenario_remedy_button").click().run()
        assert not at.exception
    canary = at.session_state["scenario_remedy_result"]
    assert canary.rollout == "canary" and canary.comparison is not None
    assert 0.25 < canary.comparison.answered["challenger"] / canary.after.rows < 0.35
    assert "Champion against challenger (canary)" in [h.value for h in at.subheader]
    assert len(at.get("plotly_chart")) == 1
    windows = at.dataframe[-1].value
    assert set(windows["role"]) == {"champion", "challenger"}
    assert set(windows["version"]) == {1, 2}
    assert "after its graded outcome (the first remedy applied), ungraded." in " ".join(
        c.value for c in at.caption)

    # The progress page: the attempt's outcome is the first remedy's (the fixed feed).
    progress = AppTest.from_function(_progress_page, default_timeout=60)
    progress.session_state["workspace_name"] = "alice"
    progress.run()
    assert not progress.exception
    assert progress.dataframe[0].value.loc[attempt, "outcome"] == "10 / 10 (fix-pipeline)"
    progress.selectbox(key="progress_attempt").set_value(attempt).run()
    assert not progress.exception
    shown = {m.label: m.value for m in progress.metric}
    assert shown["Outcome"] == "10 / 10"
    assert shown["Cost a day, next week"] == f"{fixed.after.cost_per_day:,.0f}"
    kept = progress.dataframe[-1].value
    assert kept["remedy"].tolist() == ["fix-pipeline", "retrain (canary)"]
    assert kept["graded"].tolist() == [True, False]


def test_a_serving_scenario_offers_no_model_remedy(lab_home):
    at = AppTest.from_function(_remedy_page, default_timeout=60)
    at.session_state["test_url"] = "http://127.0.0.1:9"
    at.session_state["test_model"] = "alice.sla-slow-escalations"
    at.session_state["test_scenario"] = "sla-slow-escalations"
    at.run()
    assert not at.exception
    assert "graded by the service part" in at.info[0].value
    assert not [r for r in at.radio if r.key == "scenario_remedy_choice"]


def _check_fixed(at, result):
    shown = {m.label: m.value for m in at.metric}
    assert shown["Outcome"] == "10 / 10"
    assert shown["Cost a day, next week"] == f"{result.after.cost_per_day:,.0f}"
    table = at.dataframe[-1].value.set_index("remedy")
    assert {"nothing", "fix-pipeline", "retrain", "yours (fix-pipeline, served)"} <= set(
        table.index)
    assert table.loc["fix-pipeline", "cost_per_day"] < table.loc["nothing", "cost_per_day"]
    assert table.loc["yours (fix-pipeline, served)", "regret_per_day"] == pytest.approx(0,
                                                                                      abs=1)
