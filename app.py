"""addrmig web app: from a merchant's address export to a finished Akinon migration.

Run with ``streamlit run app.py``. This file sets the page, the navigation over
the five steps in ``pages/``, and the sidebar (where each step stands, and where
submissions go).
"""
from __future__ import annotations

import os
import sys

import streamlit as st

# The pages import their shared helpers as ``pages._common``; make sure the app's
# folder is importable however Streamlit (or AppTest) was started.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from addrmig.i18n import _  # noqa: E402
from pages._common import PAGES  # noqa: E402
from pages._session import (  # noqa: E402
    choose_language,
    gate,
    language_switch,
    persist,
    policy,
    show_workspace_note,
    workspace,
)
from pages._sidebar import connection_settings, step_list, who  # noqa: E402

st.set_page_config(page_title="Address migration to Akinon", page_icon="📦", layout="wide")

access = policy()
gate(access)  # with sign-in configured, nobody gets further unless signed in and allowed
ws = workspace()
choose_language(ws)
st.set_page_config(page_title=_("Address migration to Akinon"))  # again, now in the run's language

navigation = st.navigation([
    st.Page(PAGES["upload"], title=_("1. Upload"), icon=":material/upload_file:", default=True),
    st.Page(PAGES["check"], title=_("2. Check & fix"), icon=":material/fact_check:"),
    st.Page(PAGES["places"], title=_("3. Places"), icon=":material/location_on:"),
    st.Page(PAGES["export"], title=_("4. Export"), icon=":material/download:"),
    st.Page(PAGES["submit"], title=_("5. Submit"), icon=":material/send:"),
])

# The step list is filled after the page ran, so it shows what the page just did.
with st.sidebar:
    steps_box = st.container()
    connection_settings(ws)
    st.divider()
    language_switch(ws)
    who(ws)

show_workspace_note()
navigation.run()

if ws.has_file and not ws.report_ready:
    # The sidebar says how many errors are left whichever page ran; validation is
    # cached on the content, so this costs nothing once the check page has run.
    from pages._common import check_quietly
    check_quietly(ws)

with steps_box:
    step_list(ws)

persist(ws)  # kept on the server, so a reload or another tab with this URL continues here
