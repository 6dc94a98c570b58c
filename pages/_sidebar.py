"""The sidebar: where each step stands, and where submissions go (sandbox or Akinon)."""
from __future__ import annotations

import os

import streamlit as st

from addrmig.akinon.connection import AKINON, SANDBOX, check_connection, login
from addrmig.errors import AddrmigError
from addrmig.workspace import Workspace
from pages._common import PAGES


def step_list(ws: Workspace) -> None:
    """One link per step with its state under it ("✓ 12,480 rows"). While a migration runs the
    list refreshes itself every second from the same store the Submit page writes to."""
    running = ws.submission is not None and ws.submission.status in ("sending", "started")
    st.fragment(_steps, run_every=1.0 if running else None)(ws)


def _steps(ws: Workspace) -> None:
    st.markdown("**Your migration**")
    submission = ws.submission
    if submission is not None:
        from pages._common import history
        submission = history().get(submission.id)
    for n, step in enumerate(ws.steps(submission), 1):
        st.page_link(PAGES[step.key], label=f"{n}. {step.title}")
        st.caption(f"{step.icon} {step.text}".strip())


def _default_token() -> str:
    token = os.environ.get("AKINON_TOKEN", "")
    if token:
        return token
    try:
        return str(st.secrets.get("AKINON_TOKEN", ""))
    except Exception:  # no secrets.toml at all: Streamlit raises its own parse/not-found errors
        return ""


def connection_settings(ws: Workspace) -> None:
    """Sandbox (default, no account needed) or a real Akinon installation."""
    conn = ws.connection
    st.divider()
    st.markdown("**Send addresses to**")
    choice = st.radio("Send addresses to", ["Sandbox (practice, no account needed)", "Akinon"],
                      index=0 if conn.mode == SANDBOX else 1, key="conn_mode", label_visibility="collapsed")
    conn.mode = SANDBOX if choice.startswith("Sandbox") else AKINON
    if conn.mode == SANDBOX:
        st.caption("A practice server built into this app. Nothing leaves your computer.")
        return
    if "conn_token" not in st.session_state:
        st.session_state["conn_token"] = _default_token()
    if "login_token" in st.session_state:  # a login just succeeded: widgets can only be set before they are drawn
        st.session_state["conn_token"] = st.session_state.pop("login_token")
        st.session_state["login_password"] = ""
    conn.url = st.text_input("Akinon URL", value=conn.url, placeholder="https://yourshop.akinon.net",
                             key="conn_url").strip()
    conn.channel_id = st.text_input("Channel id", value=conn.channel_id, key="conn_channel").strip()
    # The token stays in this session's memory only: no disk, no URL, no history.
    conn.token = st.text_input("API token", type="password", key="conn_token",
                               help="Also read from the AKINON_TOKEN environment variable or Streamlit secrets.")
    with st.expander("No token? Log in"):
        user = st.text_input("User name", key="login_user")
        password = st.text_input("Password", type="password", key="login_password")
        if st.button("Log in", key="login_button", disabled=not (conn.url and user and password)):
            try:
                st.session_state["login_token"] = login(conn.url, user, password)
                st.rerun()
            except AddrmigError as error:
                st.error(str(error))
    if st.button("Test connection", key="test_connection", disabled=not conn.ready):
        try:
            st.success(check_connection(conn))
        except AddrmigError as error:
            st.error(str(error))
