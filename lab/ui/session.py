"""Session state: every key of the scenario flow starts with ``scenario_``."""

from __future__ import annotations

import streamlit as st

FLOW_KEYS = ("scenario_trained", "scenario_deployment", "scenario_traffic",
             "scenario_monitor", "scenario_grade")


def open_scenario(scenario_id: str) -> None:
    if st.session_state.get("scenario_id") != scenario_id:
        for key in FLOW_KEYS:
            st.session_state.pop(key, None)
    st.session_state["scenario_id"] = scenario_id
    st.switch_page(st.session_state["app_pages"]["scenario"])


@st.cache_resource(show_spinner="Starting the model server...")
def model_server(home: str):
    """One FastAPI server for the app (shared by every session on this lab home).

    ``home`` only keys the cache: a different lab home gets its own server.
    """
    from lab.ui.flow import start_server

    return start_server()
