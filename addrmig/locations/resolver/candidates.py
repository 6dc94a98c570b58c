"""Ranked candidates for written names, cached: names under a parent, districts in a township."""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from addrmig.locations.keys import district_key, district_keys, name_key, name_keys, take_text
from addrmig.locations.resolver.caches import Caches
from addrmig.locations.resolver.lookup import Lookup
from addrmig.locations.resolver.ranking import (
    ACCEPT,
    MARGIN,
    SUGGEST_MIN,
    Ranked,
    Verdict,
    decide,
    rank,
    rank_many,
    top_order,
)


class NameRanking:
    """Country, city and township candidates for written names, under a parent."""

    def __init__(self, look: Lookup, caches: Caches) -> None:
        self.look, self.caches = look, caches

    def ranked(self, level: str, parent: int, written: str) -> Ranked:
        """Ranked candidates under ``parent`` (cached: the fit checks ask the same again)."""
        cache = self.caches.candidates
        key = (level, parent, written)
        found = cache.get(key)
        if found is None:
            keys, ids = self.look.alias_children[level].get(parent, ([], []))
            found = cache[key] = rank(name_key(written), keys, ids)
        return found

    def keys(self, texts: list[str]) -> list[str]:
        """:func:`name_key` of each text, folded in one vectorised pass for the texts not
        seen yet (the city step ranks the same township texts under many cities)."""
        cache = self.caches.name_keys
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        if todo:
            cache.update(zip(todo, name_keys(pd.Series(todo, dtype=str)).tolist()))
        return [cache[t] for t in texts]

    def rank_under(self, level: str, parents: list[int], texts: list[str]) -> None:
        """:meth:`rank` for texts under many parents (``parents[i]`` for ``texts[i]``): one
        batch per parent."""
        self.keys(texts)  # folded in one pass, not one per parent
        groups: dict[int, list[str]] = {}
        for parent, text in zip(parents, texts):
            groups.setdefault(parent, []).append(text)
        for parent, group in groups.items():
            self.rank(level, parent, group)

    def rank(self, level: str, parent: int, texts: list[str]) -> None:
        """:meth:`ranked` for many texts under one parent at once (one score matrix);
        the results go to the cache."""
        cache = self.caches.candidates
        texts = [t for t in dict.fromkeys(texts) if (level, parent, t) not in cache]
        if not texts:
            return
        keys, ids = self.look.alias_children[level].get(parent, ([], []))
        if not keys:
            for text in texts:
                cache[(level, parent, text)] = []
            return
        for text, ranked in zip(texts, rank_many(self.keys(texts), keys, ids)):
            cache[(level, parent, text)] = ranked


class DistrictRanking:
    """District candidates for written district names within a township, and the keys
    of those names (``texts``: the part's distinct written district texts)."""

    def __init__(self, look: Lookup, caches: Caches, texts: list[str]) -> None:
        self.look, self.caches, self.texts = look, caches, texts

    # ---- keys of written names

    def keys(self, written: str) -> dict[str, str]:
        """The keys of a written district name (see :func:`district_keys`)."""
        found = self.caches.district_keys.get(written)
        if found is None:
            found = self.caches.district_keys[written] = district_key(written)
        return found

    def key_set(self, written: str) -> set[str]:
        """The non-empty keys of a written district name."""
        cache = self.caches.district_key_sets
        found = cache.get(written)
        if found is None:
            found = cache[written] = set(self.keys(written).values()) - {""}
        return found

    def prepare_keys(self, strings: Iterable[str]) -> None:
        """District keys for many written texts in one vectorised pass (for the fuzzy loops)."""
        todo = [s for s in dict.fromkeys(strings) if s not in self.caches.district_keys]
        if not todo:
            return
        self._remember_keys(todo, district_keys(pd.Series(todo, dtype=str)))

    def prepare_keys_of_codes(self, codes: np.ndarray) -> None:
        """:meth:`prepare_keys` for written district texts given by their codes, from the
        key table of all of them."""
        texts, known = self.texts, self.caches.district_keys
        codes = np.unique(codes)
        todo = [c for c in codes.tolist() if texts[c] not in known]
        if todo:
            self._remember_keys([texts[c] for c in todo], self.keys_of_codes(np.asarray(todo, dtype=np.int64)))

    def keys_of_codes(self, codes: np.ndarray) -> pd.DataFrame:
        """The district keys of written district texts by code: the keys of every distinct
        text are computed once, in one vectorised pass."""
        table = self.caches.district_key_table
        if table is None:
            table = self.caches.district_key_table = district_keys(pd.Series(self.texts, dtype=str))
        return pd.DataFrame({col: take_text(table[col], codes) for col in table.columns})

    def _remember_keys(self, texts: list[str], keys: pd.DataFrame) -> None:
        known = self.caches.district_keys
        cols = list(keys.columns)
        for text, values in zip(texts, zip(*(keys[c].tolist() for c in cols))):
            known[text] = dict(zip(cols, values))

    # ---- ranking and deciding

    def ranked(self, tid: int, written: str) -> tuple[Ranked, dict[str, str]]:
        """Districts of the township ranked against ``written``, and the written name's
        keys: the main part (name and kind word) and, when written, the parenthetical
        village part are scored apart and the weaker of the two counts, so a typo in one
        part does not let another "X Mah (other village)" come close."""
        cache = self.caches.district_ranked
        found = cache.get((tid, written))
        if found is None:
            self.rank(tid, [written])
            found = cache[(tid, written)]
        return found

    def rank(self, tid: int, texts: list[str], keep_clear: bool = True) -> None:
        """Rank the districts of ``tid`` against several written texts at once (one score
        matrix per key part instead of one call per text); results go to the cache.
        ``keep_clear=False``: a text with one clear candidate gets only its verdict cached,
        not its ranked list (the district step asks nothing more of it)."""
        cache = self.caches.district_ranked
        written_keys = [self.keys(text) for text in texts]
        arrays = self.look.district_arrays.get(tid)
        todo = [k for k, keys in enumerate(written_keys) if keys["short"]] if arrays is not None else []
        for k, keys in enumerate(written_keys):
            cache[(tid, texts[k])] = ([], keys)
        if not todo:
            return
        dids, short, base, paren, no_paren = arrays
        queries = [written_keys[k] for k in todo]
        main = np.maximum(process.cdist([x["short"] for x in queries], short, scorer=fuzz.ratio, dtype=np.float32),
                          process.cdist([x["base"] for x in queries], base, scorer=fuzz.ratio, dtype=np.float32))
        alt = [i for i, x in enumerate(queries) if x.get("alt")]
        if alt:
            main[alt] = np.maximum(main[alt], process.cdist([queries[i]["alt"] for i in alt], short,
                                                            scorer=fuzz.ratio, dtype=np.float32))
        par_rows = [i for i, x in enumerate(queries) if x["paren"]]
        if par_rows:
            par = process.cdist([queries[i]["paren"] for i in par_rows], paren, scorer=fuzz.ratio, dtype=np.float32)
            main[par_rows] = np.minimum(main[par_rows], np.where(no_paren, 50.0, par))
        # Every text's ranking at once: best first (ties in district order), those from
        # SUGGEST_MIN up; deciding looks within MARGIN of the best, suggesting at the first three.
        keep = main >= SUGGEST_MIN
        near = np.count_nonzero(keep & (main > main.max(axis=1, keepdims=True, initial=-np.inf) - MARGIN), axis=1)
        kept = np.count_nonzero(keep, axis=1)
        take = np.minimum(kept, np.maximum(3, near))
        order = top_order(main, max(int(take.max(initial=0)), 2))
        ranked = np.take_along_axis(main, order, axis=1)
        # The common verdict, as decide() reaches it on these lists (in float64 like the
        # lists): the best from ACCEPT up and the next at least MARGIN behind, or alone.
        top = ranked[:, :2].astype(np.float64)
        alone = kept == 1
        clear = top[:, 0] >= ACCEPT
        if top.shape[1] > 1:
            clear &= alone | (top[:, 1] <= top[:, 0] - MARGIN)
        if clear.any():
            verdicts = self.caches.district_verdicts
            best_id = np.asarray(dids, dtype=np.int64)[order[:, 0]].tolist()
            best = top[:, 0].tolist()
            for i in np.flatnonzero(clear).tolist():
                verdicts.setdefault((tid, texts[todo[i]]), ("take", [best_id[i]], best[i]))
        if not keep_clear:
            take = np.where(clear, 0, take)
        mask = np.arange(order.shape[1]) < take[:, None]
        pairs = list(zip(np.asarray(dids, dtype=np.int64)[order[mask]].tolist(),
                         ranked[mask].astype(np.float64).tolist()))
        bounds = np.concatenate([[0], np.cumsum(take)]).tolist()
        skip = clear.tolist() if not keep_clear else [False] * len(todo)
        for i, k in enumerate(todo):
            if skip[i]:
                cache.pop((tid, texts[k]), None)  # no stale empty list from above
            else:
                cache[(tid, texts[k])] = (pairs[bounds[i]:bounds[i + 1]], written_keys[k])

    def verdict(self, tid: int, written: str) -> Verdict:
        """:func:`decide` on the districts of ``tid`` for ``written`` (cached)."""
        cache = self.caches.district_verdicts
        key = (tid, written)
        found = cache.get(key)
        if found is None:
            ranked, keys = self.ranked(tid, written)
            found = cache[key] = decide(ranked, self._plain_ok(keys))
        return found

    def suggest(self, tid: int, written: str) -> list[int]:
        """The three best districts of ``tid`` for ``written``."""
        ranked, _ = self.ranked(tid, written)
        return [owner for owner, _ in ranked[:3]]

    def _plain_ok(self, keys: dict[str, str]) -> Callable[[int], bool]:
        # A name that fits several "X Mah (village)" but is also exactly a plain "X Mah" of
        # the kind written: the plain one is the name as written.
        look = self.look
        return lambda did: not look.has_paren[did] and (
            look.kind[did] == (keys["kind"] or "mah") or keys["base"] == look.short[did])
