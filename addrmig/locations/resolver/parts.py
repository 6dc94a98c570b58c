"""A frame's rows in parts: each part resolved on its distinct tuples, the parts merged."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.limits import release_memory
from addrmig.locations.db import LocationDB
from addrmig.locations.keys import name_keys
from addrmig.locations.resolver.choosing import Picks, apply_picks
from addrmig.locations.resolver.codes import WrittenCodes, units
from addrmig.locations.resolver.decisions import Decisions, decide_tuples
from addrmig.locations.resolver.districts import resolve_districts
from addrmig.locations.resolver.lookup import Lookup
from addrmig.locations.resolver.names import resolve_cities, resolve_countries, resolve_townships
from addrmig.locations.resolver.result import Resolution
from addrmig.locations.resolver.state import Work
from addrmig.locations.resolver.statuses import STATUSES
from addrmig.locations.resolver.swapped import resolve_swapped
from addrmig.locations.resolver.table import TupleTable, WrittenTexts

#: ``progress(done, total)``, called as the steps advance.
Progress = Callable[[float, float], None]


def partition(places: pd.DataFrame, count: int, workers: int = 1, places_per_part: int | None = None
              ) -> list[np.ndarray]:
    """Row positions in ``count`` parts (``workers`` × the parts of each), the biggest first.
    Rows whose written city and township fold to the same keys go together: a tuple never
    spans two parts, and a part's caches (townships ranked per city, districts per
    township) mostly serve it alone. The groups are dealt out by the distinct places they
    write (what a part's time grows with), the biggest group first, each to the part with
    the fewest so far: parts of even work, so that no process waits long for the last one;
    the first part, which this process takes while the workers start, is the biggest.
    With ``places_per_part``, fewer parts when the rows write fewer distinct places than
    that many per part (see :func:`parts_for`): each part costs time of its own (its merges
    against the database, its key tables), and its memory grows with its places, not its rows."""
    n = len(places)
    if count <= 1:
        return [np.arange(n)]
    key = np.zeros(n, dtype=np.int64)
    for level in ("city", "township"):
        if level in places.columns:
            codes, uniques = pd.factorize(places[level])
            folded = pd.factorize(name_keys(pd.Series(uniques, dtype=str)))[0].astype(np.int64)
            key = key * 1_000_003 + np.where(codes >= 0, folded[codes], -1)
    group, _ = pd.factorize(key)
    weight, distinct = _group_places(places, group)
    if places_per_part is not None:
        count = parts_for(count, workers, distinct, places_per_part)
        if count <= 1:
            return [np.arange(n)]
    part_of_group = _dealt(weight, count)
    part = part_of_group[group]
    loads = np.bincount(part_of_group, weights=weight, minlength=count)
    return [np.flatnonzero(part == j) for j in np.argsort(-loads, kind="stable").tolist()]


def _group_places(places: pd.DataFrame, group: np.ndarray) -> tuple[np.ndarray, int]:
    """Per group (``group``: its code per row), the distinct district spellings its rows write
    (the level that makes most places distinct), else its rows; and how many distinct places
    the rows write, as far as the parts' size goes: the district spellings, else the groups."""
    groups = int(group.max(initial=-1)) + 1
    if "district" not in places.columns:
        return np.bincount(group, minlength=groups).astype(np.float64), groups
    district, uniques = pd.factorize(places["district"], use_na_sentinel=False)
    pairs = pd.unique(group.astype(np.int64) * (len(uniques) + 1) + district)
    return np.bincount(pairs // (len(uniques) + 1), minlength=groups).astype(np.float64), len(uniques)


def _dealt(weight: np.ndarray, count: int) -> np.ndarray:
    """The part of each group: the heaviest group first, each to the lightest part so far."""
    import heapq

    part_of = np.zeros(len(weight), dtype=np.int64)
    heap = [(0.0, j) for j in range(count)]
    for g in np.argsort(-weight, kind="stable").tolist():
        load, j = heapq.heappop(heap)
        part_of[g] = j
        heapq.heappush(heap, (load + float(weight[g]), j))
    return part_of


def parts_for(count: int, workers: int, places: int, places_per_part: int) -> int:
    """The parts for ``places`` distinct written places: the same number for each of the
    ``workers``, enough for about ``places_per_part`` each, at most ``count`` in all."""
    workers = max(1, workers)
    each = -(-places // (places_per_part * workers))  # rounded up
    return workers * max(1, min(count // workers, each))


@dataclass
class Part:
    """One part's outcome: ``row_tuple`` (each of its rows' tuple), ``first_row`` (each
    tuple's first row, a position in the whole frame), ``written`` (per level, each tuple's
    text as written), ``decided``, ``changes`` (with ``_level`` and ``_first`` to merge by)
    and ``unresolved`` (the lines of :meth:`Resolution.unresolved` for its tuples, index =
    tuple position in the part: a tuple never spans two parts, so its rows and examples
    are all here)."""

    row_tuple: np.ndarray
    first_row: np.ndarray
    written: dict[str, list[str]]
    decided: Decisions
    changes: pd.DataFrame
    unresolved: pd.DataFrame


def resolve_part(places: pd.DataFrame, rows: np.ndarray, db: LocationDB, look: Lookup,
                 corrections: dict[tuple[str, int, str], str], progress: Progress | None = None,
                 picks: Picks | None = None) -> Part:
    """Resolve the rows of one part (``rows``: their positions in the whole frame)."""
    codes = WrittenCodes.of(places)
    row_tuple, first = units(np.arange(len(places)), *codes.unit_columns)
    decided = decide_part(codes.take(first), db, look, corrections, progress, picks)
    written = {level: [codes.raw_texts[level][c] for c in codes.raw_codes[level][first].tolist()] for level in LEVELS}
    if codes.postcode:
        written["postcode"] = [codes.postcode[1][c] for c in codes.postcode[0][first].tolist()]
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
        unit, first_rows = units(changed, look.name_codes[level][np.maximum(pid, 0)], raw_codes)
        counts = np.bincount(unit)
        written_texts = [codes.raw_texts[level][c] for c in raw_codes[first_rows].tolist()]
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
    table = TupleTable(decided, WrittenTexts([(np.arange(len(first)), written)], len(first)), row_tuple,
                       places.index, look)
    return Part(row_tuple=row_tuple.astype(np.int32), first_row=rows[first], written=written, decided=decided,
                changes=changes_frame, unresolved=table.build(table.unresolved_positions()))


def decide_part(codes: WrittenCodes, db: LocationDB, look: Lookup, corrections: dict[tuple[str, int, str], str],
                progress: Progress | None = None, picks: Picks | None = None) -> Decisions:
    """Resolve distinct written tuples (``codes``, one row each), level by level."""
    report = progress or (lambda done, total: None)
    work = Work(codes, db, look, corrections)
    apply_picks(work, picks or {})
    resolve_countries(work)
    resolve_cities(work)
    report(2, 6)
    resolve_townships(work)
    resolve_swapped(work)
    report(3, 6)
    work.caches.forget_names()  # the districts do not look names up again
    release_memory()
    resolve_districts(work)
    report(4, 6)
    work.caches.forget_levels()
    release_memory()  # the levels' key tables and caches are gone; the suggestions come next
    decided = decide_tuples(work)
    report(5, 6)
    return decided


def merge(frame: pd.DataFrame, parts: list[np.ndarray], results: list[Part], look: Lookup, db: LocationDB,
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
    decided = Decisions.combine(placed, count)
    out = frame.copy(deep=False)
    for level in LEVELS:
        if level in out.columns:
            out[level] = placed_column(out[level], decided.place[level][row_tuple], look.name_list[level])
    row_status = pd.Series(pd.Categorical.from_codes(decided.status[row_tuple], categories=list(STATUSES)),
                           index=frame.index, name="status")
    table = TupleTable(decided, WrittenTexts(written, count), row_tuple, frame.index, look)
    unresolved = [part.unresolved.set_axis(positions[part.unresolved.index.to_numpy()])
                  for (positions, _), part in zip(written, results)]
    table.unresolved = pd.concat(unresolved).sort_index() if len(unresolved) > 1 else unresolved[0]
    return Resolution(frame=out, row_status=row_status, change_parts=[part.changes for part in results],
                      original=frame, db=db,
                      corrections=corrections, row_tuple=row_tuple, table=table)


def placed_column(column: pd.Series, pid: np.ndarray, names: list[str]) -> pd.api.extensions.ExtensionArray:
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
