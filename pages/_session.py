"""Who is using the app and which workspace is theirs: sign-in, the workspace kept on the
server under the id in the page's URL, and what they may see of the submission history.

The rules live in the library (``addrmig.access``, ``addrmig.persistence``,
``addrmig.storage``); this module only reads Streamlit's request (secrets, the signed-in
user, the URL) and hands them over.
"""
from __future__ import annotations

import logging
import os

import streamlit as st

from addrmig.access import AccessPolicy, owner_of, policy_from
from addrmig.errors import AddrmigError
from addrmig.formatting import in_language
from addrmig.i18n import _, ngettext, normalise, set_language
from addrmig.workspace import Workspace

WORKSPACE_PARAM = "w"
log = logging.getLogger("addrmig")


def _secrets() -> dict:
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except Exception:  # no secrets.toml at all: Streamlit raises its own parse/not-found errors
        return {}


def policy() -> AccessPolicy:
    """This deployment's access policy (sign-in, allow-list, the server's token)."""
    found = policy_from(_secrets(), os.environ, st.get_option("server.address"))
    refusal = found.server_token_refusal()
    if refusal:
        _log_once(refusal)
    return found


@st.cache_resource(show_spinner=False)
def _logged() -> set[str]:
    return set()


def _log_once(message: str) -> None:
    said = _logged()
    if message not in said:
        said.add(message)
        log.warning(message)


def signed_in_email() -> str | None:
    """The signed-in user's e-mail, or None (no sign-in configured, or nobody signed in)."""
    try:
        user = st.user
        return str(user.email) if user.is_logged_in and user.get("email") else None
    except Exception:  # no [auth] configured: st.user has nothing to say
        return None


def gate(access: AccessPolicy) -> None:
    """With sign-in configured, stop here until an allowed user is signed in; in the language of
    ``?lang=`` in the URL, else the browser's (no workspace is open yet)."""
    if not access.sign_in:
        return
    set_language(language_for(None))
    st.set_page_config(page_title=_("Address migration to Akinon"))
    email = signed_in_email()
    if email is None:
        st.title(_("Address migration to Akinon"))
        st.write(_("Sign in to upload address files, check them and send them to Akinon."))
        if st.button(_("Sign in"), type="primary", key="sign_in"):
            st.login()
        st.stop()
    if not access.admits(email):
        st.title(_("Address migration to Akinon"))
        st.error(_("You are signed in as **{email}**, but this address is not on the list of people who may use "
                   "this app. Ask whoever runs it to add you (or your company's domain), or sign in with another "
                   "account.").format(email=email))
        if st.button(_("Sign out"), key="sign_out_refused"):
            st.logout()
        st.stop()


@st.cache_resource(show_spinner=False)
def _store(url: str, directory: str):
    from addrmig.storage.database import open_database
    from addrmig.storage.workspaces import WorkspaceStore

    return WorkspaceStore(open_database(url or None, directory or None))


def store():
    """The workspace store of this server's database."""
    return _store(os.environ.get("ADDRMIG_DATABASE_URL", ""), os.environ.get("ADDRMIG_DATA_DIR", ""))


def _loader(data: bytes, name: str, options: dict):
    from addrmig.workspace import sha256
    from pages._common import load_file, options_key

    return load_file(sha256(data), data, name, options_key(options))


def workspace() -> Workspace:
    """This session's Workspace: the one named in the URL (a reload, another tab, another
    replica) when it is still on the server and this user's, else a new one."""
    ws = st.session_state.get("workspace")
    if ws is None:
        ws = _open()
        st.session_state["workspace"] = ws
        _watch_session(ws)  # a big file's memory goes back to the system soon after the session ends
    if ws.id and st.query_params.get(WORKSPACE_PARAM) != ws.id:
        st.query_params[WORKSPACE_PARAM] = ws.id
    return ws


def _session_ended(session: str) -> bool:
    """Streamlit holds ``session`` neither as connected nor as disconnected but resumable (within
    ``server.disconnectedSessionTTL``). False when that cannot be told: a session is never ended
    by guess."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return False
    sessions = getattr(Runtime.instance(), "_session_mgr", None)  # no public way to ask for the resumable ones
    if sessions is None or not hasattr(sessions, "get_session_info"):
        return False
    return sessions.get_session_info(session) is None


@st.cache_resource(show_spinner=False)
def _ended_sessions():
    from addrmig.jobs import EndedSessions
    from addrmig.limits import return_memory_promptly

    return_memory_promptly()  # once per server, before its first big file
    return EndedSessions(_session_ended)


class _SessionHoldings:
    """What a session holds beyond its script runs: its workspace, and the pages' memos (the file
    as read, its check reports). Streamlit may keep an ended session's state a while; these go
    when it ends."""

    def __init__(self, ws: Workspace, memos: list[dict]) -> None:
        self.ws, self.memos = ws, memos

    def close(self) -> None:
        self.ws.close()
        for memo in self.memos:
            memo.clear()


def _watch_session(ws: Workspace) -> None:
    """This session's memory given back soon after it ends (``jobs.EndedSessions``)."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from pages._common import SESSION_MEMOS

    context = get_script_run_ctx()
    if context is not None and Runtime.exists():
        # Kept by the session's state, so watched (weakly) as long as the session may use it.
        holdings = _SessionHoldings(ws, [st.session_state.setdefault(slot, {}) for slot in SESSION_MEMOS])
        st.session_state["session_holdings"] = holdings
        _ended_sessions().watch(context.session_id, holdings)


def _open() -> Workspace:
    from addrmig.persistence import fingerprint, restore

    email = signed_in_email()
    asked = st.query_params.get(WORKSPACE_PARAM)
    # The language choose_language will pick, already now: the notes below, and what restoring the
    # workspace reads and checks again, are in it.
    set_language(language_for(None))
    try:
        workspaces = store()
        if asked:
            stored = workspaces.load(asked, owner_of(email, asked))
            if stored is not None:
                set_language(language_for((stored.state or {}).get("language")))
                restored = restore(stored, workspaces, _loader)
                ws = restored.workspace
                if restored.note:
                    st.session_state["workspace_note"] = ("warning", restored.note)
                if restored.submission_id is not None:
                    try:
                        ws.submission = history_for(ws).get(restored.submission_id)
                    except (KeyError, AddrmigError):
                        pass
                ws.saved_state = (fingerprint(ws), ws.file_sha)
                ws.memory = _memory(workspaces, ws.owner)
                return ws
            hours = _ttl_hours(workspaces)
            st.session_state["workspace_note"] = (
                "info", ngettext("The workspace of that link is no longer on this server: workspaces are kept "
                                 "{n} hour after their last use. This is a new one.",
                                 "The workspace of that link is no longer on this server: workspaces are kept "
                                 "{n} hours after their last use. This is a new one.",
                                 int(hours) if hours.is_integer() else 2).format(n=in_language(f"{hours:g}")))
        ws = Workspace()
        ws.id = workspaces.create(owner_of(email, "") if email else None)
        ws.owner = owner_of(email, ws.id)
        ws.memory = _memory(workspaces, ws.owner)
        return ws
    except AddrmigError as error:
        st.session_state["workspace_note"] = ("warning", _("Your work cannot be kept on the server for now ({error}); "
                                                           "it lasts as long as this browser tab.").format(error=error))
        return Workspace()


def _memory(workspaces, owner: str):
    """The place choices and rules of ``owner`` (the signed-in user, else this workspace), in the
    server's database: never one memory for every visitor."""
    from addrmig.locations.corrections import Corrections

    return Corrections(workspaces.database, owner=owner)


def _ttl_hours(workspaces) -> float:
    return workspaces.ttl.total_seconds() / 3600


def uploaded_bytes(ws: Workspace) -> bytes | None:
    """The uploaded file's bytes, from the server's store once the workspace has let go of them."""
    from addrmig.persistence import file_bytes

    return file_bytes(ws, store())


def persist(ws: Workspace) -> None:
    """Save the workspace when something kept changed since the last save (never the token)."""
    if not ws.id:
        return
    from addrmig.persistence import fingerprint, save

    now = fingerprint(ws)
    saved_print, saved_file = ws.saved_state
    if now == saved_print:
        return
    try:
        save(ws, store(), with_file=ws.file_sha is not None and ws.file_sha != saved_file)
    except AddrmigError as error:
        st.sidebar.warning(_("Your latest changes could not be kept on the server ({error}).").format(error=error))
        return
    ws.saved_state = (now, ws.file_sha)


def show_workspace_note() -> None:
    """What happened to the workspace of the URL, once, in the page."""
    note = st.session_state.pop("workspace_note", None)
    if note:
        kind, text = note
        (st.warning if kind == "warning" else st.info)(text)


def viewer(ws: Workspace):
    """Who is looking at the history: this session's owner and the connections it proved a token for."""
    from addrmig.storage.visibility import LOCAL, Viewer

    return Viewer(ws.owner or LOCAL, frozenset(ws.proven_scopes))


def history_for(ws: Workspace):
    """The submission history as this session may see it."""
    from pages._common import history

    return history().seen_by(viewer(ws))


LANGUAGE_NAMES = {"en": "English", "tr": "Türkçe"}


def language_for(kept: str | None) -> str:
    """The language of this run: ``?lang=`` in the URL, else ``kept`` (the workspace's), else the
    browser's (Turkish for a Turkish browser, English otherwise)."""
    return (normalise(st.query_params.get("lang")) or normalise(kept)
            or ("tr" if normalise(getattr(st.context, "locale", None)) == "tr" else "en"))


def choose_language(ws: Workspace) -> str:
    """The language of this run (:func:`language_for`), kept with the workspace and made current for
    every message."""
    ws.language = language_for(ws.language)
    return set_language(ws.language)


def language_switch(ws: Workspace) -> None:
    """The sidebar's language switch; the choice is kept with the workspace and in the URL."""
    codes = list(LANGUAGE_NAMES)
    picked = st.selectbox("Dil / Language", codes, index=codes.index(ws.language or "en"),
                          format_func=LANGUAGE_NAMES.__getitem__, key="language")
    if picked != ws.language:
        ws.language = picked
        st.query_params["lang"] = picked
        st.rerun()
