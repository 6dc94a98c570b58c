"""What every page shares: the session's Workspace, cached library calls, small widgets.

Pure results are cached on the file's content (its sha256 plus the reading
options) in the session, so moving between pages re-reads nothing; the sandbox and
the bundled location database are one per server process (st.cache_resource).
"""
from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from addrmig.akinon.connection import SANDBOX, Connection
from addrmig.errors import AddrmigError
from addrmig.formatting import number, plural  # noqa: F401 - re-exported to the pages
from addrmig.i18n import _, language
from addrmig.paging import PAGE_SIZE, page_count, page_of  # noqa: F401 - re-exported to the pages
from addrmig.workspace import Workspace

if TYPE_CHECKING:
    from addrmig.akinon.client import AkinonClient
    from addrmig.akinon.sandbox import Sandbox
    from addrmig.history import History
    from addrmig.locations.db import LocationDB
    from addrmig.pipeline import Loaded
    from addrmig.validation import Report

PAGES = {
    "upload": "pages/upload.py",
    "check": "pages/check.py",
    "places": "pages/locations.py",
    "export": "pages/export.py",
    "submit": "pages/submit.py",
}


def workspace() -> Workspace:
    """This session's Workspace (``pages._session``: kept on the server under the id in the URL)."""
    from pages._session import workspace as current

    return current()


def options_key(options: dict) -> tuple:
    """Reading options as a hashable, ordered key (the cache of ``load_file`` needs one)."""
    out = []
    for k, v in sorted(options.items()):
        if v is None:
            continue
        out.append((k, tuple(sorted(v.items())) if isinstance(v, dict) else v))
    return tuple(out)


def need_rows(ws: Workspace) -> bool:
    """Say so when the file holds no address rows (a header only); True when the page can go on."""
    if ws.rows:
        return True
    st.warning(_("**{file}** has no address rows: only a header, or nothing under it. Check that you exported the "
                 "right sheet or table, then upload the file again.").format(file=ws.file_name))
    st.page_link(PAGES["upload"], label=_("Back to step 1: Upload"), icon=":material/upload_file:")
    return False


def need_file(ws: Workspace) -> bool:
    """Say what is missing and link back when no file is loaded; True when the page can go on."""
    if ws.has_file:
        return True
    st.info(_("There is no file yet. Start by uploading your address export — or try the sample file."))
    st.page_link(PAGES["upload"], label=_("Go to step 1: Upload a file"), icon=":material/upload_file:")
    return False


# ---------------------------------------------------------------- cached steps
# Kept in the session's own state, keyed on the file's content, and gone with the session: a
# million-row file's parsed rows and check report take hundreds of MB, which a cache shared by
# every session would hold long after the session that made them had ended. Each is built
# once per key (pages rerun on every click) and only the latest few keys are kept.
KEEP_LOADED, KEEP_REPORTS = 1, 2
#: A big file (``jobs.worker_rows()`` rows or more) keeps one check report: the one before an edit
#: (hundreds of MB on a million rows) would be held beside the next for a quicker undo only.
KEEP_BIG_REPORTS = 1
#: The session's memos of big objects (the file as read, its check reports): emptied when the session ends.
LOADED_FILES, CHECK_REPORTS = "loaded_files", "check_reports"
SESSION_MEMOS = (LOADED_FILES, CHECK_REPORTS)


def session_memo(slot: str, key: tuple, build, keep: int):
    """``build()`` once per ``key`` in this session, the ``keep`` latest keys kept (in ``slot``)."""
    memo = st.session_state.setdefault(slot, {})
    if key in memo:
        memo[key] = memo.pop(key)  # the latest used last
    else:
        while len(memo) >= keep:
            memo.pop(next(iter(memo)))
        memo[key] = build()
    return memo[key]


def load_file(sha: str, data: bytes, name: str, options: tuple) -> Loaded:
    """``pipeline.load`` on the bytes, once per sha256 and reading options in this session."""
    from addrmig.pipeline import load
    return session_memo(LOADED_FILES, (sha, name, options), lambda: load(data, name, **dict(options)), KEEP_LOADED)


def validate_frame(key: str, frame: pd.DataFrame) -> Report:
    """``validation.validate`` once per content key (file, options, edits) and language (the report's
    messages are in the language it was made in) in this session. A big file's checks are shared
    out to worker processes forked from the server, while the page's thread only waits."""
    from addrmig.jobs import CHECK_NICENESS, worker_rows
    from addrmig.parallel import available_workers
    from addrmig.validation import validate

    return session_memo(CHECK_REPORTS, (key, language()), lambda: validate(
        frame, workers=available_workers(), here=False, nice=CHECK_NICENESS),
        KEEP_REPORTS if len(frame) < worker_rows() else KEEP_BIG_REPORTS)


def let_go_of_upload(file_id: str) -> None:
    """Drop an uploaded file's bytes from Streamlit's memory once the page has read them: its
    uploader keeps every file it received for the whole session (a million-row file: 151 MB),
    though the workspace has the file and the server's store a copy. The uploader still shows
    the file's name; it gives None from then on, as after a removal."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None and ctx.uploaded_file_mgr is not None:
        ctx.uploaded_file_mgr.remove_file(ctx.session_id, file_id)


def places_resolver():
    """The resolver as the server runs it: a big file's rows shared out to worker processes
    forked from the server (``addrmig.parallel``, as ``fix`` does), nicer than the server, while
    the page's thread only waits (``here=False``): other users' pages are not held up."""
    from functools import partial

    from addrmig.jobs import NICENESS
    from addrmig.locations.resolver import resolve
    from addrmig.parallel import available_workers

    return partial(resolve, workers=available_workers(), here=False, nice=NICENESS)


def check(ws: Workspace) -> Report:
    """The checks of the workspace's current version, as the pages show them (:func:`validate_frame`; after an
    edit, only the columns it changed checked again), with a big file's place rule answered by a worker meanwhile."""
    from functools import partial

    from addrmig.jobs import CHECK_NICENESS
    from addrmig.parallel import available_workers
    from addrmig.rechecking import recheck

    return ws.report(lambda frame: validate_frame(ws.content_key(), frame), nice=CHECK_NICENESS,
                     recheck=partial(recheck, workers=available_workers(), here=False, nice=CHECK_NICENESS))


def check_quietly(ws: Workspace) -> None:
    """:func:`check`, for what runs besides the Check page (the sidebar's counts, the work done
    ahead): a file the checks cannot run on is the Check page's to explain."""
    try:
        check(ws)
    except AddrmigError:
        pass


def work_ahead(ws: Workspace) -> None:
    """For a big file just read (no edit made yet), once the Upload page is drawn: its checks now, while the user reads
    the page (the Check page finds them done, or waits for the rest instead of starting again), then
    its places matched in worker processes nicer than the server, while the user goes on to the
    checks: the Places page takes what is done (:meth:`Workspace.resolve_ahead`; nothing when it is
    under way or done for this version). Only the Upload page starts it: an edit on the Check page
    makes the work stale, and starting it again at every edit would keep a shared server's cores
    busy for nothing.

    The workspace is saved between the two (``persist``): the server's store takes the file's bytes
    and the workspace lets go of them before the place workers are forked (pages a child shares stay
    held until it ends), and the save does not wait for the end of the script, which a click to the
    next page cuts short."""
    from addrmig.jobs import worker_rows
    from pages._session import persist

    if not (ws.has_file and ws.rows >= worker_rows()) or ws.edits:
        return  # small, or no longer the file just read: the pages do their own work
    check_quietly(ws)
    persist(ws)
    if not ws.resolution_ready:
        ws.resolve_ahead(places_resolver(), ws.location_db or bundled_db())


@st.cache_resource(show_spinner=False)
def bundled_db() -> LocationDB:
    """The bundled Türkiye location database, once per server."""
    from addrmig.locations.db import shared_bundled
    return shared_bundled()


def sandbox() -> Sandbox:
    """The built-in Akinon sandbox, started once per server on a free loopback port (a spinner, in the
    page's language, while it starts)."""
    if not _started():
        with st.spinner(_("Starting the built-in sandbox…")):
            return _sandbox()
    return _sandbox()


@st.cache_resource(show_spinner=False)
def _started() -> list[Sandbox]:
    """The sandbox once it has started (empty before): whether a page waits for it to start."""
    return []


@st.cache_resource(show_spinner=False)
def _sandbox() -> Sandbox:
    from addrmig.akinon.sandbox import Sandbox
    # Slow enough by default that a person sees the migration move; tests speed it up.
    rate = float(os.environ.get("ADDRMIG_SANDBOX_ROWS_PER_SECOND", "1000"))
    box = Sandbox(port=0, rows_per_second=rate)
    box.start()
    _started().append(box)
    return box


def pager(key: str, rows: int, page_size: int = PAGE_SIZE) -> int:
    """A page picker for ``rows`` rows; returns the 1-based page to show."""
    pages = page_count(rows, page_size)
    if pages <= 1:
        return 1
    narrow, _wide = st.columns([1, 3])  # a full-width box for one number looks like a text field
    return int(narrow.number_input(_("Page (of {pages}, {size} rows each)").format(pages=number(pages),
                                                                                   size=number(page_size)),
                                   min_value=1, max_value=pages, value=1, step=1, key=key))


def history() -> History:
    """The submission history (the database of ADDRMIG_DATABASE_URL, else sqlite in ADDRMIG_DATA_DIR or the
    user's data folder), as the command line's user sees it until the app signs users in."""
    return _history(os.environ.get("ADDRMIG_DATA_DIR", ""), os.environ.get("ADDRMIG_DATABASE_URL", ""))


@st.cache_resource(show_spinner=False)
def _history(directory: str, url: str) -> History:
    from addrmig.history import History
    return History(directory or None, url=url or None)


def token_for(conn: Connection) -> str:
    """The token to send with: the one typed in, or the server's own where the deployment allows it
    (read here, on the server, at the moment of use; it never enters the Connection)."""
    if conn.token or not conn.use_server_token:
        return conn.token
    from addrmig.access import server_token
    from pages._session import _secrets, policy, signed_in_email

    return server_token(_secrets()) if policy().server_token_usable(signed_in_email()) else ""


def akinon_client(conn: Connection, polling: bool = False) -> AkinonClient:
    """A client for the chosen connection. Polling clients give up fast so the page never hangs."""
    from addrmig.akinon.client import AkinonClient
    if conn.mode == SANDBOX:
        box = sandbox()
        url, token = box.url, box.token
    else:
        url, token = conn.url, token_for(conn)
    if polling:
        # One quick try per poll: the fragment polls again a second later anyway.
        return AkinonClient(url, token, timeout=(2, 3), retries=0)
    return AkinonClient(url, token)


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: object) -> str:
    """``text`` (the user's: a place, an address) ready to go into Markdown: what Markdown would
    read as markup is escaped, and the spaces around it are left out (``** Ankara **`` would not
    be bold but show its stars)."""
    return _MARKDOWN.sub(r"\\\1", str(text).strip())
