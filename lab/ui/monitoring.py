"""The production view's monitoring panels: what is abnormal comes first, in colour."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from lab.evaluation import operating_curve, point_at
from lab.monitor import alerts
from lab.ui import charts
from lab.ui import format as fmt

TIER_COLOURS = {alerts.ALARM: "background-color: #ffcdd2", alerts.WARN:
                "background-color: #fff3c4", alerts.OK: ""}
# Which checks colour which column of the feature tables, with the alert module's levels.
COLUMN_LEVELS = {"effect": alerts.FEATURE_EFFECT, "missing_delta": alerts.MISSING_CHANGE,
                 "unseen_share": alerts.UNSEEN_SHARE,
                 "out_of_range_share": alerts.OUT_OF_RANGE}


def first_alert_index(monitoring: dict[str, Any]) -> int:
    """The window a candidate should look at first: the first that alerted."""
    first = monitoring["summary"].get("first_alert")
    return int(first["index"]) if first else 0


def window_label(window: dict[str, Any]) -> str:
    return f"{window['index']}: {fmt.day(window['start'])} · {window['alert']}"


def cell_tier(column: str, value: Any, drifted: bool = True) -> str:
    levels = COLUMN_LEVELS.get(column)
    if levels is None or value is None or (column == "effect" and not drifted):
        return alerts.OK
    return alerts.tier(abs(float(value)), levels)


def feature_rows(window: dict[str, Any]) -> pd.DataFrame:
    """One row per feature with its worst tier, most severe (then largest) first."""
    rows = []
    for name, f in window["features"].items():
        tiers = [cell_tier(c, f.get(c), f.get("drifted", False)) for c in COLUMN_LEVELS]
        # Calendar features are matched, not tested: their spread is the week's, not drift.
        worst = alerts.OK if f.get("seasonal") else alerts.worst(tiers)
        size = max(abs(f.get("missing_delta") or 0), f.get("unseen_share") or 0,
                   f.get("out_of_range_share") or 0, (f.get("effect") or 0) * f["drifted"])
        rows.append({"feature": name, "status": worst, **f, "_size": size,
                     "_rank": -alerts.TIERS.index(worst)})
    frame = pd.DataFrame(rows).sort_values(["_rank", "_size"], ascending=[True, False])
    return frame.drop(columns=["_rank", "_size"]).set_index("feature")


def styled(frame: pd.DataFrame, columns: list[str]):
    """The feature table with each cell that crossed a warn or alarm level coloured."""
    part = frame[["status", *columns]]

    def colour(row: pd.Series) -> list[str]:
        drifted = bool(frame.loc[row.name].get("drifted", False))
        if frame.loc[row.name].get("seasonal"):
            return [""] * len(part.columns)
        return [TIER_COLOURS[row["status"]] if c == "status" else
                TIER_COLOURS[cell_tier(c, row[c], drifted)] for c in part.columns]

    formats = {c: "{:.3f}" for c in columns if pd.api.types.is_float_dtype(part[c])}
    return part.style.apply(colour, axis=1).format(formats, na_rep="–")


def reasons(window: dict[str, Any]) -> None:
    if not window["reasons"]:
        st.success("Nothing in this window crossed a warn or alarm level.")
        return
    # A bordered panel, not an error box: an alarm is a finding, not a failure of the app.
    colour = "red" if window["alert"] == alerts.ALARM else "orange"
    with st.container(border=True):
        st.markdown(f":{colour}[**Why this window alerted ({window['alert']})**]\n\n"
                    + "\n".join(f"- {r}" for r in window["reasons"]))


def suspects_table(ranked: list[dict[str, Any]], top: int = 6) -> pd.DataFrame:
    if not ranked:
        return pd.DataFrame(columns=["feature", "score", "input_change",
                                     "relationship_change", "importance"])
    return pd.DataFrame(ranked[:top]).set_index("feature")


def performance_table(window: dict[str, Any]) -> pd.DataFrame:
    names = ("precision", "recall", "f1", "base_rate", "cost_per_day")
    realised = window["realised"] or {}
    return pd.DataFrame({"estimated (from scores)": [window["estimated"].get(n) for n in names],
                         "realised (from labels)": [realised.get(n) for n in names]},
                        index=list(names))


def whatif(log: pd.DataFrame, start, costs, rows_per_day: float, deployed: float,
           key: str) -> None:
    """Precision, recall, alerts a day and cost of a threshold the candidate types, on the
    production rows labelled so far (from ``start`` on)."""
    part = log[(log["event_time"] >= pd.Timestamp(start)) & log["label"].notna()]
    if len(part) < 50:
        st.info("Too few labelled production rows yet to judge a threshold here.")
        return
    y = part["label"].to_numpy().astype(int)
    scores = part["score"].to_numpy(dtype=float)
    st.session_state.setdefault(key, float(round(deployed, 3)))
    threshold = st.number_input("Threshold to try", 0.0, 1.0, step=0.005, format="%.3f",
                                key=key)
    fp, fn = costs.false_positive, costs.false_negative
    yours = point_at(y, scores, threshold, fp, fn, rows_per_day)
    now = point_at(y, scores, deployed, fp, fn, rows_per_day)
    a, b, c, d = st.columns(4)
    a.metric("precision", fmt.ratio(yours.precision),
             delta=f"{yours.precision - now.precision:+.3f} vs deployed")
    b.metric("recall", fmt.ratio(yours.recall),
             delta=f"{yours.recall - now.recall:+.3f} vs deployed")
    c.metric("alerts a day", fmt.count(yours.alerts_per_day),
             delta=f"{yours.alerts_per_day - now.alerts_per_day:+,.0f}", delta_color="off")
    d.metric("expected cost a day", fmt.money(yours.cost_per_day, costs.currency),
             delta=f"{yours.cost_per_day - now.cost_per_day:+,.0f}", delta_color="inverse")
    capacity = costs.review_capacity_per_day
    if capacity and yours.alerts_per_day > capacity:
        st.warning(f"{yours.alerts_per_day:,.0f} alerts a day is "
                   f"{yours.alerts_per_day - capacity:,.0f} over the review capacity of "
                   f"{capacity:,}.")
    st.caption(f"On {len(part):,} labelled production rows from {fmt.moment(start)} on "
               f"(the deployed threshold is {deployed:.3f}).")
    curve = operating_curve(y, scores, fp, fn, rows_per_day)
    st.plotly_chart(charts.operating_curve(curve, threshold, capacity=capacity,
                                           title="Threshold trade-off on labelled production"),
                    key=f"{key}_curve")
