"""A resolution brought up to date by re-deciding only the rows some choices name.

Every decision is a function of the written tuple (and its postcode) alone, and a choice
applies to the tuples written as it was (folded, see :func:`choice_key`), so saving a
choice changes only the rows written that way. :func:`patch_rows` resolves those rows
again and puts them in place: frame, statuses, tuple lines, the review list and the
respelt cells come out exactly as a run over the whole file gives them, in a fraction of
its time (a million-row file takes seconds to resolve; a choice, its few rows).
"""
from __future__ import annotations

import gc
from collections.abc import Iterable

import numpy as np
import pandas as pd

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.locations.keys import name_key, name_keys
from addrmig.locations.resolver.decisions import Decisions
from addrmig.locations.resolver.result import Resolution
from addrmig.locations.resolver.table import TupleTable

CHANGE_KEYS = ["_level", "column", "written", "place"]
#: An Arrow-backed column patched by :func:`set_rows` is kept in pieces (slices of the one
#: before, never copied) up to this many, then joined into one again.
MAX_PIECES = 512


def rows_written_as(original: pd.DataFrame, keys: Iterable[tuple[str, ...]], cache: dict | None = None) -> np.ndarray:
    """The positions of the rows of ``original`` whose written (country, city, township, district),
    folded as :func:`choice_key` folds them, is one of ``keys``; in row order. ``cache`` (a dict
    kept with ``original``, such as ``Resolution.key_cache``) keeps the folded columns read
    whole, so that the next call reads them from there."""
    wanted = set(keys)
    positions = np.arange(len(original))
    if not wanted:
        return positions[:0]
    row_keys: list[np.ndarray] = []
    for depth, level in enumerate(LEVELS):
        # Level by level: only the rows still in question are folded, each distinct text once.
        whole = len(positions) == len(original)
        if whole and cache is not None and level in cache:
            codes, folded = cache[level]
        else:
            codes, folded = _folded(original[level].iloc[positions] if level in original.columns and not whole
                                    else original.get(level), len(positions))
            if whole and cache is not None:
                cache[level] = (codes, folded)
        hit = pd.Series(folded).isin({key[depth] for key in wanted}).to_numpy()[codes]
        positions = positions[hit]
        row_keys = [k[hit] for k in row_keys] + [folded[codes[hit]]]
        if not len(positions):
            return positions
    exact = np.fromiter((key in wanted for key in zip(*(k.tolist() for k in row_keys))), dtype=bool,
                        count=len(positions))
    return positions[exact]


def _folded(column: pd.Series | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(code per row, folded key per code) of a place column; a missing value (or column) reads as ``""``."""
    if column is None:
        return np.zeros(n, dtype=np.int64), np.array([name_key("")], dtype=object)
    codes, uniques = pd.factorize(column)
    folded = name_keys(pd.Series(np.asarray(uniques, dtype=object), dtype=str).str.strip()).to_numpy(dtype=object)
    folded = np.append(folded, name_key(""))
    return np.where(codes >= 0, codes, len(folded) - 1), folded


def ready_for_choices(resolution: Resolution) -> None:
    """Do now what the first choice saved on ``resolution`` would otherwise wait for: the
    database's ids by name (:func:`.choosing.ids_by_name`) and, for a big file, a pass of
    Python's collector over the millions of objects its resolution left behind (made with the
    collector paused, they are traversed at the next step that allocates much: the save)."""
    from addrmig.locations.resolver.choosing import ids_by_name
    from addrmig.locations.resolver.resolving import PARALLEL_MIN_ROWS

    ids_by_name(resolution.db)
    if len(resolution.frame) >= PARALLEL_MIN_ROWS:
        gc.collect()


def patch_rows(resolution: Resolution, rows: np.ndarray, records: pd.DataFrame) -> Resolution:
    """``resolution`` with the rows at ``rows`` (positions; every row of each tuple they touch)
    resolved again with the choices ``records`` (newest first, all of those in use): what
    ``resolve(resolution.original, ..., choices=records)`` gives, without resolving the rest.
    The result's ``patched_rows`` are ``rows``; ``resolution`` stays as it was."""
    from addrmig.locations.resolver.choosing import latest_choices
    from addrmig.locations.resolver.resolving import resolve

    rows = np.asarray(rows, dtype=np.int64)
    original = resolution.original
    if not len(rows):
        out = Resolution(frame=resolution.frame, row_status=resolution.row_status,
                         change_parts=resolution.change_parts, original=original, db=resolution.db,
                         corrections=resolution.corrections, row_tuple=resolution.row_tuple,
                         table=resolution.table, postcodes=resolution.postcodes, key_cache=resolution.key_cache)
        chosen = latest_choices(records)
        out.choices = chosen if len(chosen) else None
        out.patched_rows = rows
        return out
    part = original.iloc[rows]
    postcodes = resolution.postcodes
    sub = resolve(part, resolution.db, corrections=resolution.corrections, choices=records,
                  postcodes=None if postcodes is None else pd.Series(postcodes[rows], index=part.index))
    frame = resolution.frame.copy(deep=False)
    for level in LEVELS:
        values = sub.frame[level].to_numpy() if level in frame.columns else None
        if values is not None and (values != frame[level].iloc[rows].to_numpy()).any():
            frame[level] = set_rows(frame[level], rows, values)
    codes = resolution.row_status.cat.codes.to_numpy().copy()
    codes[rows] = sub.row_status.cat.codes.to_numpy()
    row_status = pd.Series(pd.Categorical.from_codes(codes, dtype=resolution.row_status.dtype),
                           index=resolution.row_status.index, name=resolution.row_status.name)
    table = _patched_table(resolution, rows, sub)
    changes = _patched_changes(resolution, rows, frame)
    out = Resolution(frame=frame, row_status=row_status, change_parts=[changes], original=original,
                     db=resolution.db, corrections=resolution.corrections, row_tuple=resolution.row_tuple,
                     table=table, postcodes=postcodes, choices=sub.choices, key_cache=resolution.key_cache)
    out.patched_rows = rows
    return out


def _patched_table(resolution: Resolution, rows: np.ndarray, sub: Resolution) -> TupleTable:
    """The tuple table with the decisions of the tuples at ``rows`` replaced by ``sub``'s."""
    old = resolution.table
    at = np.empty(sub.table.count, dtype=np.int64)  # sub's tuple -> the same tuple in the whole file
    at[sub.row_tuple] = resolution.row_tuple[rows]
    decided = _patched_decisions(old.decided, at, sub.table.decided)
    table = TupleTable(decided, old.written, resolution.row_tuple, old.index, old.look)
    lines = old.unresolved if old.unresolved is not None else old.build(old.unresolved_positions())
    kept = lines[~lines.index.isin(at)]
    added = sub.unresolved()
    added = added.set_axis(at[added.index.to_numpy()])
    if "postcode" in kept.columns and "postcode" not in added.columns:
        added = added.assign(postcode="")
    table.unresolved = pd.concat([kept, added[kept.columns]]).sort_index() if len(added) else kept
    if table.unresolved.empty:
        table.unresolved = table.build(np.zeros(0, dtype=np.int64))  # typed as a run over the file types it
    return table


def _patched_decisions(old: Decisions, at: np.ndarray, new: Decisions) -> Decisions:
    """``old`` with the tuples at ``at`` decided as ``new`` says (``new``'s tuple k is ``at[k]``);
    ``old`` stays as it was."""
    out = Decisions(status=old.status.copy(), scores=old.scores.copy(), bad_level=old.bad_level.copy(),
                    place={level: ids.copy() for level, ids in old.place.items()}, note=old.note.copy(),
                    notes=old.notes + new.notes, suggestion={level: k.copy() for level, k in old.suggestion.items()},
                    suggestion_lists=old.suggestion_lists + new.suggestion_lists, places=dict(old.places))
    out.status[at], out.scores[at], out.bad_level[at] = new.status, new.scores, new.bad_level
    out.note[at] = np.where(new.note >= 0, new.note + len(old.notes), -1)
    for level in LEVELS:
        out.place[level][at] = new.place[level]
        out.suggestion[level][at] = np.where(new.suggestion[level] >= 0,
                                             new.suggestion[level] + len(old.suggestion_lists), -1)
    for position in at.tolist():
        out.places.pop(position, None)
    out.places.update((int(at[k]), items) for k, items in new.places.items())
    return out


def change_lines(resolution: Resolution) -> pd.DataFrame:
    """The respelt cells of ``resolution`` as one frame with ``_level`` and ``_first`` (the first
    row's position), one line per (column, written, place)."""
    if len(resolution.change_parts) > 1:
        _ = resolution.changes  # adds the parts' lines up, once
    parts = resolution.change_parts
    return parts[0] if parts else _no_lines()


def _no_lines() -> pd.DataFrame:
    """No respelt cells, in the columns and types of :func:`change_lines`."""
    return pd.DataFrame({"_level": pd.Series(dtype="int64"), "column": pd.Series(dtype=object),
                         "written": pd.Series(dtype=object), "place": pd.Series(dtype=object),
                         "rows": pd.Series(dtype="int64"), "_first": pd.Series(dtype="int64")})


def _cells(original: pd.DataFrame, placed: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """The respelt cells of the rows at ``positions``: one line per (column, written, place)."""
    out = []
    for depth, level in enumerate(LEVELS):
        if level not in original.columns:
            continue
        written = np.array(["" if v is None or v != v else str(v) for v in original[level].iloc[positions].tolist()],
                           dtype=object)
        place = np.asarray(placed[level].iloc[positions].to_numpy(), dtype=object)
        changed = written != place
        if changed.any():
            out.append(pd.DataFrame({"_level": depth, "column": level, "written": written[changed],
                                     "place": place[changed], "rows": 1, "_first": positions[changed]}))
    if not out:
        return _no_lines()
    cells = pd.concat(out, ignore_index=True)
    return cells.groupby(CHANGE_KEYS, sort=False, as_index=False).agg(rows=("rows", "sum"), _first=("_first", "min"))


def _patched_changes(resolution: Resolution, rows: np.ndarray, frame: pd.DataFrame) -> pd.DataFrame:
    """The respelt cells once the rows at ``rows`` hold ``frame``'s places: the lines of
    ``resolution`` less those rows' old cells, plus their new ones. Only the lines those
    rows touch are looked at."""
    lines = change_lines(resolution)
    before = _cells(resolution.original, resolution.frame, rows)
    after = _cells(resolution.original, frame, rows)
    texts = set(before["written"].tolist()) | set(after["written"].tolist())
    touched = lines[lines["written"].isin(texts).to_numpy()] if texts else lines[:0]
    keys = {key: touched[key].astype(object) for key in CHANGE_KEYS[1:]}
    merged = touched.assign(**keys).merge(before.astype(dict.fromkeys(CHANGE_KEYS[1:], object)),
                                          on=CHANGE_KEYS, how="left", suffixes=("", "_old"))
    merged.index = touched.index
    merged["rows_old"] = merged["rows_old"].fillna(0).astype("int64")
    merged["rows"] = merged["rows"].astype("int64") - merged["rows_old"]
    # A line whose first row was re-decided starts at its first row among the others.
    lost = merged.index[(merged["_first"] == merged["_first_old"]) & (merged["rows"] > 0)]
    if len(lost):
        out_of = np.ones(len(frame), dtype=bool)
        out_of[rows] = False
        for k in lost:
            line = merged.loc[k]
            merged.loc[k, "_first"] = _next_row(resolution.original[line["column"]], resolution.frame[line["column"]],
                                                line["written"], line["place"], int(line["_first"]), out_of)
    updated = pd.concat([merged[merged["rows"] > 0][[*CHANGE_KEYS, "rows", "_first"]], after], ignore_index=True)
    updated = updated.groupby(CHANGE_KEYS, sort=False, as_index=False).agg(rows=("rows", "sum"),
                                                                           _first=("_first", "min"))
    # The lines touched are left with no rows (``Resolution.changes`` leaves such lines out) rather
    # than taken out: that would copy every other line's text.
    emptied = lines["rows"].to_numpy(dtype=np.int64, copy=True)
    emptied[lines.index.get_indexer(touched.index)] = 0
    out = pd.concat([lines.assign(rows=emptied), updated], ignore_index=True)
    out["rows"] = out["rows"].astype("int64")
    out["_first"] = out["_first"].astype("int64")
    return out


def _next_row(written: pd.Series, placed: pd.Series, text: str, place: str, after: int, among: np.ndarray) -> int:
    """The first position past ``after`` among ``among`` where ``written`` holds ``text`` and ``placed``
    ``place``. Read in growing slices: a common respelling's next row is near, and a column of a
    million rows is compared whole only for a rare one."""
    start, size = after + 1, 4096
    while start < len(written):
        end = min(len(written), start + size)
        hit = np.flatnonzero(_equal(written.iloc[start:end], text) & _equal(placed.iloc[start:end], place)
                             & among[start:end])
        if len(hit):
            return start + int(hit[0])
        start, size = end, size * 4
    raise ValueError(f"no row past {after} writes {text!r} as {place!r}")


def _equal(column: pd.Series, text: str) -> np.ndarray:
    """Where ``column`` holds ``text`` (a missing value counts as ``""``), compared column-wide."""
    same = (column == text).to_numpy(dtype=bool, na_value=False)
    return same | column.isna().to_numpy() if text == "" else same


def set_rows(column: pd.Series, rows: np.ndarray, values: np.ndarray) -> pd.Series:
    """A copy of ``column`` with the values at positions ``rows`` (ascending, distinct) set to
    ``values``. An Arrow-backed text column is not copied: the new one is made of slices of it
    around the new values (setting a few values of a million-row Arrow column otherwise
    copies all of its text)."""
    array = column.array
    chunked = array._pa_array if isinstance(array, pd.arrays.ArrowStringArray) else None
    if chunked is None or not len(rows) or chunked.num_chunks + 2 * len(rows) > MAX_PIECES:
        out = column.copy()
        out.iloc[rows] = values
        return out
    import pyarrow as pa

    kind = chunked.type
    pieces, start = [], 0
    for row, value in zip(np.asarray(rows).tolist(), list(values)):
        pieces.extend(chunked.slice(start, row - start).chunks)
        pieces.append(pa.array([value], kind))
        start = row + 1
    pieces.extend(chunked.slice(start).chunks)
    joined = pa.chunked_array([p for p in pieces if len(p)], kind)
    return pd.Series(pd.arrays.ArrowStringArray(joined, dtype=array.dtype), index=column.index, name=column.name)
