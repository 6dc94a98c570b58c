"""Step 4 — download the corrected file with Akinon's field names; the rows Akinon would refuse apart."""
from __future__ import annotations

import streamlit as st

from addrmig.errors import AddrmigError
from pages._common import PAGES, need_file, page_of, pager, plural, validate_frame, workspace

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
        resolution = ws.latest_resolution()
        label = st.radio("Format", list(FORMATS), key="export_format", horizontal=True)
        fmt_code = FORMATS[label]

        # Akinon refuses both kinds of row, so by default both go to the fix-later file.
        probe = ws.export_split(report, resolution)
        st.markdown("**Rows Akinon would refuse**")
        leave_errors = st.checkbox(
            f"Leave out the {plural(probe.error_rows, 'row')} that still {'has' if probe.error_rows == 1 else 'have'} "
            "errors", value=True, key="export_leave_out", disabled=probe.error_rows == 0)
        if probe.unknown_place_rows is None:
            leave_unknown = False
            st.caption("Places have not been matched yet, so rows naming a place Akinon does not know cannot be "
                       "set apart.")
        else:
            leave_unknown = st.checkbox(
                f"Leave out the {plural(probe.unknown_place_rows, 'row')} whose place (city, township or district) "
                "is not in the location database", value=True, key="export_leave_unknown",
                disabled=probe.unknown_place_rows == 0)
        split = ws.export_split(report, resolution, leave_out_errors=leave_errors and probe.error_rows > 0,
                                leave_out_unknown_places=leave_unknown)
        stem = (ws.file_name or "addresses").rsplit(".", 1)[0]

        def as_bytes(frame):
            def build() -> bytes:
                from addrmig.io import write_table
                return write_table(frame, fmt_code)
            return build

        main, later = st.columns(2)
        with main.container(border=True):
            st.markdown(f"**Main file** — `{stem}_akinon.{fmt_code}`")
            st.write(split.describe_send().capitalize() + ".")
            st.download_button(f"Download {plural(len(split.send), 'row')} as {fmt_code.upper()}",
                               as_bytes(split.send), file_name=f"{stem}_akinon.{fmt_code}", mime=MIME[fmt_code],
                               key="export_good", on_click="ignore", type="primary", disabled=len(split.send) == 0)
        with later.container(border=True):
            st.markdown(f"**Fix later** — `{stem}_to_fix.{fmt_code}`")
            if len(split.later):
                st.write(split.describe_later().capitalize() + ". Correct them and upload this file again "
                         "another day.")
                st.download_button(f"Download the {plural(len(split.later), 'row')} left out, to fix later",
                                   as_bytes(split.later), file_name=f"{stem}_to_fix.{fmt_code}",
                                   mime=MIME[fmt_code], key="export_bad", on_click="ignore")
            else:
                st.write("Nothing is left out.")

        if split.send_error_rows:
            st.warning(f"{plural(split.send_error_rows, 'row')} in the main file still "
                       f"{'has' if split.send_error_rows == 1 else 'have'} errors; Akinon will refuse "
                       f"{'it' if split.send_error_rows == 1 else 'them'}. Fix them on the Check & fix page, "
                       "or tick the box above to keep them apart.")
            st.page_link(PAGES["check"], label="Back to Check & fix", icon=":material/arrow_back:")
        if resolution is None:
            st.info("Places have not been matched against the location database yet — Akinon refuses rows "
                    "whose city, township or district it does not know.")
            st.page_link(PAGES["places"], label="Match the places first", icon=":material/location_on:")
        elif not ws.resolution_ready:
            st.caption("Places were matched before your latest edits; open the Places page to match them again.")

        st.subheader("Preview of the main file")
        if len(split.send):
            page = pager("export_page", len(split.send))
            st.dataframe(page_of(split.send, page), width="stretch")
            st.caption("The row numbers on the left are the row numbers in your file; they are not part of the "
                       "download.")
        else:
            st.caption("The main file is empty.")
        st.page_link(PAGES["submit"], label="Next: send the addresses to Akinon", icon=":material/arrow_forward:")
