"""Step 2 — check the rows against Akinon's rules, fix them here, download the error report."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from addrmig.errors import AddrmigError
from addrmig.fields import COLUMNS, PHONE_FORMATS
from addrmig.validation import AKINON_CHECKS
from pages._common import PAGES, need_file, need_rows, number, page_of, pager, plural, validate_frame, workspace
from pages._jobs import download

ws = workspace()
st.title("2. Check & fix")

report = None
if need_file(ws) and need_rows(ws):
    st.write("Every row is checked against Akinon's rules: required fields filled, lengths, e-mail and phone "
             "formats, stray spaces, values a spreadsheet would run as a formula, duplicates.")
    try:
        with st.spinner("Checking every row…"):
            report = ws.report(lambda frame: validate_frame(ws.content_key(), frame))
            verdicts = ws.verdicts(report)
    except AddrmigError as error:
        st.error(str(error))


def problems_chart(counts: pd.DataFrame, title: str) -> alt.Chart:
    present = [c for c in COLUMNS if c in set(counts["column"])]
    return (alt.Chart(counts).mark_bar()
            .encode(x=alt.X("sum(problems):Q", title="Cells", axis=alt.Axis(format=",d", tickMinStep=1)),
                    y=alt.Y("column:N", title=None, sort=present, scale=alt.Scale(domain=present),
                            axis=alt.Axis(labelOverlap=False)),
                    color=alt.Color("label:N", title="Check", legend=alt.Legend(labelLimit=320)),
                    tooltip=["column", alt.Tooltip("label:N", title="check"),
                             alt.Tooltip("problems:Q", format=",")])
            .properties(height=40 + 32 * len(present), title=title))


def failing_rows_editor(report, errors: pd.DataFrame) -> None:
    """The rows with errors, to correct in place: one line per failing cell, or whole rows."""
    # Columns the user filtered on stay offered after their last error is fixed, so the
    # filter does not jump back to every column under their hands.
    picked = st.session_state.get("only_columns") or []
    columns_with_errors = [c for c in COLUMNS if c in set(errors["column"]) or c in picked]
    only = st.multiselect("Only rows with errors in", columns_with_errors, key="only_columns",
                          placeholder="all columns")
    failing = ws.failing_rows(report, only or None)
    if only and not len(failing):
        st.success(f"No row has errors left in {', '.join(only)}. 🎉")
        return
    by_cell = st.toggle("One line per failing cell", value=True, key="by_cell",
                        help="Off: whole rows, the columns with errors first.")
    page = pager("failing_page", len(failing))
    shown = page_of(failing, page)
    on_page = errors[errors["row"].isin(shown.index) & (errors["column"].isin(only) if only else True)]
    changed: dict[tuple[int, str], str] = {}
    if by_cell:
        st.write(f"{plural(len(failing), 'row')} with errors. Each line is one failing cell: type the right "
                 "value in **Value**; the row is checked again at once.")
        cells = pd.DataFrame({"problem": on_page["message"].to_numpy(), "row": on_page["row"].to_numpy(),
                              "column": on_page["column"].astype(str).to_numpy()})
        cells["value"] = [shown.at[r, c] for r, c in zip(cells["row"], cells["column"])]
        context = [c for c in ("first_name", "last_name", "line", "city", "township") if c not in set(cells["column"])]
        for c in context:
            cells[c] = [shown.at[r, c] for r in cells["row"]]
        cells = cells.drop_duplicates(["row", "column"])
        with st.container(key="failing_rows"):
            edited = st.data_editor(
                cells, key=f"failing_cells_{ws.version}_{page}", width="stretch", hide_index=True,
                disabled=[c for c in cells.columns if c != "value"],
                column_config={"problem": st.column_config.TextColumn("Problem", width="large", pinned=True),
                               "row": st.column_config.NumberColumn("Row", format="%d", pinned=True),
                               "column": st.column_config.TextColumn("Column", pinned=True),
                               "value": st.column_config.TextColumn("Value ✎", width="medium")})
        for (r, c, before), after in zip(cells[["row", "column", "value"]].itertuples(index=False),
                                         edited["value"]):
            if str(after) != str(before):
                changed[(int(r), c)] = after
    else:
        st.write(f"{plural(len(failing), 'row')}. Click a cell to correct it; the row is checked again at once. "
                 "Columns marked ⚠ hold the errors.")
        messages = on_page.groupby("row")["message"].agg(lambda m: "; ".join(m))
        failing_columns = [c for c in COLUMNS if c in set(on_page["column"].astype(str))]
        order = ["problems", *failing_columns, *[c for c in COLUMNS if c not in failing_columns]]
        editable = shown.assign(problems=messages.reindex(shown.index).fillna(""))[order]
        config = {"problems": st.column_config.TextColumn("Problems", width="large", pinned=True)}
        config.update({c: st.column_config.TextColumn(f"⚠ {c}") for c in failing_columns})
        with st.container(key="failing_rows"):
            edited = st.data_editor(editable, key=f"failing_editor_{ws.version}_{page}", width="stretch",
                                    disabled=["problems"], column_config=config)
        for column in COLUMNS:
            diff = edited[column].astype(str) != editable[column].astype(str)
            for row in edited.index[diff]:
                changed[(row, column)] = edited.at[row, column]
    if changed:
        ws.edit_cells(changed, label=f"edited {plural(len(changed), 'cell')}")
        st.rerun()


if report is not None:
    failures = report.failures
    errors = failures[failures["severity"] == "error"]
    warnings = failures[failures["severity"] == "warning"]
    bad_rows = errors["row"].nunique()

    # ---------------------------------------------------------------- headline
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Rows", number(ws.rows))
    c2.metric("Akinon would refuse", plural(verdicts.refused_rows, "row"),
              help="Rows Akinon itself refuses: a required value missing, a value too long, or a place its "
                   "location database does not hold as written. Matching the places (step 3) fixes most place "
                   "problems.")
    c3.metric("Worth fixing", plural(verdicts.advisory_rows, "row"),
              help="Rows Akinon accepts but addrmig advises fixing first: an e-mail or phone number that is not "
                   "one, a tax number with letters, a line break inside a value.")
    c4.metric("Warnings", number(len(warnings)),
              help="Cells Akinon takes but that are probably not what you want (stray spaces, formulas, duplicates).")
    if not verdicts.refused_rows and not verdicts.advisory_rows:
        st.success("Akinon will accept every row." + (" Some warnings are left; look below." if len(warnings) else ""))
    elif not verdicts.refused_rows:
        st.info(f"Akinon will accept every row; {plural(verdicts.advisory_rows, 'row')} still have problems "
                "worth fixing before you send.")

    if len(failures):
        counts = (failures.groupby(["column", "check", "severity"], observed=True).size()
                  .rename("problems").reset_index())
        counts["label"] = [f"{check} ({'Akinon refuses' if check in AKINON_CHECKS else 'Akinon accepts'})"
                           if severity == "error" else check
                           for check, severity in zip(counts["check"], counts["severity"])]
        left, right = st.columns(2)
        if len(errors):
            left.altair_chart(problems_chart(counts[counts["severity"] == "error"], "Errors per column"),
                              width="stretch")
        if len(warnings):
            right.altair_chart(problems_chart(counts[counts["severity"] == "warning"], "Warnings per column"),
                               width="stretch")

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

    with st.expander("Write every phone number in one form"):
        st.caption("Valid numbers (checked with libphonenumber, Türkiye as the default country) are written in the "
                   "form your shop uses; numbers that are not valid stay as written and keep their error. You can "
                   "undo it.")
        style = st.selectbox("Form", list(PHONE_FORMATS), format_func=PHONE_FORMATS.__getitem__, key="phone_style")
        if st.button("Write the phone numbers", key="phone_button"):
            edit = ws.write_phones(style)
            if edit is None:
                st.info("Every valid phone number is already written that way.")
            else:
                st.rerun()

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
        failing_rows_editor(report, errors)

    if len(warnings):
        with st.expander(f"Warnings ({number(len(warnings))})"):
            st.dataframe(page_of(warnings, pager("warnings_page", len(warnings))), hide_index=True,
                         width="stretch")
            st.caption("The report below has them all.")

    # ---------------------------------------------------------------- report
    st.subheader("Error report")
    st.write("Keep a record of what was wrong, or send it to whoever maintains the old system. The row numbers "
             "are the ones your spreadsheet shows.")
    d1, d2 = st.columns(2)

    def report_csv() -> bytes:
        from addrmig.validation import write_report_csv
        return write_report_csv(report)

    def report_xlsx() -> bytes:
        from addrmig.validation import write_report_xlsx
        return write_report_xlsx(ws.frame, report)

    def report_file(fmt: str):
        from addrmig.jobs import report_file as build
        frame = ws.frame
        return lambda: build(frame, report, fmt)

    stem = (ws.file_name or "addresses").rsplit(".", 1)[0]
    with d1:
        download("Download the report (CSV)", name="report_csv", key=ws.content_key(), rows=ws.rows,
                 file_name=f"{stem}_problems.csv", mime="text/csv", build=report_file("csv"), small=report_csv)
    with d2:
        download("Download your rows with problems highlighted (Excel)", name="report_xlsx", key=ws.content_key(),
                 rows=ws.rows, file_name=f"{stem}_problems.xlsx", build=report_file("xlsx"), small=report_xlsx,
                 mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    st.page_link(PAGES["places"], label="Next: match the places (city, township, district)", icon=":material/arrow_forward:")
