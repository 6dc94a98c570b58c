"""The district level: merges on the name's key variants, then fuzzy within the township."""
from __future__ import annotations

import numpy as np
import pandas as pd

from addrmig.locations.keys import name_key
from addrmig.locations.resolver.codes import units
from addrmig.locations.resolver.state import Work
from addrmig.locations.resolver.statuses import METHOD, RESOLVED_METHODS


def resolve_districts(work: Work) -> None:
    """Decide the district of each tuple within its township (a district is optional)."""
    if "district" not in work.levels:
        return
    method, tid, codes = work.method["district"], work.ids["township"], work.codes["district"]
    method[(tid < 0) & (method == METHOD[""])] = METHOD["blocked"]
    method[(method == METHOD[""]) & (codes == work.empty["district"])] = METHOD["none"]  # district is optional
    rows = np.flatnonzero(method == METHOD[""])
    unit, first = units(rows, tid, codes)
    if not len(first):
        return
    districts = work.district_ranking
    corrections = work.corrections
    pairs = pd.DataFrame({"tid": tid[first], "w_district": pd.Series(work.written("district", first), dtype=str)})
    pairs = pd.concat([pairs, districts.keys_of_codes(codes[first])], axis=1)
    pairs["corr"] = ([corrections.get(("district", int(p), name_key(w)), "")
                      for p, w in zip(pairs["tid"].tolist(), pairs["w_district"].tolist())]
                     if corrections else "")
    unit_method, first_id, scores, several = _merged(work, pairs)
    names = work.look.names["district"]
    named = lambda dids, score: [(names[d], round(float(sc), 1)) for d, sc in _with_scores(dids, score)]
    suggestions = {j: named(dids, scores[j]) for j, dids in several.items()}
    # Leftovers: fuzzy within the township.
    left = np.flatnonzero(unit_method == 0)
    if len(left):
        cols = [c for c in ("base", "kind", "paren", "short", "alt", "full", "bp") if c in pairs.columns]
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
        for j, t, w in zip(left.tolist(), tids, ws):
            verdict, dids, score = districts.verdict(t, w)
            scores[j] = score
            if verdict == "take":
                unit_method[j], first_id[j] = METHOD["fuzzy"], dids[0]
                continue
            unit_method[j] = METHOD["unmatched"] if verdict == "none" else METHOD[verdict]
            suggestions[j] = named(dids if dids else districts.suggest(t, w), score)
    suggestion = np.full(len(pairs), -1, dtype=np.int32)
    for j, items in suggestions.items():
        suggestion[j] = len(work.suggestion_lists)
        work.suggestion_lists.append(items)
    resolved = np.isin(unit_method, RESOLVED_METHODS)
    work.ids["district"][rows] = np.where(resolved, first_id, -1)[unit]
    method[rows] = unit_method[unit]
    work.score["district"][rows] = scores[unit]
    work.suggestion["district"][rows] = suggestion[unit]


def _merged(work: Work, pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, list[int]]]:
    """Merges of the pairs' keys with the township's districts: per pair the method
    code (0 when no merge decided it), the district id, the score, and the ids of
    the pairs found ambiguous (position -> ids)."""
    d_all = work.index.districts
    d_keys = d_all.drop_duplicates(["tid", "full"])  # one spelling per place, see Lookup
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
        ("normalized", 100.0, base.index if work.corrections else base.index[:0], "corr", "name"),
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
        codes[where] = METHOD[method]
        first_id[where] = ids_single.to_numpy()
        scores[where] = score
        decided[where] = True
        if len(several):
            ids_several = several.groupby("index")["did"].agg(list)
            where = ids_several.index.to_numpy()
            codes[where] = METHOD["ambiguous"]
            several_ids.update(zip(where.tolist(), ids_several.tolist()))
            scores[where] = score
            decided[where] = True
    return codes, first_id, scores, several_ids


def _with_scores(ids: list[int] | float, score: float) -> list[tuple[int, float]]:
    """The first three ids with ``score`` (0 when it is NaN); ``ids`` may be a NaN."""
    ids = ids if isinstance(ids, list) else []
    return [(d, float(score) if score == score else 0.0) for d in ids[:3]]
