import streamlit as st

from lab.attempts import AttemptStore
from lab.grade import format_score
from lab.scenario import list_scenarios
from lab.ui import workspace
from lab.ui.session import open_scenario


def page() -> None:
    st.title("Driftlab")
    st.caption("Pick a scenario: a real model, real traffic, a hidden fault. Find it.")
    store = AttemptStore(workspace=workspace.current())
    best = store.best_scores()
    store.dispose()
    scenarios = list_scenarios()
    columns = st.columns(3)
    for i, scenario in enumerate(scenarios):
        with columns[i % 3].container(border=True):
            st.subheader(scenario.title)
            st.caption(" · ".join(scenario.topics))
            st.write(f"**{scenario.difficulty}** · about {scenario.minutes} minutes")
            score = best.get(scenario.id)
            st.write(f"Your best score: **{format_score(score)}**" if score is not None
                     else "Not tried yet")
            if st.button("Open", key=f"catalogue_open_{scenario.id}"):
                open_scenario(scenario.id)
