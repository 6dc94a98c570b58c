"""Step 4 — download the corrected file with Akinon's field names; the rows Akinon would refuse apart."""
from __future__ import annotations

import streamlit as st

from addrmig.errors import AddrmigError
from pages._common import PAGES, need_file, need_rows, page_of, pager, plural, validate_frame, workspace
from pages._jobs import download

ws = workspace()
st.title("4. Export the corrected file")

FORMATS = {"CSV (for Akinon and most tools)": "csv", "Excel (XLSX)": "xlsx", "JSON (Omnitron style)": "json"}
MIME = {"csv": "text/csv", "json": "application/json",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

if need_file(ws) and need_rows(ws):
    st.write("Your rows with every correction made so far, in Akinon's column names and order.")
    try:
        report = ws.report(lambda frame: validate_frame(ws.content_key(), frame))
    except AddrmigError as error:
        st.error(str(error))
        report = None
    if report is not None:
        label = st.radio("Format", list(FORMATS), key="export_format", horizontal=True)
        fmt_code = FORMATS[label]

        probe = ws.export_split(report)
        st.markdown("**Rows set apart**")
        hold_refused = st.checkbox(
            f"Set apart the {plural(probe.refused_rows, 'row')} Akinon would refuse (a required value missing, a "
            "value too long, or a place its location database does not hold)", value=True,
            key="export_hold_refused", disabled=probe.refused_rows == 0)
        hold_advisory = st.checkbox(
            f"Also set apart the {plural(probe.advisory_rows, 'row')} Akinon accepts but with problems worth "
            "fixing (e-mail, phone, …)", value=False, key="export_hold_advisory",
            disabled=probe.advisory_rows == 0)
        split = ws.export_split(report, hold_back_refused=hold_refused, hold_back_advisory=hold_advisory)
        stem = (ws.file_name or "addresses").rsplit(".", 1)[0]

        def as_bytes(frame):
            def build() -> bytes:
                from addrmig.io import write_table
                return write_table(frame, fmt_code)
            return build

        def as_file(frame):
            from addrmig.jobs import table_file
            return lambda: table_file(frame, fmt_code)

        built_from = (ws.content_key(), fmt_code, hold_refused, hold_advisory)
        main, later = st.columns(2)
        with main.container(border=True):
            st.markdown(f"**Main file** — `{stem}_akinon.{fmt_code}`")
            st.write(split.describe_send().capitalize() + ".")
            download(f"Download {plural(len(split.send), 'row')} as {fmt_code.upper()}", name="export_good",
                     key=built_from, rows=len(split.send), file_name=f"{stem}_akinon.{fmt_code}", mime=MIME[fmt_code],
                     build=as_file(split.send), small=as_bytes(split.send), primary=True,
                     disabled=len(split.send) == 0)
        with later.container(border=True):
            st.markdown(f"**Fix later** — `{stem}_to_fix.{fmt_code}`")
            if len(split.later):
                st.write(split.describe_later().capitalize() + ". Correct them and upload this file again "
                         "another day.")
                download(f"Download the {plural(len(split.later), 'row')} set apart", name="export_bad",
                         key=built_from, rows=len(split.later), file_name=f"{stem}_to_fix.{fmt_code}",
                         mime=MIME[fmt_code], build=as_file(split.later), small=as_bytes(split.later))
            else:
                st.write("Nothing is set apart.")

        if split.send_refused_rows:
            st.warning(f"Akinon will refuse {plural(split.send_refused_rows, 'row')} of the main file. Fix them "
                       "on the Check & fix and Places pages, or tick the first box above to keep them apart.")
            st.page_link(PAGES["check"], label="Back to Check & fix", icon=":material/arrow_back:")
        if ws.current_resolution() is None:
            st.info("Places have not been matched against the location database for this version of the file; "
                    "matching respells places Akinon would otherwise refuse.")
            st.page_link(PAGES["places"], label="Match the places", icon=":material/location_on:")

        st.subheader("Preview of the main file")
        if len(split.send):
            page = pager("export_page", len(split.send))
            st.dataframe(page_of(split.send, page), width="stretch")
            st.caption("The row numbers on the left are the row numbers in your file; they are not part of the "
                       "download.")
        else:
            st.caption("The main file is empty.")
        st.page_link(PAGES["submit"], label="Next: send the addresses to Akinon", icon=":material/arrow_forward:")
