import streamlit as st

from lab.attempts import AttemptStore
from lab.grade import Grade, format_score
from lab.ui import charts, workspace
from lab.ui.feedback import feedback
from lab.ui.remedy import kept_remedies, outcome_cell


def page() -> None:
    st.title("Progress")
    store = AttemptStore(workspace=workspace.current())
    attempts = store.frame()
    if attempts.empty:
        st.info("No attempt yet: finish a scenario to see your progress here.")
        return
    st.plotly_chart(charts.progress_over_time(attempts), key="progress_time")
    st.plotly_chart(charts.mastery(store.mastery()), key="progress_mastery")
    shown = attempts[["id", "at", "scenario", "total"]].assign(
        at=attempts["at"].dt.strftime("%d %b %Y %H:%M"),
        total=attempts["total"].map(format_score),  # the feedback's rounding rule
        outcome=attempts["remedies"].map(outcome_cell))
    st.dataframe(shown.set_index("id"))
    labels = {int(r.id): f"#{int(r.id)} · {r.scenario} · {format_score(r.total)} · "
                         f"{r.at:%d %b %H:%M}" for r in attempts.itertuples()}
    chosen = st.selectbox("Open a past attempt", list(labels)[::-1], index=None,
                          format_func=labels.get, key="progress_attempt",
                          placeholder="Choose an attempt to see its feedback")
    if chosen is not None:
        saved = store.grade_of(chosen)
        if saved is not None:
            feedback(Grade.from_dict(saved["grade"]), heading=f"Attempt #{chosen}")
            kept_remedies(saved["remedies"])
            with st.expander("Your answers"):
                st.json(saved["answers"])
    store.dispose()
