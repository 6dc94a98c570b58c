"""Resolve written places against a :class:`LocationDB`.

Work happens level by level on distinct written values under their resolved parent,
never row by row: rows carry integer codes (pandas factorize), exact and folded matches
are pandas merges on folded keys, and only what is left goes to fuzzy search (rapidfuzz,
blocked by the resolved parent). A name is assigned only when its best candidate is
clearly ahead; everything else is left as written, with suggestions, for the user.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from itertools import takewhile
from typing import Callable, Iterable, Mapping

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.limits import collector_paused, release_memory
from addrmig.locations.corrections import (CORRECTION_COLUMNS, Corrections, choices_to_corrections,
                                           correction_records, corrections_by_parent)
from addrmig.locations.db import LocationDB
from addrmig.locations.keys import (CITY_ALIASES, COUNTRY_ALIASES, TOWNSHIP_ALIASES,
                                    district_key, district_keys, name_key, name_keys, take_text)

STATUSES = ("exact", "normalized", "fuzzy", "ambiguous", "unmatched", "missing")
RESOLVED = ("exact", "normalized", "fuzzy")
#: Fuzzy scores are rapidfuzz ``ratio`` (0–100) on folded keys without spaces. A candidate
#: is taken when it reaches ACCEPT and beats the next distinct candidate by MARGIN; a
#: parent may be recovered through its children from RESCUE up (a garbage name such as
#: "Atlantis" scores far lower against any real city).
ACCEPT = 80.0
MARGIN = 8.0
RESCUE = 70.0
SUGGEST_MIN = 40.0
_ID = {"country": "cid", "city": "ciid", "township": "tid", "district": "did"}
_PARENT_ID = {"country": None, "city": "cid", "township": "ciid", "district": "tid"}
_ALIASES = {"country": COUNTRY_ALIASES, "city": CITY_ALIASES, "township": TOWNSHIP_ALIASES}
Progress = Callable[[float, float], None]


@dataclass
class Resolution:
    """What :func:`resolve` found.

    - ``tuples``: one row per distinct written tuple: the written values, ``place_<level>``
      (the database's spelling, ``""`` where unresolved), ``status``, ``score``, ``level``
      (the first level that is not resolved, ``""`` when all are), ``note``,
      ``suggestions_<level>`` (up to three ``(name, score)`` per unresolved level),
      ``suggestions`` (up to three full places ``((country, city, township, district), score)``),
      ``rows`` (row count) and ``examples`` (up to three row numbers). Built on first use
      (a million-row file can hold close to a million tuples); :meth:`unresolved` builds
      only the lines that need the user.
    - ``frame``: the corrected address frame (same index; resolved levels in the
      database's spelling, the rest as written). The input frame is never modified.
    - ``row_status``: the tuple status of each row (same index as the frame; categorical,
      categories ``STATUSES``).
    - ``changes``: one row per changed value: ``column, written, place, rows`` (built on
      first use; :meth:`respelt_cells` counts the cells without building it).
    - ``row_tuple``: for each row, the position of its tuple in ``tuples``.
    """

    frame: pd.DataFrame
    row_status: pd.Series
    change_parts: list = field(repr=False)
    original: pd.DataFrame = field(repr=False)
    db: LocationDB = field(repr=False)
    corrections: pd.DataFrame | None = field(default=None, repr=False)
    row_tuple: np.ndarray = field(default=None, repr=False)
    table: "_TupleTable" = field(default=None, repr=False)

    @cached_property
    def changes(self) -> pd.DataFrame:
        """One row per changed value: ``column, written, place, rows`` (built on first use)."""
        changes = pd.concat(self.change_parts, ignore_index=True)
        if len(self.change_parts) > 1 and len(changes):
            # The same respelling may happen in several parts: one line, rows added up.
            changes = (changes.groupby(["_level", "column", "written", "place"], sort=False, as_index=False)
                       .agg(rows=("rows", "sum"), _first=("_first", "min")))
        changes = (changes.sort_values(["_level", "_first"], kind="stable")[["column", "written", "place", "rows"]]
                   .reset_index(drop=True))
        if not len(changes):
            changes = pd.DataFrame({"column": [], "written": [], "place": [], "rows": []})
        return changes

    def respelt_cells(self) -> int:
        """How many cells :attr:`changes` respells (without building it)."""
        return int(sum(int(part["rows"].sum()) for part in self.change_parts))

    @cached_property
    def tuples(self) -> pd.DataFrame:
        """Every distinct written tuple (see the class docstring)."""
        return self.table.build(np.arange(self.table.count))

    def summary(self) -> dict:
        """``{"rows": n, "<status>": rows per status…, "resolved": rows resolved,
        "resolved_share": 0..1}``."""
        counts = self.row_status.value_counts()
        out: dict = {"rows": int(len(self.row_status))}
        for status in STATUSES:
            out[status] = int(counts.get(status, 0))
        out["resolved"] = sum(out[s] for s in RESOLVED)
        out["resolved_share"] = out["resolved"] / out["rows"] if out["rows"] else 1.0
        return out

    def unresolved(self) -> pd.DataFrame:
        """The tuples that need the user (ambiguous, unmatched, missing), most rows first."""
        if "tuples" in self.__dict__:
            todo = self.tuples[~self.tuples["status"].isin(RESOLVED)]
        elif self.table.unresolved is not None:
            todo = self.table.unresolved  # built by the parts, where the work was done
        else:
            todo = self.table.build(self.table.unresolved_positions())
        return todo.sort_values("rows", ascending=False, kind="stable")


# --------------------------------------------------------------------------- helpers


class _Lookup:
    """Per-database Python lookups for the fuzzy step, built once and cached on the DB."""

    def __init__(self, db: LocationDB) -> None:
        idx = db.index
        col = lambda frame, name: frame[name].tolist()  # Python values: zip over a Series is slow
        self.names = {level: dict(zip(col(frame, _ID[level]), col(frame, "name")))
                      for level, frame in (("country", idx.countries), ("city", idx.cities),
                                           ("township", idx.townships), ("district", idx.districts))}
        self.parent = {"city": dict(zip(col(idx.cities, "ciid"), col(idx.cities, "cid"))),
                       "township": dict(zip(col(idx.townships, "tid"), col(idx.townships, "ciid"))),
                       "district": dict(zip(col(idx.districts, "did"), col(idx.districts, "tid")))}
        self.children: dict[str, dict[int, tuple[list[str], list[int]]]] = {}
        for level, frame in (("country", idx.countries), ("city", idx.cities), ("township", idx.townships)):
            parents = [0] * len(frame) if level == "country" else col(frame, _PARENT_ID[level])
            self.children[level] = _grouped(parents, col(frame, "key"), col(frame, _ID[level]))
        # District choices: every key variant -> the districts it names.
        variants = pd.concat([idx.districts[["tid", "did", c]].rename(columns={c: "key"})
                              for c in ("full", "bp", "short", "base")]).drop_duplicates()
        grouped: dict[int, dict[str, list[int]]] = {}
        for tid, key, did in zip(variants["tid"].tolist(), variants["key"].tolist(), variants["did"].tolist()):
            grouped.setdefault(tid, {}).setdefault(key, []).append(did)
        self.district_choices: dict[int, tuple[list[str], list[list[int]]]] = {
            int(tid): (list(by_key), list(by_key.values())) for tid, by_key in grouped.items()}
        # The source spells a few districts twice ("X Mah (v Köyü)" and "X Mh. (v Köyü)"):
        # one place, so keys match the first spelling only.
        unique = idx.districts.drop_duplicates(["tid", "full"])
        self.district_arrays: dict[int, tuple] = {
            tid: (dids, short, base, paren, np.array([p == "" for p in paren], dtype=bool))
            for tid, (dids, short, base, paren) in _grouped(col(unique, "tid"), col(unique, "did"), col(unique, "short"),
                                                            col(unique, "base"), col(unique, "paren")).items()}
        # Names by id as lists, and a code per distinct name (two places may share a name).
        self.name_list = {level: [names[i] for i in range(len(names))] for level, names in self.names.items()}
        self.name_codes = {level: pd.factorize(pd.Series(names, dtype=object))[0]
                           for level, names in self.name_list.items()}
        dids = col(idx.districts, "did")
        self.has_paren = dict(zip(dids, col(idx.districts, "has_paren")))
        self.kind = dict(zip(dids, col(idx.districts, "kind")))
        self.short = dict(zip(dids, col(idx.districts, "short")))
        # Where a township key exists at all: for "this township only exists under another city".
        # Fuzzy choices: the names plus their known former/popular names.
        self.alias_children = {}
        for level, by_parent in self.children.items():
            self.alias_children[level] = {}
            for p, (keys, ids) in by_parent.items():
                extra = [(alias, ids[keys.index(target)]) for alias, target in _ALIASES[level].items()
                         if target in keys and alias not in keys]
                self.alias_children[level][p] = (keys + [a for a, _ in extra], ids + [o for _, o in extra])
        self.township_anywhere: dict[str, list[int]] = {}
        for key, ciid in zip(idx.townships["key"].tolist(), idx.townships["ciid"].tolist()):
            self.township_anywhere.setdefault(key, []).append(ciid)
        self.township_keys_in_city = {c: set(keys) for c, (keys, _) in self.children["township"].items()}
        self.district_keys_in_township = {t: set(keys) for t, (keys, _) in self.district_choices.items()}


def _grouped(keys: list, *columns: list) -> dict:
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


def prepare(db: LocationDB) -> None:
    """Build ``db``'s index and the resolver's lookups now (they are cached on ``db``), e.g.
    in a thread while the file is read; :func:`resolve` would build them on first use."""
    _lookup(db)


def _lookup(db: LocationDB) -> _Lookup:
    cached = db.extra.get("_lookup")
    if cached is None or cached[0] is not db.index:
        cached = (db.index, _Lookup(db))
        db.extra["_lookup"] = cached
    return cached[1]


def _ranked(query: str, keys: list[str], owners: list) -> list[tuple]:
    """Owners ranked by their best key's ratio to ``query``: ``[(owner, score), …]``."""
    if not query or not keys:
        return []
    scores = process.cdist([query], keys, scorer=fuzz.ratio, dtype=np.float32)[0]
    best: dict = {}
    for i in np.flatnonzero(scores >= SUGGEST_MIN):
        owner_list = owners[i] if isinstance(owners[i], list) else [owners[i]]
        for owner in owner_list:
            if scores[i] > best.get(owner, -1):
                best[owner] = float(scores[i])
    return sorted(best.items(), key=lambda item: -item[1])


def _decide(ranked: list[tuple], plain_ok: Callable[[int], bool] | None = None) -> tuple[str, list, float]:
    """From ranked candidates: ``("take", [id], score)``, ``("ambiguous", ids, score)`` or
    ``("none", [], best)``."""
    if not ranked or ranked[0][1] < ACCEPT:
        return "none", [], ranked[0][1] if ranked else 0.0
    best = ranked[0][1]
    if len(ranked) == 1 or ranked[1][1] <= best - MARGIN:
        return "take", [ranked[0][0]], best  # the common case: one candidate clearly ahead
    # Ranked lists are sorted, best first: only the candidates within MARGIN matter here.
    ranked = list(takewhile(lambda item: item[1] > best - MARGIN, ranked))
    top = [owner for owner, score in ranked if score >= best - 0.01]
    tied = set(top)
    if len(top) > 1 and plain_ok is not None:
        plain = [owner for owner in top if plain_ok(owner)]
        if len(plain) == 1:
            top = plain
    if len(top) > 1:
        return "ambiguous", top, best
    rest = [(owner, score) for owner, score in ranked if owner not in tied]
    if rest and rest[0][1] > best - MARGIN:
        return "ambiguous", top + [owner for owner, score in rest if score > best - MARGIN], best
    return "take", top, best


# --------------------------------------------------------------------------- resolve

# Per-level outcome codes, kept in small integer arrays (one value per row).
_METHODS = ("", "skip", "blocked", "missing", "none", "exact", "normalized", "fuzzy", "ambiguous", "unmatched")
_M = {name: code for code, name in enumerate(_METHODS)}
_RESOLVED_CODES = [_M[m] for m in RESOLVED]


#: Below this many rows a file is resolved in one process: starting workers would cost
#: more than it saves. Above it each worker takes up to PARTS_PER_WORKER parts of at
#: least PARALLEL_MIN_ROWS / 2 rows, one after the other: smaller parts keep each
#: process's working memory small, and the work per row hardly depends on the part's size.
PARALLEL_MIN_ROWS = 100_000
PARTS_PER_WORKER = 3


def resolve(frame: pd.DataFrame, db: LocationDB,
            corrections: pd.DataFrame | Corrections | Iterable[Mapping[str, str]] | None = None,
            progress: Progress | None = None, workers: int = 1) -> Resolution:
    """Resolve the location columns of an address frame against ``db``.

    ``corrections`` (a DataFrame or records with ``level, country, city, township, written,
    place``; see :mod:`addrmig.locations.corrections`) are applied before any matching.
    ``progress(done, total)`` is called as the steps advance. ``workers`` > 1 shares a big
    file's rows between this process and forked workers (Linux; see :mod:`addrmig.parallel`);
    the result is the same. Returns a :class:`Resolution`; ``frame`` is not modified.

    Every decision is a function of the written tuple (country, city, township, district)
    alone, so the work runs on the distinct tuples (and rows may be shared out by their
    written city and township). Each level is decided once per distinct (resolved parent,
    written value) — and, where the written children can confirm or rescue a fuzzy name,
    per distinct (parent, value, children) among the tuples left over — never per row;
    rows follow by integer codes.
    """
    report = progress or (lambda done, total: None)
    report(0, 6)
    corrections_frame = correction_records(corrections)
    look = _lookup(db)
    corr = corrections_by_parent(corrections_frame, db)
    places = frame[[level for level in LEVELS if level in frame.columns]]
    n = len(frame)
    workers = max(1, workers) if n >= PARALLEL_MIN_ROWS else 1
    count = workers * max(1, min(PARTS_PER_WORKER, n // max(1, PARALLEL_MIN_ROWS // 2) // workers))
    parts = _partition(places, count)
    report(1, 6)
    here = os.getpid()
    done_here = [0]

    def step(done: float, total: float) -> None:
        # Steps of the parts done here, as 1..5 of 6 (the workers keep pace).
        report(1 + 4 * min(1.0, (done_here[0] + (done - 1) / 4) * workers / len(parts)), 6)

    def run(rows: np.ndarray) -> _Part:
        part = _resolve_part(places.iloc[rows] if len(parts) > 1 else places, rows, db, look, corr,
                             step if os.getpid() == here else None)
        done_here[0] += 1
        return part

    from addrmig.parallel import map_parts

    # The parts make millions of small objects that live until the part is done: the
    # collector's passes over them took a sixth of the time on a million rows. It stays
    # off in the workers, which end after.
    with collector_paused():
        results = map_parts(run, parts, workers)
    report(5, 6)
    result = _merge(frame, parts, results, look, db, corrections_frame)
    report(6, 6)
    return result


def _partition(places: pd.DataFrame, count: int) -> list[np.ndarray]:
    """Row positions in ``count`` parts. Rows whose written city and township fold to
    the same keys go together: a tuple never spans two parts, and a part's caches
    (townships ranked per city, districts per township) mostly serve it alone."""
    n = len(places)
    if count <= 1:
        return [np.arange(n)]
    key = np.zeros(n, dtype=np.int64)
    for level in ("city", "township"):
        if level in places.columns:
            codes, uniques = pd.factorize(places[level])
            folded = pd.factorize(name_keys(pd.Series(uniques, dtype=str)))[0].astype(np.int64)
            key = key * 1_000_003 + np.where(codes >= 0, folded[codes], -1)
    part = (key * 2_654_435_761 % 4_294_967_291) % count
    return [np.flatnonzero(part == j) for j in range(count)]


@dataclass
class _Part:
    """One part's outcome: ``row_tuple`` (each of its rows' tuple), ``first_row`` (each
    tuple's first row, a position in the whole frame), ``written`` (per level, each tuple's
    text as written), ``decided``, ``changes`` (with ``_level`` and ``_first`` to merge by)
    and ``unresolved`` (the lines of :meth:`Resolution.unresolved` for its tuples, index =
    tuple position in the part: a tuple never spans two parts, so its rows and examples
    are all here)."""

    row_tuple: np.ndarray
    first_row: np.ndarray
    written: dict
    decided: "_Decisions"
    changes: pd.DataFrame
    unresolved: pd.DataFrame


def _resolve_part(places: pd.DataFrame, rows: np.ndarray, db: LocationDB, look: _Lookup, corr: dict,
                  progress: Progress | None = None) -> _Part:
    """Resolve the rows of one part (``rows``: their positions in the whole frame)."""
    codes = _Codes.of(places)
    row_tuple, first = _units(np.arange(len(places)), *(codes.raw_codes[level] for level in LEVELS))
    decided = _decide_part(codes.take(first), db, look, corr, progress)
    written = {level: [codes.raw[level][c] for c in codes.raw_codes[level][first].tolist()] for level in LEVELS}
    changes = []
    for depth, level in enumerate(LEVELS):
        if level not in places.columns:
            continue
        # Distinct (written, place) texts with the rows behind them.
        pid = decided.place[level][row_tuple]
        changed = np.flatnonzero(pid >= 0)
        if not len(changed):
            continue
        names = look.names[level]
        raw_codes = codes.raw_codes[level]
        unit, first_rows = _units(changed, look.name_codes[level][np.maximum(pid, 0)], raw_codes)
        counts = np.bincount(unit)
        written_texts = [codes.raw[level][c] for c in raw_codes[first_rows].tolist()]
        placed = [names[p] for p in pid[first_rows].tolist()]
        keep = np.array([w != p for w, p in zip(written_texts, placed)], dtype=bool)
        if keep.any():
            changes.append(pd.DataFrame({
                "column": level,
                "written": [w for w, k in zip(written_texts, keep.tolist()) if k],
                "place": [p for p, k in zip(placed, keep.tolist()) if k],
                "rows": counts[keep].astype("int64"),
                "_level": depth, "_first": rows[first_rows[keep]]}))
    changes_frame = (pd.concat(changes, ignore_index=True) if changes else
                     pd.DataFrame({"column": [], "written": [], "place": [], "rows": [], "_level": [], "_first": []}))
    table = _TupleTable(decided, _Written([(np.arange(len(first)), written)], len(first)), row_tuple,
                        places.index, look)
    return _Part(row_tuple=row_tuple.astype(np.int32), first_row=rows[first], written=written, decided=decided,
                 changes=changes_frame, unresolved=table.build(table.unresolved_positions()))


def _merge(frame: pd.DataFrame, parts: list[np.ndarray], results: list[_Part], look: _Lookup, db: LocationDB,
           corrections: pd.DataFrame | None) -> Resolution:
    """One :class:`Resolution` from the parts: tuples in order of their first row."""
    firsts = np.concatenate([part.first_row for part in results])
    count = len(firsts)
    order = np.argsort(firsts, kind="stable")
    rank = np.empty(count, dtype=np.int64)
    rank[order] = np.arange(count)
    row_tuple = np.empty(len(frame), dtype=np.int64)
    placed, written, start = [], [], 0
    for rows, part in zip(parts, results):
        positions = rank[start:start + len(part.first_row)]
        start += len(part.first_row)
        row_tuple[rows] = positions[part.row_tuple]
        placed.append((positions, part.decided))
        written.append((positions, part.written))
    decided = _Decisions.combine(placed, count)
    out = frame.copy(deep=False)
    for level in LEVELS:
        if level in out.columns:
            out[level] = _placed_column(out[level], decided.place[level][row_tuple], look.name_list[level])
    row_status = pd.Series(pd.Categorical.from_codes(decided.status[row_tuple], categories=list(STATUSES)),
                           index=frame.index, name="status")
    table = _TupleTable(decided, _Written(written, count), row_tuple, frame.index, look)
    unresolved = [part.unresolved.set_axis(positions[part.unresolved.index.to_numpy()])
                  for (positions, _), part in zip(written, results)]
    table.unresolved = pd.concat(unresolved).sort_index() if len(unresolved) > 1 else unresolved[0]
    return Resolution(frame=out, row_status=row_status, change_parts=[part.changes for part in results],
                      original=frame, db=db,
                      corrections=corrections, row_tuple=row_tuple, table=table)


def _placed_column(column: pd.Series, pid: np.ndarray, names: list[str]):
    """The place's name where ``pid`` >= 0, else the text as written (missing as ``""``),
    with the column's dtype; Arrow-backed text stays in Arrow."""
    dtype = column.dtype
    placed = pid >= 0
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        original = pa.chunked_array(pa.array(column.array))
        if original.type != pa.large_string():
            original = original.cast(pa.large_string())
        if original.null_count:
            original = pc.fill_null(original, "")
        respelt = pa.array(names, pa.large_string()).take(pa.array(pid[placed])) if len(names) else None
        if respelt is None or not len(respelt):
            return pd.array(original, dtype=dtype)
        return pd.array(pc.replace_with_mask(original.combine_chunks(), pa.array(placed), respelt), dtype=dtype)
    original = np.array([str(v) if v is not None and v == v else "" for v in column.tolist()], dtype=object)
    respelt = np.array(names + [""], dtype=object)[np.where(placed, pid, len(names))]
    return pd.array(np.where(placed, respelt, original), dtype=dtype)


def _decide_part(codes: _Codes, db: LocationDB, look: _Lookup, corr: dict,
                 progress: Progress | None = None) -> "_Decisions":
    """Resolve distinct written tuples (``codes``, one row each)."""
    report = progress or (lambda done, total: None)
    work = _Work(codes, db, look, corr)
    work.country()
    work.city()
    report(2, 6)
    work.township()
    report(3, 6)
    work.forget(names=True)  # the districts do not look names up again
    release_memory()
    work.district()
    report(4, 6)
    work.forget()
    release_memory()  # the levels' key tables and caches are gone; the suggestions come next
    decided = work.decide()
    report(5, 6)
    return decided


def _written_codes(column: pd.Series | None, n: int) -> tuple[np.ndarray, list[str]]:
    """(code per row, distinct texts): missing values are ``""``, equal texts one code."""
    if column is None:
        return np.zeros(n, dtype=np.int32), [""]
    codes, uniques = pd.factorize(column)
    values = [str(u) for u in uniques.tolist()] + [""]
    codes = np.where(codes < 0, len(values) - 1, codes)
    seen: dict[str, int] = {}
    remap = np.fromiter((seen.setdefault(v, len(seen)) for v in values), dtype=np.int32, count=len(values))
    return remap[codes], list(seen)


class _Codes:
    """The written places as integer codes, one array per level: ``raw_codes`` (equal
    texts as written share a code, ``raw`` the distinct texts) and ``wc`` (equal texts
    without their surrounding spaces share a code, ``W`` the distinct texts, ``empty``
    the code of ``""`` or -1)."""

    def __init__(self, raw_codes: dict, raw: dict, wc: dict, W: dict, empty: dict) -> None:
        self.raw_codes, self.raw, self.wc, self.W, self.empty = raw_codes, raw, wc, W, empty

    @classmethod
    def of(cls, frame: pd.DataFrame) -> "_Codes":
        n = len(frame)
        raw_codes, raw, wc, W, empty = {}, {}, {}, {}, {}
        for level in LEVELS:
            codes, values = _written_codes(frame[level] if level in frame.columns else None, n)
            raw_codes[level], raw[level] = codes, values
            # Compare on the text without surrounding spaces; equal stripped texts share a code.
            seen: dict[str, int] = {}
            remap = np.fromiter((seen.setdefault(v.strip(), len(seen)) for v in values), dtype=np.int32,
                                count=len(values))
            wc[level], W[level] = remap[codes], list(seen)
            empty[level] = seen.get("", -1)
        return cls(raw_codes, raw, wc, W, empty)

    def take(self, positions: np.ndarray) -> "_Codes":
        """The codes of the rows at ``positions`` (the lists of texts are shared)."""
        return _Codes({level: c[positions] for level, c in self.raw_codes.items()}, self.raw,
                      {level: c[positions] for level, c in self.wc.items()}, self.W, self.empty)


def _units(rows: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct combinations of ``columns`` over ``rows``: (unit code per row, first row
    of each unit), units in order of first appearance."""
    code = np.zeros(len(rows), dtype=np.int64)
    for col in columns:
        values = col[rows].astype(np.int64) + 1
        code = pd.factorize(code * (int(values.max(initial=0)) + 1) + values)[0].astype(np.int64)
    if len(code) == 0:
        return code, rows[:0]
    first = np.unique(code, return_index=True)[1]
    return code, rows[first]


class _Work:
    """Resolution state as one integer array per level over the rows; the work is done on
    distinct units of those rows."""

    def __init__(self, codes: "_Codes", db: LocationDB, look: _Lookup, corrections: dict) -> None:
        self.db, self.look, self.idx, self.corr = db, look, db.index, corrections
        self.levels = db.levels
        n = self.n = len(codes.wc[LEVELS[0]])
        self.wc, self.W, self.empty = codes.wc, codes.W, codes.empty
        # Narrow types: a million rows × four levels of each array.
        self.ids = {level: np.full(n, -1, dtype=np.int32) for level in LEVELS}
        self.m = {level: np.full(n, _M[""] if level in self.levels else _M["skip"], dtype=np.int8)
                  for level in LEVELS}
        self.s = {level: np.full(n, 100.0, dtype=np.float32) for level in LEVELS}  # scores are float32
        # Suggestions and notes: per row an index into a list (-1 = none).
        self.g = {level: np.full(n, -1, dtype=np.int32) for level in LEVELS}
        self.glist: list[list] = []
        self.note = np.full(n, -1, dtype=np.int32)
        self.notes: list[str] = []
        self.dk: dict[str, dict] = {}

    # ---- small helpers

    def _w(self, level: str, rows: np.ndarray) -> list[str]:
        values = self.W[level]
        return [values[c] for c in self.wc[level][rows].tolist()]

    def _set(self, level: str, rows: np.ndarray, unit: np.ndarray, results: list[tuple]) -> None:
        """Scatter per-unit results ``(id, method, score, suggestions or None, note or None)``
        to the rows (``unit`` is each row's unit)."""
        if not len(rows):
            return
        ids = np.array([r[0] for r in results], dtype=np.int64)
        methods = np.array([_M[r[1]] for r in results], dtype=np.int8)
        scores = np.array([r[2] for r in results], dtype=np.float64)
        gref = np.full(len(results), -1, dtype=np.int32)
        nref = np.full(len(results), -1, dtype=np.int32)
        for k, r in enumerate(results):
            if r[3] is not None:
                gref[k] = len(self.glist)
                self.glist.append(r[3])
            if len(r) > 4 and r[4] is not None:
                nref[k] = len(self.notes)
                self.notes.append(r[4])
        self.ids[level][rows] = ids[unit]
        self.m[level][rows] = methods[unit]
        self.s[level][rows] = scores[unit]
        self.g[level][rows] = gref[unit]
        if (nref >= 0).any():
            picked = nref[unit]
            keep = picked >= 0
            self.note[rows[keep]] = picked[keep]

    def _prepare_dk(self, strings: Iterable[str]) -> None:
        """District keys for many written texts in one vectorised pass (for the fuzzy loops)."""
        todo = [s for s in dict.fromkeys(strings) if s not in self.dk]
        if not todo:
            return
        self._store_dk(todo, district_keys(pd.Series(todo, dtype=str)))

    def _prepare_dk_codes(self, codes: np.ndarray) -> None:
        """:meth:`_prepare_dk` for written district texts given by their codes, from the
        key table of all of them."""
        texts = self.W["district"]
        codes = np.unique(codes)
        todo = [c for c in codes.tolist() if texts[c] not in self.dk]
        if todo:
            self._store_dk([texts[c] for c in todo], self._district_keys_of(np.asarray(todo, dtype=np.int64)))

    def _store_dk(self, texts: list[str], keys: pd.DataFrame) -> None:
        cols = list(keys.columns)
        for text, values in zip(texts, zip(*(keys[c].tolist() for c in cols))):
            self.dk[text] = dict(zip(cols, values))

    def _district_keys_of(self, codes: np.ndarray) -> pd.DataFrame:
        """The district keys of written district texts by code: the keys of every distinct
        text are computed once, in one vectorised pass."""
        table = self.__dict__.get("_district_key_table")
        if table is None:
            table = self._district_key_table = district_keys(pd.Series(self.W["district"], dtype=str))
        return pd.DataFrame({col: take_text(table[col], codes) for col in table.columns})

    # ---- name levels (country, city, township): merges first, fuzzy for the rest

    def _names(self, level: str) -> np.ndarray:
        """Rows whose level still needs fuzzy work; merges done."""
        if level not in self.levels:
            return np.zeros(0, dtype=np.int64)
        nodes = {"country": self.idx.countries, "city": self.idx.cities, "township": self.idx.townships}[level]
        pcol, idcol = _PARENT_ID[level], _ID[level]
        m, wc = self.m[level], self.wc[level]
        pending = m == _M[""]
        if pcol is None:
            parent = np.zeros(self.n, dtype=np.int64)
        else:
            parent = self.ids[LEVELS[LEVELS.index(level) - 1]]
            # Without a resolved parent there is nothing to search in.
            blocked = pending & (parent < 0)
            m[blocked] = _M["blocked"]
            pending &= ~blocked
        empty = pending & (wc == self.empty[level])
        m[empty] = _M["missing"]
        rows = np.flatnonzero(pending & ~empty)
        unit, first = _units(rows, parent, wc)
        if not len(first):
            return rows
        pairs = pd.DataFrame({"parent": parent[first], "w": pd.Series(self._w(level, first), dtype=str)})
        pairs["key"] = name_keys(pairs["w"]).to_numpy()
        pairs["alias"] = pairs["key"].map(_ALIASES[level]).fillna("").astype(str)
        pairs["corr"] = [name_key(self.corr.get((level, int(p), k), "")) if self.corr else ""
                         for p, k in zip(pairs["parent"].tolist(), pairs["key"].tolist())]
        pnodes = nodes.assign(parent=0 if pcol is None else nodes[pcol])[["parent", "name", "key", idcol]]
        found = []
        for method, left, right in (("exact", "w", "name"), ("normalized", "corr", "key"),
                                    ("normalized", "key", "key"), ("normalized", "alias", "key")):
            hits = pairs.reset_index().merge(pnodes, left_on=["parent", left], right_on=["parent", right])
            hits = hits[hits[left] != ""]
            # A folded key shared by two nodes under one parent is not a match to take.
            hits = hits[~hits.duplicated("index", keep=False)]
            found.append(hits.assign(method=method)[["index", idcol, "method"]])
        found = pd.concat(found).drop_duplicates("index").set_index("index")
        unit_id = np.full(len(pairs), -1, dtype=np.int64)
        unit_m = np.zeros(len(pairs), dtype=np.int8)
        where = found.index.to_numpy()
        unit_id[where] = found[idcol].to_numpy()
        unit_m[where] = [_M[x] for x in found["method"].tolist()]
        ok = unit_id[unit] >= 0
        hit_rows = rows[ok]
        self.ids[level][hit_rows] = unit_id[unit[ok]]
        m[hit_rows] = unit_m[unit[ok]]
        self.s[level][hit_rows] = 100.0
        return rows[~ok]

    def _candidates(self, level: str, parent: int, written: str) -> list[tuple]:
        """Ranked candidates under ``parent`` (cached: the fit checks ask the same again)."""
        cache = self.__dict__.setdefault("_candidates_cache", {})
        key = (level, parent, written)
        found = cache.get(key)
        if found is None:
            keys, ids = self.look.alias_children[level].get(parent, ([], []))
            found = cache[key] = _ranked(name_key(written), keys, ids)
        return found

    def _name_keys(self, texts: list[str]) -> list[str]:
        """:func:`name_key` of each text, folded in one vectorised pass for the texts not
        seen yet (the city step ranks the same township texts under many cities)."""
        cache = self.__dict__.setdefault("_nk_cache", {})
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        if todo:
            cache.update(zip(todo, name_keys(pd.Series(todo, dtype=str)).tolist()))
        return [cache[t] for t in texts]

    def _fit_either(self, ciid: int, wt: str, wd: str, both: dict, fit_cache: dict) -> float:
        """How well township ``wt`` and district ``wd`` fit under city ``ciid``, in either
        order (they may sit in each other's columns); remembered in ``both``."""
        found = both.get((ciid, wt, wd))
        if found is None:
            found = both[(ciid, wt, wd)] = max(
                self._fit_township(ciid, wt, wd, fit_cache),
                self._fit_township(ciid, wd, wt, fit_cache) if wd else 0.0)
        return found

    def _rank_grouped(self, level: str, parents: list[int], texts: list[str]) -> None:
        """:meth:`_rank_names` for texts under many parents: one batch per parent."""
        self._name_keys(texts)  # folded in one pass, not one per parent
        groups: dict[int, list[str]] = {}
        for parent, text in zip(parents, texts):
            groups.setdefault(parent, []).append(text)
        for parent, group in groups.items():
            self._rank_names(level, parent, group)

    def _rank_names(self, level: str, parent: int, texts: list[str]) -> None:
        """:meth:`_candidates` for many texts under one parent at once (one score matrix,
        ranked with array operations); results go to the cache."""
        cache = self.__dict__.setdefault("_candidates_cache", {})
        texts = [t for t in dict.fromkeys(texts) if (level, parent, t) not in cache]
        if not texts:
            return
        keys, ids = self.look.alias_children[level].get(parent, ([], []))
        if not keys:
            for text in texts:
                cache[(level, parent, text)] = []
            return
        queries = self._name_keys(texts)
        scores = process.cdist(queries, keys, scorer=fuzz.ratio, dtype=np.float32)
        # As _ranked: each owner's best key, best first, ties in the order of the owner's
        # first key at or above SUGGEST_MIN.
        if len(set(ids)) == len(ids):
            owner_ids = np.asarray(ids, dtype=np.int64)
            order = np.argsort(-scores, axis=1, kind="stable")
            ranked = np.take_along_axis(scores, order, axis=1)
        else:  # aliases: an owner has several keys
            owners = list(dict.fromkeys(ids))
            at = {o: u for u, o in enumerate(owners)}
            owner_ids = np.asarray(owners, dtype=np.int64)
            best = np.full((len(texts), len(owners)), -1.0, dtype=np.float32)
            first = np.full((len(texts), len(owners)), len(ids), dtype=np.int64)
            for c, o in enumerate(ids):
                u = at[o]
                hit = scores[:, c] >= SUGGEST_MIN
                best[:, u] = np.where(hit, np.maximum(best[:, u], scores[:, c]), best[:, u])
                first[:, u] = np.where(hit, np.minimum(first[:, u], c), first[:, u])
            order = np.lexsort((first, -best), axis=1)
            ranked = np.take_along_axis(best, order, axis=1)
        keep = ranked >= SUGGEST_MIN
        counts = keep.sum(axis=1)
        pairs = list(zip(owner_ids[order[keep]].tolist(), ranked[keep].astype(np.float64).tolist()))
        bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
        for r, (text, query) in enumerate(zip(texts, queries)):
            cache[(level, parent, text)] = pairs[bounds[r]:bounds[r + 1]] if query else []

    def country(self) -> None:
        rows = self._names("country")
        unit, first = _units(rows, self.wc["country"])
        self._rank_names("country", 0, self._w("country", first))
        results = [self._take_name("country", self._candidates("country", 0, w), None)
                   for w in self._w("country", first)]
        self._set("country", rows, unit, results)

    def city(self) -> None:
        rows = self._names("city")
        with_children = "township" in self.levels
        cols = [self.ids["country"], self.wc["city"]]
        if with_children:
            cols += [self.wc["township"], self.wc["district"]]
        unit, first = _units(rows, *cols)
        if not len(first):
            return
        cids = self.ids["country"][first].tolist()
        w_city = self._w("city", first)
        w_t = self._w("township", first)
        w_d = self._w("district", first)
        if with_children and "district" in self.levels:
            wcd = self.wc["district"][first]
            self._prepare_dk_codes(wcd[[bool(w and t) for w, t in zip(w_d, w_t)]])
            self._prepare_dk([w for w, d in zip(w_t, w_d) if w and d])
        self._rank_grouped("city", cids, w_city)
        cache: dict = {}
        decided: dict = {}  # (country, written city) -> _decide of its candidates
        fit_cache: dict = {}
        both: dict = {}
        if with_children:
            # The townships the fit checks will look up, ranked in batches per candidate city.
            queries: dict[int, list[str]] = {}
            for cid, wc_, wt, wd in zip(cids, w_city, w_t, w_d):
                if not wt:
                    continue
                key = (cid, wc_)
                if key not in cache:
                    cache[key] = self._candidates("city", cid, wc_)
                ranked = cache[key]
                if key not in decided:
                    decided[key] = _decide(ranked)
                verdict, ids, _ = decided[key]
                # A clear name needs its own city checked; otherwise the candidates a fit
                # can confirm or rescue (from RESCUE up) may be.
                owners = ids[:1] if verdict == "take" else [owner for owner, s in ranked if s >= RESCUE]
                for owner in owners:
                    texts = queries.setdefault(owner, [])
                    texts.append(wt)
                    if wd:
                        texts.append(wd)
            self._name_keys([text for texts in queries.values() for text in texts])  # one pass
            for owner, texts in queries.items():
                self._rank_names("township", owner, texts)
        results = []
        append = results.append
        for cid, wc_, wt, wd in zip(cids, w_city, w_t, w_d):
            key = (cid, wc_)
            if key not in cache:
                cache[key] = self._candidates("city", cid, wc_)
            if key not in decided:
                decided[key] = _decide(cache[key])
            verdict, ids, score = decided[key]
            if verdict == "take":
                # The common case, as _take_name decides it: one clear candidate, and no
                # children to check or children that fit under it.
                if not (with_children and wt):
                    append((ids[0], "fuzzy", score, None))
                    continue
                if self._fit_either(ids[0], wt, wd, both, fit_cache) >= ACCEPT:
                    append((ids[0], "fuzzy", score, None))
                    continue
            fit = None
            if with_children and wt:
                def fit(ciid: int, wt: str = wt, wd: str = wd) -> float:  # noqa: F811
                    return self._fit_either(ciid, wt, wd, both, fit_cache)
            # Unmatched with children: the suggestions are built below, not in _take_name.
            result = self._take_name("city", cache[key], fit, decided[key], suggest=fit is None)
            if result[1] == "unmatched" and fit is not None:
                # The township names the city even when the city is garbage: suggest those first.
                homes = self.look.township_anywhere.get(name_key(wt), [])
                scores = dict(cache[key])
                first_ = [(c, scores.get(c, 0.0)) for c in homes if self.look.parent["city"][c] == cid]
                rest = [item for item in cache[key] if item[0] not in homes]
                result = result[:3] + (self._named("city", first_ + rest),)
            append(result)
        self._set("city", rows, unit, results)

    def _fit_township(self, ciid: int, w_township: str, w_district: str, cache: dict) -> float:
        """How well the written township (and district) fit under city ``ciid``: the
        township's best score there, +10 when the district is found in it by key."""
        key = (ciid, w_township, w_district)
        found = cache.get(key)
        if found is None:
            ranked = self._candidates("township", ciid, w_township)
            found = 0.0
            if ranked:
                tid, found = ranked[0]
                if w_district and "district" in self.levels:
                    in_township = self.look.district_keys_in_township.get(tid)
                    found += 10.0 * (in_township is not None and not self._dkeys(w_district).isdisjoint(in_township))
            cache[key] = found
        return found

    def _dkeys(self, written: str) -> set:
        cache = self.__dict__.get("_dk_cache")
        if cache is None:
            cache = self.__dict__["_dk_cache"] = {}
        found = cache.get(written)
        if found is None:
            found = cache[written] = set(self._wk(written).values()) - {""}
        return found

    def township(self) -> None:
        rows = self._names("township")
        with_district = "district" in self.levels
        cols = [self.ids["city"], self.wc["township"]] + ([self.wc["district"]] if with_district else [])
        unit, first = _units(rows, *cols)
        if len(first):
            ciids = self.ids["city"][first].tolist()
            w_t = self._w("township", first)
            w_d = self._w("district", first)
            if with_district:
                self._prepare_dk_codes(self.wc["district"][first][[bool(w) for w in w_d]])
            self._rank_grouped("township", ciids, w_t)
            cache: dict = {}
            decided: dict = {}  # (city, written township) -> _decide of its candidates
            in_township = self.look.district_keys_in_township
            anywhere = self.look.township_anywhere
            no_keys: set = set()
            results = []
            append = results.append
            for ciid, wt, wd, wt_key in zip(ciids, w_t, w_d, self._name_keys(w_t)):
                key = (ciid, wt)
                if key not in cache:
                    cache[key] = self._candidates("township", ciid, wt)
                    decided[key] = _decide(cache[key])
                fit = None
                if with_district and wd:
                    dkeys = self._dkeys(wd)
                    fit = lambda tid, dkeys=dkeys: 100.0 * (not dkeys.isdisjoint(in_township.get(tid, no_keys)))
                homes = anywhere.get(wt_key)
                if homes and any(c != ciid for c in homes):
                    # The name is a real township of another city: never move it into this one.
                    elsewhere = [c for c in homes if c != ciid]
                    cities = ", ".join(sorted({self.look.names["city"][c] for c in elsewhere}))
                    append((-1, "unmatched", 0.0, self._named("township", cache[key]),
                            f"township {wt!r} exists only under {cities}"))
                    continue
                verdict, ids, score = decided[key]
                if verdict == "take" and (fit is None or fit(ids[0]) >= ACCEPT):
                    # The common case, as _take_name decides it: one clear candidate that
                    # the written district (if any) confirms.
                    append((ids[0], "fuzzy", score, None))
                    continue
                append(self._take_name("township", cache[key], fit, decided[key]))
            self._set("township", rows, unit, results)
        self._swapped()

    def _named(self, level: str, ranked: list[tuple]) -> list[tuple]:
        return [(self.look.names[level][owner], round(score, 1)) for owner, score in ranked[:3]]

    def _take_name(self, level: str, ranked: list[tuple], fit, decided: tuple | None = None,
                   suggest: bool = True) -> tuple:
        """Decide a name level from its fuzzy candidates; ``fit(id)`` (0–110) says how
        well the written children fit under a candidate and can confirm or recover it.
        Returns ``(id or -1, method, score, suggestions or None)``; ``decided``: ``_decide(ranked)``
        when the caller has it already; ``suggest=False``: the caller builds the suggestions of
        an unmatched name itself (they are then left unordered by fit)."""
        verdict, ids, score = decided if decided is not None else _decide(ranked)
        if fit is not None and (verdict != "take" or fit(ids[0]) < ACCEPT):
            # Below ACCEPT the name alone proves little: the children must then match exactly.
            # Ranked lists are sorted, best first: the candidates from RESCUE up lead them.
            rescuable = takewhile(lambda item: item[1] >= RESCUE, ranked)
            good = sorted(((s + fit(o), o, s) for o, s in rescuable
                           if fit(o) >= (ACCEPT if s >= ACCEPT else 100.0)), reverse=True)
            if good and (len(good) == 1 or good[0][0] - good[1][0] >= MARGIN):
                verdict, ids, score = "take", [good[0][1]], good[0][2]
            elif good:
                verdict, ids, score = "ambiguous", [o for _, o, _ in good], good[0][2]
        if verdict == "take":
            return ids[0], "fuzzy", score, None
        suggestions = [(o, s) for o, s in ranked if o in ids] if ids else ranked
        if fit is not None and not ids and suggest:
            # Children point at the right parent even when the name itself is garbage.
            suggestions = sorted(ranked, key=lambda item: (fit(item[0]) < ACCEPT, -item[1]))
        return -1, "ambiguous" if verdict == "ambiguous" else "unmatched", score, self._named(level, suggestions)

    def _swapped(self) -> None:
        """Township and district written in each other's columns."""
        if "district" not in self.levels:
            return
        rows = np.flatnonzero((self.m["township"] == _M["unmatched"]) & (self.ids["city"] >= 0)
                              & (self.wc["district"] != self.empty["district"]))
        unit, first = _units(rows, self.ids["city"], self.wc["township"], self.wc["district"])
        if not len(first):
            return
        w_t = self._w("township", first)
        self._prepare_dk(w_t)
        found = []
        for k, (ciid, wt, wd) in enumerate(zip(self.ids["city"][first].tolist(), w_t, self._w("district", first))):
            verdict, tids, t_score = _decide(self._candidates("township", ciid, wd))
            if verdict == "take":
                found.append((k, tids[0], wt, t_score))
        # Rank the written townships as districts once per township for all its texts
        # (one score matrix each) rather than one text at a time.
        ranked = self.__dict__.setdefault("_ranked_cache", {})
        decided = self.__dict__.setdefault("_district_fuzzy_cache", {})
        by_tid: dict[int, list[str]] = {}
        for _, tid, wt, _ in found:
            if (tid, wt) not in decided and (tid, wt) not in ranked:
                by_tid.setdefault(tid, []).append(wt)
        for tid, texts in by_tid.items():
            self._rank_districts(tid, list(dict.fromkeys(texts)))
        taken = []
        for k, tid, wt, t_score in found:
            verdict, dids, d_score = self._district_fuzzy(tid, wt)
            if verdict != "take":
                continue
            taken.append((k, tid, dids[0], t_score, d_score))
        if not taken:
            return
        note = len(self.notes)
        self.notes.append("township and district were in each other's columns")
        ks = np.array([x[0] for x in taken])
        mask = np.isin(unit, ks)
        sel, sel_unit = rows[mask], unit[mask]
        lookup = np.full(len(first), -1, dtype=np.int64)
        lookup[ks] = np.arange(len(taken))
        pos = lookup[sel_unit]
        tids = np.array([x[1] for x in taken], dtype=np.int64)
        dids = np.array([x[2] for x in taken], dtype=np.int64)
        t_scores = np.array([x[3] for x in taken])
        d_scores = np.array([x[4] for x in taken])
        exact = (t_scores == 100.0) & (d_scores == 100.0)
        method = np.where(exact, _M["normalized"], _M["fuzzy"]).astype(np.int8)
        self.ids["township"][sel] = tids[pos]
        self.m["township"][sel] = method[pos]
        self.s["township"][sel] = t_scores[pos]
        self.ids["district"][sel] = dids[pos]
        self.m["district"][sel] = method[pos]
        self.s["district"][sel] = d_scores[pos]
        self.note[sel] = note
        self.g["township"][sel] = -1

    # ---- districts: merges on key variants, then fuzzy within the township

    def district(self) -> None:
        if "district" not in self.levels:
            return
        m, tid, wc = self.m["district"], self.ids["township"], self.wc["district"]
        m[(tid < 0) & (m == _M[""])] = _M["blocked"]
        m[(m == _M[""]) & (wc == self.empty["district"])] = _M["none"]  # district is optional
        rows = np.flatnonzero(m == _M[""])
        unit, first = _units(rows, tid, wc)
        if not len(first):
            return
        pairs = pd.DataFrame({"tid": tid[first], "w_district": pd.Series(self._w("district", first), dtype=str)})
        pairs = pd.concat([pairs, self._district_keys_of(wc[first])], axis=1)
        pairs["corr"] = ([self.corr.get(("district", int(p), name_key(w)), "")
                          for p, w in zip(pairs["tid"].tolist(), pairs["w_district"].tolist())]
                         if self.corr else "")
        codes, first_id, scores, several = self._district_merges(pairs)
        names = self.look.names["district"]
        named = lambda dids, score: [(names[d], round(float(sc), 1)) for d, sc in _with_scores(dids, score)]
        suggestions = {j: named(dids, scores[j]) for j, dids in several.items()}
        # Leftovers: fuzzy within the township.
        left = np.flatnonzero(codes == 0)
        if len(left):
            cols = [c for c in ("base", "kind", "paren", "short", "alt", "full", "bp") if c in pairs.columns]
            sub = pairs.iloc[left]
            for text, values in zip(sub["w_district"].tolist(), zip(*(sub[c].tolist() for c in cols))):
                self.dk.setdefault(text, dict(zip(cols, values)))
            tids, ws = sub["tid"].tolist(), sub["w_district"].tolist()
            by_tid: dict[int, list[str]] = {}
            for t_, w in zip(tids, ws):
                by_tid.setdefault(t_, []).append(w)
            for t_, texts in by_tid.items():
                self._rank_districts(t_, texts, keep_clear=False)
            for j, t_, w in zip(left.tolist(), tids, ws):
                verdict, dids, score = self._district_fuzzy(t_, w)
                scores[j] = score
                if verdict == "take":
                    codes[j], first_id[j] = _M["fuzzy"], dids[0]
                    continue
                codes[j] = _M["unmatched"] if verdict == "none" else _M[verdict]
                suggestions[j] = named(dids if dids else self._district_suggest(t_, w), score)
        gref = np.full(len(pairs), -1, dtype=np.int32)
        for j, items in suggestions.items():
            gref[j] = len(self.glist)
            self.glist.append(items)
        resolved = np.isin(codes, _RESOLVED_CODES)
        self.ids["district"][rows] = np.where(resolved, first_id, -1)[unit]
        m[rows] = codes[unit]
        self.s["district"][rows] = scores[unit]
        self.g["district"][rows] = gref[unit]

    def _district_merges(self, pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
        """Merges of the pairs' keys with the township's districts: per pair the method
        code (0 when no merge decided it), the district id, the score, and the ids of
        the pairs found ambiguous (position -> ids)."""
        d_all = self.idx.districts
        d_keys = d_all.drop_duplicates(["tid", "full"])  # one spelling per place, see _Lookup
        n = len(pairs)
        codes = np.zeros(n, dtype=np.int8)
        first_id = np.full(n, -1, dtype=np.int64)
        several_ids: dict[int, list] = {}
        scores = np.full(n, np.nan)
        base = pairs.reset_index(drop=True)
        base["index"] = np.arange(n)
        has_kind = base["kind"] != ""
        no_paren = base["paren"] == ""
        steps = (
            # (method, score, rows of pairs it applies to, left key, right key)
            ("exact", 100.0, base.index, "w_district", "name"),
            ("normalized", 100.0, base.index if self.corr else base.index[:0], "corr", "name"),
            ("normalized", 100.0, base.index[has_kind], "full", "full"),
            ("normalized", 100.0, base.index[~has_kind & ~no_paren], "bp", "bp"),
            ("normalized", 100.0, base.index[has_kind & no_paren], "short", "short"),
            ("normalized", 100.0, base.index[~has_kind & no_paren], "base", "base"),
            # Village became neighbourhood (or the other way): same name, other kind word.
            ("fuzzy", 90.0, base.index[has_kind & no_paren], "base", "base"),
            ("fuzzy", 90.0, base.index[(base["alt"] != "") & no_paren], "alt", "short"),
        )
        decided = np.zeros(n, dtype=bool)
        for method, score, rows, left, right in steps:
            rows = rows[~decided[rows.to_numpy()]]
            if len(rows) == 0:
                continue
            hits = base.loc[rows, ["index", "tid", left, "kind"]].rename(columns={"kind": "_wkind"}).merge(
                (d_all if right == "name" else d_keys)[["tid", right, "did", "has_paren", "kind"]]
                .rename(columns={right: "_k"}),
                left_on=["tid", left], right_on=["tid", "_k"])
            hits = hits[hits[left] != ""]
            if hits.empty:
                continue
            size = hits.groupby("index")["did"].transform("size")
            # An unqualified name ("Orta") means the neighbourhood ("Orta Mah"), the common case.
            plain = ~hits["has_paren"] & (hits["kind"] == hits["_wkind"].replace("", "mah"))
            n_plain = plain.groupby(hits["index"]).transform("sum")
            single = hits[(size == 1) | (plain & (n_plain == 1))]
            several = hits[(size > 1) & (n_plain != 1)]
            ids_single = single.groupby("index")["did"].first()
            where = ids_single.index.to_numpy()
            codes[where] = _M[method]
            first_id[where] = ids_single.to_numpy()
            scores[where] = score
            decided[where] = True
            if len(several):
                ids_several = several.groupby("index")["did"].agg(list)
                where = ids_several.index.to_numpy()
                codes[where] = _M["ambiguous"]
                several_ids.update(zip(where.tolist(), ids_several.tolist()))
                scores[where] = score
                decided[where] = True
        return codes, first_id, scores, several_ids

    def _district_ranked(self, tid: int, written: str) -> tuple[list[tuple], dict]:
        """Districts of the township ranked against ``written``: the main part (name and
        kind word) and, when written, the parenthetical village part are scored apart and
        the weaker of the two counts, so a typo in one part does not let another
        "X Mah (other village)" come close."""
        cache = self.__dict__.setdefault("_ranked_cache", {})
        found = cache.get((tid, written))
        if found is None:
            self._rank_districts(tid, [written])
            found = cache[(tid, written)]
        return found

    def _rank_districts(self, tid: int, texts: list[str], keep_clear: bool = True) -> None:
        """Rank the districts of ``tid`` against several written texts at once (one score
        matrix per key part instead of one call per text); results go to the cache.
        ``keep_clear=False``: a text with one clear candidate gets only its verdict cached,
        not its ranked list (the district step asks nothing more of it)."""
        cache = self.__dict__.setdefault("_ranked_cache", {})
        wks = [self._wk(text) for text in texts]
        arrays = self.look.district_arrays.get(tid)
        todo = [k for k, wk in enumerate(wks) if wk["short"]] if arrays is not None else []
        for k, wk in enumerate(wks):
            cache[(tid, texts[k])] = ([], wk)
        if not todo:
            return
        dids, short, base, paren, no_paren = arrays
        q = [wks[k] for k in todo]
        main = np.maximum(process.cdist([x["short"] for x in q], short, scorer=fuzz.ratio, dtype=np.float32),
                          process.cdist([x["base"] for x in q], base, scorer=fuzz.ratio, dtype=np.float32))
        alt = [i for i, x in enumerate(q) if x.get("alt")]
        if alt:
            main[alt] = np.maximum(main[alt], process.cdist([q[i]["alt"] for i in alt], short,
                                                            scorer=fuzz.ratio, dtype=np.float32))
        par_rows = [i for i, x in enumerate(q) if x["paren"]]
        if par_rows:
            par = process.cdist([q[i]["paren"] for i in par_rows], paren, scorer=fuzz.ratio, dtype=np.float32)
            main[par_rows] = np.minimum(main[par_rows], np.where(no_paren, 50.0, par))
        # Every text's ranking at once: best first (ties in district order), those from
        # SUGGEST_MIN up; deciding looks within MARGIN of the best, suggesting at the first three.
        keep = main >= SUGGEST_MIN
        near = np.count_nonzero(keep & (main > main.max(axis=1, keepdims=True, initial=-np.inf) - MARGIN), axis=1)
        kept = np.count_nonzero(keep, axis=1)
        take = np.minimum(kept, np.maximum(3, near))
        order = _top_order(main, max(int(take.max(initial=0)), 2))
        ranked = np.take_along_axis(main, order, axis=1)
        # The common verdict, as _decide reaches it on these lists (in float64 like the
        # lists): the best from ACCEPT up and the next at least MARGIN behind, or alone.
        top = ranked[:, :2].astype(np.float64)
        alone = kept == 1
        clear = top[:, 0] >= ACCEPT
        if top.shape[1] > 1:
            clear &= alone | (top[:, 1] <= top[:, 0] - MARGIN)
        if clear.any():
            decided = self.__dict__.setdefault("_district_fuzzy_cache", {})
            best_id = np.asarray(dids, dtype=np.int64)[order[:, 0]].tolist()
            best = top[:, 0].tolist()
            for i in np.flatnonzero(clear).tolist():
                decided.setdefault((tid, texts[todo[i]]), ("take", [best_id[i]], best[i]))
        if not keep_clear:
            take = np.where(clear, 0, take)
        mask = np.arange(order.shape[1]) < take[:, None]
        pairs = list(zip(np.asarray(dids, dtype=np.int64)[order[mask]].tolist(),
                         ranked[mask].astype(np.float64).tolist()))
        bounds = np.concatenate([[0], np.cumsum(take)]).tolist()
        skip = clear.tolist() if not keep_clear else [False] * len(todo)
        for i, k in enumerate(todo):
            if skip[i]:
                cache.pop((tid, texts[k]), None)  # no stale empty list from above
            else:
                cache[(tid, texts[k])] = (pairs[bounds[i]:bounds[i + 1]], wks[k])

    def _wk(self, written: str) -> dict:
        found = self.dk.get(written)
        if found is None:
            found = self.dk[written] = district_key(written)
        return found

    def _plain_ok(self, wk: dict) -> Callable[[int], bool]:
        # A name that fits several "X Mah (village)" but is also exactly a plain "X Mah" of
        # the kind written: the plain one is the name as written.
        look = self.look
        return lambda did: not look.has_paren[did] and (
            look.kind[did] == (wk["kind"] or "mah") or wk["base"] == look.short[did])

    def _district_fuzzy(self, tid: int, written: str) -> tuple[str, list, float]:
        cache = self.__dict__.setdefault("_district_fuzzy_cache", {})
        key = (tid, written)
        found = cache.get(key)
        if found is None:
            ranked, wk = self._district_ranked(tid, written)
            found = cache[key] = _decide(ranked, self._plain_ok(wk))
        return found

    def _district_suggest(self, tid: int, written: str) -> list:
        ranked, _ = self._district_ranked(tid, written)
        return [owner for owner, _ in ranked[:3]]


    def forget(self, names: bool = False) -> None:
        """Drop the per-text caches of the level steps (on a million messy rows several
        hundred MB of small objects): the review asks again only for the unresolved tuples,
        a few percent of them, and recomputes those. ``names``: only the name levels' ones."""
        for name in ("_candidates_cache", "_dk_cache", "_nk_cache") + (() if names else (
                "_ranked_cache", "_district_fuzzy_cache", "_district_key_table")):
            self.__dict__.pop(name, None)
        if not names:
            self.dk = {}

    # ---- outcome per tuple

    def decide(self) -> "_Decisions":
        """The outcome of each row here (the rows are distinct written tuples): status,
        score, first unresolved level, place ids, notes, suggestions per level and, for
        the unresolved rows, whole places to suggest."""
        count = self.n
        m, ids = self.m, self.ids
        status = np.zeros(count, dtype=np.int8)  # index into STATUSES
        is_ = lambda code: np.logical_or.reduce([m[level] == code for level in LEVELS])
        status[is_(_M["normalized"])] = STATUSES.index("normalized")
        status[is_(_M["fuzzy"])] = STATUSES.index("fuzzy")
        status[is_(_M["ambiguous"])] = STATUSES.index("ambiguous")
        status[is_(_M["unmatched"]) | is_(_M["blocked"])] = STATUSES.index("unmatched")
        missing = np.zeros(count, dtype=bool)
        for level in self.levels:
            if level != "district":
                missing |= m[level] == _M["missing"]
        status[missing] = STATUSES.index("missing")
        resolved_status = status <= STATUSES.index("fuzzy")
        if self.levels:
            scores = np.min(np.stack([self.s[level] for level in self.levels]), axis=0).astype(np.float64)
        else:
            scores = np.full(count, 100.0)
        scores = np.where(status <= STATUSES.index("ambiguous"), scores, 0.0).round(1)
        bad_level = np.full(count, -1, dtype=np.int8)
        for level in reversed(self.levels):
            bad = np.isin(m[level], [_M["ambiguous"], _M["unmatched"], _M["missing"]])
            bad_level[bad] = LEVELS.index(level)
        bad_level[resolved_status] = -1
        # Places: a level counts only under resolved parents.
        place = {}
        ok_parent = np.ones(count, dtype=bool)
        for level in LEVELS:
            resolved = np.isin(m[level], _RESOLVED_CODES) & ok_parent
            place[level] = np.where(resolved, ids[level], -1)
            if level != "district":
                ok_parent &= resolved
        return _Decisions(status=status, scores=scores, bad_level=bad_level, place=place, note=self.note,
                          notes=self.notes, g=self.g, glist=self.glist,
                          suggestions=self._place_suggestions(status, bad_level))

    def _place_suggestions(self, status: np.ndarray, bad_level: np.ndarray) -> dict[int, list]:
        """Whole places to suggest for each unresolved row (position -> list); the same
        failing level, parents, level suggestions and written township/district give the
        same list, computed once."""
        positions = np.flatnonzero((status > STATUSES.index("fuzzy")) & (bad_level >= 0))
        wt, wd = self.wc["township"][positions].tolist(), self.wc["district"][positions].tolist()
        Wt, Wd = self.W["township"], self.W["district"]
        glist = self.glist
        levels = bad_level[positions].tolist()
        ids = {level: self.ids[level][positions].tolist() for level in LEVELS}
        g = {level: self.g[level][positions].tolist() for level in LEVELS}
        keys = []
        todo: dict = {}
        for k, lv in enumerate(levels):
            key = (lv, tuple(ids[x][k] for x in LEVELS[:lv]), g[LEVELS[lv]][k], wt[k], wd[k])
            keys.append(key)
            todo.setdefault(key, k)
        self.prefetch_completions([(LEVELS[key[0]], ids, k, glist[key[2]] if key[2] >= 0 else [],
                                    Wt[key[3]], Wd[key[4]]) for key, k in todo.items()])
        found = {}
        for key, k in todo.items():
            lv, gk = key[0], key[2]
            found[key] = self.places(LEVELS[lv], {x: ids[x][k] for x in LEVELS}, glist[gk] if gk >= 0 else [],
                                     Wt[wt[k]], Wd[wd[k]])
        return {p: found[key] for p, key in zip(positions.tolist(), keys)}

    # ---- whole-place suggestions for unresolved tuples

    def places(self, level: str, ids: dict, g: list, w_township: str, w_district: str) -> list:
        """Up to three whole places for an unresolved tuple, best first: each suggestion
        for the failing level, completed below it where the written names fit clearly."""
        look = self.look
        if not level:
            return []
        prefix = []
        for lv in LEVELS:
            if lv == level:
                break
            prefix.append(look.names[lv][int(ids[lv])])
        parent_level = LEVELS[LEVELS.index(level) - 1] if level != "country" else None
        parent = int(ids[parent_level]) if parent_level else 0
        ids_by_name = self._ids_by_name(level, parent)
        out = []
        for name, score in g:
            node = ids_by_name.get(name)
            if node is None:
                continue
            place = self._complete(level, node, w_township, w_district)
            if place is not None:
                out.append((tuple(prefix + [name] + place), score))
        return out[:3]

    def prefetch_completions(self, items: list[tuple]) -> None:
        """Rank, in batches per township, the districts :meth:`places` will complete
        (``items``: level, ids by level (lists), position, level suggestions, written
        township, written district)."""
        if "district" not in self.levels:
            return
        need: dict[int, list[str]] = {}
        for level, ids, k, g, w_township, w_district in items:
            if level not in ("city", "township") or not w_district:
                continue
            parent_level = LEVELS[LEVELS.index(level) - 1]
            by_name = self._ids_by_name(level, int(ids[parent_level][k]))
            for name, _ in g:
                node = by_name.get(name)
                if node is None:
                    continue
                if level == "city":
                    verdict, found, _ = _decide(self._candidates("township", node, w_township))
                    if verdict != "take":
                        continue
                    node = found[0]
                need.setdefault(node, []).append(w_district)
        cache = self.__dict__.setdefault("_ranked_cache", {})
        self._prepare_dk(w for texts in need.values() for w in texts)
        for tid, texts in need.items():
            texts = [t for t in dict.fromkeys(texts) if (tid, t) not in cache]
            if texts:
                self._rank_districts(tid, texts)

    def _ids_by_name(self, level: str, parent: int) -> dict:
        cache = self.__dict__.setdefault("_ids_by_name_cache", {})
        key = (level, parent)
        if key not in cache:
            look, ids_by_name = self.look, {}
            if level == "district":
                for did in look.district_arrays.get(parent, ([],))[0]:
                    ids_by_name[look.names["district"][did]] = did
            else:
                for node in look.children[level].get(parent, ([], []))[1]:
                    ids_by_name[look.names[level][node]] = node
                if level == "city":  # garbage cities: the suggestions may be any city
                    ids_by_name.update({name: c for c, name in look.names["city"].items()})
            cache[key] = ids_by_name
        return cache[key]

    def _complete(self, level: str, node: int, w_township: str, w_district: str) -> list | None:
        """The names below ``node`` that the written township/district clearly mean."""
        cache = self.__dict__.setdefault("_complete_cache", {})
        key = (level, node, w_township, w_district)
        if key in cache:
            return cache[key]
        levels = self.levels
        below = list(levels[levels.index(level) + 1:])
        out: list[str] | None = []
        for lv in below:
            written = w_township if lv == "township" else w_district
            if lv == "district" and not written:
                out.append("")
                break
            if lv == "township":
                verdict, ids, _ = _decide(self._candidates("township", node, written))
            else:
                verdict, ids, _ = self._district_fuzzy(node, written)
            if verdict != "take":
                out = None
                break
            node = ids[0]
            out.append(self.look.names[lv][node])
        cache[key] = out
        return out


@dataclass
class _Decisions:
    """What :meth:`_Work.decide` found, one entry per distinct written tuple: ``status``
    (index into STATUSES), ``scores``, ``bad_level`` (index into LEVELS, -1 = none),
    ``place`` (database id per level, -1 = unresolved), ``note`` (index into ``notes``),
    ``g`` (per level, index into ``glist``: that level's suggestions) and ``suggestions``
    (tuple position -> whole places, unresolved tuples only)."""

    status: np.ndarray
    scores: np.ndarray
    bad_level: np.ndarray
    place: dict
    note: np.ndarray
    notes: list
    g: dict
    glist: list
    suggestions: dict

    @classmethod
    def combine(cls, parts: list[tuple[np.ndarray, "_Decisions"]], count: int) -> "_Decisions":
        """One set of decisions from parts decided apart (``(tuple positions, decisions)``)."""
        if len(parts) == 1 and len(parts[0][0]) == count:
            return parts[0][1]
        out = cls(status=np.zeros(count, dtype=np.int8), scores=np.zeros(count),
                  bad_level=np.full(count, -1, dtype=np.int8),
                  place={level: np.full(count, -1, dtype=np.int64) for level in LEVELS},
                  note=np.full(count, -1, dtype=np.int32), notes=[],
                  g={level: np.full(count, -1, dtype=np.int32) for level in LEVELS}, glist=[], suggestions={})
        for positions, part in parts:
            out.status[positions] = part.status
            out.scores[positions] = part.scores
            out.bad_level[positions] = part.bad_level
            for level in LEVELS:
                out.place[level][positions] = part.place[level]
                out.g[level][positions] = np.where(part.g[level] >= 0, part.g[level] + len(out.glist), -1)
            out.note[positions] = np.where(part.note >= 0, part.note + len(out.notes), -1)
            out.notes.extend(part.notes)
            out.glist.extend(part.glist)
            at = positions.tolist()
            out.suggestions.update((at[k], items) for k, items in part.suggestions.items())
        return out


class _Written:
    """Each tuple's texts as written, kept as the parts returned them (lists per level),
    looked up by tuple position when a table line is built."""

    def __init__(self, parts: list[tuple[np.ndarray, dict]], count: int) -> None:
        self.parts = [texts for _, texts in parts]
        self.part_of = np.zeros(count, dtype=np.int32)
        self.local = np.zeros(count, dtype=np.int64)
        for k, (positions, _) in enumerate(parts):
            self.part_of[positions] = k
            self.local[positions] = np.arange(len(positions))

    def values(self, level: str, positions: np.ndarray) -> list[str]:
        parts = self.parts
        return [parts[p][level][i] for p, i in zip(self.part_of[positions].tolist(), self.local[positions].tolist())]


class _TupleTable:
    """Builds lines of :attr:`Resolution.tuples` on demand from the per-tuple decisions."""

    def __init__(self, decided: _Decisions, written: "_Written", row_tuple: np.ndarray, index: pd.Index,
                 look: _Lookup) -> None:
        self.decided, self.written, self.row_tuple, self.index, self.look = decided, written, row_tuple, index, look
        self.count = len(decided.status)
        self.unresolved: pd.DataFrame | None = None  # the lines of the unresolved tuples, when built

    def unresolved_positions(self) -> np.ndarray:
        return np.flatnonzero(self.decided.status > STATUSES.index("fuzzy"))

    def build(self, positions: np.ndarray) -> pd.DataFrame:
        """The tuple lines at ``positions`` (index = tuple position)."""
        decided, look = self.decided, self.look
        out = pd.DataFrame(index=pd.RangeIndex(self.count)[positions] if len(positions) == self.count
                           else pd.Index(positions))
        for level in LEVELS:
            out[level] = pd.Series(self.written.values(level, positions), index=out.index, dtype=str)
        for level in LEVELS:
            names = look.names[level]
            out["place_" + level] = [names[p] if p >= 0 else "" for p in decided.place[level][positions].tolist()]
        status = decided.status[positions]
        out["status"] = np.array(STATUSES, dtype=object)[status]
        out["score"] = decided.scores[positions]
        level_names = np.array(list(LEVELS) + [""], dtype=object)
        out["level"] = level_names[decided.bad_level[positions]]  # -1 -> ""
        notes = decided.notes
        out["note"] = [notes[k] if k >= 0 else "" for k in decided.note[positions].tolist()]
        glist = decided.glist
        for level in LEVELS:
            out["suggestions_" + level] = pd.Series(
                [glist[k] if k >= 0 else [] for k in decided.g[level][positions].tolist()], index=out.index,
                dtype=object)
        suggestions = decided.suggestions
        out["suggestions"] = pd.Series([suggestions.get(p, []) for p in positions.tolist()], index=out.index,
                                       dtype=object)
        rows = np.bincount(self.row_tuple, minlength=self.count)
        out["rows"] = rows[positions]
        out["examples"] = pd.Series(self._examples(positions), index=out.index, dtype=object)
        return out

    def _examples(self, positions: np.ndarray) -> list:
        """Up to three row numbers per tuple, in row order."""
        wanted = np.zeros(self.count, dtype=bool)
        wanted[positions] = True
        rows = np.flatnonzero(wanted[self.row_tuple])
        if not len(rows):
            return []
        rows = rows[np.argsort(self.row_tuple[rows], kind="stable")]
        tuple_of = self.row_tuple[rows]
        starts = np.flatnonzero(np.r_[True, tuple_of[1:] != tuple_of[:-1]])
        ends = np.r_[starts[1:], len(rows)]
        index_values = self.index.to_numpy()
        found = {int(t): index_values[rows[s:min(s + 3, e)]].tolist()
                 for t, s, e in zip(tuple_of[starts].tolist(), starts.tolist(), ends.tolist())}
        return [found[p] for p in positions.tolist()]


def _top_order(scores: np.ndarray, k: int) -> np.ndarray:
    """Column positions of each row's ``k`` best scores (scores from 0 up), best first, ties
    in column order: the first ``k`` columns of a stable argsort of ``-scores``, without
    sorting whole rows."""
    n = scores.shape[1]
    if k >= n or n <= 64:
        return np.argsort(-scores, axis=1, kind="stable")[:, :k]
    # One distinct integer per cell ordered as the stable sort orders them: the bits of a
    # non-negative float32 rise with its value; the column breaks ties.
    bits = np.ascontiguousarray(scores, dtype=np.float32).view(np.int32).astype(np.int64)
    shift = int(n - 1).bit_length()
    key = ((np.int64(1) << 31) - bits) << shift | np.arange(n, dtype=np.int64)
    part = np.argpartition(key, k - 1, axis=1)[:, :k]
    part = np.take_along_axis(part, np.argsort(np.take_along_axis(key, part, axis=1), axis=1), axis=1)
    return part


def _with_scores(ids, score) -> list[tuple]:
    ids = ids if isinstance(ids, list) else []
    return [(d, float(score) if score == score else 0.0) for d in ids[:3]]


# --------------------------------------------------------------------------- choices


def apply_choices(resolution: Resolution, choices: Mapping) -> Resolution:
    """A new :class:`Resolution` with the user's ``choices`` (written tuple -> place)
    applied on top of the corrections already in use. The original stays as it was."""
    new = choices_to_corrections(choices)
    combined = new if resolution.corrections is None else pd.concat([new, resolution.corrections],
                                                                     ignore_index=True)
    return resolve(resolution.original, resolution.db, corrections=combined)


__all__ = ["Resolution", "resolve", "apply_choices", "choices_to_corrections", "STATUSES",
           "RESOLVED", "CORRECTION_COLUMNS"]
