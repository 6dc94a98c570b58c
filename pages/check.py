"""Step 2 — check the rows against Akinon's rules, fix them here, download the error report."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from addrmig.errors import AddrmigError
from addrmig.fields import COLUMNS, PHONE_FORMATS
from addrmig.i18n import _, ngettext, set_language
from addrmig.validation import AKINON_CHECKS
from pages._common import (
    PAGES,
    check,
    need_file,
    need_rows,
    number,
    page_of,
    pager,
    workspace,
)
from pages._jobs import download

ws = workspace()
set_language(ws.language)  # the workspace's, also when this page runs without app.py
st.title(_("2. Check & fix"))


def rows_text(n: int) -> str:
    return ngettext("{n} row", "{n} rows", n).format(n=number(n))


def cells_text(n: int) -> str:
    return ngettext("{n} cell", "{n} cells", n).format(n=number(n))


report = None
if need_file(ws) and need_rows(ws):
    st.write(_("Every row is checked against Akinon's rules: required fields filled, lengths, e-mail and phone "
               "formats, stray spaces, values a spreadsheet would run as a formula, duplicates."))
    try:
        with st.spinner(_("Checking every row…")):
            report = check(ws)
            verdicts = ws.verdicts(report)
    except AddrmigError as error:
        st.error(str(error))


def problems_chart(counts: pd.DataFrame, title: str) -> alt.Chart:
    named = set(counts["column"])
    present = [c for c in COLUMNS if c in named]
    return (alt.Chart(counts).mark_bar()
            .encode(x=alt.X("sum(problems):Q", title=_("Cells"), axis=alt.Axis(format=",d", tickMinStep=1)),
                    y=alt.Y("column:N", title=None, sort=present, scale=alt.Scale(domain=present),
                            axis=alt.Axis(labelOverlap=False)),
                    color=alt.Color("label:N", title=_("Check"), legend=alt.Legend(labelLimit=320)),
                    tooltip=[alt.Tooltip("column:N", title=_("Column")), alt.Tooltip("label:N", title=_("Check")),
                             alt.Tooltip("problems:Q", title=_("Cells"), format=",")])
            .properties(height=alt.Step(28), title=title))  # each column a band this tall, labels apart


def failing_rows_editor(report, errors: pd.DataFrame) -> None:
    """The rows with errors, to correct in place: one line per failing cell, or whole rows."""
    # Columns the user filtered on stay offered after their last error is fixed, so the
    # filter does not jump back to every column under their hands.
    picked = st.session_state.get("only_columns") or []
    erring = set(errors["column"].unique())
    columns_with_errors = [c for c in COLUMNS if c in erring or c in picked]
    only = st.multiselect(_("Only rows with errors in"), columns_with_errors, key="only_columns",
                          placeholder=_("all columns"))
    failing = ws.failing_index(report, only or None)
    if only and not len(failing):
        st.success(_("No row has errors left in {columns}. 🎉").format(columns=", ".join(only)))
        return
    by_cell = st.toggle(_("One line per failing cell"), value=True, key="by_cell",
                        help=_("Off: whole rows, the columns with errors first."))
    page = pager("failing_page", len(failing))
    shown = ws.frame.loc[page_of(failing.to_series(), page).index]
    on_page = errors[errors["row"].isin(shown.index) & (errors["column"].isin(only) if only else True)]
    changed: dict[tuple[int, str], str] = {}
    if by_cell:
        st.write(ngettext("{n} row with errors. Each line is one failing cell: type the right value in **{value}**; "
                          "the row is checked again at once.",
                          "{n} rows with errors. Each line is one failing cell: type the right value in "
                          "**{value}**; the row is checked again at once.", len(failing))
                 .format(n=number(len(failing)), value=_("Value")))
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
                column_config={"problem": st.column_config.TextColumn(_("Problem"), width="large", pinned=True),
                               "row": st.column_config.NumberColumn(_("Row"), format="%d", pinned=True),
                               "column": st.column_config.TextColumn(_("Column"), pinned=True),
                               "value": st.column_config.TextColumn(_("Value") + " ✎", width="medium")})
        for (r, c, before), after in zip(cells[["row", "column", "value"]].itertuples(index=False),
                                         edited["value"]):
            if str(after) != str(before):
                changed[(int(r), c)] = after
    else:
        st.write(ngettext("{n} row. Click a cell to correct it; the row is checked again at once. Columns marked ⚠ "
                          "hold the errors.",
                          "{n} rows. Click a cell to correct it; the row is checked again at once. Columns marked ⚠ "
                          "hold the errors.", len(failing)).format(n=number(len(failing))))
        messages = on_page.groupby("row")["message"].agg(lambda m: "; ".join(m))
        on_page_columns = set(on_page["column"].astype(str))
        failing_columns = [c for c in COLUMNS if c in on_page_columns]
        order = ["problems", *failing_columns, *[c for c in COLUMNS if c not in failing_columns]]
        editable = shown.assign(problems=messages.reindex(shown.index).fillna(""))[order]
        config = {"problems": st.column_config.TextColumn(_("Problems"), width="large", pinned=True)}
        config.update({c: st.column_config.TextColumn(f"⚠ {c}") for c in failing_columns})
        with st.container(key="failing_rows"):
            edited = st.data_editor(editable, key=f"failing_editor_{ws.version}_{page}", width="stretch",
                                    disabled=["problems"], column_config=config)
        for column in COLUMNS:
            diff = edited[column].astype(str) != editable[column].astype(str)
            for row in edited.index[diff]:
                changed[(row, column)] = edited.at[row, column]
    if changed:
        ws.edit_cells(changed, label=_("edited by hand"))
        st.rerun()


if report is not None:
    failures = report.failures
    errors = failures[failures["severity"] == "error"]
    warnings = failures[failures["severity"] == "warning"]
    bad_rows = errors["row"].nunique()

    # ---------------------------------------------------------------- headline
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(_("Rows"), number(ws.rows))
    c2.metric(_("Akinon would refuse"), rows_text(verdicts.refused_rows),
              help=_("Rows Akinon itself refuses: a required value missing, a value too long, or a place its "
                     "location database does not hold as written. Matching the places (step 3) fixes most place "
                     "problems."))
    c3.metric(_("Worth fixing"), rows_text(verdicts.advisory_rows),
              help=_("Rows Akinon accepts but addrmig advises fixing first: an e-mail or phone number that is not "
                     "one, a tax number with letters, a line break inside a value."))
    c4.metric(_("Warnings"), number(len(warnings)),
              help=_("Cells Akinon takes but that are probably not what you want (stray spaces, formulas, "
                     "duplicates)."))
    if not verdicts.refused_rows and not verdicts.advisory_rows:
        st.success(_("Akinon will accept every row. Some warnings are left; look below.") if len(warnings)
                   else _("Akinon will accept every row."))
    elif not verdicts.refused_rows:
        st.info(ngettext("Akinon will accept every row; {n} row still has problems worth fixing before you send.",
                         "Akinon will accept every row; {n} rows still have problems worth fixing before you send.",
                         verdicts.advisory_rows).format(n=number(verdicts.advisory_rows)))

    if len(failures):
        counts = (failures.groupby(["column", "check", "severity"], observed=True).size()
                  .rename("problems").reset_index())
        refuses, accepts = _("{check} (Akinon refuses)"), _("{check} (Akinon accepts)")
        counts["label"] = [(refuses if check in AKINON_CHECKS else accepts).format(check=check)
                           if severity == "error" else check
                           for check, severity in zip(counts["check"], counts["severity"])]
        left, right = st.columns(2)
        if len(errors):
            left.altair_chart(problems_chart(counts[counts["severity"] == "error"], _("Errors per column")),
                              width="stretch")
        if len(warnings):
            right.altair_chart(problems_chart(counts[counts["severity"] == "warning"], _("Warnings per column")),
                               width="stretch")

    # ---------------------------------------------------------------- safe auto-fix
    st.subheader(_("Quick fixes"))
    spaces = failures[failures["check"] == "whitespace"]
    a, b = st.columns([1, 1])
    with a:
        if st.button(_("Trim stray spaces ({cells})").format(cells=cells_text(len(spaces))), key="trim_button",
                     disabled=len(spaces) == 0,
                     help=_("Removes spaces before and after every value. Safe, and you can undo it.")):
            ws.apply_trim()
            st.rerun()
    with b:
        if ws.edits:
            last = ws.edits[-1]
            if st.button(_("Undo: {change} ({cells})").format(change=last.label, cells=cells_text(len(last.changes))),
                         key="undo_button"):
                ws.undo()
                st.rerun()
    if ws.edits:
        with st.expander(ngettext("What changed ({n} change so far)", "What changed ({n} changes so far)",
                                  len(ws.edits)).format(n=number(len(ws.edits)))):
            last = ws.edits[-1]
            st.caption(_("Last change: {change}, {cells}. First ones:").format(change=last.label,
                                                                               cells=cells_text(len(last.changes))))
            st.dataframe(last.changes.head(50), hide_index=True, width="stretch",
                         column_config={"row": st.column_config.NumberColumn(_("Row"), format="%d"),
                                        "column": _("Column"), "before": _("Before"), "after": _("After")})

    with st.expander(_("Write every phone number in one form")):
        st.caption(_("Valid numbers (checked with libphonenumber, Türkiye as the default country) are written in the "
                     "form your shop uses; numbers that are not valid stay as written and keep their error. You can "
                     "undo it."))
        forms = {key: _(form) for key, form in PHONE_FORMATS.items()}  # named now, in the page's language
        style = st.selectbox(_("Form"), list(forms), format_func=forms.__getitem__, key="phone_style")
        if st.button(_("Write the phone numbers"), key="phone_button"):
            edit = ws.write_phones(style)
            if edit is None:
                st.info(_("Every valid phone number is already written that way."))
            else:
                st.rerun()

    with st.expander(_("Find and replace in a column")):
        fr1, fr2, fr3 = st.columns(3)
        column = fr1.selectbox(_("Column"), COLUMNS, key="fr_column")
        find = fr2.text_input(_("Find"), key="fr_find")
        replace = fr3.text_input(_("Replace with"), key="fr_replace")
        whole = st.checkbox(_("Only cells that are exactly this text"), key="fr_whole")
        if st.button(_("Replace"), key="fr_button"):
            try:
                edit = ws.find_replace(column, find, replace, whole_cell=whole)
            except AddrmigError as error:
                st.error(str(error))
            else:
                if edit is None:
                    st.info(_("No cell of {column} contains {find}.").format(column=column, find=repr(find)))
                else:
                    st.rerun()

    # ---------------------------------------------------------------- failing rows
    st.subheader(_("Rows with errors"))
    if bad_rows == 0:
        st.write(_("None. 🎉"))
    else:
        failing_rows_editor(report, errors)

    if len(warnings):
        with st.expander(_("Warnings ({n})").format(n=number(len(warnings)))):
            shown = page_of(warnings, pager("warnings_page", len(warnings)))
            severities = {"error": _("error"), "warning": _("warning")}
            st.dataframe(shown.assign(severity=shown["severity"].astype(str).map(severities)), hide_index=True,
                         width="stretch",
                         column_config={"row": st.column_config.NumberColumn(_("Row"), format="%d"),
                                        "column": _("Column"), "value": _("Value"), "severity": _("Severity"),
                                        "check": _("Check"), "message": _("Message")})
            st.caption(_("The report below has them all."))

    # ---------------------------------------------------------------- report
    st.subheader(_("Error report"))
    st.write(_("Keep a record of what was wrong, or send it to whoever maintains the old system. The row numbers "
               "are the ones your spreadsheet shows."))
    d1, d2 = st.columns(2)

    def report_csv() -> bytes:
        from addrmig.report_files import write_report_csv
        return write_report_csv(report)

    def report_xlsx() -> bytes:
        from addrmig.report_files import write_report_xlsx
        return write_report_xlsx(ws.frame, report)

    def report_file(fmt: str):
        from addrmig.jobs import report_file as build
        frame = ws.frame
        return lambda: build(frame, report, fmt)

    stem = (ws.file_name or "addresses").rsplit(".", 1)[0]
    with d1:
        download(_("Download the report (CSV)"), name="report_csv", key=ws.content_key(), rows=ws.rows,
                 file_name=f"{stem}_problems.csv", mime="text/csv", build=report_file("csv"), small=report_csv)
    with d2:
        download(_("Download your rows with problems highlighted (Excel)"), name="report_xlsx", key=ws.content_key(),
                 rows=ws.rows, file_name=f"{stem}_problems.xlsx", build=report_file("xlsx"), small=report_xlsx,
                 mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    st.page_link(PAGES["places"], label=_("Next: match the places (city, township, district)"),
                 icon=":material/arrow_forward:")
