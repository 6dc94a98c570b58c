"""Which district of a township a text names: its neighbourhood or village, narrowed by the village
written beside it and by kind, a mistyped name forgiven with the resolver's rules.

:class:`DistrictChoice` is the part of :class:`.deciding.Decider` that answers it once the
township is known; :mod:`.simple` asks it directly for the common texts.
"""
from __future__ import annotations

import numpy as np

from addrmig.locations.freetext.gazetteer import Gazetteer
from addrmig.locations.freetext.mentions import Mentions
from addrmig.locations.resolver.ranking import ACCEPT, MARGIN


class DistrictChoice:
    """The district choice of a decider over ``gazetteer`` (choices remembered in ``_chosen``)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._chosen: dict[tuple[int, str], int] = {}

    def _explained(self, key: str, longer: str, tid: int) -> bool:
        """Whether ``key`` (or the ``longer`` name it ends) names a district of township ``tid``,
        so a city or township name written there may be its neighbourhood's."""
        return tid in self.gazetteer.district_townships(key) or (
            bool(longer) and tid in self.gazetteer.district_townships(longer))

    def district_of(self, tid: int, named: list[tuple[str, str, str]], frees: list[str] = ()) -> int:
        """The district of township ``tid`` that neighbourhoods and villages written ``named``
        (``(key, kind, words)`` in the order written) and names standing bare before a place
        (``frees``) name, nothing else being written, as :meth:`_district` finds it (-1 when
        several fit); -2 when the township holds one of ``named`` under no such name (a mistyped
        name, perhaps: the full weighing looks at it)."""
        if len(named) == 1 and named[0][1] == "mah" and not frees:
            return self.neighbourhood(tid, named[0][0])  # the common case, remembered
        gazetteer = self.gazetteer
        for key, kind, _ in named:
            held = gazetteer.named_in.get((tid, key), ())
            if kind != "mah":
                held = [did for did in held if gazetteer.district_list[did].kind == kind] or \
                    gazetteer.village_in.get((tid, key), ())
            if not held:
                return -2
        found = Mentions([], [], [], [(key, key) for key in frees],
                          [((key,), kind, key, words) for key, kind, words in named], [], [])
        return self._district(found, tid)

    def neighbourhood(self, tid: int, key: str) -> int:
        """The district of township ``tid`` a neighbourhood written ``key`` + "Mah" and nothing
        else names (-1 when several fit), or -2 when the township holds none so named."""
        found = self._chosen.get((tid, key))
        if found is None:
            dids = self.gazetteer.named_in.get((tid, key))
            found = self._chosen[(tid, key)] = self._one(dids, set(), "mah") if dids else -2
        return found

    def _district(self, found: Mentions, tid: int) -> int:
        """The district of township ``tid`` the text names, or -1 when it names none or
        several fit."""
        gazetteer = self.gazetteer
        city = int(gazetteer.township_city[tid])
        villages = {key for keys, kind, _, _ in found.districts if kind != "mah" for key in keys}
        # Names standing free, and city or township names the township explains as its districts'.
        frees = [key for key, _ in found.frees]
        for ciid, key, _, longer in found.cities:
            if ciid != city and self._explained(key, longer, tid):
                frees.append(longer if longer and tid in gazetteer.district_townships(longer) else key)
        for tids, key, _, longer in found.townships:
            if tid not in tids and self._explained(key, longer, tid):
                frees.append(longer if longer and tid in gazetteer.district_townships(longer) else key)
        neighbourhoods = [(keys, whole) for keys, kind, whole, _ in found.districts if kind == "mah"]
        if neighbourhoods:
            for keys, _ in neighbourhoods:
                for key in keys:
                    dids = gazetteer.named_in.get((tid, key))
                    if dids:
                        return self._one(dids, villages | set(frees), "mah")
            in_township = gazetteer.in_township.get(tid, [])
            pool = [did for did in in_township if gazetteer.district_list[did].village in villages] or in_township
            for keys, whole in neighbourhoods:
                did = self._fuzzy(pool, keys[0], whole, "mah")
                if did >= 0:
                    return did
            return -1
        # A name written bare before its township, in the village written ("Aluçlubel Köyü
        # Asımbey Zara Sivas"), then the village itself, then a bare name alone.
        bare = [did for key in frees for did in gazetteer.named_in.get((tid, key), ())]
        in_village = [did for did in bare if gazetteer.district_list[did].village in villages]
        if in_village:
            return self._one(in_village, villages, "")
        village_mentions = [(keys, kind, whole) for keys, kind, whole, _ in found.districts]
        for keys, kind, _ in village_mentions:
            for key in keys:
                # The village itself ("Hıcıp Köyü"), else the one neighbourhood lying in it; a
                # village of several neighbourhoods leaves the district open.
                dids = [did for did in gazetteer.named_in.get((tid, key), ()) if gazetteer.district_list[did].kind == kind]
                if dids:
                    return self._one(dids, set(), kind)
                inside = gazetteer.village_in.get((tid, key), ())
                if inside:
                    return inside[0] if len(inside) == 1 else -1
        if bare and not village_mentions:
            return self._one(sorted(set(bare)), set(), "")  # written without its kind word
        for keys, kind, whole in village_mentions:
            did = self._fuzzy(gazetteer.in_township.get(tid, []), keys[0], whole, kind)
            if did >= 0:
                return did
        return -1

    def _one(self, dids: list[int], villages: set[str], kind: str) -> int:
        """The one of ``dids`` the text means: narrowed by a village written beside it, then by
        kind, then to the one without a village; -1 when several are left."""
        gazetteer = self.gazetteer
        narrowed = [did for did in dids if gazetteer.district_list[did].village in villages]
        if len(dids) > 1 and narrowed:
            return narrowed[0] if len(narrowed) == 1 else -1
        if len(dids) > 1 and kind:
            narrowed = [did for did in dids if gazetteer.district_list[did].kind == kind]
            dids = narrowed or dids
        if len(dids) > 1:
            # "Bağlar Mah" is the name of "Bağlar Mah", not of "Bağlar Mah (karaağaçlı Beldesi)".
            plain = [did for did in dids if not gazetteer.district_list[did].village]
            dids = plain if len(plain) == 1 else dids
        return dids[0] if len(dids) == 1 else -1

    def _fuzzy(self, pool: list[int], key: str, whole: str, kind: str) -> int:
        """The district of ``pool`` a mistyped name clearly means, or -1 (rapidfuzz ratio on
        name and kind, ACCEPT and MARGIN, as :func:`~addrmig.locations.resolver.ranking.decide`)."""
        if not pool:
            return -1
        gazetteer = self.gazetteer
        keys = [gazetteer.district_list[did].base + gazetteer.district_list[did].kind for did in pool]
        for query in dict.fromkeys((key, whole)):
            taken = clearly(query + kind, keys)
            if taken >= 0:
                return pool[taken]
        return -1


def clearly(query: str, keys: list[str]) -> int:
    """The position of the one key ``query`` clearly names (ratio from ACCEPT up, the next key at
    least MARGIN behind), or -1; what ``decide(rank(query, keys, positions))`` takes."""
    from rapidfuzz import fuzz, process

    scores = process.cdist([query], keys, scorer=fuzz.ratio, dtype=np.float32)[0]
    if not len(scores):
        return -1
    best = int(np.argmax(scores))
    if scores[best] < ACCEPT:
        return -1
    if len(scores) > 1:
        second = np.partition(scores, -2)[-2]
        if second > scores[best] - MARGIN:
            return -1
    return best
