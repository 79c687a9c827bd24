"""The production step's Load test panel, for a scenario with a p99 budget.

The candidate picks models, workers and a rate; the load test runs as a background job (one
candidate at a time, each trained then served alone and sent records open-loop); every test
is saved in the workspace, so the table and the plot of expected cost against p99 come back
after a rerun and grading reads the same tests.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lab.load.candidates import CandidateStep, candidate_kinds
from lab.loadtest import (
    DEFAULT_REQUESTS,
    DEFAULT_WORKERS,
    MAX_WORKERS,
    LoadTestError,
    budget_of,
    load_test_table,
    run_load_tests,
)
from lab.ui import jobs
from lab.ui.charts import COLOURS, LEGEND_BELOW
from lab.workspace.loadtests import saved_load_tests

JOB = "scenario_loadtest_job"
MODEL_COLOURS = {"logistic_regression": "#1f77b4", "hist_gradient_boosting": "#2ca02c",
                 "random_forest": "#d62728"}
MODEL_LABELS = {"logistic_regression": "Logistic regression",
                "hist_gradient_boosting": "Gradient-boosted trees (small)",
                "random_forest": "Random forest (large)"}


def cost_p99_figure(table: pd.DataFrame, budget_ms: float) -> go.Figure:
    """Expected cost a day against p99, one point per model x workers, the budget a line:
    the cheapest point left of the line is the one to look at."""
    fig = go.Figure()
    for kind, rows in table.groupby("model", sort=False):
        rows = rows[rows["p99 ms"].notna()]
        fig.add_trace(go.Scatter(
            x=rows["p99 ms"].tolist(), y=rows["cost /day"].tolist(), mode="markers+text",
            name=kind,
            text=[f"{w} worker{'s' if w > 1 else ''}" for w in rows["workers"]],
            # Odd workers above their point, even below: near points keep their labels apart.
            textposition=["top center" if w % 2 else "bottom center" for w in rows["workers"]],
            marker={"size": 13, "color": MODEL_COLOURS.get(kind, COLOURS["curve"])},
            hovertemplate="%{text}<br>p99 %{x:.1f} ms<br>cost %{y:,.0f} a day<extra>"
                          + kind + "</extra>"))
    # The budget as a trace, not a shape: shapes on a log axis take log units.
    costs = table["cost /day"].dropna()
    low, high = (float(costs.min()), float(costs.max())) if len(costs) else (0.0, 1.0)
    pad = max((high - low) * 0.15, 0.05 * max(abs(high), 1.0))
    fig.add_trace(go.Scatter(x=[budget_ms, budget_ms], y=[low - pad, high + pad],
                             mode="lines+text", name=f"budget {budget_ms:g} ms",
                             text=["", f"budget {budget_ms:g} ms"],
                             textposition="top right", hoverinfo="skip",
                             line={"dash": "dash", "color": COLOURS["threshold"]}))
    p99s = [x for x in table["p99 ms"].dropna()] + [budget_ms]
    wide = max(p99s) / max(min(p99s), 1e-3) > 20  # a queue's p99 dwarfs the others
    if wide:  # whole numbers on a 1-2-5 scale, not plotly's bare minor digits
        low_ms, high_ms = min(p99s) / 2, max(p99s) * 2
        ticks = [m * 10 ** e for e in range(-1, 7) for m in (1, 2, 5)
                 if low_ms <= m * 10 ** e <= high_ms]
        fig.update_xaxes(type="log", range=[math.log10(low_ms), math.log10(high_ms)],
                         tickvals=ticks, ticktext=[f"{t:,g}" for t in ticks])
    else:
        fig.update_xaxes(range=[0, max(p99s) * 1.15])
    fig.update_layout(title="Expected cost a day against p99 (open loop, your load tests)",
                      xaxis_title="p99 ms, from each request's intended send time",
                      yaxis_title="expected cost a day", height=400, legend=LEGEND_BELOW,
                      margin={"t": 50, "b": 100, "l": 60, "r": 10})
    return fig


def load_test_panel(spec, workspace: str, settings: dict) -> None:
    """The panel (nothing for a scenario without a p99 budget)."""
    budget = budget_of(spec)
    if budget is None:
        return
    kinds = candidate_kinds()
    with st.expander(f"Load test: the candidate models at {budget.rate:g} requests/s",
                     expanded=True):
        st.caption("Each chosen model is trained, served alone by a real server with the "
                   "workers you choose, and sent the scenario's records open-loop (Poisson "
                   "arrivals) at the rate; p99 is measured from each request's intended send "
                   "time, so queueing counts. Every load test is kept in your workspace.")
        models = st.multiselect("Candidate models", kinds, default=kinds,
                                format_func=MODEL_LABELS.get, key="scenario_loadtest_models")
        left, middle, right = st.columns(3)
        workers = left.slider("Workers", 1, MAX_WORKERS, DEFAULT_WORKERS,
                              key="scenario_loadtest_workers")
        rate = middle.number_input("Arrival rate (requests/s)", 1.0, 1000.0,
                                   float(budget.rate), step=5.0, key="scenario_loadtest_rate")
        requests = right.number_input("Requests per model", 100, 20_000, DEFAULT_REQUESTS,
                                      step=100, key="scenario_loadtest_requests")
        clicked = st.button("Run the load test", key="scenario_loadtest_button",
                            disabled=not models or jobs.running(JOB))
        if clicked or jobs.running(JOB):
            jobs.start(JOB, run_load_tests, scenario=spec, kinds=list(models),
                       workers=int(workers), rate=float(rate), requests=int(requests),
                       seed=settings["seed"], train_rows=settings["reference_rows"],
                       workspace=workspace)
            bar = st.progress(0.0, text="starting the load test")

            def show(step: CandidateStep) -> None:
                bar.progress(step.done / step.total, text=step.text)

            try:
                done = jobs.wait(JOB, show)
                bar.progress(1.0, text=f"{len(done)} load test(s) saved")
            except (LoadTestError, RuntimeError) as exc:  # bad input, a server that failed
                st.error(f"The load test stopped: {exc}")
        tests = saved_load_tests(workspace, spec.id)
        if not tests:
            st.info("No load test yet: choose the models and run one.")
            return
        table = load_test_table(tests, budget.p99_ms, budget.rate)
        st.plotly_chart(cost_p99_figure(table, budget.p99_ms), key="scenario_loadtest_plot")
        st.dataframe(table, hide_index=True)
        st.caption(f"The newest test of each model × workers ({len(tests)} kept). p99 is what "
                   "a caller waits; the server's p99 starts when it begins the request. "
                   "Expected cost a day is the model's on its test split, at its own "
                   "validation threshold.")
