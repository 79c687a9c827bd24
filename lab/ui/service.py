"""The production view's service panel: load, throughput, latency and errors per window.

Beside the model metrics, from the monitoring JSON's ``service`` sections (what the server
logged, and what the lab's load generator meant to send: the offered rate). A window with no
service section (a summary replayed offline) shows a note.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lab.ui.charts import COLOURS, LEGEND_BELOW


def service_table(monitoring: dict[str, Any]) -> pd.DataFrame:
    """One row per window: requests, offered rate and served throughput, p50/p95/p99 (the
    server's, and the client's p99 from each intended send time), error rate, errors by
    status, and the model versions that served it."""
    rows = []
    for w in monitoring["windows"]:
        s = w.get("service")
        if not s:
            continue
        offered = s.get("offered") or {}
        rows.append({"window": w["index"], "start": w["start"], "requests": s["requests"],
                     "offered /s": offered.get("rate"),
                     "throughput /s": s["throughput"], "p50 ms": s["latency_ms"]["p50"],
                     "p95 ms": s["latency_ms"]["p95"], "p99 ms": s["latency_ms"]["p99"],
                     "error rate": s["error_rate"],
                     "errors": ", ".join(f"{k}: {v}" for k, v in s["errors_by_status"].items())
                     or "–",
                     "client p99 ms": (offered.get("latency_ms") or {}).get("p99"),
                     "versions": ", ".join(str(v) for v in s["versions"])})
    return pd.DataFrame(rows)


def load_figure(table: pd.DataFrame) -> go.Figure:
    """Offered rate against served throughput per window: past the server's capacity the
    served line stays flat while the offered one climbs (the gap queues)."""
    fig = go.Figure()
    for name, dash, colour in (("offered /s", "dash", COLOURS["threshold"]),
                               ("throughput /s", "solid", COLOURS["capacity"])):
        fig.add_trace(go.Scatter(x=table["window"], y=table[name], mode="lines+markers",
                                 name="served /s" if name == "throughput /s" else name,
                                 line={"dash": dash, "color": colour}))
    fig.update_layout(title="Offered rate and served throughput per window",
                      xaxis_title="window", yaxis_title="requests / s", height=320,
                      legend=LEGEND_BELOW, margin={"t": 40, "b": 90, "l": 50, "r": 10})
    return fig


def latency_figure(table: pd.DataFrame) -> go.Figure:
    """p50, p95 and p99 per window: a queue shows as p99 leaving p50 behind."""
    fig = go.Figure()
    for name, dash in (("p50 ms", "solid"), ("p95 ms", "dot"), ("p99 ms", "dash")):
        fig.add_trace(go.Scatter(x=table["window"], y=table[name], name=name,
                                 mode="lines+markers", line={"dash": dash,
                                                             "color": COLOURS["cost"]}))
    fig.update_layout(title="Server latency per window", xaxis_title="window",
                      yaxis_title="ms", height=320, legend=LEGEND_BELOW,
                      margin={"t": 40, "b": 90, "l": 50, "r": 10})
    return fig


def histogram_figure(window: dict[str, Any]) -> go.Figure:
    """The window's latency distribution, in the server's fixed buckets."""
    hist = window["service"]["histogram"]
    edges = hist["edges_ms"]
    labels = [f"{lo:g}–{hi:g}" if hi is not None else f"≥{lo:g}"
              for lo, hi in zip(edges[:-1], edges[1:])]
    fig = go.Figure(go.Bar(x=labels, y=hist["counts"], marker={"color": COLOURS["rows"]}))
    fig.update_layout(title=f"Latency histogram, window {window['index']}",
                      xaxis_title="ms (server, commit included)", yaxis_title="requests",
                      height=320, margin={"t": 40, "b": 40, "l": 50, "r": 10})
    return fig


def version_change(monitoring: dict[str, Any]) -> str | None:
    """Say so when the run was served by more than one model version, and where."""
    served = [(w["index"], w.get("service", {}).get("versions") or []) for w in
              monitoring["windows"] if w.get("service")]
    if len({v for _i, versions in served for v in versions}) < 2:
        return None
    where = ", ".join(f"window {i}: v{' and v'.join(map(str, versions))}"
                      for i, versions in served)
    return (f"This run was served by more than one model version ({where}). Each window's "
            "model figures are of the version that served most of it, against that "
            "version's own reference.")


def service_panel(monitoring: dict[str, Any], window: dict[str, Any]) -> None:
    """The panel (called once from the production view's monitoring section)."""
    table = service_table(monitoring)
    with st.expander("Service: load, throughput, latency, errors per window",
                     expanded=False):
        if table.empty or not window.get("service"):
            st.caption("No service figures: this summary was not read from a server's log.")
            return
        changed = version_change(monitoring)
        if changed:
            st.info(changed)
        left, right = st.columns(2)
        left.plotly_chart(latency_figure(table), key="service_latency")
        right.plotly_chart(histogram_figure(window), key="service_histogram")
        if table["offered /s"].notna().any():
            left.plotly_chart(load_figure(table), key="service_load")
        st.dataframe(table, hide_index=True)
        st.caption("Offered: the rate the clients meant to send (from each request's intended "
                   "send time); served: what the server logged per second. The server's own "
                   "latency starts when it begins the request and ends after the commit: "
                   "time queued before it is only in the client's p99 (from each request's "
                   "intended send time). Versions: the model versions that served the "
                   "window.")


REMEDY_LABELS = {"cache-or-timeout-dependency": "Cache or time out the slow dependency",
                 "scale-or-shed-load": "Scale out or shed load",
                 "roll-back-model": "Roll the model back",
                 "fix-client-schema": "Fix the client's schema",
                 "nothing": "Nothing: the service is fine"}


def service_answer_inputs(spec) -> dict[str, Any]:
    """The answer sheet's service parts, inside the diagnosis form (serving scenarios only)."""
    key = spec.questions.answer.service
    if key is None:
        return {}
    st.markdown("**Service**")
    out: dict[str, Any] = {}
    if key.remedies:
        out["service_remedy"] = st.selectbox(
            "Remedy", list(REMEDY_LABELS), index=None, format_func=REMEDY_LABELS.get,
            key="scenario_service_remedy")
    if key.p99_budget_ms is not None:
        left, right = st.columns(2)
        out["chosen_model"] = left.selectbox(
            "Model you ship", ["logistic_regression", "hist_gradient_boosting",
                               "random_forest"], index=None, key="scenario_chosen_model")
        out["workers"] = int(right.number_input("Workers", 1, 16, 1, key="scenario_workers"))
        out["measured_rate"] = st.number_input(
            "Rate you measured at (requests/s)", 0.0, 5000.0, float(key.rate or 0),
            key="scenario_measured_rate") or None
    p99 = st.number_input("p99 you measured (ms, 0 = not stated)", 0.0, 1e6, 0.0,
                          key="scenario_measured_p99")
    out["measured_p99_ms"] = p99 or None
    return out
