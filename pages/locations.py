"""Step 3 — match country, city, township and district against the location database."""
from __future__ import annotations

import streamlit as st

from pages._common import need_file, workspace

ws = workspace()
st.title("3. Places")
if need_file(ws):
    st.write("Coming next: places are matched against the location database here.")
