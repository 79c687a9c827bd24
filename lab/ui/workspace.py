"""The candidate's workspace in the app: chosen on the first visit, kept in the URL
(``?ws=alice``, so a reload or a bookmark keeps it), switchable from the sidebar."""

from __future__ import annotations

import streamlit as st

from lab import workspace as workspaces

KEY = "workspace_name"
QUERY = "ws"
FLOW_PREFIX = "scenario_"


def current() -> str | None:
    """The workspace of this browser session, or None before one is chosen."""
    name = st.session_state.get(KEY)
    if name is None and QUERY in st.query_params:
        try:
            name = workspaces.validate(st.query_params[QUERY])
        except workspaces.WorkspaceError:
            name = None
        st.session_state[KEY] = name
    if name is not None:
        st.query_params[QUERY] = name  # page switches drop the query: put it back
    return name


def use(name: str) -> None:
    """Switch to ``name``: what the scenario flow held belonged to the previous one."""
    name = workspaces.validate(name)
    if st.session_state.get(KEY) != name:
        for key in [k for k in st.session_state if k.startswith(FLOW_PREFIX)]:
            del st.session_state[key]
    st.session_state[KEY] = name
    st.query_params[QUERY] = name


def welcome() -> None:
    """The first visit: ask for a workspace name before anything else."""
    st.title("Driftlab")
    st.write("Every candidate works in a workspace of their own: your models, deployments, "
             "production runs and attempts are yours alone. Choose a name you will recognise "
             "(it stays in this page's address, so a bookmark brings you back).")
    with st.form("workspace_welcome"):
        name = st.text_input("Workspace name", placeholder="e.g. alice",
                             key="workspace_welcome_name")
        if st.form_submit_button("Start"):
            _apply(name)
    st.write("Joining an interview? Enter the code your interviewer gave you.")
    from lab.ui.interview import join_box

    join_box("welcome")


def sidebar(name: str) -> None:
    with st.sidebar:
        st.markdown(f"Workspace: **{name}**")
        with st.expander("Switch workspace"):
            with st.form("workspace_switch", border=False):
                other = st.text_input("Another workspace", key="workspace_switch_name")
                if st.form_submit_button("Switch"):
                    _apply(other)
        from lab.ui.interview import banner, join_box

        with st.expander("Join an interview"):
            join_box("sidebar")
    banner()


def _apply(name: str) -> None:
    try:
        use(name)
    except workspaces.WorkspaceError as exc:
        st.error(str(exc))
        return
    st.rerun()
