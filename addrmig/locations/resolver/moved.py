"""Townships renamed or split off since a list was written (Artvin's Hopa gave villages to
Kemalpaşa, Aksaray's Merkez to Sultanhanı): the district names the township it is in now.

When the written township holds no district of the written name, but exactly one other
township of the same city does, the place is looked for there with the same exact merges
(never by a fuzzy score). A name found in two other townships, or not at all, stays with
the written township.

A village name is often given twice in a province (Taşova's Nizamlar and Gümüşhacıköy's
are two villages), so the other township must also lie in the written one's postal area:
PTT numbers a province's areas by the third digit of the postcode, and a township split
off from another keeps the codes of the area it was part of (Hopa and Kemalpaşa are both
086xx; Taşova is 058xx, Gümüşhacıköy 057xx). A reference without postcodes gives no such
evidence, and its townships are never swapped by name.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from addrmig.locations.db import Index
from addrmig.locations.resolver.lookup import Lookup
from addrmig.locations.resolver.merges import Merged, merge_districts
from addrmig.locations.resolver.state import Work
from addrmig.locations.resolver.statuses import METHOD

#: The written name's keys that may find a district, each with the pairs it applies to
#: (as in :func:`merge_districts`).
_KEYS = ("full", "bp", "short", "base", "village")


def postal_areas(look: Lookup, index: Index) -> dict[int, set[str]]:
    """township id -> the postal areas (first three digits of the postcodes) of its districts."""
    found = look.extra.get("postal_areas")
    if found is None:
        d = index.districts
        areas = d.loc[d["postcode"] != "", ["tid", "postcode"]].assign(area=lambda f: f["postcode"].str[:3])
        found = {int(t): set(a) for t, a in areas.groupby("tid")["area"]}
        look.extra["postal_areas"] = found
    return found


def city_keys(work: Work, keys: set[str]) -> pd.DataFrame:
    """``[ciid, key, tid]``: which townships of a city hold a district with one of ``keys``."""
    d = work.index.districts
    ciid = d["tid"].map(work.look.township_city)
    found = pd.concat([pd.DataFrame({"ciid": ciid, "key": d[key], "tid": d["tid"]})[d[key].isin(keys)] for key in _KEYS])
    return found.drop_duplicates()


def moved_townships(work: Work, pairs: pd.DataFrame, merged: Merged, left: np.ndarray) -> np.ndarray:
    """Decide, in the township they name, the pairs at positions ``left`` (left unresolved
    in their written township) whose written name only one other township of the same
    city holds (see the module docstring). Updates ``merged``; returns per pair the
    township it was decided in (-1 where it stayed)."""
    moved = np.full(len(pairs), -1, dtype=np.int64)
    look = work.look
    if len(left):
        # Only a name the database knows somewhere can be held by another township.
        cores = look.name_cores
        known = [b in cores or v in cores for b, v in zip(pairs["base"].to_numpy()[left].tolist(),
                                                          pairs["village"].to_numpy()[left].tolist())]
        left = left[np.asarray(known, dtype=bool)]
    if not len(left):
        return moved
    sub = pairs.iloc[left]
    tids = sub["tid"].to_numpy()
    ciids = np.array([look.township_city.get(t, -1) for t in tids.tolist()], dtype=np.int64)
    has_kind = (sub["kind"] != "").to_numpy()
    no_paren = (sub["paren"] == "").to_numpy()
    applies = {"full": has_kind, "bp": ~has_kind & ~no_paren, "short": has_kind & no_paren,
               "base": ~has_kind & no_paren, "village": no_paren}
    wanted = pd.concat([pd.DataFrame({"j": left[mask], "ciid": ciids[mask], "key": sub[key].to_numpy()[mask]})
                        for key, mask in applies.items()])
    wanted = wanted[wanted["key"] != ""]
    hits = wanted.merge(city_keys(work, set(wanted["key"].tolist())), on=["ciid", "key"])[["j", "tid"]]
    hits = hits.drop_duplicates()
    hits = hits[hits["tid"].to_numpy() != pairs["tid"].to_numpy()[hits["j"].to_numpy()]]
    hits = hits[hits.groupby("j")["tid"].transform("size") == 1]
    areas = postal_areas(work.look, work.index)
    same_area = [bool(areas.get(int(t), set()) & areas.get(int(w), set()))
                 for t, w in zip(hits["tid"].tolist(), pairs["tid"].to_numpy()[hits["j"].to_numpy()].tolist())]
    hits = hits[np.asarray(same_area, dtype=bool)]
    if hits.empty:
        return moved
    where = hits["j"].to_numpy()
    again = pairs.iloc[where].reset_index(drop=True).assign(tid=hits["tid"].to_numpy(), corr="")
    found = merge_districts(work, again)
    # Exact merges only: a renamed township and a changed kind word are two differences.
    ok = np.isin(found.method, [METHOD["exact"], METHOD["normalized"]])
    if ok.any():
        merged.take(where[ok], found.district[ok], "normalized", 100.0)
        moved[where[ok]] = again["tid"].to_numpy()[ok]
    return moved
