"""Township and district written in each other's columns."""
from __future__ import annotations

import numpy as np

from addrmig import i18n
from addrmig.locations.resolver.codes import units
from addrmig.locations.resolver.ranking import decide
from addrmig.locations.resolver.state import Work
from addrmig.locations.resolver.statuses import METHOD


def resolve_swapped(work: Work) -> None:
    """Take township and district from each other's columns where the township was not
    found but the written district is clearly a township of the city and the written
    township clearly a district of it."""
    if "district" not in work.levels:
        return
    codes = work.codes
    rows = np.flatnonzero((work.method["township"] == METHOD["unmatched"]) & (work.ids["city"] >= 0)
                          & (codes["district"] != work.empty["district"]))
    unit, first = units(rows, work.ids["city"], codes["township"], codes["district"])
    if not len(first):
        return
    ranking, districts = work.name_ranking, work.district_ranking
    w_t = work.written("township", first)
    districts.prepare_keys(w_t)
    found = []
    for k, (ciid, wt, wd) in enumerate(zip(work.ids["city"][first].tolist(), w_t, work.written("district", first))):
        verdict, tids, t_score = decide(ranking.ranked("township", ciid, wd))
        if verdict == "take":
            found.append((k, tids[0], wt, t_score))
    # Rank the written townships as districts once per township for all its texts
    # (one score matrix each) rather than one text at a time.
    ranked, decided = work.caches.district_ranked, work.caches.district_verdicts
    by_tid: dict[int, list[str]] = {}
    for _, tid, wt, _ in found:
        if (tid, wt) not in decided and (tid, wt) not in ranked:
            by_tid.setdefault(tid, []).append(wt)
    for tid, texts in by_tid.items():
        districts.rank(tid, list(dict.fromkeys(texts)))
    taken = []
    for k, tid, wt, t_score in found:
        verdict, dids, d_score = districts.verdict(tid, wt)
        if verdict != "take":
            continue
        taken.append((k, tid, dids[0], t_score, d_score))
    if not taken:
        return
    note = len(work.notes)
    work.notes.append(i18n._("township and district were in each other's columns"))
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
    method = np.where(exact, METHOD["normalized"], METHOD["fuzzy"]).astype(np.int8)
    work.ids["township"][sel] = tids[pos]
    work.method["township"][sel] = method[pos]
    work.score["township"][sel] = t_scores[pos]
    work.ids["district"][sel] = dids[pos]
    work.method["district"][sel] = method[pos]
    work.score["district"][sel] = d_scores[pos]
    work.note[sel] = note
    work.suggestion["township"][sel] = -1
