"""A block of the Places page: the places read from the address text, and the texts left to decide.

Self-contained so it can move: ``show_text_places(ws)`` draws it when the file's places were
read from its address text (``Workspace.read_places_from_text``), and nothing otherwise.
"""
from __future__ import annotations

import streamlit as st

from addrmig.fields import heading
from addrmig.i18n import N_, _, ngettext
from addrmig.locations.freetext.filling import source_words, summary
from addrmig.workspace import Workspace
from pages._common import md, number, page_of, pager

TEXT_PAGE = 10
#: What became of an address text (``addrmig.locations.freetext.STATUSES``), translated where shown.
TEXT_STATUS = {"found": N_("found"), "ambiguous": N_("ambiguous"), "conflicting": N_("conflicting"),
               "none": N_("none")}


def rows_text(n: int) -> str:
    return ngettext("{n} row", "{n} rows", n).format(n=number(n))


def in_rows_text(n: int) -> str:
    return ngettext("in {n} row", "in {n} rows", n).format(n=number(n))


def status_text(status: str) -> str:
    return _(TEXT_STATUS[status]) if status in TEXT_STATUS else status


def show_text_places(ws: Workspace) -> None:
    read = ws.text_places
    if read is None or not len(read):
        return
    counts = summary(read)
    st.subheader(_("Places read from the address text"))
    st.write(ngettext("{n} row had no place columns, so their places were read from the address text: city and "
                      "township found in **{found}** (the district too in {district}), the city alone in {city}. "
                      "A place is filled only where the text names it clearly; the text itself is kept as written. "
                      "Filling them is one change you can undo on the Check page.",
                      "{n} rows had no place columns, so their places were read from the address text: city and "
                      "township found in **{found}** (the district too in {district}), the city alone in {city}. "
                      "A place is filled only where the text names it clearly; the text itself is kept as written. "
                      "Filling them is one change you can undo on the Check page.", counts["rows"])
             .format(n=number(counts["rows"]), found=number(counts["found"]), district=number(counts["district"]),
                     city=number(counts["city"])))
    every = ws.text_readings()
    with st.expander(ngettext("What was read ({n} distinct address text)", "What was read ({n} distinct address texts)",
                              len(every)).format(n=number(len(every)))):
        page = page_of(every, pager("text_read_page", len(every)))
        page = page.assign(words=[source_words(t, e) for t, e in zip(page["text"], page["evidence"])],
                           status=[status_text(str(s)) for s in page["status"]])
        st.dataframe(page[["text", "rows", "city", "township", "district", "words", "status"]],
                     hide_index=True, width="stretch",
                     column_config={"text": st.column_config.TextColumn(_("Address text")),
                                    "words": st.column_config.TextColumn(_("Read from the words")),
                                    "rows": st.column_config.NumberColumn(_("Rows"), format="localized"),
                                    **{level: heading(level) for level in ("city", "township", "district")},
                                    "status": _("status")})
    open_texts = ws.text_readings(only_open=True)
    if open_texts.empty:
        return
    st.write(_("**{texts}** ({rows}) do not settle the place: several places fit, the names written disagree, or "
               "none is named. Pick the place for each; it is written into the rows with that text.").format(
                 texts=ngettext("{n} address text", "{n} address texts", len(open_texts)).format(
                     n=number(len(open_texts))),
                 rows=in_rows_text(int(open_texts["rows"].sum()))))
    page = pager("text_open_page", len(open_texts), TEXT_PAGE)
    chosen = {}
    for i, item in page_of(open_texts, page, TEXT_PAGE).iterrows():
        options = [tuple(s.split(" / ")) for s in item["suggestions"].split("; ") if s]
        left, right = st.columns([1, 1])
        said = item["note"] or (_("no place named") if item["status"] == "none" else status_text(item["status"]))
        words = source_words(item["text"], item["evidence"])
        left.markdown(f"**{md(item['text'])}**  \n{rows_text(int(item['rows']))} — {md(said)}"
                      + (_("; read: {words}").format(words=md(words)) if words else ""))
        labels = [_("— leave as it is —")] + [" › ".join(p for p in option if p) for option in options]
        pick = right.selectbox(_("Choose the place"), range(len(labels)), format_func=labels.__getitem__,
                               key=f"text_pick_{ws.version}_{i}", label_visibility="collapsed")
        if pick:
            city, township, district = (options[pick - 1] + ("", "", ""))[:3]
            chosen[item["text"]] = (_country(ws, city), city, township, district)
    if st.button(_("Save these places ({n})").format(n=number(len(chosen))), key="save_text_places", disabled=not chosen):
        ws.choose_text_places(chosen)
        st.rerun()


def _country(ws: Workspace, city: str) -> str:
    frame = ws.reference_db().frame
    found = frame.loc[frame["city"] == city, "country"]
    return str(found.iloc[0]) if len(found) else ""
