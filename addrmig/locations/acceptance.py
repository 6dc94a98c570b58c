"""Akinon's own place rule: would Akinon take a row's place exactly as it will be sent?

Akinon accepts a row when its country, city, township and (when given) district name a
place of its location database, compared case-insensitively the Turkish way, along the
hierarchy. This is not place *matching* (the resolver respells what it can): it answers,
for the frame as it stands, which rows Akinon would refuse for their place — the honest
figure the pages and the CLI show before anything is sent.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from addrmig.fields import LOCATION_LEVELS
from addrmig.locations.db import LocationDB
from addrmig.text import tr_lower_series

_CACHE_KEY = "_acceptance_codes"


def _level_codes(db: LocationDB) -> list[pd.Index]:
    """Per level, the distinct lowered names of that level in the database."""
    cached = db.extra.get(_CACHE_KEY)
    if cached is None:
        frame = db.frame
        cached = [pd.Index(tr_lower_series(frame[level].astype("str")).unique()) if level in frame.columns else None
                  for level in LOCATION_LEVELS]
        db.extra[_CACHE_KEY] = cached
    return cached


def _known_paths(db: LocationDB) -> list[pd.MultiIndex]:
    """Per level, the code paths (codes of the names from the country down) the database holds."""
    cached = db.extra.get(_CACHE_KEY + "_paths")
    if cached is None:
        frame, codes = db.frame, _level_codes(db)
        columns = []
        cached = []
        for level, names in zip(LOCATION_LEVELS, codes):
            if names is None:
                break
            columns.append(names.get_indexer(tr_lower_series(frame[level].astype("str"))))
            cached.append(pd.MultiIndex.from_arrays(columns).unique())
        db.extra[_CACHE_KEY + "_paths"] = cached
    return cached


def prepare(db: LocationDB) -> None:
    """Build the tables :func:`unknown_places` reads for ``db`` now (they are kept with it)."""
    _known_paths(db)


def unknown_places(frame: pd.DataFrame, db: LocationDB) -> np.ndarray:
    """Per row of ``frame``: True when Akinon would refuse its place as written — the first
    level that is given but not under its parent in ``db`` (case-insensitive, Turkish-aware).
    Below an empty level nothing is checked: an empty required level is the 'required'
    check's business, an empty district is allowed."""
    n = len(frame)
    if not n:
        return np.zeros(0, dtype=bool)
    codes, paths = _level_codes(db), _known_paths(db)
    levels = [level for level in LOCATION_LEVELS if level in frame.columns][:len(paths)]
    # Per level, each row's database name code (-1: not a name of that level; -2: empty),
    # lowered once per distinct written value.
    per_row = []
    for depth, level in enumerate(levels):
        written, uniques = pd.factorize(frame[level].astype("str"), use_na_sentinel=False)
        uniques = pd.Series(uniques, dtype="str")
        code = codes[depth].get_indexer(tr_lower_series(uniques))
        code[(uniques.str.strip() == "").to_numpy()] = -2
        per_row.append(code[written])
    # Then once per distinct combination of those codes: the codes packed into one number per row
    # and those numbers factorised (a hash table; a sort of the rows held the interpreter for
    # seconds on a million rows).
    stacked = np.column_stack(per_row)
    bases = [len(codes[depth]) + 2 for depth in range(len(levels))]
    if math.prod(bases) < 2 ** 62:
        key = np.zeros(n, dtype=np.int64)
        for depth, base in enumerate(bases):
            key = key * base + (stacked[:, depth] + 2)
        inverse, distinct = pd.factorize(key)
        first = np.empty(len(distinct), dtype=np.int64)
        first[inverse[::-1]] = np.arange(n - 1, -1, -1)
        combos = stacked[first]
    else:  # a reference too big for one number per combination
        combos, inverse = np.unique(stacked, axis=0, return_inverse=True)
    checking = np.ones(len(combos), dtype=bool)  # every level above was given and found
    bad = np.zeros(len(combos), dtype=bool)
    for depth in range(len(levels)):
        given = combos[:, depth] != -2
        known = pd.MultiIndex.from_arrays([combos[:, k] for k in range(depth + 1)]).isin(paths[depth])
        bad |= checking & given & ~known
        checking &= given & known
    return bad[inverse.ravel()]
