"""The resolver's lookup tables, built once per :class:`LocationDB` and cached on it."""
from __future__ import annotations

import numpy as np
import pandas as pd

from addrmig.locations.db import LocationDB
from addrmig.locations.keys import CITY_ALIASES, COUNTRY_ALIASES, TOWNSHIP_ALIASES

#: The id column of each level in :class:`addrmig.locations.db.Index`, and of its parent.
ID_COLUMN = {"country": "cid", "city": "ciid", "township": "tid", "district": "did"}
PARENT_ID_COLUMN = {"country": None, "city": "cid", "township": "ciid", "district": "tid"}
ALIASES = {"country": COUNTRY_ALIASES, "city": CITY_ALIASES, "township": TOWNSHIP_ALIASES}


class Lookup:
    """Python lookups over a database's index for the fuzzy steps: names by id, children
    by parent, district key variants by township."""

    def __init__(self, db: LocationDB) -> None:
        idx = db.index
        col = lambda frame, name: frame[name].tolist()  # Python values: zip over a Series is slow
        self.names = {level: dict(zip(col(frame, ID_COLUMN[level]), col(frame, "name")))
                      for level, frame in (("country", idx.countries), ("city", idx.cities),
                                           ("township", idx.townships), ("district", idx.districts))}
        self.city_country = dict(zip(col(idx.cities, "ciid"), col(idx.cities, "cid")))
        self.children: dict[str, dict[int, tuple[list[str], list[int]]]] = {}
        for level, frame in (("country", idx.countries), ("city", idx.cities), ("township", idx.townships)):
            parents = [0] * len(frame) if level == "country" else col(frame, PARENT_ID_COLUMN[level])
            self.children[level] = grouped(parents, col(frame, "key"), col(frame, ID_COLUMN[level]))
        # Every key variant of a township's districts' names (built without a Python list per
        # key: a server's every garbage collection walks the objects it keeps).
        variants = pd.concat([idx.districts[["tid", c]].rename(columns={c: "key"})
                              for c in ("full", "bp", "short", "base")]).drop_duplicates()
        self.district_keys_in_township: dict[int, set[str]] = {}
        for tid, key in zip(variants["tid"].tolist(), variants["key"].tolist()):
            self.district_keys_in_township.setdefault(int(tid), set()).add(key)
        # The source spells a few districts twice ("X Mah (v Köyü)" and "X Mh. (v Köyü)"):
        # one place, so keys match the first spelling only.
        unique = idx.districts.drop_duplicates(["tid", "full"])
        self.district_arrays: dict[int, tuple] = {
            tid: (dids, short, base, paren, np.array([p == "" for p in paren], dtype=bool))
            for tid, (dids, short, base, paren) in grouped(col(unique, "tid"), col(unique, "did"), col(unique, "short"),
                                                           col(unique, "base"), col(unique, "paren")).items()}
        # Names by id as lists, and a code per distinct name (two places may share a name).
        self.name_list = {level: [names[i] for i in range(len(names))] for level, names in self.names.items()}
        self.name_codes = {level: pd.factorize(pd.Series(names, dtype=object))[0]
                           for level, names in self.name_list.items()}
        dids = col(idx.districts, "did")
        self.has_paren = dict(zip(dids, col(idx.districts, "has_paren")))
        self.kind = dict(zip(dids, col(idx.districts, "kind")))
        self.short = dict(zip(dids, col(idx.districts, "short")))
        # Every name core the database knows, of a district or of a village (see lookalike).
        self.name_cores = frozenset(pd.unique(pd.concat([idx.districts["base"], idx.districts["village"]])).tolist())
        self.village_names = frozenset(pd.unique(idx.districts["village"]).tolist()) - {""}
        self.township_city = dict(zip(col(idx.townships, "tid"), col(idx.townships, "ciid")))
        self.extra: dict = {}  # tables a step builds on first use (see moved.city_keys)
        # Fuzzy choices: the names plus their known former/popular names.
        self.alias_children: dict[str, dict[int, tuple[list[str], list[int]]]] = {}
        for level, by_parent in self.children.items():
            self.alias_children[level] = {}
            for parent, (keys, ids) in by_parent.items():
                extra = [(alias, ids[keys.index(target)]) for alias, target in ALIASES[level].items()
                         if target in keys and alias not in keys]
                self.alias_children[level][parent] = (keys + [a for a, _ in extra], ids + [o for _, o in extra])
        # Where a township key exists at all: for "this township only exists under another city".
        self.township_anywhere: dict[str, list[int]] = {}
        for key, ciid in zip(idx.townships["key"].tolist(), idx.townships["ciid"].tolist()):
            self.township_anywhere.setdefault(key, []).append(ciid)


def grouped(keys: list, *columns: list) -> dict:
    """``{key: (list of column 1, list of column 2, …)}`` over rows in order, keys in order
    of first appearance (pandas' ``groupby(sort=False)`` without a Python object per group)."""
    out: dict = {}
    for key, *values in zip(keys, *columns):
        lists = out.get(key)
        if lists is None:
            lists = out[key] = tuple([] for _ in columns)
        for target, value in zip(lists, values):
            target.append(value)
    return out


def lookup_for(db: LocationDB) -> Lookup:
    """The :class:`Lookup` of ``db``, built on first use and kept in ``db.extra``."""
    cached = db.extra.get("_lookup")
    if cached is None or cached[0] is not db.index:
        cached = (db.index, Lookup(db))
        db.extra["_lookup"] = cached
    return cached[1]
