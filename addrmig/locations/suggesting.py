"""What the Places page offers for a written place it could not match for sure.

- :func:`candidates`: every place the line could be set to, best first, each with the
  reason it is offered (a sentence): the resolver's suggestions, and every place of the
  reference whose names fit what was written at the levels below the failing one (all of
  an ambiguous name's places, not the first few). A suggestion with nothing behind it (a
  score of 0 and no written name fitting it) is never offered.
- :func:`best_suggestion`: the first of them, its reason saying when others fit as well.
- :func:`rows_changed`: how many rows each choice applies to (the rows written that way).
- :func:`countries`, :func:`cities`, :func:`townships`, :func:`districts`: the options of
  the cascading pickers, from the reference.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.formatting import number
from addrmig.i18n import N_, _, ngettext
from addrmig.locations.corrections import choice_key
from addrmig.locations.db import LocationDB
from addrmig.locations.keys import district_key, district_keys, name_key, name_keys
from addrmig.locations.resolver.patching import rows_written_as
from addrmig.locations.resolver.result import Resolution
from addrmig.text import fold

Place = tuple[str, str, str, str]


@dataclass(frozen=True)
class Suggestion:
    """A place a review line could be set to: ``place`` (country, city, township, district;
    ``""`` below the levels it settles), ``score`` (0–100, how close the spelling is; 0 when
    the place comes from the other names written, not from the spelling) and ``reason``."""

    place: Place
    score: float
    reason: str


def candidates(item: pd.Series, db: LocationDB) -> list[Suggestion]:
    """Every place the review line ``item`` (a line of ``Resolution.unresolved()``) could be set
    to, best first, without repeats; see the module docstring."""
    named = _named_places(item, db)
    named_reason = _named_reason(item, named)
    out: dict[Place, Suggestion] = {}
    for place, score in _resolver_suggestions(item):
        if place in named:
            out.setdefault(place, Suggestion(place, score, named_reason))
        elif score > 0:
            out.setdefault(place, Suggestion(place, score, _spelling_reason(item, place, score)))
    for place in named:
        out.setdefault(place, Suggestion(place, 0.0, named_reason))
    return list(out.values())


def best_suggestion(item: pd.Series, db: LocationDB, found: list[Suggestion] | None = None) -> Suggestion | None:
    """The first of :func:`candidates` (``found``, when they are at hand), its reason saying how
    many others fit as well; None when there is nothing to suggest."""
    found = candidates(item, db) if found is None else found
    if not found:
        return None
    best = found[0]
    equal = sum(1 for s in found if s.score == best.score and s.reason == best.reason)
    if equal > 1:
        return Suggestion(best.place, best.score, _("one of {n} places that fit equally: {reason}").format(
            n=number(equal), reason=best.reason))
    return best


def _resolver_suggestions(item: pd.Series) -> list[tuple[Place, float]]:
    """The resolver's whole places, else its names for the failing level under the levels resolved."""
    full = [(_place(place), float(score)) for place, score in (item["suggestions"] or [])]
    if full:
        return full
    level = item["level"]
    if level not in LEVELS:
        return []
    depth = LEVELS.index(level)
    prefix = tuple(str(item[f"place_{lv}"] or item[lv] or "") for lv in LEVELS[:depth])
    return [(_place(prefix + (name,)), float(score)) for name, score in item[f"suggestions_{level}"] or []]


def _place(values: tuple) -> Place:
    return tuple((tuple(str(v) for v in values) + ("", "", "", ""))[:4])


#: Per level: a suggestion for a level left empty, and a written name as a reason names it.
_LEFT_EMPTY = {"country": N_("the country left empty; {name} fits the rest of what is written"),
               "city": N_("the city left empty; {name} fits the rest of what is written"),
               "township": N_("the township left empty; {name} fits the rest of what is written"),
               "district": N_("the district left empty; {name} fits the rest of what is written")}
_NAMED = {"city": N_("the city “{name}”"),
          "township": N_("the township “{name}”"), "district": N_("the district “{name}”")}


def _spelling_reason(item: pd.Series, place: Place, score: float) -> str:
    level = item["level"] if item["level"] in LEVELS else "district"
    written = str(item[level]).strip()
    name = place[LEVELS.index(level)]
    if not written:
        return _(_LEFT_EMPTY[level]).format(name=name)
    if score >= 100:
        return _("{name} is written “{written}” the same way, ignoring case and suffixes").format(
            name=name, written=written)
    return _("the closest spelling to “{written}” (score {score})").format(written=written, score=number(round(score)))


def _named_reason(item: pd.Series, named: list[Place]) -> str:
    """Why the places found by the names written are offered: the written names that fit them."""
    if not named:
        return ""
    start = max(1, LEVELS.index(item["level"]))
    found = [_(_NAMED[lv]).format(name=str(item[lv]).strip()) for lv in LEVELS[start:]
             if str(item[lv]).strip() and _fits(lv, str(item[lv]), named[0][LEVELS.index(lv)])]
    if not found:
        return _("fits what is written")
    if len(found) == 1:
        names = found[0]
    elif len(found) == 2:
        names = _("{first} and {second}").format(first=found[0], second=found[1])
    else:
        names = _("{first} and {second} and {third}").format(first=found[0], second=found[1], third=found[2])
    if len(named) > 1:
        return ngettext("{names} is found in each", "{names} are found in each", len(found)).format(names=names)
    return ngettext("{names} is found there", "{names} are found there", len(found)).format(names=names)


def _fits(level: str, written: str, name: str) -> bool:
    if level == "district":
        return district_key(written)["base"] == district_key(name)["base"]
    return name_key(written) == name_key(name)


# ---------------------------------------------------------------- places by the names written
_KEYS: dict[int, tuple[LocationDB, pd.DataFrame]] = {}


def _keyed(db: LocationDB) -> pd.DataFrame:
    """The reference's places with the keys the written names are compared on, built once per reference."""
    found = _KEYS.get(id(db))
    if found is not None and found[0] is db:
        return found[1]
    frame = db.frame.copy()
    for level in LEVELS:
        if level not in frame.columns:
            frame[level] = ""
    frame = frame[list(LEVELS)].fillna("").astype(str)
    frame["k_city"] = name_keys(frame["city"]).to_numpy()
    frame["k_township"] = name_keys(frame["township"]).to_numpy()
    frame["k_district"] = district_keys(frame["district"])["base"].to_numpy()
    if len(_KEYS) >= 4:
        _KEYS.clear()
    _KEYS[id(db)] = (db, frame)
    return frame


def _named_places(item: pd.Series, db: LocationDB) -> list[Place]:
    """The places of ``db`` under the line's resolved levels whose names fit the written ones
    from the failing level down (a level whose name fits nowhere is skipped, a level not
    written or fitting nothing ends the search); empty when no written name fits."""
    level = item["level"]
    if level not in LEVELS:
        return []
    depth = LEVELS.index(level)
    places = _keyed(db)
    for lv in LEVELS[:depth]:
        placed = str(item.get(f"place_{lv}", "") or "")
        if placed:
            places = places[places[lv] == placed]
    settled = 0
    for at, lv in enumerate(LEVELS[depth:], start=depth):
        written = str(item[lv] or "").strip()
        if lv == "country" or not written:
            continue
        key = district_key(written)["base"] if lv == "district" else name_key(written)
        hit = places[places[f"k_{lv}"] == key]
        if hit.empty:
            if settled:
                break
            continue
        places, settled = hit, at + 1
    if not settled:
        return []
    columns = list(LEVELS[:settled])
    found = places[columns].drop_duplicates()
    return [_place(tuple(row)) for row in found.itertuples(index=False, name=None)]


# ---------------------------------------------------------------- rows per choice
def rows_changed(resolution: Resolution, choices: Mapping[tuple, tuple]) -> dict[tuple, int]:
    """For each choice (written tuple -> place), how many rows of the file it applies to: the rows
    written that way, case, Turkish letters and surrounding spaces aside."""
    keys = {tuple(written): choice_key(written) for written in choices}
    rows = rows_written_as(resolution.original, set(keys.values()), resolution.key_cache)
    if not len(rows):
        return dict.fromkeys(keys, 0)
    original = resolution.original.iloc[rows]
    per_row = [choice_key(w) for w in
               original.reindex(columns=list(LEVELS)).fillna("").astype(str).itertuples(index=False, name=None)]
    counts = pd.Series(per_row, dtype=object).value_counts() if per_row else pd.Series(dtype=int)
    return {written: int(counts.get(key, 0)) for written, key in keys.items()}


# ---------------------------------------------------------------- the cascading pickers
def _sorted(values: pd.Series) -> list[str]:
    unique = [v for v in pd.unique(values.astype(str)) if v]
    return sorted(unique, key=lambda v: (fold(v), v))


def countries(db: LocationDB) -> list[str]:
    """The countries of the reference, in alphabetical order (Turkish-aware)."""
    return _sorted(db.frame["country"])


def cities(db: LocationDB, country: str = "") -> list[str]:
    """The cities of the reference (of ``country`` when given), in alphabetical order."""
    frame = db.frame
    if "city" not in frame.columns:
        return []
    if country:
        frame = frame[frame["country"] == country]
    return _sorted(frame["city"])


def townships(db: LocationDB, city: str, country: str = "") -> list[str]:
    """The townships of ``city`` (in ``country`` when given), in alphabetical order."""
    frame = db.frame
    if "township" not in frame.columns or not city:
        return []
    mask = frame["city"].to_numpy() == city
    if country:
        mask &= frame["country"].to_numpy() == country
    return _sorted(frame.loc[mask, "township"])


def districts(db: LocationDB, city: str, township: str, country: str = "") -> list[str]:
    """The districts of ``township`` in ``city`` (in ``country`` when given), in alphabetical order."""
    frame = db.frame
    if "district" not in frame.columns or not city or not township:
        return []
    mask = (frame["city"].to_numpy() == city) & (frame["township"].to_numpy() == township)
    if country:
        mask &= frame["country"].to_numpy() == country
    return _sorted(frame.loc[mask, "district"])


def country_of(db: LocationDB, city: str) -> str:
    """The country ``city`` lies in (the first when several hold one so named), ``""`` when none."""
    frame = db.frame
    found = frame.loc[frame["city"] == city, "country"] if "city" in frame.columns else frame["country"][:0]
    return str(found.iloc[0]) if len(found) else (countries(db)[0] if len(countries(db)) == 1 else "")


__all__ = ["Suggestion", "candidates", "best_suggestion", "rows_changed", "countries", "cities",
           "townships", "districts", "country_of"]
