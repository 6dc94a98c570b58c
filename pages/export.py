"""Step 4 — download the corrected file with Akinon's field names."""
from __future__ import annotations

import streamlit as st

from addrmig.errors import AddrmigError

from pages._common import PAGES, fmt, need_file, validate_frame, workspace

ws = workspace()
st.title("4. Export the corrected file")

FORMATS = {"CSV (for Akinon and most tools)": "csv", "Excel (XLSX)": "xlsx", "JSON (Omnitron style)": "json"}
MIME = {"csv": "text/csv", "json": "application/json",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

if need_file(ws):
    st.write("Your rows with every correction made so far, in Akinon's column names and order.")
    try:
        report = ws.report(lambda frame: validate_frame(ws.content_key(), frame))
    except AddrmigError as error:
        st.error(str(error))
        report = None
    if report is not None:
        label = st.radio("Format", list(FORMATS), key="export_format", horizontal=True)
        fmt_code = FORMATS[label]
        bad_rows = report.failures.loc[report.failures["severity"] == "error", "row"].nunique()
        leave_out = st.checkbox(f"Leave out the {fmt(bad_rows)} rows that still have errors (they go to a separate "
                                "file to fix later)", value=bad_rows > 0, key="export_leave_out", disabled=bad_rows == 0)
        good, bad = ws.split_for_export(report, leave_out)
        stem = (ws.file_name or "addresses").rsplit(".", 1)[0]

        def as_bytes(frame):
            def build() -> bytes:
                from addrmig.tabular import write_table
                return write_table(frame, fmt_code)
            return build

        st.download_button(f"Download {fmt(len(good))} rows as {fmt_code.upper()}", as_bytes(good),
                           file_name=f"{stem}_akinon.{fmt_code}", mime=MIME[fmt_code], key="export_good",
                           on_click="ignore", type="primary")
        if len(bad):
            st.download_button(f"Download the {fmt(len(bad))} rows left out, to fix later", as_bytes(bad),
                               file_name=f"{stem}_to_fix.{fmt_code}", mime=MIME[fmt_code], key="export_bad",
                               on_click="ignore")
        if bad_rows and not leave_out:
            st.warning(f"{fmt(bad_rows)} rows still have errors; Akinon will refuse them. "
                       "Fix them on the Check & fix page, or tick the box above to keep them apart.")
            st.page_link(PAGES["check"], label="Back to Check & fix", icon=":material/arrow_back:")
        res = ws.current_resolution()
        if res is None:
            st.info("Places have not been matched against the location database yet — Akinon refuses rows "
                    "whose city, township or district it does not know.")
            st.page_link(PAGES["places"], label="Match the places first", icon=":material/location_on:")
        st.page_link(PAGES["submit"], label="Next: send the addresses to Akinon", icon=":material/arrow_forward:")
