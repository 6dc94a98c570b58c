"""A postcode column, when the file has one: it settles what the name alone cannot.

Written names stay the evidence; the postcode only chooses among the places the name
fits by the exact merges: the same name under several villages ("Cami Mah" and "Cami Mah
(duygulu Köyü)"), a village listed as its neighbourhoods when they have their own codes,
and the township a district is in now (the written township holds no district with that
postcode, exactly one other township of the same city does and holds the name).

A postcode of another city than the written one is not used at all: the written city is
what the person chose, a postcode is a number typed into another field (or copied from
an old address), and Akinon's address carries no postcode that could show the
contradiction later; the tuple gets a note instead, and the user sees both.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from addrmig.i18n import _
from addrmig.locations.db import Index
from addrmig.locations.resolver.lookup import Lookup
from addrmig.locations.resolver.merges import Merged, merge_districts
from addrmig.locations.resolver.state import Work
from addrmig.locations.resolver.statuses import METHOD


def townships_by_postcode(look: Lookup, index: Index) -> dict[str, list[int]]:
    """postcode -> the townships holding a district with it (built on first use)."""
    found = look.extra.get("townships_by_postcode")
    if found is None:
        d = index.districts
        pairs = d.loc[d["postcode"] != "", ["postcode", "tid"]].drop_duplicates()
        found = {}
        for code, tid in zip(pairs["postcode"].tolist(), pairs["tid"].tolist()):
            found.setdefault(code, []).append(tid)
        look.extra["townships_by_postcode"] = found
    return found


def shared_plain(look: Lookup, index: Index) -> np.ndarray:
    """Per district id: a plain name ("Cami Mah") the township also holds as a village's
    neighbourhood ("Cami Mah (duygulu Köyü)")."""
    found = look.extra.get("shared_plain")
    if found is None:
        d = index.districts
        qualified = d.loc[d["has_paren"], ["tid", "short"]].drop_duplicates()
        plain = d.loc[~d["has_paren"], ["did", "tid", "short"]].merge(qualified, on=["tid", "short"])
        found = np.zeros(len(d), dtype=bool)
        found[plain["did"].to_numpy()] = True
        look.extra["shared_plain"] = found
    return found


def settle_by_postcode(work: Work, pairs: pd.DataFrame, merged: Merged) -> tuple[np.ndarray, dict[int, str]]:
    """Settle, by the pairs' ``postcode``, what the merges left open or took among several
    (see the module docstring). Updates ``merged``; returns per pair the township it was
    decided in when that is not the written one (-1 elsewhere), and notes by pair."""
    moved = np.full(len(pairs), -1, dtype=np.int64)
    notes: dict[int, str] = {}
    codes = pairs["postcode"].to_numpy()
    tids = pairs["tid"].to_numpy()
    d = work.index.districts
    postcodes = d["postcode"].to_numpy()
    ambiguous = merged.method == METHOD["ambiguous"]
    undecided = merged.method == 0
    shared = np.zeros(len(pairs), dtype=bool)
    taken = merged.district >= 0
    shared[taken] = shared_plain(work.look, work.index)[merged.district[taken]]
    # Where the written township holds no district with that postcode, it may be another's.
    held = pairs[["tid", "postcode"]].merge(d[["tid", "postcode"]].drop_duplicates(), how="left", indicator=True)
    elsewhere = (held["_merge"] == "left_only").to_numpy()
    todo = np.flatnonzero((codes != "") & (ambiguous | undecided | shared | elsewhere))
    if not len(todo):
        return moved, notes
    by_postcode = townships_by_postcode(work.look, work.index)
    look = work.look
    targets = np.full(len(pairs), -1, dtype=np.int64)
    for j in todo.tolist():
        towns = by_postcode.get(codes[j])
        if not towns:
            continue  # a postcode the database does not know says nothing
        city = look.township_city.get(int(tids[j]))
        here = [t for t in towns if look.township_city[t] == city]
        if not here:
            cities = ", ".join(sorted({look.names["city"][look.township_city[t]] for t in towns}))
            notes[j] = _("postcode {postcode} is in {cities}, not in the city written: not used").format(
                postcode=codes[j], cities=cities)
        elif tids[j] in here:
            targets[j] = tids[j]
        elif len(here) == 1:
            targets[j] = here[0]
    todo = np.flatnonzero(targets >= 0)
    if not len(todo):
        return moved, notes
    again = pairs.iloc[todo].reset_index(drop=True).assign(tid=targets[todo], corr="")
    found = merge_districts(work, again)
    names = look.names["district"]
    for k, j in enumerate(todo.tolist()):
        candidates = found.several.get(k, [])
        if found.district[k] >= 0:
            candidates = [int(found.district[k])]
            if shared_plain(work.look, work.index)[found.district[k]]:
                short = d["short"].iat[found.district[k]]
                candidates += d.index[(d["tid"].to_numpy() == targets[j]) & d["has_paren"].to_numpy()
                                      & (d["short"].to_numpy() == short)].tolist()
        fitting = [c for c in candidates if postcodes[c] == codes[j]]
        if len(fitting) > 1 and targets[j] == tids[j] and merged.district[j] not in fitting:
            # The postcode rules out the plain name taken, or narrows a choice: the rest is the user's.
            merged.ambiguous([j], [fitting], 100.0)
            merged.every.add(j)
            notes[j] = _("the postcode {postcode} fits {n} of the places of this name").format(
                postcode=codes[j], n=len(fitting))
            continue
        if len(fitting) == 1:
            pick = fitting[0]
        elif targets[j] != tids[j] and len(candidates) == 1 and found.method[k] != METHOD["fuzzy"]:
            pick = candidates[0]  # the one place of that name in the township the postcode names
        else:
            continue
        if pick == merged.district[j] and targets[j] == tids[j]:
            continue  # what the name alone said
        merged.take(np.array([j]), np.array([pick]), "normalized", 100.0)
        if targets[j] != tids[j]:
            moved[j] = targets[j]
        notes[j] = _("{place} chosen by the postcode {postcode}").format(place=names[pick], postcode=codes[j])
    return moved, notes
