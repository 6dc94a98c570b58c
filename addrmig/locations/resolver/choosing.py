"""The user's choices: each applies to the written place it was made for, and nothing else.

A choice (see :mod:`addrmig.locations.corrections`) is keyed on the written country,
city, township and district, folded; :func:`apply_picks` sets those tuples' places
before any matching. Making a choice apply to every row that writes one of its values
the same way ("every Atlantis is Balıkesir") is a rule, and a separate, explicit
action: :func:`generalise_preview` lists the rows it would change, :func:`generalise`
applies it. Choices that disagree with each other or with a rule are never dropped in
silence: :func:`choice_conflicts` lists them.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.i18n import _
from addrmig.locations.corrections import (
    choice_key,
    choice_records,
    choices_to_corrections,
    correction_records,
    corrections_by_parent,
)
from addrmig.locations.db import LocationDB
from addrmig.locations.keys import name_key, name_keys
from addrmig.locations.resolver.result import Resolution
from addrmig.locations.resolver.state import Work
from addrmig.locations.resolver.statuses import METHOD

#: Choices by key: the written tuple folded -> the database id per level (-1: not chosen).
Picks = dict[tuple[str, ...], tuple[int, ...]]
#: The columns of :func:`choice_conflicts`.
CONFLICT_COLUMNS = ("country", "city", "township", "district", "chosen", "other", "reason")


def latest_choices(records: pd.DataFrame) -> pd.DataFrame:
    """One choice per written place (folded), the first of ``records`` (newest first) kept."""
    if records.empty:
        return records
    keys = pd.Series([choice_key(w) for w in records[list(LEVELS)].itertuples(index=False, name=None)])
    return records[~keys.duplicated().to_numpy()].reset_index(drop=True)


def picks_by_key(records: pd.DataFrame, db: LocationDB) -> Picks:
    """The choices whose place is in ``db`` (by its exact spelling), by their key; a level
    left empty in the place is not chosen (the resolver decides it under the chosen parent)."""
    if records.empty:
        return {}
    ids = ids_by_name(db)
    out: Picks = {}
    for row in latest_choices(records).itertuples(index=False, name=None):
        written, place = row[:4], row[4:]
        chosen, parent = [], None
        for depth, level in enumerate(LEVELS):
            if level not in db.levels or not place[depth]:
                break
            found = ids[level].get(place[depth] if depth == 0 else (parent, place[depth]))
            if found is None:
                chosen = []  # a place the database does not hold (a choice made on another one)
                break
            chosen.append(int(found))
            parent = found
        if chosen:
            out.setdefault(choice_key(written), tuple(chosen) + (-1,) * (4 - len(chosen)))
    return out


_IDS: dict[int, tuple[LocationDB, dict]] = {}


def ids_by_name(db: LocationDB) -> dict[str, dict]:
    """Per level, the database id of each name under its parent's id; built once per database
    (every saved choice asks)."""
    found = _IDS.get(id(db))
    if found is not None and found[0] is db:
        return found[1]
    idx = db.index
    listed = {name: {col: frame[col].tolist() for col in frame.columns if col in ("cid", "ciid", "tid", "did", "name")}
              for name, frame in (("countries", idx.countries), ("cities", idx.cities), ("townships", idx.townships),
                                  ("districts", idx.districts))}
    countries, cities, townships, districts = (listed[n] for n in ("countries", "cities", "townships", "districts"))
    ids = {"country": dict(zip(countries["name"], countries["cid"])),
           "city": dict(zip(zip(cities["cid"], cities["name"]), cities["ciid"])),
           "township": dict(zip(zip(townships["ciid"], townships["name"]), townships["tid"])),
           "district": dict(zip(zip(districts["tid"], districts["name"]), districts["did"]))}
    if len(_IDS) >= 4:
        _IDS.clear()
    _IDS[id(db)] = (db, ids)
    return ids


def apply_picks(work: Work, picks: Picks) -> None:
    """Set the places of the tuples written as a choice was, before any matching."""
    if not picks:
        return
    level_keys: dict[str, dict[int, str]] = {}
    positions = np.arange(work.count)
    for depth, level in enumerate(LEVELS):
        # Level by level, only the texts of the tuples still in question are folded.
        codes = np.unique(work.codes[level][positions])
        texts = work.texts[level]
        keys = dict(zip(codes.tolist(), name_keys(pd.Series([texts[c] for c in codes.tolist()], dtype=str)).tolist()))
        chosen = {key[depth] for key in picks}
        hit = np.zeros(len(texts), dtype=bool)
        hit[[c for c, k in keys.items() if k in chosen]] = True
        positions = positions[hit[work.codes[level][positions]]]
        level_keys[level] = keys
        if not len(positions):
            return
    note = len(work.notes)
    work.notes.append(_("your choice for this written place"))
    for p in positions.tolist():
        key = tuple(level_keys[level][work.codes[level][p]] for level in LEVELS)
        ids = picks.get(key)
        if ids is None:
            continue
        for level, node in zip(LEVELS, ids):
            if node < 0:
                break
            exact = work.texts[level][work.codes[level][p]] == work.look.names[level][node]
            work.ids[level][p] = node
            work.method[level][p] = METHOD["exact" if exact else "normalized"]
            work.score[level][p] = 100.0
        work.note[p] = note


def choice_conflicts(resolution: Resolution) -> pd.DataFrame:
    """The choices in use that disagree with another choice or with a rule, one line each
    (columns ``CONFLICT_COLUMNS``: the written place, the ``chosen`` place and the
    ``other`` one as tuples, and the ``reason`` in a sentence). The choice always holds
    for its written place; the line says what it overrides."""
    return resolution.conflicts if resolution.conflicts is not None else _no_conflicts()


def _no_conflicts() -> pd.DataFrame:
    return pd.DataFrame({col: pd.Series(dtype=object) for col in CONFLICT_COLUMNS})


def find_conflicts(records: pd.DataFrame, corrections: pd.DataFrame | None, db: LocationDB) -> pd.DataFrame:
    """Conflicts among ``records`` (choices, newest first) and with ``corrections`` (rules):
    see :func:`choice_conflicts`."""
    lines = []
    kept: dict[tuple, tuple] = {}
    for row in records.itertuples(index=False, name=None):
        written, place = tuple(row[:4]), tuple(row[4:])
        key = choice_key(written)
        if key not in kept:
            kept[key] = (written, place)
        elif kept[key][1] != place:
            lines.append(written + (kept[key][1], place, _("an earlier choice for the same written place, replaced")))
    rules = corrections_by_parent(corrections, db) if corrections is not None else {}
    if rules:
        for written, place in kept.values():
            lines.extend(_rule_conflicts(written, place, rules, db))
    if not lines:
        return _no_conflicts()
    return pd.DataFrame(lines, columns=list(CONFLICT_COLUMNS))


def _rule_conflicts(written: tuple, place: tuple, rules: dict, db: LocationDB) -> list[tuple]:
    """The rules that would have given ``written`` another place than the chosen one."""
    idx = db.index
    parent, out = 0, []
    frames = {"country": (idx.countries, None, "cid"), "city": (idx.cities, "cid", "ciid"),
              "township": (idx.townships, "ciid", "tid")}
    for depth, level in enumerate(LEVELS):
        if not place[depth]:
            break
        rule = rules.get((level, parent, name_key(written[depth])))
        if rule is not None and rule != place[depth]:
            other = place[:depth] + (rule,) + ("",) * (3 - depth)
            out.append(written + (place, other, _("the rule {level} {written} -> {place} is overridden for this "
                                                  "written place").format(level=level, written=repr(written[depth]),
                                                                          place=repr(rule))))
        if level not in frames:
            break
        frame, pcol, idcol = frames[level]
        hit = frame[(frame["name"] == place[depth]) & ((frame[pcol] == parent) if pcol else True)]
        if hit.empty:
            break
        parent = int(hit[idcol].iat[0])
    return out


def apply_choices(resolution: Resolution, choices: Mapping[tuple, tuple] | pd.DataFrame) -> Resolution:
    """A new :class:`Resolution` with the user's ``choices`` (written tuple -> place, see
    :func:`choice_records`) added to those already in use, newest first; each changes
    only the rows written as it was. Only those rows are resolved again
    (:func:`.patching.patch_rows`): the result is the one a run over the whole file gives.
    Conflicts are listed by :func:`choice_conflicts`. The original stays as it was."""
    from addrmig.locations.resolver.patching import patch_rows, rows_written_as

    new = choice_records(choices)
    records = pd.concat([new, _records_of(resolution)], ignore_index=True)
    keys = {choice_key(w) for w in new[list(LEVELS)].itertuples(index=False, name=None)}
    result = patch_rows(resolution, rows_written_as(resolution.original, keys, resolution.key_cache), records)
    result.conflicts = find_conflicts(records, resolution.corrections, resolution.db)
    return result


def _records_of(resolution: Resolution) -> pd.DataFrame:
    return resolution.choices if resolution.choices is not None else choice_records(None)


def generalisation(level: str, written: tuple, place: tuple) -> pd.DataFrame:
    """The rule that generalises a choice at ``level``: every row writing ``written``'s
    value there the same way, under ``place``'s parents, means ``place``'s (one record
    with the columns ``CORRECTION_COLUMNS``; none when the written value is the place's)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    return choices_to_corrections({tuple(written): tuple(place)}, levels=(level,))


def generalise_preview(resolution: Resolution, level: str, written: tuple, place: tuple) -> pd.DataFrame:
    """What generalising a choice at ``level`` would change (see :func:`generalisation`),
    before it changes anything: one line per written place whose outcome would differ,
    most rows first, with the written ``country, city, township, district``, ``rows``, and
    ``before``/``after`` (the four values as the corrected file would hold them, a tuple)
    with ``status_before``/``status_after``."""
    rule = generalisation(level, written, place)
    columns = [*LEVELS, "rows", "before", "after", "status_before", "status_after"]
    if rule.empty:
        return pd.DataFrame(columns=columns)
    original = resolution.original
    depth = LEVELS.index(level)
    column = original[level] if level in original.columns else pd.Series("", index=original.index)
    codes, uniques = pd.factorize(column.astype(str).str.strip())
    same = (name_keys(pd.Series(uniques, dtype=str)) == name_key(str(written[depth]))).to_numpy()
    rows = np.flatnonzero(same[codes]) if len(uniques) else np.zeros(0, dtype=np.int64)
    if not len(rows):
        return pd.DataFrame(columns=columns)
    tuple_of = resolution.row_tuple[rows]
    distinct, first = np.unique(tuple_of, return_index=True)
    sample = rows[first]
    counts = np.bincount(resolution.row_tuple, minlength=int(distinct.max()) + 1)[distinct]
    corrections = pd.concat([rule, correction_records(resolution.corrections)], ignore_index=True) \
        if resolution.corrections is not None else rule
    postcodes = resolution.postcodes[sample] if resolution.postcodes is not None else None
    after = _resolve_rows(resolution, original.iloc[sample], corrections, postcodes)
    before, after_values = _values_of(resolution.frame.iloc[sample]), _values_of(after.frame)
    status_before = resolution.row_status.iloc[sample].astype(str).to_numpy()
    status_after = after.row_status.astype(str).to_numpy()
    lines = original.iloc[sample][[lv for lv in LEVELS if lv in original.columns]].reset_index(drop=True)
    out = lines.assign(rows=counts, before=before, after=after_values, status_before=status_before,
                       status_after=status_after)
    changed = [b != a or sb != sa for b, a, sb, sa in zip(before, after_values, status_before, status_after)]
    return out[changed].sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)[columns]


def generalise(resolution: Resolution, level: str, written: tuple, place: tuple) -> Resolution:
    """A new :class:`Resolution` with the choice generalised at ``level`` (the rule of
    :func:`generalisation` added before the rules in use); the choices stay as they were."""
    rule = generalisation(level, written, place)
    corrections = rule if resolution.corrections is None else pd.concat(
        [rule, correction_records(resolution.corrections)], ignore_index=True)
    result = _resolve_rows(resolution, resolution.original, corrections, resolution.postcodes)
    result.conflicts = find_conflicts(_records_of(resolution), corrections, resolution.db)
    return result


def _resolve_rows(resolution: Resolution, frame: pd.DataFrame, corrections: pd.DataFrame,
                  postcodes: np.ndarray | None) -> Resolution:
    from addrmig.locations.resolver.resolving import resolve

    return resolve(frame, resolution.db, corrections=corrections, choices=_records_of(resolution),
                   postcodes=None if postcodes is None else pd.Series(postcodes, index=frame.index))


def _values_of(frame: pd.DataFrame) -> list[tuple]:
    """Each row's place values as the corrected file holds them."""
    return list(frame[[lv for lv in LEVELS if lv in frame.columns]].itertuples(index=False, name=None))

