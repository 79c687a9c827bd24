"""The feedback on a graded attempt: the same view right after grading and when a past
attempt is reopened from Progress."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lab.grade import format_score


def feedback(result, heading: str = "6. Feedback") -> None:
    from lab.ui.interview import keeps_feedback

    if keeps_feedback(result):  # during an interview the debrief is the interviewer's
        return
    st.header(heading)
    st.metric("Score", format_score(result.total, 100))
    st.dataframe(pd.DataFrame([{"part": p.name, "points": format_score(p.points, p.maximum),
                                "why": p.why} for p in result.parts]), hide_index=True)
    for note in result.notes:
        st.caption(note)
    if result.claims:
        st.subheader("Your claims, checked against your run")
        st.dataframe(pd.DataFrame([{**c["claim"], "observed": c["observed"],
                                    "holds": c["holds"], "bears on the truth": c["bears"],
                                    "points": c["points"]} for c in result.claims]),
                     hide_index=True)
    st.subheader("What was injected")
    if not result.truth:
        st.write("Nothing: this was a control run. Any alarm would have been a false one.")
    for t in result.truth:
        st.write(f"**{t['kind']}** ({t['category']}) on {t['features'] or 'the labels'}, "
                 f"{t['shape']} from {t['onset_time']}: {t['root_cause']}")
    best, yours = result.best, result.yours
    if best and yours:
        where = ("clean data" if result.threshold_rule == "clean-data"
                 else "current labelled production")
        st.write(f"Best threshold on {where}: **{best['threshold']:.3f}** "
                 f"({best['cost_per_day']:,.0f} a day); yours: {yours['threshold']:.3f} "
                 f"({yours['cost_per_day']:,.0f} a day).")
    st.write(f"Rubric concepts found: {', '.join(result.concepts_found) or 'none'}; "
             f"missed: {', '.join(result.concepts_missed) or 'none'}.")
    st.subheader("Debrief")
    st.markdown(result.debrief)
    with st.expander("A model answer"):
        st.markdown(result.model_answer)
