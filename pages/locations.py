"""Step 3 — match country, city, township and district against the location database."""
from __future__ import annotations

import os
import tempfile

import pandas as pd
import streamlit as st

from addrmig.akinon.connection import SANDBOX
from addrmig.errors import AddrmigError
from addrmig.formatting import percent
from pages._common import (
    PAGES,
    bundled_db,
    md,
    need_file,
    need_rows,
    number,
    page_of,
    pager,
    plural,
    sandbox,
    workspace,
)
from pages._review_places import show_review
from pages._text_places import show_text_places

ws = workspace()
st.title("3. Places")

STATUS_TEXT = {
    "exact": "found exactly as written",
    "normalized": "found (spelling or case differed)",
    "fuzzy": "found (a typo was corrected)",
    "ambiguous": "several places fit — please choose",
    "unmatched": "not found — please choose",
    "missing": "left empty",
}


def places_resolver():
    """The resolver, sharing a big file's rows with worker processes forked from the server
    (``addrmig.parallel``, as ``fix`` does): the result is the same, sooner."""
    from functools import partial

    from addrmig.locations.resolver import resolve
    from addrmig.parallel import available_workers

    return partial(resolve, workers=available_workers())


def load_reference() -> None:
    """The reference chooser: bundled, a file of the user's, or downloaded from Akinon."""
    choice = st.radio("Compare with", ["The built-in Türkiye database (81 cities, 973 townships, 73,305 districts)",
                                      "A file of my own (CSV or Excel with country, city, township, district)",
                                      "The places of an Akinon installation (downloaded)"],
                      key="ref_choice")
    if choice.startswith("The built-in"):
        if ws.location_source != "bundled" or ws.location_db is None:
            ws.set_locations("bundled", bundled_db())
    elif choice.startswith("A file"):
        ref = st.file_uploader("Your location file", type=["csv", "xlsx", "xls", "ods"], key="ref_file")
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
            st.info("Upload a file with the columns country, city, township, district (one row per place).")
            ws.set_locations("none", None)
    else:
        default = sandbox().url if ws.connection.mode == SANDBOX else ws.connection.url
        url = st.text_input("Akinon URL", value=default, key="ref_url")
        refresh = st.checkbox("Download again even if a copy was saved before", key="ref_refresh")
        if st.button("Download the places", key="ref_download", disabled=not url):
            from addrmig.akinon.locations import download_locations
            bar = st.progress(0.0, text="Downloading places…")

            def progress(done: float, total: float) -> None:
                bar.progress(min(1.0, done / total) if total else 0.0,
                             text=f"Downloading places… {number(int(done))} of {plural(int(total), 'page')}")
            try:
                db = download_locations(url, refresh=refresh, progress=progress)
                ws.set_locations(f"akinon:{url}", db)
                bar.progress(1.0, text=f"Downloaded {plural(len(db.frame), 'place')}.")
            except AddrmigError as error:
                st.error(md(str(error)))
        if not ws.location_source.startswith("akinon:"):
            ws.set_locations("none", None)
            st.info("Press **Download the places** to fetch them.")


if need_file(ws) and need_rows(ws):
    st.write("Akinon refuses an address whose country, city, township or district it does not know. "
             "Here every place in your file is looked up, spelling mistakes are corrected, and you decide "
             "where the file is unclear.")
    load_reference()
    resolution = None
    if ws.location_db is not None:
        try:
            if not ws.resolution_ready:
                # Expanded, so the bar is seen moving: a million rows take a while.
                with st.status(f"Matching the places of {plural(ws.rows, 'row')}…", expanded=True) as status:
                    bar = st.progress(0.0, text="Starting…")

                    def moved(done: float, total: float) -> None:
                        share = min(1.0, done / total) if total else 0.0
                        bar.progress(share, text=f"{percent(share, 0)} matched")
                    resolution = ws.resolve_places(places_resolver(), db=ws.location_db,
                                                   corrections=ws.corrections(), progress=moved)
                    status.update(label=f"Places of {plural(ws.rows, 'row')} matched", state="complete",
                                  expanded=False)
            else:
                resolution = ws.current_resolution()
        except AddrmigError as error:
            st.error(md(str(error)))

    if resolution is not None:
        summary = resolution.summary()
        share = summary["resolved_share"]
        c1, c2, c3 = st.columns(3)
        c1.metric("Rows", number(summary["rows"]))
        c2.metric("Places found", percent(share))
        c3.metric("Rows waiting for you", number(summary["rows"] - summary["resolved"]))
        table = pd.DataFrame([{"place": STATUS_TEXT.get(status, status), "rows": summary.get(status, 0)}
                              for status in STATUS_TEXT if summary.get(status, 0)])
        st.dataframe(table, hide_index=True, width=520,
                     column_config={"place": st.column_config.TextColumn("What happened to the place"),
                                    "rows": st.column_config.NumberColumn("Rows", format="localized")})
        if len(resolution.changes):
            with st.expander(f"Spellings corrected in your file ({plural(int(resolution.changes['rows'].sum()), 'cell')})"):
                page = pager("changes_page", len(resolution.changes))
                st.dataframe(page_of(resolution.changes.sort_values("rows", ascending=False), page),
                             hide_index=True, width="stretch")

        # ---------------------------------------------------------------- read from the address text
        show_text_places(ws)  # its own block (pages/_text_places.py), drawn only for such files

        # ---------------------------------------------------------------- review
        show_review(ws, resolution)  # its own block (pages/_review_places.py)
        st.page_link(PAGES["export"], label="Next: export the corrected file", icon=":material/arrow_forward:")
    elif ws.location_db is None and ws.has_file:
        st.caption("Choose where the place names come from, above.")
