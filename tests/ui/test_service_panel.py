"""The service panel's table and figures, from a monitoring JSON's service sections."""

from lab.monitor.service import HISTOGRAM_EDGES_MS
from lab.ui.service import (
    histogram_figure,
    latency_figure,
    load_figure,
    service_table,
    version_change,
)


def _window(i: int, p99: float, errors: dict[str, int]) -> dict:
    counts = [0] * (len(HISTOGRAM_EDGES_MS) - 1)
    counts[2] = 90
    counts[-1] = 10
    return {"index": i, "start": f"2026-01-0{i + 1} 00:00:00", "service": {
        "requests": 100, "seconds": 2.0, "throughput": 50.0,
        "latency_ms": {"p50": 6.0, "p95": 40.0, "p99": p99}, "errors_by_status": errors,
        "error_rate": sum(errors.values()) / 100, "versions": [1],
        "histogram": {"edges_ms": [*HISTOGRAM_EDGES_MS[:-1], None], "counts": counts}}}


def test_one_row_per_window_with_the_figures_of_its_service_section():
    monitoring = {"windows": [_window(0, 12.0, {}), _window(1, 900.0, {"422": 7}),
                              {"index": 2, "start": "x"}]}  # no service section: left out
    table = service_table(monitoring)
    assert table["window"].tolist() == [0, 1]
    assert table["p99 ms"].tolist() == [12.0, 900.0]
    assert table["errors"].tolist() == ["–", "422: 7"]
    assert table["error rate"].tolist() == [0.0, 0.07]
    fig = latency_figure(table)
    assert [t.name for t in fig.data] == ["p50 ms", "p95 ms", "p99 ms"]
    assert list(fig.data[2].y) == [12.0, 900.0]


def test_the_offered_rate_stands_beside_the_served_throughput():
    windows = [_window(0, 12.0, {}), _window(1, 900.0, {}), _window(2, 15.0, {})]
    for w, rate, waited in zip(windows, (40.0, 160.0), (9.0, 4200.0)):
        w["service"]["offered"] = {"requests": 100, "seconds": 100 / rate, "rate": rate,
                                   "latency_ms": {"p50": 3.0, "p95": 8.0, "p99": waited},
                                   "unanswered": 0}
    windows[2]["service"]["offered"] = None  # a run the lab did not send open-loop
    table = service_table({"windows": windows})
    assert table["offered /s"].tolist()[:2] == [40.0, 160.0]
    assert table["offered /s"].isna().tolist() == [False, False, True]
    assert table["client p99 ms"].tolist()[:2] == [9.0, 4200.0]
    fig = load_figure(table)
    assert [t.name for t in fig.data] == ["offered /s", "served /s"]
    assert list(fig.data[0].y)[:2] == [40.0, 160.0] and list(fig.data[1].y) == [50.0] * 3


def test_a_change_of_model_version_is_said_with_its_windows():
    windows = [_window(i, 12.0, {}) for i in range(3)]
    assert version_change({"windows": windows}) is None
    windows[1]["service"]["versions"], windows[2]["service"]["versions"] = [1, 2], [2]
    said = version_change({"windows": windows})
    assert "window 0: v1, window 1: v1 and v2, window 2: v2" in said


def test_the_histogram_labels_its_buckets_and_keeps_the_open_one():
    fig = histogram_figure(_window(1, 900.0, {}))
    bar = fig.data[0]
    assert bar.x[0] == "0–2" and bar.x[-1] == "≥5000"
    assert sum(bar.y) == 100 and bar.y[-1] == 10


def _form_app(sid: str):
    import streamlit as st

    from lab.scenario import load_scenario
    from lab.ui.service import service_answer_inputs

    with st.form("diagnosis"):
        out = service_answer_inputs(load_scenario(sid))
        st.form_submit_button("Submit")
    st.session_state["out"] = out


def test_the_budget_scenario_asks_for_model_workers_rate_and_p99():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_form_app, args=("sla-latency-budget",)).run()
    at.selectbox(key="scenario_chosen_model").select("hist_gradient_boosting")
    at.number_input(key="scenario_workers").set_value(2)
    at.number_input(key="scenario_measured_p99").set_value(42.5)
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["out"] == {"chosen_model": "hist_gradient_boosting", "workers": 2,
                                       "measured_rate": 40.0, "measured_p99_ms": 42.5}


def test_a_cause_scenario_asks_for_the_remedy_and_a_non_serving_one_for_nothing():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_form_app, args=("sla-slow-escalations",)).run()
    at.selectbox(key="scenario_service_remedy").select("cache-or-timeout-dependency")
    at.button[0].click().run()
    assert at.session_state["out"] == {"service_remedy": "cache-or-timeout-dependency",
                                       "measured_p99_ms": None}
    at = AppTest.from_function(_form_app, args=("sla-flagging-dropped-tuesday",)).run()
    assert at.session_state["out"] == {} and not at.number_input
