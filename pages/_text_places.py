"""A block of the Places page: the places read from the address text, and the texts left to decide.

Self-contained so it can move: ``show_text_places(ws)`` draws it when the file's places were
read from its address text (``Workspace.read_places_from_text``), and nothing otherwise.
"""
from __future__ import annotations

import streamlit as st

from addrmig.locations.freetext.filling import source_words, summary
from addrmig.workspace import Workspace
from pages._common import md, number, page_of, pager, plural

TEXT_PAGE = 10


def show_text_places(ws: Workspace) -> None:
    read = ws.text_places
    if read is None or not len(read):
        return
    counts = summary(read)
    st.subheader("Places read from the address text")
    st.write(f"{plural(counts['rows'], 'row')} had no place columns, so their places were read from the "
             f"address text: city and township found in **{number(counts['found'])}** "
             f"(the district too in {number(counts['district'])}), the city alone in {number(counts['city'])}. "
             "A place is filled only where the text names it clearly; the text itself is kept as written. "
             "Filling them is one change you can undo on the Check page.")
    every = ws.text_readings()
    with st.expander(f"What was read ({plural(len(every), 'distinct address text')})"):
        page = page_of(every, pager("text_read_page", len(every)))
        page = page.assign(words=[source_words(t, e) for t, e in zip(page["text"], page["evidence"])])
        st.dataframe(page[["text", "rows", "city", "township", "district", "words", "status"]],
                     hide_index=True, width="stretch",
                     column_config={"text": st.column_config.TextColumn("Address text"),
                                    "words": st.column_config.TextColumn("Read from the words"),
                                    "rows": st.column_config.NumberColumn("Rows", format="localized")})
    open_texts = ws.text_readings(only_open=True)
    if open_texts.empty:
        return
    st.write(f"**{plural(len(open_texts), 'address text')}** (in {plural(int(open_texts['rows'].sum()), 'row')}) "
             "do not settle the place: several places fit, the names written disagree, or none is named. Pick "
             "the place for each; it is written into the rows with that text.")
    page = pager("text_open_page", len(open_texts), TEXT_PAGE)
    chosen = {}
    for i, item in page_of(open_texts, page, TEXT_PAGE).iterrows():
        options = [tuple(s.split(" / ")) for s in item["suggestions"].split("; ") if s]
        left, right = st.columns([1, 1])
        said = item["note"] or {"none": "no place named"}.get(item["status"], item["status"])
        words = source_words(item["text"], item["evidence"])
        left.markdown(f"**{md(item['text'])}**  \n{plural(int(item['rows']), 'row')} — {md(said)}"
                      + (f"; read: {md(words)}" if words else ""))
        labels = ["— leave as it is —"] + [" › ".join(p for p in option if p) for option in options]
        pick = right.selectbox("Choose the place", range(len(labels)), format_func=labels.__getitem__,
                               key=f"text_pick_{ws.version}_{i}", label_visibility="collapsed")
        if pick:
            city, township, district = (options[pick - 1] + ("", "", ""))[:3]
            chosen[item["text"]] = (_country(ws, city), city, township, district)
    if st.button(f"Save these places ({len(chosen)})", key="save_text_places", disabled=not chosen):
        ws.choose_text_places(chosen)
        st.rerun()


def _country(ws: Workspace, city: str) -> str:
    frame = ws.reference_db().frame
    found = frame.loc[frame["city"] == city, "country"]
    return str(found.iloc[0]) if len(found) else ""
