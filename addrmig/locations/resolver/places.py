"""Whole places to suggest for the unresolved tuples: each suggestion for the failing
level, completed below it where the written names fit clearly."""
from __future__ import annotations

import numpy as np

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.locations.resolver.ranking import decide
from addrmig.locations.resolver.state import Work
from addrmig.locations.resolver.statuses import STATUSES

#: A whole place and its score: ``((country, city, township, district), score)``.
Place = tuple[tuple[str, ...], float]


def place_suggestions(work: Work, status: np.ndarray, bad_level: np.ndarray) -> dict[int, list[Place]]:
    """Whole places for each unresolved tuple (position -> list, see :func:`_places`); the same
    failing level, parents, level suggestions and written township/district give the
    same list, computed once."""
    positions = np.flatnonzero((status > STATUSES.index("fuzzy")) & (bad_level >= 0))
    township_code = work.codes["township"][positions].tolist()
    district_code = work.codes["district"][positions].tolist()
    townships, districts = work.texts["township"], work.texts["district"]
    lists = work.suggestion_lists
    levels = bad_level[positions].tolist()
    ids = {level: work.ids[level][positions].tolist() for level in LEVELS}
    suggestion = {level: work.suggestion[level][positions].tolist() for level in LEVELS}
    keys = []
    todo: dict = {}
    for k, lv in enumerate(levels):
        key = (lv, tuple(ids[x][k] for x in LEVELS[:lv]), suggestion[LEVELS[lv]][k], township_code[k],
               district_code[k])
        keys.append(key)
        todo.setdefault(key, k)
    _prefetch_completions(work, [(LEVELS[key[0]], ids, k, lists[key[2]] if key[2] >= 0 else [],
                                  townships[key[3]], districts[key[4]]) for key, k in todo.items()])
    found = {}
    for key, k in todo.items():
        lv, listed = key[0], key[2]
        found[key] = _places(work, LEVELS[lv], {x: ids[x][k] for x in LEVELS}, lists[listed] if listed >= 0 else [],
                             townships[township_code[k]], districts[district_code[k]])
    return {p: found[key] for p, key in zip(positions.tolist(), keys)}


def _places(work: Work, level: str, ids: dict[str, int], level_suggestions: list[tuple[str, float]],
            w_township: str, w_district: str) -> list[Place]:
    """Whole places for an unresolved tuple, best first: each suggestion for the failing
    level (three, or all the places a name fits equally), completed below it where the
    written names fit clearly."""
    look = work.look
    if not level:
        return []
    prefix = []
    for lv in LEVELS:
        if lv == level:
            break
        prefix.append(look.names[lv][int(ids[lv])])
    parent_level = LEVELS[LEVELS.index(level) - 1] if level != "country" else None
    parent = int(ids[parent_level]) if parent_level else 0
    by_name = _ids_by_name(work, level, parent)
    out = []
    for name, score in level_suggestions:
        node = by_name.get(name)
        if node is None:
            continue
        place = _complete(work, level, node, w_township, w_district)
        if place is not None:
            out.append((tuple(prefix + [name] + place), score))
    return out  # as many as the level suggests: three, or every place a name fits equally


def _prefetch_completions(work: Work, items: list[tuple]) -> None:
    """Rank, in batches per township, the districts :func:`_places` will complete
    (``items``: level, ids by level (lists), position, level suggestions, written
    township, written district)."""
    if "district" not in work.levels:
        return
    need: dict[int, list[str]] = {}
    for level, ids, k, level_suggestions, w_township, w_district in items:
        if level not in ("city", "township") or not w_district:
            continue
        parent_level = LEVELS[LEVELS.index(level) - 1]
        by_name = _ids_by_name(work, level, int(ids[parent_level][k]))
        for name, _ in level_suggestions:
            node = by_name.get(name)
            if node is None:
                continue
            if level == "city":
                verdict, found, _ = decide(work.name_ranking.ranked("township", node, w_township))
                if verdict != "take":
                    continue
                node = found[0]
            need.setdefault(node, []).append(w_district)
    ranked = work.caches.district_ranked
    districts = work.district_ranking
    districts.prepare_keys(w for texts in need.values() for w in texts)
    for tid, texts in need.items():
        texts = [t for t in dict.fromkeys(texts) if (tid, t) not in ranked]
        if texts:
            districts.rank(tid, texts)


def _ids_by_name(work: Work, level: str, parent: int) -> dict[str, int]:
    """The places of ``level`` a suggestion may name under ``parent``, by name."""
    cache = work.caches.ids_by_name
    key = (level, parent)
    if key not in cache:
        look, ids_by_name = work.look, {}
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


def _complete(work: Work, level: str, node: int, w_township: str, w_district: str) -> list[str] | None:
    """The names below ``node`` that the written township/district clearly mean (None
    when one of them is not clear)."""
    cache = work.caches.completions
    key = (level, node, w_township, w_district)
    if key in cache:
        return cache[key]
    levels = work.levels
    below = list(levels[levels.index(level) + 1:])
    out: list[str] | None = []
    for lv in below:
        written = w_township if lv == "township" else w_district
        if lv == "district" and not written:
            out.append("")
            break
        if lv == "township":
            verdict, ids, _ = decide(work.name_ranking.ranked("township", node, written))
        else:
            verdict, ids, _ = work.district_ranking.verdict(node, written)
        if verdict != "take":
            out = None
            break
        node = ids[0]
        out.append(work.look.names[lv][node])
    cache[key] = out
    return out
