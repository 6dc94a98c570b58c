"""The name levels (country, city, township): merges on folded keys first, fuzzy for the rest.

A city is checked against its written township and district, which may confirm it,
rescue a misspelt one or point at the right one when the name is garbage; a township
is checked against its written district the same way.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.i18n import _
from addrmig.locations.keys import name_key, name_keys
from addrmig.locations.resolver.codes import units
from addrmig.locations.resolver.lookup import ALIASES, ID_COLUMN, PARENT_ID_COLUMN
from addrmig.locations.resolver.ranking import ACCEPT, RESCUE, Ranked, Verdict, decide, decide_with_children
from addrmig.locations.resolver.state import Outcome, Work
from addrmig.locations.resolver.statuses import METHOD


def merged(work: Work, level: str) -> np.ndarray:
    """Decide what merges can at ``level`` (exact, corrected, folded and alias keys under
    the resolved parent); returns the positions still to be decided by fuzzy search."""
    if level not in work.levels:
        return np.zeros(0, dtype=np.int64)
    nodes = {"country": work.index.countries, "city": work.index.cities, "township": work.index.townships}[level]
    pcol, idcol = PARENT_ID_COLUMN[level], ID_COLUMN[level]
    method, codes = work.method[level], work.codes[level]
    pending = method == METHOD[""]
    if pcol is None:
        parent = np.zeros(work.count, dtype=np.int64)
    else:
        parent = work.ids[LEVELS[LEVELS.index(level) - 1]]
        # Without a resolved parent there is nothing to search in.
        blocked = pending & (parent < 0)
        method[blocked] = METHOD["blocked"]
        pending &= ~blocked
    empty = pending & (codes == work.empty[level])
    method[empty] = METHOD["missing"]
    rows = np.flatnonzero(pending & ~empty)
    unit, first = units(rows, parent, codes)
    if not len(first):
        return rows
    corrections = work.corrections
    pairs = pd.DataFrame({"parent": parent[first], "w": pd.Series(work.written(level, first), dtype=str)})
    pairs["key"] = name_keys(pairs["w"]).to_numpy()
    pairs["alias"] = pairs["key"].map(ALIASES[level]).fillna("").astype(str)
    pairs["corr"] = [name_key(corrections.get((level, int(p), k), "")) if corrections else ""
                     for p, k in zip(pairs["parent"].tolist(), pairs["key"].tolist())]
    pnodes = nodes.assign(parent=0 if pcol is None else nodes[pcol])[["parent", "name", "key", idcol]]
    found = []
    for how, left, right in (("exact", "w", "name"), ("normalized", "corr", "key"),
                             ("normalized", "key", "key"), ("normalized", "alias", "key")):
        hits = pairs.reset_index().merge(pnodes, left_on=["parent", left], right_on=["parent", right])
        hits = hits[hits[left] != ""]
        # A folded key shared by two nodes under one parent is not a match to take.
        hits = hits[~hits.duplicated("index", keep=False)]
        found.append(hits.assign(method=how)[["index", idcol, "method"]])
    found = pd.concat(found).drop_duplicates("index").set_index("index")
    unit_id = np.full(len(pairs), -1, dtype=np.int64)
    unit_method = np.zeros(len(pairs), dtype=np.int8)
    where = found.index.to_numpy()
    unit_id[where] = found[idcol].to_numpy()
    unit_method[where] = [METHOD[x] for x in found["method"].tolist()]
    ok = unit_id[unit] >= 0
    hit_rows = rows[ok]
    work.ids[level][hit_rows] = unit_id[unit[ok]]
    method[hit_rows] = unit_method[unit[ok]]
    work.score[level][hit_rows] = 100.0
    return rows[~ok]


def resolve_countries(work: Work) -> None:
    """Decide the country of each tuple."""
    rows = merged(work, "country")
    unit, first = units(rows, work.codes["country"])
    ranking = work.name_ranking
    ranking.rank("country", 0, work.written("country", first))
    outcomes = [take_name(work, "country", ranking.ranked("country", 0, w), None)
                for w in work.written("country", first)]
    work.record("country", rows, unit, outcomes)


def resolve_cities(work: Work) -> None:
    """Decide the city of each tuple under its country, heard with its written township
    and district."""
    rows = merged(work, "city")
    with_children = "township" in work.levels
    cols = [work.ids["country"], work.codes["city"]]
    if with_children:
        cols += [work.codes["township"], work.codes["district"]]
    unit, first = units(rows, *cols)
    if not len(first):
        return
    cids = work.ids["country"][first].tolist()
    w_city = work.written("city", first)
    w_t = work.written("township", first)
    w_d = work.written("district", first)
    ranking, districts = work.name_ranking, work.district_ranking
    if with_children and "district" in work.levels:
        written_districts = work.codes["district"][first]
        districts.prepare_keys_of_codes(written_districts[[bool(w and t) for w, t in zip(w_d, w_t)]])
        districts.prepare_keys([w for w, d in zip(w_t, w_d) if w and d])
    ranking.rank_under("city", cids, w_city)
    cache: dict = {}
    decided: dict = {}  # (country, written city) -> decide() of its candidates
    fit_cache: dict = {}
    both: dict = {}
    if with_children:
        # The townships the fit checks will look up, ranked in batches per candidate city.
        queries: dict[int, list[str]] = {}
        for cid, wc, wt, wd in zip(cids, w_city, w_t, w_d):
            if not wt:
                continue
            key = (cid, wc)
            if key not in cache:
                cache[key] = ranking.ranked("city", cid, wc)
            ranked = cache[key]
            if key not in decided:
                decided[key] = decide(ranked)
            verdict, ids, _ = decided[key]
            # A clear name needs its own city checked; otherwise the candidates a fit
            # can confirm or rescue (from RESCUE up) may be.
            owners = ids[:1] if verdict == "take" else [owner for owner, s in ranked if s >= RESCUE]
            for owner in owners:
                texts = queries.setdefault(owner, [])
                texts.append(wt)
                if wd:
                    texts.append(wd)
        ranking.keys([text for texts in queries.values() for text in texts])  # one pass
        for owner, texts in queries.items():
            ranking.rank("township", owner, texts)
    outcomes = []
    append = outcomes.append
    for cid, wc, wt, wd in zip(cids, w_city, w_t, w_d):
        key = (cid, wc)
        if key not in cache:
            cache[key] = ranking.ranked("city", cid, wc)
        if key not in decided:
            decided[key] = decide(cache[key])
        verdict, ids, score = decided[key]
        if verdict == "take":
            # The common case, as take_name decides it: one clear candidate, and no
            # children to check or children that fit under it.
            if not (with_children and wt):
                append((ids[0], "fuzzy", score, None))
                continue
            if _fit_either(work, ids[0], wt, wd, both, fit_cache) >= ACCEPT:
                append((ids[0], "fuzzy", score, None))
                continue
        fit = None
        if with_children and wt:
            def fit(ciid: int, wt: str = wt, wd: str = wd) -> float:  # noqa: F811
                return _fit_either(work, ciid, wt, wd, both, fit_cache)
        # Unmatched with children: the suggestions are built below, not in take_name.
        outcome = take_name(work, "city", cache[key], fit, decided[key], suggest=fit is None)
        if outcome[1] == "unmatched" and fit is not None:
            # The township names the city even when the city is garbage: suggest those first.
            homes = work.look.township_anywhere.get(name_key(wt), [])
            scores = dict(cache[key])
            first_ = [(c, scores.get(c, 0.0)) for c in homes if work.look.city_country[c] == cid]
            rest = [item for item in cache[key] if item[0] not in homes]
            outcome = outcome[:3] + (named(work, "city", first_ + rest),)
        append(outcome)
    work.record("city", rows, unit, outcomes)


def _fit_either(work: Work, ciid: int, wt: str, wd: str, both: dict, fit_cache: dict) -> float:
    """How well township ``wt`` and district ``wd`` fit under city ``ciid``, in either
    order (they may sit in each other's columns); remembered in ``both``."""
    found = both.get((ciid, wt, wd))
    if found is None:
        found = both[(ciid, wt, wd)] = max(
            _fit_township(work, ciid, wt, wd, fit_cache),
            _fit_township(work, ciid, wd, wt, fit_cache) if wd else 0.0)
    return found


def _fit_township(work: Work, ciid: int, w_township: str, w_district: str, cache: dict) -> float:
    """How well the written township (and district) fit under city ``ciid``: the
    township's best score there, +10 when the district is found in it by key."""
    key = (ciid, w_township, w_district)
    found = cache.get(key)
    if found is None:
        ranked = work.name_ranking.ranked("township", ciid, w_township)
        found = 0.0
        if ranked:
            tid, found = ranked[0]
            if w_district and "district" in work.levels:
                in_township = work.look.district_keys_in_township.get(tid)
                found += 10.0 * (in_township is not None
                                 and not work.district_ranking.key_set(w_district).isdisjoint(in_township))
        cache[key] = found
    return found


def resolve_townships(work: Work) -> None:
    """Decide the township of each tuple under its city, heard with its written district;
    a township that exists only under another city is flagged, never moved."""
    rows = merged(work, "township")
    with_district = "district" in work.levels
    cols = [work.ids["city"], work.codes["township"]] + ([work.codes["district"]] if with_district else [])
    unit, first = units(rows, *cols)
    if not len(first):
        return
    ranking, districts = work.name_ranking, work.district_ranking
    ciids = work.ids["city"][first].tolist()
    w_t = work.written("township", first)
    w_d = work.written("district", first)
    if with_district:
        districts.prepare_keys_of_codes(work.codes["district"][first][[bool(w) for w in w_d]])
    ranking.rank_under("township", ciids, w_t)
    cache: dict = {}
    decided: dict = {}  # (city, written township) -> decide() of its candidates
    in_township = work.look.district_keys_in_township
    anywhere = work.look.township_anywhere
    no_keys: set = set()
    outcomes = []
    append = outcomes.append
    for ciid, wt, wd, wt_key in zip(ciids, w_t, w_d, ranking.keys(w_t)):
        key = (ciid, wt)
        if key not in cache:
            cache[key] = ranking.ranked("township", ciid, wt)
            decided[key] = decide(cache[key])
        fit = None
        if with_district and wd:
            keys = districts.key_set(wd)
            fit = lambda tid, keys=keys: 100.0 * (not keys.isdisjoint(in_township.get(tid, no_keys)))
        homes = anywhere.get(wt_key)
        if homes and any(c != ciid for c in homes):
            # The name is a real township of another city: never move it into this one.
            elsewhere = [c for c in homes if c != ciid]
            cities = ", ".join(sorted({work.look.names["city"][c] for c in elsewhere}))
            append((-1, "unmatched", 0.0, named(work, "township", cache[key]),
                    _("township {township} exists only under {cities}").format(township=repr(wt), cities=cities)))
            continue
        verdict, ids, score = decided[key]
        if verdict == "take" and (fit is None or fit(ids[0]) >= ACCEPT):
            # The common case, as take_name decides it: one clear candidate that the
            # written district (if any) confirms.
            append((ids[0], "fuzzy", score, None))
            continue
        append(take_name(work, "township", cache[key], fit, decided[key]))
    work.record("township", rows, unit, outcomes)


def named(work: Work, level: str, ranked: Ranked) -> list[tuple[str, float]]:
    """The first three candidates as ``(name, score)`` suggestions."""
    return [(work.look.names[level][owner], round(score, 1)) for owner, score in ranked[:3]]


def take_name(work: Work, level: str, ranked: Ranked, fit: Callable[[int], float] | None,
              decided: Verdict | None = None, suggest: bool = True) -> Outcome:
    """Decide a name level from its fuzzy candidates; ``fit(id)`` (0–110) says how well
    the written children fit under a candidate and can confirm or recover it (see
    :func:`decide_with_children`). Returns ``(id or -1, method, score, suggestions or
    None)``; ``decided``: ``decide(ranked)`` when the caller has it already;
    ``suggest=False``: the caller builds the suggestions of an unmatched name itself
    (they are then left unordered by fit)."""
    decided = decided if decided is not None else decide(ranked)
    verdict, ids, score = decided if fit is None else decide_with_children(ranked, fit, decided)
    if verdict == "take":
        return ids[0], "fuzzy", score, None
    suggestions = [(o, s) for o, s in ranked if o in ids] if ids else ranked
    if fit is not None and not ids and suggest:
        # Children point at the right parent even when the name itself is garbage.
        suggestions = sorted(ranked, key=lambda item: (fit(item[0]) < ACCEPT, -item[1]))
    return -1, "ambiguous" if verdict == "ambiguous" else "unmatched", score, named(work, level, suggestions)
