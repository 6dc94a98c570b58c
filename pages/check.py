"""Step 2 — check the rows against Akinon's rules, fix them here, download the error report."""
from __future__ import annotations

import altair as alt
import streamlit as st

from addrmig.errors import AddrmigError
from addrmig.fields import COLUMNS
from pages._common import PAGES, need_file, number, page_of, pager, plural, validate_frame, workspace

ws = workspace()
st.title("2. Check & fix")

if need_file(ws):
    st.write("Every row is checked against Akinon's rules: required fields filled, lengths, e-mail and phone "
             "formats, stray spaces, values a spreadsheet would run as a formula, duplicates.")
    try:
        with st.spinner("Checking every row…"):
            report = ws.report(lambda frame: validate_frame(ws.content_key(), frame))
    except AddrmigError as error:
        st.error(str(error))
        report = None

if ws.has_file and report is not None:
    failures = report.failures
    errors = failures[failures["severity"] == "error"]
    warnings = failures[failures["severity"] == "warning"]
    bad_rows = errors["row"].nunique()

    # ---------------------------------------------------------------- headline
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Rows", number(ws.rows))
    c2.metric("Rows without errors", number(ws.rows - bad_rows))
    c3.metric("Errors", number(len(errors)), help="Akinon would refuse these rows.")
    c4.metric("Warnings", number(len(warnings)), help="Akinon takes these, but they are probably not what you want.")
    if len(errors) == 0:
        st.success("No errors: every row passes Akinon's rules." + (" Some warnings are left; look below." if len(warnings) else ""))

    if len(failures):
        counts = (failures.groupby(["column", "check", "severity"], observed=True).size()
                  .rename("problems").reset_index())
        present = [c for c in COLUMNS if c in set(counts["column"])]
        chart = (alt.Chart(counts).mark_bar()
                 .encode(x=alt.X("sum(problems):Q", title="Problems", axis=alt.Axis(format=",d", tickMinStep=1)),
                         y=alt.Y("column:N", title=None, sort=present, scale=alt.Scale(domain=present),
                                 axis=alt.Axis(labelOverlap=False)),
                         color=alt.Color("check:N", title="Check"),
                         tooltip=["column", "check", "severity", alt.Tooltip("problems:Q", format=",")])
                 .properties(height=40 + 32 * len(present), title="Problems per column"))
        st.altair_chart(chart, width="stretch")

    # ---------------------------------------------------------------- safe auto-fix
    st.subheader("Quick fixes")
    spaces = failures[failures["check"] == "whitespace"]
    a, b = st.columns([1, 1])
    with a:
        if st.button(f"Trim stray spaces ({plural(len(spaces), 'cell')})", key="trim_button", disabled=len(spaces) == 0,
                     help="Removes spaces before and after every value. Safe, and you can undo it."):
            ws.apply_trim()
            st.rerun()
    with b:
        if ws.edits:
            last = ws.edits[-1]
            undo_label = last.label if "cell" in last.label else f"{last.label} ({plural(len(last.changes), 'cell')})"
            if st.button(f"Undo: {undo_label}", key="undo_button"):
                ws.undo()
                st.rerun()
    if ws.edits:
        with st.expander(f"What changed ({plural(len(ws.edits), 'change')} so far)"):
            last = ws.edits[-1]
            st.caption(f"Last change: {last.label}, {plural(len(last.changes), 'cell')}. First ones:")
            st.dataframe(last.changes.head(50), hide_index=True, width="stretch")

    with st.expander("Find and replace in a column"):
        fr1, fr2, fr3 = st.columns(3)
        column = fr1.selectbox("Column", COLUMNS, key="fr_column")
        find = fr2.text_input("Find", key="fr_find")
        replace = fr3.text_input("Replace with", key="fr_replace")
        whole = st.checkbox("Only cells that are exactly this text", key="fr_whole")
        if st.button("Replace", key="fr_button"):
            try:
                edit = ws.find_replace(column, find, replace, whole_cell=whole)
            except AddrmigError as error:
                st.error(str(error))
            else:
                if edit is None:
                    st.info(f"No cell of {column} contains {find!r}.")
                else:
                    st.rerun()

    # ---------------------------------------------------------------- failing rows
    st.subheader("Rows with errors")
    if bad_rows == 0:
        st.write("None. 🎉")
    else:
        columns_with_errors = [c for c in COLUMNS if c in set(errors["column"])]
        only = st.multiselect("Only rows with errors in", columns_with_errors, key="only_columns",
                              placeholder="all columns")
        failing = ws.failing_rows(report, only or None)
        st.write(f"{plural(len(failing), 'row')}. Click a cell to correct it; the row is checked again at once.")
        page = pager("failing_page", len(failing))
        shown = page_of(failing, page)
        messages = (errors[errors["row"].isin(shown.index)].groupby("row")["message"]
                    .agg(lambda m: "; ".join(m)))
        editable = shown.assign(problems=messages.reindex(shown.index).fillna(""))
        with st.container(key="failing_rows"):
            edited = st.data_editor(editable, key=f"failing_editor_{ws.version}_{page}", width="stretch",
                                    disabled=["problems"],
                                    column_config={"problems": st.column_config.TextColumn("Problems", width="large")})
        changed = {}
        for column in COLUMNS:
            diff = edited[column].astype(str) != editable[column].astype(str)
            for row in edited.index[diff]:
                changed[(row, column)] = edited.at[row, column]
        if changed:
            ws.edit_cells(changed, label=f"edited {plural(len(changed), 'cell')}")
            st.rerun()

    if len(warnings):
        with st.expander(f"Warnings ({number(len(warnings))})"):
            st.dataframe(page_of(warnings, pager("warnings_page", len(warnings))), hide_index=True,
                         width="stretch")
            st.caption("The report below has them all.")

    # ---------------------------------------------------------------- report
    st.subheader("Error report")
    st.write("Keep a record of what was wrong, or send it to whoever maintains the old system.")
    d1, d2 = st.columns(2)

    def report_csv() -> bytes:
        from addrmig.validation import write_report_csv
        return write_report_csv(report)

    def report_xlsx() -> bytes:
        from addrmig.validation import write_report_xlsx
        return write_report_xlsx(ws.frame, report)

    stem = (ws.file_name or "addresses").rsplit(".", 1)[0]
    d1.download_button("Download the report (CSV)", report_csv, file_name=f"{stem}_problems.csv",
                       mime="text/csv", key="report_csv", on_click="ignore")
    d2.download_button("Download your rows with problems highlighted (Excel)", report_xlsx,
                       file_name=f"{stem}_problems.xlsx", key="report_xlsx", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    st.page_link(PAGES["places"], label="Next: match the places (city, township, district)", icon=":material/arrow_forward:")
