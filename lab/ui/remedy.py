"""The scenario page's remedy step: after the diagnosis, apply a remedy to the live model,
run the next week through the server, and see every remedy's outcome side by side.

The logic is :func:`lab.remediation.live.apply_remedy`; this module only lays it out.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lab.grade import format_score
from lab.remediation.live import ACTIONS, apply_remedy
from lab.remediation.retrain import SOURCES, RemedyError
from lab.ui import jobs
from lab.workspace import split_model_name

LABELS = {"nothing": "Do nothing", "fix-pipeline": "Fix the feed",
          "re-threshold": "Re-threshold the live model",
          "retrain": "Retrain (a @challenger)", "promote": "Promote the @challenger",
          "roll-back": "Roll @champion back"}
JOB = "scenario_remedy_job"


def run_remedy(spec, remedy: str, url: str, rows: int, progress=None, **options):
    """The remedy, in the app's job thread (``progress`` gets each step's name)."""
    return apply_remedy(spec, remedy, rows=rows, url=url, on_step=progress, **options)


def remedy_step(spec, settings, deployment, heading: str = "7. Remedy") -> None:
    st.header(heading)
    st.caption("Apply a remedy to your live model; the next week of production then runs "
               "through the server, with the fault still in place unless you fix it.")
    remedy = st.radio("Remedy", ACTIONS, index=None, format_func=LABELS.get,
                      key="scenario_remedy_choice", horizontal=True)
    options = remedy_options(remedy)
    clicked = st.button("Apply and run the next week", key="scenario_remedy_button",
                        disabled=remedy is None or jobs.running(JOB))
    if clicked or jobs.running(JOB):
        jobs.start(JOB, run_remedy, spec=spec, remedy=remedy, url=deployment.url,
                   rows=settings["production_rows"],
                   workspace=split_model_name(deployment.model)[0], **options)
        status = st.empty()
        try:
            st.session_state["scenario_remedy_result"] = jobs.wait(
                JOB, lambda step: status.info(f"{step}...") if step else None)
        except RemedyError as exc:
            st.error(str(exc))
        status.empty()
    result = st.session_state.get("scenario_remedy_result")
    if result is not None:
        outcome_view(result)


def remedy_options(remedy: str | None) -> dict:
    if remedy == "fix-pipeline":
        return {"fixed_at": st.slider("Fixed how far into the week", 0.0, 1.0, 0.0, 0.05,
                                      key="scenario_remedy_fixed_at")}
    if remedy == "re-threshold":
        value = st.number_input("New threshold (empty: the least cost on production "
                                "labelled since the onset)", 0.0, 1.0, value=None,
                                step=0.005, format="%.3f", key="scenario_remedy_threshold")
        return {"threshold": value}
    if remedy == "retrain":
        data = st.selectbox("Train on", SOURCES, index=2, key="scenario_remedy_data",
                            help="reference, the production rows labelled so far, or both")
        shadow = st.checkbox("Keep it in shadow (the champion keeps serving; both are "
                             "logged)", key="scenario_remedy_shadow")
        return {"data": data, "promote_challenger": not shadow}
    return {}


def outcome_view(result) -> None:
    part = result.outcome_part()
    champion = f"v{result.champion_before} → v{result.champion_after}"
    cols = st.columns(3)
    cols[0].metric("Cost a day, before", f"{result.before.cost_per_day:,.0f}")
    cols[1].metric("Cost a day, next week", f"{result.after.cost_per_day:,.0f}",
                   delta=f"{result.after.cost_per_day - result.before.cost_per_day:,.0f}",
                   delta_color="inverse")
    cols[2].metric("Outcome", format_score(part.points, part.maximum))
    st.caption(f"@champion {champion}; the week's run {result.run}. {part.why}")
    for note in result.notes:
        st.caption(note)
    st.dataframe(result.per_day(), hide_index=True)
    st.subheader("Every remedy on the same week")
    table = result.evaluation.table()
    yours = {"remedy": f"yours ({result.remedy}, served)", "accepted": None,
             "precision": result.after.precision, "recall": result.after.recall,
             "alerts_per_day": result.after.alerts_per_day,
             "cost_per_day": result.after.cost_per_day,
             "regret_per_day": result.regret_per_day}
    st.dataframe(pd.concat([table, pd.DataFrame([yours])], ignore_index=True),
                 hide_index=True)
    if result.shadow is not None:
        st.caption(f"Shadow: the challenger would have cost {result.shadow.cost_per_day:,.0f} "
                   f"a day on the same week.")
    for note in result.evaluation.notes:
        st.caption(f"Not evaluated: {note}")
