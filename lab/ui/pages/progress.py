import streamlit as st

from lab.attempts import AttemptStore
from lab.grade import format_score
from lab.ui import charts


def page() -> None:
    st.title("Progress")
    store = AttemptStore()
    attempts = store.frame()
    if attempts.empty:
        st.info("No attempt yet: finish a scenario to see your progress here.")
        return
    st.plotly_chart(charts.progress_over_time(attempts), key="progress_time")
    st.plotly_chart(charts.mastery(store.mastery()), key="progress_mastery")
    shown = attempts[["at", "scenario", "total"]].assign(
        total=attempts["total"].map(format_score))  # the feedback's rounding rule
    st.dataframe(shown, hide_index=True)
