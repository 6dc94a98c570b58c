"""Step 5 — send the addresses, watch the migration run, look back at earlier ones."""
from __future__ import annotations

import streamlit as st

from pages._common import need_file, workspace

ws = workspace()
st.title("5. Submit")
if need_file(ws):
    st.write("Coming next: the submission to the sandbox or Akinon.")
