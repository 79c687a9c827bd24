"""Driftlab in the browser: `streamlit run app.py` (or `driftlab start`)."""

import streamlit as st

from lab.interview import passcode
from lab.ui import workspace
from lab.ui.pages import catalogue, interviewer, own_data, progress, scenario
from lab.ui.session import keep_inputs

st.set_page_config(page_title="Driftlab", layout="wide")
pages = {
    "catalogue": st.Page(catalogue.page, title="Catalogue", url_path="catalogue", default=True),
    "scenario": st.Page(scenario.page, title="Scenario", url_path="scenario"),
    "progress": st.Page(progress.page, title="Progress", url_path="progress"),
    "own_data": st.Page(own_data.page, title="Your data", url_path="your-data"),
}
if passcode.enabled():  # interviewer pages exist only when LAB_INTERVIEWER_PASSCODE is set
    pages["interviewer"] = st.Page(interviewer.page, title="Interviewer", url_path="interviewer")
st.session_state["app_pages"] = pages
navigation = st.navigation(list(pages.values()))
keep_inputs()
name = workspace.current()
if name is None and navigation.url_path != "interviewer":  # an interviewer needs none
    workspace.welcome()
else:
    if name is not None:
        workspace.sidebar(name)
    navigation.run()
