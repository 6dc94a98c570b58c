"""A resolution brought up to date by re-deciding only the rows some choices name.

Every decision is a function of the written tuple (and its postcode) alone, and a choice
applies to the tuples written as it was (folded, see :func:`choice_key`), so saving a
choice changes only the rows written that way. :func:`patch_rows` resolves those rows
again and puts them in place: frame, statuses, tuple lines, the review list and the
respelt cells come out exactly as a run over the whole file gives them, in a fraction of
its time (a million-row file takes seconds to resolve; a choice, its few rows).
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.locations.keys import name_key, name_keys
from addrmig.locations.resolver.decisions import Decisions
from addrmig.locations.resolver.result import Resolution
from addrmig.locations.resolver.table import TupleTable

CHANGE_KEYS = ["_level", "column", "written", "place"]


def rows_written_as(original: pd.DataFrame, keys: Iterable[tuple[str, ...]]) -> np.ndarray:
    """The positions of the rows of ``original`` whose written (country, city, township, district),
    folded as :func:`choice_key` folds them, is one of ``keys``; in row order."""
    wanted = set(keys)
    positions = np.arange(len(original))
    if not wanted:
        return positions[:0]
    row_keys: list[np.ndarray] = []
    for depth, level in enumerate(LEVELS):
        # Level by level: only the rows still in question are folded, each distinct text once.
        level_keys = {key[depth] for key in wanted}
        if level in original.columns:
            column = original[level]
            values = column.iloc[positions] if len(positions) < len(original) else column
            codes, uniques = pd.factorize(values)
            folded = name_keys(pd.Series(np.asarray(uniques, dtype=object), dtype=str).str.strip()).to_numpy()
            folded = np.append(folded, name_key(""))  # a missing value reads as ""
            keys_here = folded[np.where(codes >= 0, codes, len(folded) - 1)]
        else:
            keys_here = np.full(len(positions), name_key(""), dtype=object)
        hit = pd.Series(keys_here).isin(level_keys).to_numpy()
        positions = positions[hit]
        row_keys = [k[hit] for k in row_keys] + [keys_here[hit]]
        if not len(positions):
            return positions
    whole = np.fromiter((key in wanted for key in zip(*(k.tolist() for k in row_keys))), dtype=bool,
                        count=len(positions))
    return positions[whole]


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
                         table=resolution.table, postcodes=resolution.postcodes)
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
        if level in frame.columns:
            column = frame[level].copy()
            column.iloc[rows] = sub.frame[level].to_numpy()
            frame[level] = column
    codes = resolution.row_status.cat.codes.to_numpy().copy()
    codes[rows] = sub.row_status.cat.codes.to_numpy()
    row_status = pd.Series(pd.Categorical.from_codes(codes, dtype=resolution.row_status.dtype),
                           index=resolution.row_status.index, name=resolution.row_status.name)
    table = _patched_table(resolution, rows, sub)
    changes = _patched_changes(resolution, rows, frame)
    out = Resolution(frame=frame, row_status=row_status, change_parts=[changes], original=original,
                     db=resolution.db, corrections=resolution.corrections, row_tuple=resolution.row_tuple,
                     table=table, postcodes=postcodes, choices=sub.choices)
    out.patched_rows = rows
    return out


def _patched_table(resolution: Resolution, rows: np.ndarray, sub: Resolution) -> TupleTable:
    """The tuple table with the decisions of the tuples at ``rows`` replaced by ``sub``'s."""
    old = resolution.table
    at = np.empty(sub.table.count, dtype=np.int64)  # sub's tuple -> the same tuple in the whole file
    at[sub.row_tuple] = resolution.row_tuple[rows]
    decided = Decisions.combine([(np.arange(old.count), old.decided), (at, sub.table.decided)], old.count)
    touched = set(at.tolist())
    fresh = {int(at[k]) for k in sub.table.decided.places}
    for position in touched - fresh:
        decided.places.pop(position, None)  # resolved now: nothing left to suggest
    table = TupleTable(decided, old.written, resolution.row_tuple, old.index, old.look)
    lines = old.unresolved if old.unresolved is not None else old.build(old.unresolved_positions())
    kept = lines[~lines.index.isin(at)]
    added = sub.unresolved()
    added = added.set_axis(at[added.index.to_numpy()])
    if "postcode" in kept.columns and "postcode" not in added.columns:
        added = added.assign(postcode="")
    table.unresolved = pd.concat([kept, added[kept.columns]]).sort_index() if len(added) else kept
    return table


def change_lines(resolution: Resolution) -> pd.DataFrame:
    """The respelt cells of ``resolution`` as one frame with ``_level`` and ``_first`` (the first
    row's position), one line per (column, written, place)."""
    parts = resolution.change_parts
    changes = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*CHANGE_KEYS, "rows", "_first"])
    if len(parts) > 1 and len(changes):
        changes = changes.groupby(CHANGE_KEYS, sort=False, as_index=False).agg(rows=("rows", "sum"),
                                                                                _first=("_first", "min"))
    return changes


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
        return pd.DataFrame({"_level": [], "column": [], "written": [], "place": [], "rows": [], "_first": []})
    cells = pd.concat(out, ignore_index=True)
    return cells.groupby(CHANGE_KEYS, sort=False, as_index=False).agg(rows=("rows", "sum"), _first=("_first", "min"))


def _patched_changes(resolution: Resolution, rows: np.ndarray, frame: pd.DataFrame) -> pd.DataFrame:
    """The respelt cells once the rows at ``rows`` hold ``frame``'s places: the lines of
    ``resolution`` less those rows' old cells, plus their new ones."""
    lines = change_lines(resolution)
    before = _cells(resolution.original, resolution.frame, rows)
    after = _cells(resolution.original, frame, rows)
    merged = lines.merge(before, on=CHANGE_KEYS, how="left", suffixes=("", "_old"))
    merged["rows_old"] = merged["rows_old"].fillna(0).astype("int64")
    merged["rows"] = merged["rows"].astype("int64") - merged["rows_old"]
    merged = merged[merged["rows"] > 0]
    # A line whose first row was re-decided starts at its first row among the others.
    lost = merged.index[merged["_first"] == merged["_first_old"]]
    if len(lost):
        out_of = np.ones(len(frame), dtype=bool)
        out_of[rows] = False
        for k in lost:
            line = merged.loc[k]
            written = resolution.original[line["column"]].fillna("").astype(str).to_numpy()
            placed = resolution.frame[line["column"]].to_numpy()
            hit = np.flatnonzero((written == line["written"]) & (placed == line["place"]) & out_of)
            merged.loc[k, "_first"] = int(hit[0])
    kept = merged[[*CHANGE_KEYS, "rows", "_first"]]
    both = pd.concat([kept, after], ignore_index=True)
    both = both.groupby(CHANGE_KEYS, sort=False, as_index=False).agg(rows=("rows", "sum"), _first=("_first", "min"))
    both["rows"] = both["rows"].astype("int64")
    both["_first"] = both["_first"].astype("int64")
    return both
