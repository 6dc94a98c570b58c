"""Ranking candidates by fuzzy score, and the rules that decide between them."""
from __future__ import annotations

from collections.abc import Callable
from itertools import takewhile

import numpy as np
from rapidfuzz import fuzz, process

#: Fuzzy scores are rapidfuzz ``ratio`` (0–100) on folded keys without spaces. A candidate
#: is taken when it reaches ACCEPT and beats the next distinct candidate by MARGIN; a
#: parent may be recovered through its children from RESCUE up (a garbage name such as
#: "Atlantis" scores far lower against any real city).
ACCEPT = 80.0
MARGIN = 8.0
RESCUE = 70.0
SUGGEST_MIN = 40.0

#: Candidates best first: ``[(id, score), …]``.
Ranked = list[tuple[int, float]]
#: A verdict on ranked candidates: ``("take", [id], score)``, ``("ambiguous", ids, score)``
#: or ``("none", [], best score)``.
Verdict = tuple[str, list, float]


def rank(query: str, keys: list[str], owners: list) -> Ranked:
    """Owners ranked by their best key's ratio to ``query``: ``[(owner, score), …]`` from
    SUGGEST_MIN up (``owners[i]`` owns ``keys[i]``; it may be a list of owners)."""
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


def rank_many(queries: list[str], keys: list[str], owners: list[int]) -> list[Ranked]:
    """:func:`rank` for many queries against the same keys (one score matrix, ranked with
    array operations); each owner here is one id."""
    scores = process.cdist(queries, keys, scorer=fuzz.ratio, dtype=np.float32)
    # As rank(): each owner's best key, best first, ties in the order of the owner's
    # first key at or above SUGGEST_MIN.
    if len(set(owners)) == len(owners):
        owner_ids = np.asarray(owners, dtype=np.int64)
        order = np.argsort(-scores, axis=1, kind="stable")
        ranked = np.take_along_axis(scores, order, axis=1)
    else:  # aliases: an owner has several keys
        distinct = list(dict.fromkeys(owners))
        at = {o: u for u, o in enumerate(distinct)}
        owner_ids = np.asarray(distinct, dtype=np.int64)
        best = np.full((len(queries), len(distinct)), -1.0, dtype=np.float32)
        first = np.full((len(queries), len(distinct)), len(owners), dtype=np.int64)
        for c, o in enumerate(owners):
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
    return [pairs[bounds[r]:bounds[r + 1]] if query else [] for r, query in enumerate(queries)]


def decide(ranked: Ranked, plain_ok: Callable[[int], bool] | None = None) -> Verdict:
    """From ranked candidates: ``("take", [id], score)``, ``("ambiguous", ids, score)`` or
    ``("none", [], best)``. ``plain_ok(id)`` may break a tie at the top (one plain name
    among several qualified ones)."""
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


def decide_with_children(ranked: Ranked, fit: Callable[[int], float], decided: Verdict) -> Verdict:
    """The verdict on a name once its written children are heard: ``fit(id)`` (0–110) says
    how well they fit under a candidate. A taken name they do not fit, or a name not
    taken, is decided among the candidates from RESCUE up that they fit: the one clearly
    ahead on name score + fit is taken, several close are ambiguous; none leaves
    ``decided`` as it was."""
    verdict, ids, score = decided
    if verdict != "take" or fit(ids[0]) < ACCEPT:
        # Below ACCEPT the name alone proves little: the children must then match exactly.
        # Ranked lists are sorted, best first: the candidates from RESCUE up lead them.
        rescuable = takewhile(lambda item: item[1] >= RESCUE, ranked)
        good = sorted(((s + fit(o), o, s) for o, s in rescuable
                       if fit(o) >= (ACCEPT if s >= ACCEPT else 100.0)), reverse=True)
        if good and (len(good) == 1 or good[0][0] - good[1][0] >= MARGIN):
            verdict, ids, score = "take", [good[0][1]], good[0][2]
        elif good:
            verdict, ids, score = "ambiguous", [o for _, o, _ in good], good[0][2]
    return verdict, ids, score


def top_order(scores: np.ndarray, k: int) -> np.ndarray:
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
