"""The district level: merges on the name's key variants, then fuzzy within the township."""
from __future__ import annotations

import numpy as np
import pandas as pd

from addrmig.i18n import _
from addrmig.locations.keys import name_key, named_village
from addrmig.locations.resolver.codes import units
from addrmig.locations.resolver.lookalike import reads_as_typo
from addrmig.locations.resolver.merges import merge_districts
from addrmig.locations.resolver.moved import moved_townships
from addrmig.locations.resolver.postcodes import settle_by_postcode
from addrmig.locations.resolver.state import Work
from addrmig.locations.resolver.statuses import METHOD, RESOLVED_METHODS

#: At most this many districts are suggested for a village written as such that the
#: database lists as its neighbourhoods: all of them are the choice (other names that fit
#: several places get the three best, as fuzzy ones do).
MAX_EQUAL_SUGGESTIONS = 20


def resolve_districts(work: Work) -> None:
    """Decide the district of each tuple within its township (a district is optional)."""
    if "district" not in work.levels:
        return
    method, tid, codes = work.method["district"], work.ids["township"], work.codes["district"]
    method[(tid < 0) & (method == METHOD[""])] = METHOD["blocked"]
    method[(method == METHOD[""]) & (codes == work.empty["district"])] = METHOD["none"]  # district is optional
    rows = np.flatnonzero(method == METHOD[""])
    postcode = work.postcode
    unit, first = units(rows, tid, codes) if postcode is None else units(rows, tid, codes, postcode[0])
    if not len(first):
        return
    districts = work.district_ranking
    corrections = work.corrections
    pairs = pd.DataFrame({"tid": tid[first], "w_district": pd.Series(work.written("district", first), dtype=str)})
    pairs = pd.concat([pairs, districts.keys_of_codes(codes[first])], axis=1)
    pairs["village"] = named_village(pairs)
    pairs["corr"] = ([corrections.get(("district", int(p), name_key(w)), "")
                      for p, w in zip(pairs["tid"].tolist(), pairs["w_district"].tolist())]
                     if corrections else "")
    merged = merge_districts(work, pairs)
    notes: dict[int, str] = {}
    moved = np.full(len(pairs), -1, dtype=np.int64)
    if postcode is not None:
        pairs["postcode"] = [postcode[1][c] for c in postcode[0][first].tolist()]
        moved, notes = settle_by_postcode(work, pairs, merged)
    unit_method, first_id, scores = merged.method, merged.district, merged.score
    names = work.look.names["district"]
    named = lambda dids, score, most=3: [(names[d], round(float(sc), 1)) for d, sc in _with_scores(dids, score, most)]
    suggestions = {j: named(dids, scores[j], MAX_EQUAL_SUGGESTIONS if j in merged.every else 3)
                   for j, dids in merged.several.items()}
    # Leftovers: fuzzy within the township, taken only when the name reads as a typo.
    left = np.flatnonzero(unit_method == 0)
    if len(left):
        cols = [c for c in ("base", "kind", "paren", "short", "alt", "full", "bp", "village") if c in pairs.columns]
        sub = pairs.iloc[left]
        known = work.caches.district_keys
        for text, values in zip(sub["w_district"].tolist(), zip(*(sub[c].tolist() for c in cols))):
            known.setdefault(text, dict(zip(cols, values)))
        tids, ws = sub["tid"].tolist(), sub["w_district"].tolist()
        by_tid: dict[int, list[str]] = {}
        for t, w in zip(tids, ws):
            by_tid.setdefault(t, []).append(w)
        for t, texts in by_tid.items():
            districts.rank(t, texts, keep_clear=False)
        look = work.look
        for j, t, w in zip(left.tolist(), tids, ws):
            verdict, dids, score = districts.verdict(t, w)
            scores[j] = score
            if verdict == "take":
                if reads_as_typo(known[w], dids[0], look):
                    unit_method[j], first_id[j] = METHOD["fuzzy"], dids[0]
                    continue
                verdict = "none"  # a look-alike name: suggested, not taken
            unit_method[j] = METHOD["unmatched"] if verdict == "none" else METHOD[verdict]
            suggestions[j] = named(districts.suggest(t, w) if verdict == "none" else dids, score)
        # A name the written township does not hold (it reads as no typo of one there) may be
        # in another township of the city. After the fuzzy step, so only the few names it
        # left are looked for: a name found elsewhere is a real name, which it never takes.
        unresolved = left[np.isin(unit_method[left], [METHOD["unmatched"], METHOD["ambiguous"]])]
        by_name = moved_townships(work, pairs, merged, unresolved)
        for j in np.flatnonzero(by_name >= 0).tolist():
            old, new = work.look.names["township"][int(pairs["tid"].iat[j])], work.look.names["township"][by_name[j]]
            notes[j] = _("{old} does not hold this district; {new} does (a township renamed or split off since)"
                         ).format(old=old, new=new)
            suggestions.pop(j, None)
        moved = np.where(moved >= 0, moved, by_name)
    suggestion = np.full(len(pairs), -1, dtype=np.int32)
    for j, items in suggestions.items():
        suggestion[j] = len(work.suggestion_lists)
        work.suggestion_lists.append(items)
    resolved = np.isin(unit_method, RESOLVED_METHODS)
    work.ids["district"][rows] = np.where(resolved, first_id, -1)[unit]
    method[rows] = unit_method[unit]
    work.score["district"][rows] = scores[unit]
    work.suggestion["district"][rows] = suggestion[unit]
    _record_moves(work, rows, unit, moved, notes)


def _record_moves(work: Work, rows: np.ndarray, unit: np.ndarray, moved: np.ndarray, notes: dict[int, str]) -> None:
    """The township of the tuples whose district was found in another township of the
    city (``moved``: per pair, -1 where it stayed), and the pairs' notes."""
    if notes:
        at = np.full(len(moved), -1, dtype=np.int32)
        for j, text in notes.items():
            at[j] = len(work.notes)
            work.notes.append(text)
        noted = at[unit] >= 0
        work.note[rows[noted]] = at[unit][noted]
    shifted = moved[unit] >= 0
    if shifted.any():
        positions = rows[shifted]
        work.ids["township"][positions] = moved[unit][shifted]
        work.method["township"][positions] = METHOD["fuzzy"]
        work.score["township"][positions] = 90.0


def _with_scores(ids: list[int] | float, score: float, most: int = 3) -> list[tuple[int, float]]:
    """The first ``most`` ids with ``score`` (0 when it is NaN); ``ids`` may be a NaN."""
    ids = ids if isinstance(ids, list) else []
    return [(d, float(score) if score == score else 0.0) for d in ids[:most]]
