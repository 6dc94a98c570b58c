"""The sidebar: where each step stands, and where submissions go (sandbox or Akinon)."""
from __future__ import annotations

import streamlit as st

from addrmig.akinon.connection import AKINON, SANDBOX, check_connection, login
from addrmig.errors import AddrmigError
from addrmig.formatting import number
from addrmig.i18n import _, ngettext, set_language
from addrmig.workspace import Workspace
from pages._common import PAGES, token_for
from pages._session import policy, signed_in_email


def step_list(ws: Workspace) -> None:
    """One link per step with its state under it ("✓ 12,480 rows"). While a migration runs the
    list refreshes itself every second from the same store the Submit page writes to."""
    running = ws.submission is not None and ws.submission.in_progress
    st.fragment(_steps, run_every=1.0 if running else None)(ws)


def _steps(ws: Workspace) -> None:
    set_language(ws.language)  # a fragment's rerun runs in a thread of its own, without app.py's choice
    st.markdown("**" + _("Your migration") + "**")
    submission = ws.submission
    if submission is not None:
        from pages._session import history_for
        submission = history_for(ws).get(submission.id)
    for n, step in enumerate(ws.steps(submission), 1):
        st.page_link(PAGES[step.key], label=f"{n}. {step.title}")
        st.caption(f"{step.icon} {step.text}".strip())


def who(ws: Workspace) -> None:
    """Who is signed in (with sign-in configured), and how long this workspace is kept."""
    email = signed_in_email()
    if email:
        st.caption(_("Signed in as **{email}**").format(email=email))
        if st.button(_("Sign out"), key="sign_out"):
            st.logout()
    if ws.id:
        from pages._session import store

        hours = store().ttl.total_seconds() / 3600
        count = int(hours) if hours.is_integer() else 2  # a part of an hour is counted as "hours"
        st.caption(ngettext("Your work is kept on this server for {hours} hour after your last change; the page's "
                            "address brings it back (keep it private: it opens your file).",
                            "Your work is kept on this server for {hours} hours after your last change; the page's "
                            "address brings it back (keep it private: it opens your file).", count)
                   .format(hours=number(hours)))


def connection_settings(ws: Workspace) -> None:
    """Sandbox (default, no account needed) or a real Akinon installation."""
    conn = ws.connection
    st.divider()
    st.markdown("**" + _("Send addresses to") + "**")
    modes = {SANDBOX: _("Sandbox (practice, no account needed)"), AKINON: "Akinon"}
    conn.mode = st.radio(_("Send addresses to"), list(modes), format_func=modes.__getitem__,
                         index=0 if conn.mode == SANDBOX else 1, key="conn_mode", label_visibility="collapsed")
    if conn.mode == SANDBOX:
        st.caption(_("A practice server built into this app. Nothing leaves your computer."))
        return
    if "login_token" in st.session_state:  # a login just succeeded: widgets can only be set before they are drawn
        st.session_state["conn_token"] = st.session_state.pop("login_token")
        st.session_state["login_password"] = ""
    conn.url = st.text_input(_("Akinon URL"), value=conn.url, placeholder="https://yourshop.akinon.net",
                             key="conn_url").strip()
    conn.channel_id = st.text_input(_("Channel id"), value=conn.channel_id, key="conn_channel").strip()
    # The server's own token is used only where the deployment allows it, and never shown:
    # the page only learns whether it may be used.
    access = policy()
    conn.use_server_token = access.server_token_usable(signed_in_email()) and st.checkbox(
        _("Use this server's Akinon token"), value=True, key="conn_server_token",
        help=_("Whoever runs this app set a token for its Akinon; it stays on the server and is never shown."))
    # A token typed here stays in this session's memory only: no disk, no URL, no history.
    conn.token = st.text_input(_("API token"), type="password", key="conn_token", disabled=conn.use_server_token,
                               placeholder=_("the server's token is used") if conn.use_server_token else "")
    if conn.use_server_token:
        conn.token = ""
    with st.expander(_("No token? Log in")):
        user = st.text_input(_("User name"), key="login_user")
        password = st.text_input(_("Password"), type="password", key="login_password")
        if st.button(_("Log in"), key="login_button", disabled=not (conn.url and user and password)):
            try:
                st.session_state["login_token"] = login(conn.url, user, password)
                st.rerun()
            except AddrmigError as error:
                st.error(str(error))
    if st.button(_("Test connection"), key="test_connection", disabled=not conn.ready):
        try:
            st.success(check_connection(conn, token=token_for(conn)))
            ws.proven_scopes.add(conn.scope)  # Akinon took the token: this connection's history is theirs to see
        except AddrmigError as error:
            st.error(str(error))
