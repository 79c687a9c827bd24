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
from lab.remediation.serving import SERVICE_PART, serving_only
from lab.ui import charts, jobs
from lab.workspace import split_model_name

LABELS = {"nothing": "Do nothing", "fix-pipeline": "Fix the feed",
          "re-threshold": "Re-threshold the live model",
          "retrain": "Retrain (a @challenger)", "promote": "Promote the @challenger",
          "roll-back": "Roll @champion back"}
JOB = "scenario_remedy_job"


THEN = {"promote": "Promote it now", "shadow": "Shadow: it scores every request, the "
        "champion answers", "canary": "Canary: it answers a share of requests"}


def run_remedy(spec, remedy: str, url: str, rows: int, progress=None, **options):
    """The remedy, in the app's job thread (``progress`` gets each step's name); its
    outcome is kept with the candidate's newest attempt at the scenario."""
    result = apply_remedy(spec, remedy, rows=rows, url=url, on_step=progress, **options)
    result.keep(options.get("workspace"))
    return result


def remedy_step(spec, settings, deployment, heading: str = "7. Remedy") -> None:
    st.header(heading)
    if serving_only(spec):
        # No model remedy changes a serving fault: offering them would grade noise.
        st.info(SERVICE_PART[0].upper() + SERVICE_PART[1:] + ".")
        return
    st.caption("Apply a remedy to your live model; the next week of production then runs "
               "through the server, with the fault still in place unless you fix it. The "
               "first remedy you apply is your attempt's outcome.")
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
        then = st.radio("Then", list(THEN), format_func=THEN.get, horizontal=True,
                        key="scenario_remedy_rollout", help="Shadow and canary: the server "
                        "serves the @challenger beside the @champion for the week, and you "
                        "see them compared per day; promote it afterwards if it won.")
        share = 0.3
        if then == "canary":
            share = st.slider("Share of requests the challenger answers", 0.05, 0.5, 0.3, 0.05,
                              key="scenario_remedy_share")
        return {"data": data, "rollout": then, "share": share}
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
    for note in result.evaluation.notes:
        st.caption(f"Not evaluated: {note}")
    if result.comparison is not None:
        comparison_view(result.comparison)
    kept = result.attempt
    if kept is not None:
        st.caption(f"Kept with attempt #{kept['id']}: " + (
            "its outcome." if kept["graded"] else
            "after its graded outcome (the first remedy applied), ungraded."))
        for note in kept["notes"]:
            st.caption(note)


def comparison_view(comparison) -> None:
    """Champion against challenger per day, as the server served and logged them."""
    st.subheader(f"Champion against challenger ({comparison.mode})")
    st.caption(comparison.verdict() + ". Realised on the week's labels; a canary's cost is "
               "its share's, scaled to the whole traffic.")
    st.plotly_chart(charts.champion_vs_challenger(comparison.per_window),
                    key="scenario_remedy_comparison")
    st.dataframe(comparison.per_window, hide_index=True)


def kept_remedies(remedies: list[dict]) -> None:
    """An attempt's remedies as kept (the progress page): the graded outcome, then all."""
    from lab.remediation.record import graded

    if not remedies:
        return
    st.subheader("Remedy after the diagnosis")
    first = graded(remedies)
    if first is not None:
        part = first["outcome"]
        cols = st.columns(3)
        cols[0].metric("Outcome", format_score(part["points"], part["maximum"]))
        before, after = first["before"]["cost_per_day"], first["after"]["cost_per_day"]
        cols[1].metric("Cost a day, next week", f"{after:,.0f}",
                       delta=f"{after - before:,.0f}", delta_color="inverse")
        cols[2].metric(f"Best ({first['best']['remedy']})",
                       f"{first['best']['cost_per_day']:,.0f}")
        st.caption(part["why"])
        for note in first["notes"]:
            st.caption(note)
    st.dataframe(pd.DataFrame([{
        "applied": r["at"], "remedy": r["remedy"] + (f" ({r['rollout']})" if r.get("rollout")
                                                     else ""),
        "graded": r["graded"], "cost a day before": r["before"]["cost_per_day"],
        "cost a day after": r["after"]["cost_per_day"], "regret a day": r["regret_per_day"],
        "compared before promotion": r.get("compared_before_promotion"),
        "week's run": r["run"]} for r in remedies]), hide_index=True)


def outcome_cell(remedies_json: str | None) -> str:
    """The progress table's outcome column: the graded remedy's points, or a dash."""
    import orjson

    from lab.remediation.record import graded

    first = graded(orjson.loads(remedies_json)) if remedies_json else None
    if first is None:
        return "–"
    part = first["outcome"]
    return f"{format_score(part['points'], part['maximum'])} ({first['remedy']})"
