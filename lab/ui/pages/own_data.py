"""Your data: upload a reference and a current file, name the columns, read the summary."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from lab.owndata import OwnDataError, monitor_own_data
from lab.owndata.files import read_upload
from lab.owndata.synthetic import example_frame
from lab.owndata.timeline import timeline_figure
from lab.ui import monitoring

NONE = "(none)"


@st.cache_data(max_entries=4, show_spinner=False)
def _read(data: bytes, name: str, role: str) -> pd.DataFrame:
    return read_upload(data, name, role)


@st.cache_data(max_entries=4, show_spinner="Comparing the files...")
def _summary(ref: pd.DataFrame, cur: pd.DataFrame, target: str | None,
             prediction: str | None, timestamp: str | None, window: str) -> dict[str, Any]:
    return monitor_own_data(ref, cur, target, prediction, timestamp, window or None).to_dict()


def _example() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A week of loans and four days after it, income up 1.5 sd from the third day."""
    ref = example_frame(6000, seed=1)
    cur = example_frame(8000, seed=2, start="2026-02-01", days=4)
    cur.loc[cur["when"] >= "2026-02-03", "income"] += 15.0
    return ref, cur


def _files() -> tuple[pd.DataFrame, pd.DataFrame] | None:
    left, right = st.columns(2)
    ref_file = left.file_uploader("Reference (what the model was trained or validated on)",
                                  type=["csv", "parquet", "pq", "tsv"], key="own_reference")
    cur_file = right.file_uploader("Current (production data to check)",
                                   type=["csv", "parquet", "pq", "tsv"], key="own_current")
    if st.button("No files at hand? Use an example pair", key="own_example"):
        st.session_state["own_use_example"] = True
    if ref_file is not None and cur_file is not None:
        st.session_state["own_use_example"] = False
        return (_read(ref_file.getvalue(), ref_file.name, "reference"),
                _read(cur_file.getvalue(), cur_file.name, "current"))
    if st.session_state.get("own_use_example"):
        st.caption("Example: columns `defaulted` (target), `prediction`, `when` (timestamp).")
        return _example()
    return None


def _column(label: str, options: list[str], guess: str | None, key: str) -> str | None:
    choices = [NONE, *options]
    index = choices.index(guess) if guess in choices else 0
    chosen = st.selectbox(label, choices, index=index, key=key)
    return None if chosen == NONE else chosen


def _guess(columns: list[str], names: tuple[str, ...]) -> str | None:
    return next((c for c in columns if c.lower() in names), None)


def page() -> None:
    st.title("Your data")
    st.write("Compare a current file with a reference file (CSV or Parquet), window by "
             "window, with the same checks as the scenarios: drift per feature, data "
             "quality, alerts with reasons, ranked suspects, and performance where a target "
             "and a prediction column exist.")
    try:
        frames = _files()
    except OwnDataError as exc:
        st.error(str(exc))
        return
    if frames is None:
        st.info("Upload both files to begin.")
        return
    ref, cur = frames
    columns = [c for c in ref.columns if c in cur.columns]
    a, b, c, d = st.columns(4)
    with a:
        target = _column("Target (binary label)", list(ref.columns),
                         _guess(list(ref.columns), ("target", "label", "y", "defaulted")),
                         "own_target")
    with b:
        prediction = _column("Prediction (probability)", columns,
                             _guess(columns, ("prediction", "score", "proba")),
                             "own_prediction")
    with c:
        timestamp = _column("Timestamp", list(cur.columns),
                            _guess(list(cur.columns), ("timestamp", "time", "when", "date")),
                            "own_timestamp")
    with d:
        window = st.text_input("Window", "1d" if timestamp else "",
                               help="A duration (12h, 1d, 1w) with a timestamp, or a number "
                                    "of rows; empty = the whole current file.",
                               key=f"own_window_{bool(timestamp)}")
    try:
        result = _summary(ref, cur, target, prediction, timestamp, window.strip())
    except OwnDataError as exc:
        st.error(str(exc))
        return
    show(result)


def show(result: dict[str, Any]) -> None:
    summary = result["summary"]
    a, b, c = st.columns(3)
    a.metric("windows", summary["windows"])
    b.metric("in alarm", summary["windows_in_alarm"])
    c.metric("reference rows", f"{result['reference']['rows']:,}")
    st.plotly_chart(timeline_figure(result), key="own_timeline")
    windows = result["windows"]
    first = monitoring.first_alert_index(result)
    index = st.selectbox("Window", [w["index"] for w in windows], index=first,
                         format_func=lambda i: f"{i}: {windows[i]['start'][:16]} · "
                                               f"{windows[i]['alert']}",
                         key="own_window_index", help="Opens on the first window that alerted.")
    window = windows[index]
    monitoring.reasons(window)
    rows = monitoring.feature_rows(window)
    drift, quality, perf, suspects, notes = st.tabs(
        ["Drift per feature", "Data quality", "Performance", "Suspects", "Notes"])
    with drift:
        st.dataframe(monitoring.styled(rows, ["method", "statistic", "effect", "drifted"]))
    with quality:
        st.dataframe(monitoring.styled(rows, ["missing_share", "missing_delta", "unseen_share",
                                              "out_of_range_share", "constant"]))
    with perf:
        if window["estimated"] is None and window["realised"] is None:
            st.info("No prediction column: no performance to show.")
        else:
            names = ("precision", "recall", "f1", "base_rate")
            est, real = window["estimated"] or {}, window["realised"] or {}
            st.dataframe(pd.DataFrame({"estimated (from scores)": [est.get(n) for n in names],
                                       "realised (from labels)": [real.get(n) for n in names]},
                                      index=list(names)).style.format("{:.3f}", na_rep="–"))
    with suspects:
        st.markdown("**From the first alert on** (the whole current file if none)")
        st.dataframe(monitoring.suspects_table(result["suspects"]))
    with notes:
        for note in result["notes"]:
            st.caption(note)
    st.download_button("Download the summary (JSON)", data=json.dumps(result, default=str),
                       file_name="monitoring.json", mime="application/json",
                       key="own_download")
