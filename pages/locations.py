"""Step 3 — match country, city, township and district against the location database."""
from __future__ import annotations

import os
import tempfile

import pandas as pd
import streamlit as st

from addrmig.akinon.connection import SANDBOX
from addrmig.errors import AddrmigError
from addrmig.fields import heading
from addrmig.formatting import percent
from addrmig.i18n import N_, _, ngettext, set_language
from pages._common import (
    PAGES,
    bundled_db,
    md,
    need_file,
    need_rows,
    number,
    page_of,
    pager,
    places_resolver,
    sandbox,
    workspace,
)
from pages._review_places import show_review
from pages._text_places import show_text_places

ws = workspace()
set_language(ws.language)  # the workspace's, also when this page runs without app.py
st.title(_("3. Places"))

STATUS_TEXT = {
    "exact": N_("found exactly as written"),
    "normalized": N_("found (spelling or case differed)"),
    "fuzzy": N_("found (a typo was corrected)"),
    "ambiguous": N_("several places fit — please choose"),
    "unmatched": N_("not found — please choose"),
    "missing": N_("left empty"),
}
#: Where the places are compared with: the choices of the reference chooser.
BUNDLED, OWN_FILE, AKINON = "bundled", "file", "akinon"
#: The places of the bundled Türkiye database (``LocationDB.bundled``).
BUNDLED_COUNTS = {"cities": 81, "townships": 973, "districts": 73305}


def reference_text(choice: str) -> str:
    """A choice of the reference chooser as the user reads it."""
    if choice == BUNDLED:
        return _("The built-in Türkiye database ({cities} cities, {townships} townships, {districts} districts)").format(
            **{name: number(count) for name, count in BUNDLED_COUNTS.items()})
    if choice == OWN_FILE:
        return _("A file of my own (CSV or Excel with country, city, township, district)")
    return _("The places of an Akinon installation (downloaded)")


def load_reference() -> None:
    """The reference chooser: bundled, a file of the user's, or downloaded from Akinon."""
    labels = {choice: reference_text(choice) for choice in (BUNDLED, OWN_FILE, AKINON)}  # in this run's language
    choice = st.radio(_("Compare with"), list(labels), format_func=labels.__getitem__, key="ref_choice")
    if choice == BUNDLED:
        if ws.location_source != "bundled" or ws.location_db is None:
            ws.set_locations("bundled", bundled_db())
    elif choice == OWN_FILE:
        ref = st.file_uploader(_("Your location file"), type=["csv", "xlsx", "xls", "ods"], key="ref_file")
        if ref is not None and ws.location_source != f"file:{ref.name}:{ref.size}":
            from addrmig.locations.db import LocationDB
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    path = os.path.join(tmp, os.path.basename(ref.name))
                    with open(path, "wb") as out:
                        out.write(ref.getvalue())
                    ws.set_locations(f"file:{ref.name}:{ref.size}", LocationDB.from_file(path))
            except AddrmigError as error:
                st.error(md(str(error)))
        if ws.location_source.startswith("file:") is False:
            st.info(_("Upload a file with the columns country, city, township, district (one row per place)."))
            ws.set_locations("none", None)
    else:
        default = sandbox().url if ws.connection.mode == SANDBOX else ws.connection.url
        url = st.text_input(_("Akinon URL"), value=default, key="ref_url")
        refresh = st.checkbox(_("Download again even if a copy was saved before"), key="ref_refresh")
        if st.button(_("Download the places"), key="ref_download", disabled=not url):
            from addrmig.akinon.locations import download_locations
            bar = st.progress(0.0, text=_("Downloading places…"))

            def progress(done: float, total: float) -> None:
                bar.progress(min(1.0, done / total) if total else 0.0,
                             text=ngettext("Downloading places… {done} of {n} page", "Downloading places… {done} of {n} pages",
                                           int(total)).format(done=number(int(done)), n=number(int(total))))
            try:
                db = download_locations(url, refresh=refresh, progress=progress)
                ws.set_locations(f"akinon:{url}", db)
                bar.progress(1.0, text=ngettext("Downloaded {n} place.", "Downloaded {n} places.", len(db.frame))
                             .format(n=number(len(db.frame))))
            except AddrmigError as error:
                st.error(md(str(error)))
        if not ws.location_source.startswith("akinon:"):
            ws.set_locations("none", None)
            st.info(_("Press **{button}** to fetch them.").format(button=_("Download the places")))


if need_file(ws) and need_rows(ws):
    st.write(_("Akinon refuses an address whose country, city, township or district it does not know. "
               "Here every place in your file is looked up, spelling mistakes are corrected, and you decide "
               "where the file is unclear."))
    load_reference()
    resolution = None
    if ws.location_db is not None:
        try:
            if not ws.resolution_ready:
                # Expanded, so the bar is seen moving: a million rows take a while.
                with st.status(ngettext("Matching the places of {n} row…", "Matching the places of {n} rows…",
                                        ws.rows).format(n=number(ws.rows)), expanded=True) as status:
                    bar = st.progress(0.0, text=_("Starting…"))
                    matched = _("{share} matched")  # translated here: the progress may be told from another thread

                    def moved(done: float, total: float) -> None:
                        share = min(1.0, done / total) if total else 0.0
                        bar.progress(share, text=matched.format(share=percent(share, 0)))
                    resolution = ws.resolve_places(places_resolver(), db=ws.location_db,
                                                   corrections=ws.corrections(), progress=moved)
                    status.update(label=ngettext("Places of {n} row matched", "Places of {n} rows matched", ws.rows)
                                  .format(n=number(ws.rows)), state="complete", expanded=False)
            else:
                resolution = ws.current_resolution()
        except AddrmigError as error:
            st.error(md(str(error)))

    if resolution is not None:
        summary = resolution.summary()
        share = summary["resolved_share"]
        c1, c2, c3 = st.columns(3)
        c1.metric(_("Rows"), number(summary["rows"]))
        c2.metric(_("Places found"), percent(share))
        c3.metric(_("Rows waiting for you"), number(summary["rows"] - summary["resolved"]))
        table = pd.DataFrame([{"place": _(text), "rows": summary.get(status, 0)}
                              for status, text in STATUS_TEXT.items() if summary.get(status, 0)])
        st.dataframe(table, hide_index=True, width=520,
                     column_config={"place": st.column_config.TextColumn(_("What happened to the place")),
                                    "rows": st.column_config.NumberColumn(_("Rows"), format="localized")})
        if len(resolution.changes):
            cells = int(resolution.changes["rows"].sum())
            with st.expander(ngettext("Spellings corrected in your file ({n} cell)",
                                      "Spellings corrected in your file ({n} cells)", cells).format(n=number(cells))):
                page = pager("changes_page", len(resolution.changes))
                changes = page_of(resolution.changes.sort_values("rows", ascending=False), page)
                st.dataframe(changes.assign(column=[heading(str(level)) for level in changes["column"]]),
                             hide_index=True, width="stretch",
                             column_config={"column": _("column"), "written": _("written"), "place": _("place"),
                                            "rows": st.column_config.NumberColumn(_("rows"), format="localized")})

        # ---------------------------------------------------------------- read from the address text
        show_text_places(ws)  # its own block (pages/_text_places.py), drawn only for such files

        # ---------------------------------------------------------------- review
        show_review(ws, resolution)  # its own block (pages/_review_places.py)
        st.page_link(PAGES["export"], label=_("Next: export the corrected file"), icon=":material/arrow_forward:")
    elif ws.location_db is None and ws.has_file:
        st.caption(_("Choose where the place names come from, above."))
