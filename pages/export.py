"""Step 4 — download the corrected file with Akinon's field names; the rows Akinon would refuse apart."""
from __future__ import annotations

import streamlit as st

from addrmig.errors import AddrmigError
from addrmig.i18n import N_, _, language, ngettext, set_language
from pages._common import PAGES, check, need_file, need_rows, number, pager, workspace
from pages._jobs import download

ws = workspace()
set_language(ws.language)  # the workspace's, also when this page runs without app.py
st.title(_("4. Export the corrected file"))

#: The formats offered, by code; their names are translated where shown.
FORMATS = {"csv": N_("CSV (for Akinon and most tools)"), "xlsx": N_("Excel (XLSX)"), "json": N_("JSON (Omnitron style)")}
MIME = {"csv": "text/csv", "json": "application/json",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def capitalised(text: str) -> str:
    """``text`` with its first letter in upper case, the rest as it is ("İ" for a Turkish "i")."""
    first = text[:1]
    return ("İ" if language() == "tr" and first == "i" else first.upper()) + text[1:]


if need_file(ws) and need_rows(ws):
    st.write(_("Your rows with every correction made so far, in Akinon's column names and order."))
    try:
        report = check(ws)
    except AddrmigError as error:
        st.error(str(error))
        report = None
    if report is not None:
        names = {code: _(name) for code, name in FORMATS.items()}  # named now, in the page's language
        fmt_code = st.radio(_("Format"), list(names), format_func=names.__getitem__, key="export_format",
                            horizontal=True)

        probe = ws.export_split(report)
        st.markdown(_("**Rows set apart**"))
        hold_refused = st.checkbox(
            ngettext("Set apart the {n} row Akinon would refuse (a required value missing, a value too long, or a "
                     "place its location database does not hold)",
                     "Set apart the {n} rows Akinon would refuse (a required value missing, a value too long, or a "
                     "place its location database does not hold)", probe.refused_rows)
            .format(n=number(probe.refused_rows)), value=True,
            key="export_hold_refused", disabled=probe.refused_rows == 0)
        hold_advisory = st.checkbox(
            ngettext("Also set apart the {n} row Akinon accepts but with problems worth fixing (e-mail, phone, …)",
                     "Also set apart the {n} rows Akinon accepts but with problems worth fixing (e-mail, phone, …)",
                     probe.advisory_rows).format(n=number(probe.advisory_rows)), value=False,
            key="export_hold_advisory", disabled=probe.advisory_rows == 0)
        split = ws.export_split(report, hold_back_refused=hold_refused, hold_back_advisory=hold_advisory)
        stem = (ws.file_name or "addresses").rsplit(".", 1)[0]

        def as_bytes(rows):
            def build() -> bytes:
                from addrmig.io import write_table
                return write_table(rows(), fmt_code)
            return build

        def as_file(later: bool):
            # The worker writes the rows from the working frame a slice at a time: no copy of them is made.
            from addrmig.jobs import table_file
            return lambda: table_file(split.frame, fmt_code, rows=split.positions(later))

        built_from = (ws.content_key(), fmt_code, hold_refused, hold_advisory)
        main, later = st.columns(2)
        with main.container(border=True):
            st.markdown(_("**Main file** — `{file}`").format(file=f"{stem}_akinon.{fmt_code}"))
            st.write(capitalised(split.describe_send()) + ".")
            download(ngettext("Download {n} row as {format}", "Download {n} rows as {format}", split.send_count)
                     .format(n=number(split.send_count), format=fmt_code.upper()), name="export_good",
                     key=built_from, rows=split.send_count, file_name=f"{stem}_akinon.{fmt_code}", mime=MIME[fmt_code],
                     build=as_file(False), small=as_bytes(lambda: split.send), primary=True,
                     disabled=split.send_count == 0)
        with later.container(border=True):
            st.markdown(_("**Fix later** — `{file}`").format(file=f"{stem}_to_fix.{fmt_code}"))
            if split.later_count:
                st.write(_("{rows}. Correct them and upload this file again another day.").format(
                    rows=capitalised(split.describe_later())))
                download(ngettext("Download the {n} row set apart", "Download the {n} rows set apart",
                                  split.later_count).format(n=number(split.later_count)), name="export_bad",
                         key=built_from, rows=split.later_count, file_name=f"{stem}_to_fix.{fmt_code}",
                         mime=MIME[fmt_code], build=as_file(True), small=as_bytes(lambda: split.later))
            else:
                st.write(_("Nothing is set apart."))

        if split.send_refused_rows:
            st.warning(ngettext("Akinon will refuse {n} row of the main file. Fix them on the Check & fix and Places "
                                "pages, or tick the first box above to keep them apart.",
                                "Akinon will refuse {n} rows of the main file. Fix them on the Check & fix and Places "
                                "pages, or tick the first box above to keep them apart.", split.send_refused_rows)
                       .format(n=number(split.send_refused_rows)))
            st.page_link(PAGES["check"], label=_("Back to Check & fix"), icon=":material/arrow_back:")
        if ws.current_resolution() is None:
            st.info(_("Places have not been matched against the location database for this version of the file; "
                      "matching respells places Akinon would otherwise refuse."))
            st.page_link(PAGES["places"], label=_("Match the places"), icon=":material/location_on:")

        st.subheader(_("Preview of the main file"))
        if split.send_count:
            page = pager("export_page", split.send_count)
            st.dataframe(split.send_page(page), width="stretch")
            st.caption(_("The row numbers on the left are the row numbers in your file; they are not part of the "
                         "download."))
        else:
            st.caption(_("The main file is empty."))
        st.page_link(PAGES["submit"], label=_("Next: send the addresses to Akinon"), icon=":material/arrow_forward:")
