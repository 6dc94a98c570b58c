"""A block of the Places page: the written places that could not be matched for sure.

``show_review(ws, resolution)`` draws one card per written place: the best suggestion and
why, every candidate, cascading city → township → district pickers for any other place,
how many rows a pick changes, and making a pick a rule for every row writing a value that
way (after a preview of the rows it would change). The choices themselves are the
library's (``addrmig.locations.suggesting``, ``Workspace.choose_places``).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from addrmig.errors import AddrmigError
from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.i18n import N_, _, ngettext
from addrmig.locations.keys import remember_district_keys
from addrmig.locations.resolver import Resolution
from addrmig.locations.resolver.statuses import status_label
from addrmig.locations.review import clear_choices, place_label, written_key
from addrmig.locations.suggesting import best_suggestion, candidates, cities, country_of, districts, townships
from addrmig.workspace import Workspace
from pages._common import md, number, page_of, pager

REVIEW_PAGE = 10
LEAVE = N_("— leave as written —")
OTHER = N_("Another place…")
STATUS_NOTE = {"ambiguous": N_("several places fit"), "unmatched": N_("not found"), "missing": N_("left empty")}
#: A rule's level as the "Which name" choice shows it, and what the rule would do, per level.
RULE_CHOICE = {"country": N_("country: “{written}” → {place}"), "city": N_("city: “{written}” → {place}"),
               "township": N_("township: “{written}” → {place}"), "district": N_("district: “{written}” → {place}")}
RULE_EFFECT = {"country": N_("Every country written “{value}” would become **{place}**: {places}, {rows}."),
               "city": N_("Every city written “{value}” would become **{place}**: {places}, {rows}."),
               "township": N_("Every township written “{value}” would become **{place}**: {places}, {rows}."),
               "district": N_("Every district written “{value}” would become **{place}**: {places}, {rows}.")}


def rows_text(n: int) -> str:
    return ngettext("{n} row", "{n} rows", n).format(n=number(n))


def written_places_text(n: int) -> str:
    return ngettext("{n} written place", "{n} written places", n).format(n=number(n))


def written_label(written: tuple[str, ...]) -> str:
    """The written place as a person reads it (country left out, spaces around each name left out)."""
    return " › ".join(v.strip() for v in written[1:] if v.strip()) or _("(empty)")


def show_review(ws: Workspace, resolution: Resolution) -> None:
    items = ws.review(resolution)
    db = resolution.db
    st.subheader(_("Places to decide"))
    if items.empty:
        st.success(_("Every place was found. 🎉"))
        show_conflicts(ws)
        return
    rows = int(items["rows"].sum())
    st.write(_("{places} ({rows}) could not be matched for sure. Pick the right place for each: a pick changes only "
               "the rows written exactly that way (case and spaces aside).").format(
                 places=written_places_text(len(items)),
                 rows=ngettext("in {n} row", "in {n} rows", rows).format(n=number(rows))))
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    min_score = left.slider(_("Accept every suggestion scoring at least"), 50, 100, 85, key="accept_min")
    if right.button(_("Accept these suggestions"), key="accept_button",
                    help=_("Only where one suggestion is clearly the best; ties stay for you to decide.")):
        choices = clear_choices(items, float(min_score))
        if choices:
            save_picks(ws, choices)
        else:
            st.info(_("No suggestion is both that good and clearly ahead of the others."))
    page = pager("review_page", len(items), REVIEW_PAGE)
    chosen: dict[tuple, tuple] = {}
    notes = {}
    shown = page_of(items, page, REVIEW_PAGE)
    written = shown["district"].astype(str)
    remember_district_keys([*written, *written.str.strip()])  # the cards' names at once, not one by one
    for i, item in shown.iterrows():
        with st.container(border=True):
            place, notes[written_key(item)] = review_card(ws, db, item, i)
        if place is not None:
            chosen[written_key(item)] = place
    counts = ws.rows_changed(chosen) if chosen else {}  # every pick's rows at once: one pass over the file
    for written, changed in counts.items():
        notes[written].caption(ngettext("Saving this changes {n} row: those written exactly this way.",
                                        "Saving this changes {n} rows: those written exactly this way.", changed)
                               .format(n=number(changed)))
    show_saving(ws, chosen, counts)
    show_conflicts(ws)


def review_card(ws: Workspace, db, item: pd.Series, i: int):
    """One written place: what was written, the best suggestion, the pickers. Returns the place
    picked (or None) and the place where the rows it changes are to be said."""
    written = written_key(item)
    spaced = any(v != v.strip() for v in written)
    examples = ", ".join(str(r) for r in list(item["examples"])[:3])
    note = item["note"] or (_(STATUS_NOTE[item["status"]]) if item["status"] in STATUS_NOTE
                            else status_label(item["status"]))
    left, right = st.columns([3, 2])
    others = int(item.get("spellings", 1)) - 1
    left.markdown(f"**{md(written_label(written))}**" + (" " + _("(written with spaces around a name)") if spaced else "")
                  + (" " + ngettext("(also written {n} other way: case, letters or spaces apart)",
                                    "(also written {n} other ways: case, letters or spaces apart)", others)
                     .format(n=number(others)) if others > 0 else "")
                  + "  \n" + _("{rows} (e.g. row {examples}) — {note}").format(
                      rows=rows_text(int(item["rows"])), examples=examples, note=md(note)))
    found = candidates(item, db)
    best = best_suggestion(item, db, found)
    if best is not None:
        left.markdown(_("Suggested: **{place}** — {reason}").format(place=md(place_label(best.place)),
                                                                    reason=md(best.reason)))
    else:
        left.caption(_("Nothing in the place list fits what is written: choose the place with “{other}”.").format(
            other=_(OTHER)))
    labels = [_(LEAVE)] + [place_label(s.place) for s in found] + [_(OTHER)]
    pick = right.selectbox(_("Choose the place"), range(len(labels)), format_func=labels.__getitem__,
                           key=f"pick_{ws.version}_{i}", label_visibility="collapsed")
    place = None
    if 0 < pick <= len(found):
        place = found[pick - 1].place
    elif pick == len(labels) - 1:
        place = cascade(ws, db, item, i, right)
    note = right.empty()
    if place is not None:
        generalise(ws, item, place, i)
    return place, note


def cascade(ws: Workspace, db, item: pd.Series, i: int, where) -> tuple | None:
    """City → township → district pickers (type to search); the place once a city is chosen."""
    start = item["place_city"] or None
    city_options = cities(db)
    city = where.selectbox(_("City"), city_options, key=f"city_{ws.version}_{i}",
                           placeholder=_("Type to find a city"),
                           index=city_options.index(start) if start in city_options else None)
    if not city:
        return None
    township_options = townships(db, city)
    township = where.selectbox(_("Township"), township_options, key=f"township_{ws.version}_{i}_{city}", index=None,
                               placeholder=_("Type to find a township"))
    district = None
    if township:
        district_options = districts(db, city, township)
        district = where.selectbox(_("District"), district_options,
                                   key=f"district_{ws.version}_{i}_{city}_{township}",
                                   index=None, placeholder=_("Type to find a district (optional)"))
    return (country_of(db, city), city, township or "", district or "")


def generalise(ws: Workspace, item: pd.Series, place: tuple, i: int) -> None:
    """Make the pick a rule for every row writing one of its values that way, after seeing those rows."""
    written = written_key(item)
    levels = [lv for lv in LEVELS[1:] if written[LEVELS.index(lv)].strip() and place[LEVELS.index(lv)]
              and written[LEVELS.index(lv)].strip() != place[LEVELS.index(lv)]]
    if not levels:
        return
    with st.expander(_("Use this for every row that writes it so")):
        labels = {lv: _(RULE_CHOICE[lv]).format(written=md(written[LEVELS.index(lv)]), place=md(place[LEVELS.index(lv)]))
                  for lv in levels}  # in this run's language
        level = st.radio(_("Which name"), levels, key=f"gen_level_{ws.version}_{i}", horizontal=True,
                         format_func=labels.__getitem__)
        value = written[LEVELS.index(level)].strip()
        shown = st.session_state.get("gen_preview")
        if st.button(_("Show the rows that writing “{value}” would change").format(value=md(value)),
                     key=f"gen_show_{ws.version}_{i}"):
            shown = st.session_state["gen_preview"] = (ws.version, written, place, level)
        if shown != (ws.version, written, place, level):
            return
        preview = ws.preview_generalisation(written, place, level)
        if preview.empty:
            st.info(_("No row would change: every row writing it so is already set this way."))
            return
        rows = int(preview["rows"].sum())
        st.markdown(_(RULE_EFFECT[level]).format(value=md(value), place=md(place[LEVELS.index(level)]),
                                                 places=written_places_text(len(preview)), rows=rows_text(rows)))
        st.dataframe(pd.DataFrame({
            "written": [written_label(tuple(r)) for r in preview[list(LEVELS)].itertuples(index=False, name=None)],
            "rows": preview["rows"].astype(int),
            "before": [place_label(p) for p in preview["before"]],
            "after": [place_label(p) for p in preview["after"]],
            "status": [f"{status_label(b)} → {status_label(a)}"
                       for b, a in zip(preview["status_before"], preview["status_after"])],
        }), hide_index=True, width="stretch", key=f"gen_table_{ws.version}_{i}",
            column_config={"written": _("Written"),
                           "rows": st.column_config.NumberColumn(_("Rows"), format="localized"),
                           "before": _("Now"), "after": _("After"), "status": _("Status")})
        if st.button(ngettext("Apply to this {n} row", "Apply to these {n} rows", rows).format(n=number(rows)),
                     key=f"gen_apply_{ws.version}_{i}", type="primary"):
            st.session_state.pop("gen_preview", None)
            save_picks(ws, rule=(written, place, level))


def show_saving(ws: Workspace, chosen: dict[tuple, tuple], counts: dict[tuple, int]) -> None:
    """What saving would change (``counts``: rows per pick), then the save button."""
    if chosen:
        total = sum(counts.values())
        st.write(ngettext("Saving changes **{n}** row:", "Saving changes **{n}** rows:", total).format(n=number(total)))
        st.dataframe(pd.DataFrame({"written": [written_label(w) for w in chosen],
                                   "place": [place_label(p) for p in chosen.values()],
                                   "rows": [counts[w] for w in chosen]}),
                     hide_index=True, width="stretch", key="saving_table",
                     column_config={"written": _("Written"), "place": _("Set to"),
                                    "rows": st.column_config.NumberColumn(_("Rows changed"), format="localized")})
    if st.button(_("Save my choices ({n})").format(n=number(len(chosen))), key="save_choices", type="primary", disabled=not chosen):
        save_picks(ws, chosen)


def save_picks(ws: Workspace, choices: dict | None = None, rule: tuple | None = None) -> None:
    """Apply the picks (or make ``rule``, a pick's written place, place and level, a rule) and show the
    page again; say so when they could not be remembered beyond this session."""
    try:
        if rule is not None:
            ws.generalise_choice(*rule)
        else:
            ws.choose_places(choices or {})
    except AddrmigError as error:
        st.session_state["workspace_note"] = (
            "warning", _("Your choices are applied to this file, but they could not be remembered for your next "
                         "files ({error}).").format(error=error))
    st.rerun()


def show_conflicts(ws: Workspace) -> None:
    """The picks that replaced an earlier pick or override a rule."""
    conflicts = ws.place_conflicts()
    if conflicts.empty:
        return
    st.warning(ngettext("{n} choice overrides another: each holds for its written place.",
                        "{n} choices override another: each holds for its written place.", len(conflicts))
               .format(n=number(len(conflicts))))
    st.dataframe(pd.DataFrame({
        "written": [written_label(tuple(r)) for r in conflicts[list(LEVELS)].itertuples(index=False, name=None)],
        "chosen": [place_label(p) for p in conflicts["chosen"]],
        "other": [place_label(p) for p in conflicts["other"]],
        "reason": conflicts["reason"],
    }), hide_index=True, width="stretch", key="conflicts_table",
        column_config={"written": _("Written"), "chosen": _("Your choice"), "other": _("Overrides"),
                       "reason": _("Why")})
