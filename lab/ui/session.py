"""Session state: every key of the scenario flow starts with ``scenario_``."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

FLOW_KEYS = ("scenario_trained", "scenario_deployment", "scenario_traffic",
             "scenario_monitor", "scenario_grade")
# Inputs whose values must survive a visit to another page. Streamlit forgets the state
# of a widget that a run did not draw; writing the value back makes it the app's own.
INPUT_PREFIXES = ("scenario_",)
NOT_INPUTS = ("_button", "_download", "_job", "_claims")  # the editor's state is not settable


def keep_inputs() -> None:
    for key in list(st.session_state):
        if not key.startswith(INPUT_PREFIXES) or key.endswith(NOT_INPUTS):
            continue
        try:
            st.session_state[key] = st.session_state[key]
        except StreamlitAPIException:  # buttons and form submitters cannot be set
            pass


def open_scenario(scenario_id: str) -> None:
    if st.session_state.get("scenario_id") != scenario_id:
        for key in [k for k in st.session_state if k.startswith("scenario_")]:
            del st.session_state[key]
    st.session_state["scenario_id"] = scenario_id
    st.switch_page(st.session_state["app_pages"]["scenario"])


@st.cache_resource(show_spinner="Starting the model server...")
def model_server(home: str):
    """One FastAPI server for the app, shared by every workspace on this lab home: each
    workspace's models have names of their own, so a deploy reloads only its own.

    ``home`` only keys the cache: a different lab home gets its own server. On a cohort's
    host (``LAB_SERVER_URL``) the app deploys to the shared server instead.
    """
    from types import SimpleNamespace

    from lab.config import get_settings
    from lab.ui.flow import start_server

    shared = get_settings().server_url
    return SimpleNamespace(url=shared.rstrip("/")) if shared else start_server()
