"""Step 1 — your file in: read it, pick the sheet, check how its columns map to Akinon's fields."""
from __future__ import annotations

from importlib import resources

import streamlit as st

from addrmig.columns import choose_field
from addrmig.errors import AddrmigError
from addrmig.fields import AUXILIARY_COLUMNS, BY_NAME, COLUMNS, REQUIRED
from addrmig.i18n import N_, _, ngettext, set_language
from addrmig.workspace import sha256
from pages._common import PAGES, let_go_of_upload, load_file, number, options_key, page_of, pager, work_ahead, workspace
from pages._session import uploaded_bytes

ws = workspace()
set_language(ws.language)  # the workspace's, also when this page runs without app.py
IGNORE = _("(ignore this column)")  # the mapping table's choice for "no field", in this run's language
#: The delimiters a person can pick, by what the reader is given.
DELIMITERS = {",": N_("comma (,)"), ";": N_("semicolon (;)"), "\t": N_("tab"), "|": N_("pipe (|)")}

st.title(_("1. Upload your address file"))
st.write(_("Upload the address export from your old system. Any of CSV, TSV, TXT, Excel (XLSX, XLS), "
           "OpenDocument (ODS) or JSON works; the app finds the columns and the encoding by itself."))


def rows_text(n: int) -> str:
    return ngettext("{n} row", "{n} rows", n).format(n=number(n))


def columns_text(n: int) -> str:
    return ngettext("{n} column", "{n} columns", n).format(n=number(n))


def read(data: bytes, name: str, options: dict) -> bool:
    """Read the file with the given options and make it the session's current file; on failure
    say why (the reason stays on the page) and keep the previous file. True when it was read."""
    with st.spinner(_("Reading {name}…").format(name=name)):
        try:
            loaded = load_file(sha256(data), data, name, options_key(options))
        except AddrmigError as error:
            st.session_state["read_failure"] = (name, str(error))
            return False
    st.session_state.pop("read_failure", None)
    ws.set_loaded(name, data, loaded, options)
    return True


left, right = st.columns([3, 1])
with left:
    uploaded = st.file_uploader(_("Your address file"), key="upload_file",
                                type=["csv", "tsv", "txt", "xlsx", "xls", "ods", "json", "ndjson"])
with right:
    st.write("")
    st.write(_("No file at hand?"))
    sample_clicked = st.button(_("Try with a sample file"), key="sample_button",
                               help=_("{n} made-up Turkish addresses with the usual mistakes in them.")
                               .format(n=number(5000)))

# A file is read when it arrives, once: the uploader keeps offering it on every rerun, and the
# sample button must work while it does.
if sample_clicked:
    read((resources.files("addrmig") / "data" / "sample_addresses.csv").read_bytes(), "sample_addresses.csv", {})
elif uploaded is not None and uploaded.file_id != st.session_state.get("read_upload_id"):
    st.session_state["read_upload_id"] = uploaded.file_id
    data = uploaded.getvalue()
    let_go_of_upload(uploaded.file_id)  # the workspace has the bytes now
    read(data, uploaded.name, {})
    del data

failure = st.session_state.get("read_failure")
if failure:
    name, reason = failure
    st.error(_("**{name} could not be read.** {reason}").format(name=name, reason=reason))
    if ws.has_file:
        st.warning(_("Nothing changed: you are still working on **{file}** ({rows}), the file you loaded before.")
                   .format(file=ws.file_name, rows=rows_text(ws.rows)))
    else:
        st.caption(_("No file is loaded."))

if not ws.has_file:
    st.info(_("Nothing uploaded yet. Pick your file above, or press **Try with a sample file** to see how it "
              "works."))
else:
    table = ws.loaded.table
    if ws.rows:
        st.success(f"**{ws.file_name}**: {rows_text(ws.rows)}, {columns_text(len(table.frame.columns))}.")
    else:
        st.warning(_("**{file}** has {columns} but **no address rows**: only a header, or nothing under it. Check "
                     "that you exported the right sheet or table, then upload the file again.")
                   .format(file=ws.file_name, columns=columns_text(len(table.frame.columns))))

    # ---------------------------------------------------------------- how it was read
    st.subheader(_("How the file was read"))
    info = {
        _("Format"): table.format.upper(),
        _("Encoding"): table.encoding or "—",
        _("Delimiter"): _(DELIMITERS[table.delimiter]) if table.delimiter in DELIMITERS else table.delimiter or "—",
        _("Header row"): str(table.header_row or "—"),
        _("Sheet"): table.sheet or "—",
    }
    st.markdown(" · ".join(f"**{k}:** {v}" for k, v in info.items()))
    for note in table.notes:
        st.caption(f"ℹ️ {note}")

    with st.expander(_("Not right? Change how the file is read")):
        sheets = list(table.sheets)
        options = dict(ws.options)
        if len(sheets) > 1:
            current = table.sheet
            options["sheet"] = st.selectbox(_("Sheet"), sheets, index=sheets.index(current) if current in sheets else 0,
                                            key="opt_sheet")
        if table.format in ("csv", "tsv", "txt"):
            encodings = ["utf-8", "utf-8-sig", "utf-16", "cp1254", "iso-8859-9", "cp1252", "latin-1"]
            detected = (table.encoding or "utf-8").lower()
            if detected not in encodings:
                encodings.insert(0, detected)
            # the close calls the reader found, right after the one it chose
            for alternative in reversed(getattr(table, "encodings", []) or []):
                if alternative.lower() not in encodings:
                    encodings.insert(encodings.index(detected) + 1, alternative.lower())
            options["encoding"] = st.selectbox(_("Encoding"), encodings, index=encodings.index(detected), key="opt_encoding")
            current = table.delimiter or ","
            delimiters = list(DELIMITERS)
            names = {d: _(name) for d, name in DELIMITERS.items()}  # translated now, in this run's language
            options["delimiter"] = st.selectbox(_("Delimiter"), delimiters, format_func=names.__getitem__,
                                                index=delimiters.index(current) if current in delimiters else 0,
                                                key="opt_delimiter")
        options["header_row"] = int(st.number_input(_("Header row (the row holding the column names)"), min_value=1,
                                                    value=max(1, int(table.header_row or 1)),
                                                    key="opt_header_row"))
        if st.button(_("Read again with these settings"), key="reread"):
            if options.get("delimiter") == table.delimiter:
                options.pop("delimiter", None)
            if options.get("header_row") == table.header_row:
                options.pop("header_row", None)
            read(uploaded_bytes(ws), ws.file_name, options)
            st.rerun()

    # ---------------------------------------------------------------- column mapping
    st.subheader(_("Your columns → Akinon's fields"))
    st.write(_("Each column of your file and the Akinon field it goes to. Change the field where it is wrong; "
               "pick *{ignore}* for columns Akinon does not need.").format(ignore=IGNORE))
    mapping = ws.loaded.mapping.table(list(table.frame.columns))
    shown = mapping.assign(field=mapping["field"].replace("", IGNORE))
    edited = st.data_editor(
        shown, key=f"mapping_editor_{ws.version}", hide_index=True, width="stretch",
        disabled=["column", "confidence", "how", "fills"],
        column_config={
            "column": st.column_config.TextColumn(_("Column in your file")),
            "field": st.column_config.SelectboxColumn(_("Akinon field"), options=[IGNORE, *COLUMNS, *AUXILIARY_COLUMNS], required=True),
            "confidence": st.column_config.ProgressColumn(_("Confidence"), min_value=0, max_value=100, format="%d"),
            "how": st.column_config.TextColumn(_("How it was matched")),
            "fills": st.column_config.TextColumn(_("Also fills"), help=_(
                "Fields your file has no column for, taken from this column: a full name is split into first "
                "and last name; the places are read from the address text (step 3).")),
        })
    if not edited["field"].equals(shown["field"]):
        # A field goes to one column: choosing it for a column takes it from the column that had it.
        fields = {col: (None if fld == IGNORE else fld) for col, fld in zip(shown["column"], shown["field"])}
        said = []
        for column, before, after in zip(edited["column"], shown["field"], edited["field"]):
            if after != before:
                fields, moved = choose_field(fields, column, None if after == IGNORE else after)
                said += [_("**{field}** now comes from *{column}*; *{other}* is ignored")
                         .format(field=field, column=column, other=other) for field, other in moved]
        if said:
            st.session_state["mapping_moved"] = _("{moves}. Choose again in the table to change it.").format(
                moves="; ".join(said))
        options = dict(ws.options)
        options["overrides"] = fields
        read(uploaded_bytes(ws), ws.file_name, options)
        st.rerun()
    if st.session_state.get("mapping_moved"):
        st.info(st.session_state.pop("mapping_moved"))

    missing = [f for f in REQUIRED if f not in set(mapping["field"]) and f not in ws.loaded.mapping.derived]
    if missing:
        st.warning(_("No column was found for these required fields: {fields}. Pick them in the table above, or "
                     "they stay empty and those rows will fail.").format(
                         fields=", ".join(f"**{f}** ({_(BY_NAME[f].description)})" for f in missing)))

    # ---------------------------------------------------------------- preview
    st.subheader(_("Your rows, as Akinon will see them"))
    page = pager("preview_page", ws.rows)
    st.dataframe(page_of(ws.frame, page), width="stretch")
    st.caption(_("The row numbers on the left are the row numbers in your file."))
    st.page_link(PAGES["check"], label=_("Next: check the rows for problems"), icon=":material/arrow_forward:")
    work_ahead(ws)  # a big file's checks, then its places, while the user reads this page and goes on
