"""Weighing the mentions of one address text (:mod:`.reading`) into a place, or into a question.

Every township the text could mean is heard against every mention: a city must be its city,
a township name must be it, a postcode must start with its city's plate code, a
neighbourhood must lie in it. A city or township mention that is the name of one of its own
districts is explained by it ("Hatay / Karabağlar İzmir": Hatay Mah of Karabağlar), anything
else rules it out. The place is taken only when exactly one township is left; several left
(``Merkez`` without its city, a city with a neighbourhood several of its townships have) is a
question for the user, with the candidates as suggestions. Typos are forgiven with the
resolver's rules (:mod:`addrmig.locations.resolver.ranking`), only among the places the rest
of the text leaves open.
"""
from __future__ import annotations

from dataclasses import dataclass

from addrmig.locations.freetext.gazetteer import Gazetteer
from addrmig.locations.freetext.reading import MIN_TYPO_WORD, Mention
from addrmig.locations.resolver.ranking import decide, rank

#: A reading's status: the city and township were found; several places fit; the names
#: written contradict each other; no place named at all.
FOUND, AMBIGUOUS, CONFLICTING, NONE = "found", "ambiguous", "conflicting", "none"
STATUSES = (FOUND, AMBIGUOUS, CONFLICTING, NONE)
#: How many candidate places a question offers.
SUGGESTIONS = 3
_KIND_WORD = {"mah": "mah", "koy": "koyu", "belde": "beldesi"}


@dataclass(frozen=True)
class Reading:
    """What one text says: ``status``; the ``city``, ``township``, ``district`` ids found (-1
    where not settled); ``evidence``: the words read (folded, `` · `` between); ``suggestions``:
    candidate places as ``(city, township, district)`` names, best first; ``note``: why a
    question is one."""

    status: str
    city: int = -1
    township: int = -1
    district: int = -1
    evidence: str = ""
    suggestions: tuple[tuple[str, str, str], ...] = ()
    note: str = ""


@dataclass
class _Mentions:
    """A text's mentions sorted by kind."""

    cities: list[tuple[int, str, str]]          # (city id, key, words)
    townships: list[tuple[list[int], str, str]]  # (township ids, key, words)
    frees: list[tuple[str, str]]                # (key, words): names of districts standing free
    districts: list[tuple[str, str, str, str]]  # (key, kind, whole, words)
    plates: list[tuple[str, str]]               # (plate, code)
    words: list[str]                            # free words, perhaps mistyped names


class Decider:
    """Decides :class:`Reading` s for mention tuples against one gazetteer."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def sort(self, mentions: tuple[Mention, ...]) -> _Mentions:
        gazetteer = self.gazetteer
        out = _Mentions([], [], [], [], [], [])
        for mention in mentions:
            kind = mention[0]
            if kind == "place":
                key, words = mention[1], mention[2]
                if key in gazetteer.townships:
                    out.townships.append((gazetteer.townships[key], key, words))
                elif key in gazetteer.cities:
                    out.cities.append((gazetteer.cities[key], key, words))
                else:
                    out.frees.append((key, words))
            elif kind == "district":
                out.districts.append(mention[1:5])
            elif kind == "postcode":
                out.plates.append((mention[1], mention[2]))
            else:
                out.words.append(mention[1])
        return out

    def decide(self, mentions: tuple[Mention, ...]) -> Reading:
        """The reading of one text's mentions."""
        found = self.sort(mentions)
        reading = self._decide(found)
        if reading.status != FOUND and found.words:
            # A name may be mistyped: look for it among the places the rest leaves open.
            typo = self._typo(found, reading)
            if typo is not None:
                retried = self._decide(typo)
                if retried.status == FOUND:
                    return retried
        return reading

    # ------------------------------------------------------------------ candidates
    def _candidates(self, found: _Mentions) -> list[int]:
        """The townships the text may mean: those of the townships and cities it names (or of
        its postcodes' cities), else those holding the neighbourhood it names."""
        gazetteer = self.gazetteer
        named = {tid for tids, _, _ in found.townships for tid in tids}
        cities = {ciid for ciid, _, _ in found.cities} or {gazetteer.plates[p] for p, _ in found.plates}
        named.update(tid for ciid in cities for tid in gazetteer.city_townships.get(ciid, ()))
        if not named and found.districts:
            # A neighbourhood alone names its township when no other district has its name.
            named = set.union(*(gazetteer.district_townships(key) for key, _, _, _ in found.districts))
        return sorted(named)

    def _explained(self, key: str, tid: int) -> bool:
        """Whether ``key`` names a district of township ``tid`` (so a city or township name
        written there may be its neighbourhood's)."""
        return tid in self.gazetteer.district_townships(key)

    def _holds(self, tid: int, key: str, kind: str) -> bool:
        gazetteer = self.gazetteer
        if any(gazetteer.district_list[did].tid == tid for did in gazetteer.districts.get(key, ())):
            return True
        return kind != "mah" and any(gazetteer.district_list[did].tid == tid for did in gazetteer.villages.get(key, ()))

    def _heard(self, found: _Mentions, tid: int) -> tuple[int, int, int, int]:
        """(names it contradicts, names it explains as its districts', neighbourhoods it does not
        hold, postcodes it contradicts)."""
        gazetteer = self.gazetteer
        city = int(gazetteer.township_city[tid])
        against = explained = 0
        for ciid, key, _ in found.cities:
            if ciid != city:
                if self._explained(key, tid):
                    explained += 1
                else:
                    against += 1
        for tids, key, _ in found.townships:
            if tid not in tids:
                if self._explained(key, tid):
                    explained += 1
                else:
                    against += 1
        missing = sum(1 for key, kind, _, _ in found.districts if not self._holds(tid, key, kind))
        plate = gazetteer.city_plate.get(city)
        wrong_plate = sum(1 for p, _ in found.plates if p != plate)
        return against, explained, missing, wrong_plate

    # ------------------------------------------------------------------ deciding
    def _decide(self, found: _Mentions) -> Reading:
        candidates = self._candidates(found)
        if not candidates:
            return Reading(NONE, evidence=self._evidence(found, None))
        heard = {tid: self._heard(found, tid) for tid in candidates}
        consistent = [tid for tid in candidates if heard[tid][0] == 0]
        if consistent:
            # A name read as its own place beats a name explained away as a district's.
            fewest = min(heard[tid][1] for tid in consistent)
            consistent = [tid for tid in consistent if heard[tid][1] == fewest]
        else:
            ranked = sorted(candidates, key=lambda tid: heard[tid])
            return Reading(CONFLICTING, evidence=self._evidence(found, None),
                           suggestions=self._suggest(found, ranked),
                           note="the places written contradict each other")
        # All mentions heard; then a postcode may be wrong; then a neighbourhood may be
        # mistyped or unknown: the first of these that leaves any township decides.
        for wanted in ((0, 0), (None, 0), (0, None), (None, None)):
            left = [tid for tid in consistent
                    if (wanted[0] is None or heard[tid][3] == wanted[0])
                    and (wanted[1] is None or heard[tid][2] == wanted[1])]
            if left:
                break
        if len(left) == 1:
            tid = left[0]
            return Reading(FOUND, int(self.gazetteer.township_city[tid]), tid, self._district(found, tid),
                           evidence=self._evidence(found, tid))
        cities = {int(self.gazetteer.township_city[tid]) for tid in left}
        city = cities.pop() if len(cities) == 1 and (found.cities or found.plates) else -1
        note = (f"{len(left)} townships of {self.gazetteer.city_names[city]} fit" if city >= 0
                else f"{len(left)} places fit")
        return Reading(AMBIGUOUS, city, evidence=self._evidence(found, None), suggestions=self._suggest(found, left),
                       note=note)

    def _typo(self, found: _Mentions, reading: Reading) -> _Mentions | None:
        """The mentions with one free word read as a mistyped city or township among the places
        the others leave open; None when no word is clearly one."""
        gazetteer = self.gazetteer
        words = [w for w in dict.fromkeys(found.words) if len(w) >= MIN_TYPO_WORD]
        if not words:
            return None
        candidates = self._candidates(found)
        if (found.cities or found.plates) and not found.townships:
            # The township mistyped: among the named city's townships, those holding the
            # neighbourhood named when some do.
            holding = [tid for tid in candidates
                       if all(self._holds(tid, key, kind) for key, kind, _, _ in found.districts)]
            candidates = holding or candidates
            taken = self._clear(words, [gazetteer.township_keys[tid] for tid in candidates], candidates)
            if taken is None:
                return None
            tid, word = taken
            return _replace(found, townships=found.townships + [([tid], gazetteer.township_keys[tid], word)])
        if found.townships and not found.cities:
            # The city mistyped: among the cities of the townships named.
            cities = sorted({int(gazetteer.township_city[tid]) for tid in candidates})
            taken = self._clear(words, [gazetteer.city_keys[c] for c in cities], cities)
            if taken is None:
                return None
            ciid, word = taken
            return _replace(found, cities=found.cities + [(ciid, gazetteer.city_keys[ciid], word)])
        return None

    @staticmethod
    def _clear(words: list[str], keys: list[str], owners: list[int]) -> tuple[int, str] | None:
        """The one owner some word clearly names (rapidfuzz ratio, ACCEPT and MARGIN), and the
        word; None when none does or several words name different owners."""
        if not keys:
            return None
        taken = {}
        for word in words:
            verdict, ids, _ = decide(rank(word, keys, owners))
            if verdict == "take":
                taken.setdefault(ids[0], word)
        return next(iter(taken.items())) if len(taken) == 1 else None

    # ------------------------------------------------------------------ the district
    def _district(self, found: _Mentions, tid: int) -> int:
        """The district of township ``tid`` the text names, or -1 when it names none or
        several fit."""
        gazetteer = self.gazetteer
        in_township = gazetteer.in_township.get(tid, [])
        villages = {key for key, kind, _, _ in found.districts if kind != "mah"}
        # Names standing free, and city or township names the township explains as its districts'.
        city = int(gazetteer.township_city[tid])
        frees = [key for key, _ in found.frees]
        frees += [key for ciid, key, _ in found.cities if ciid != city and self._explained(key, tid)]
        frees += [key for tids, key, _ in found.townships if tid not in tids and self._explained(key, tid)]
        villages.update(frees)
        neighbourhoods = [(key, whole) for key, kind, whole, _ in found.districts if kind == "mah"]
        if neighbourhoods:
            for key, _ in neighbourhoods:
                dids = [did for did in gazetteer.districts.get(key, ()) if gazetteer.district_list[did].tid == tid]
                if dids:
                    return self._one(dids, villages, "mah")
            pool = [did for did in in_township if gazetteer.district_list[did].village in villages] or in_township
            for key, whole in neighbourhoods:
                did = self._fuzzy(pool, key, whole, "mah")
                if did >= 0:
                    return did
            return -1
        village_mentions = [(key, kind, whole) for key, kind, whole, _ in found.districts]
        for key, kind, _ in village_mentions:
            dids = [did for did in gazetteer.districts.get(key, ()) if gazetteer.district_list[did].tid == tid]
            if dids:
                return self._one(dids, set(), kind)
            inside = [did for did in gazetteer.villages.get(key, ()) if gazetteer.district_list[did].tid == tid]
            if len(inside) == 1:
                return inside[0]
        for key, kind, whole in village_mentions:
            did = self._fuzzy(in_township, key, whole, kind)
            if did >= 0:
                return did
        if not village_mentions:
            # A district's name standing free, next to its township ("Davutlar Kuşadası Aydın").
            dids = {did for key in frees for did in gazetteer.districts.get(key, ())
                    if gazetteer.district_list[did].tid == tid}
            if len(dids) == 1:
                return dids.pop()
        return -1

    def _one(self, dids: list[int], villages: set[str], kind: str) -> int:
        """The one of ``dids`` the text means: narrowed by a village written beside it, then by
        kind; -1 when several are left."""
        gazetteer = self.gazetteer
        narrowed = [did for did in dids if gazetteer.district_list[did].village in villages]
        if len(dids) > 1 and narrowed:
            return narrowed[0] if len(narrowed) == 1 else -1
        if len(dids) > 1:
            narrowed = [did for did in dids if gazetteer.district_list[did].kind == kind]
            dids = narrowed or dids
        if len(dids) > 1:
            # "Bağlar Mah" is the name of "Bağlar Mah", not of "Bağlar Mah (karaağaçlı Beldesi)".
            plain = [did for did in dids if not gazetteer.district_list[did].village]
            dids = plain if len(plain) == 1 else dids
        return dids[0] if len(dids) == 1 else -1

    def _fuzzy(self, pool: list[int], key: str, whole: str, kind: str) -> int:
        """The district of ``pool`` a mistyped name clearly means, or -1."""
        if not pool:
            return -1
        gazetteer = self.gazetteer
        keys = [gazetteer.district_list[did].base + gazetteer.district_list[did].kind for did in pool]
        for query in dict.fromkeys((key, whole)):
            verdict, ids, _ = decide(rank(query + kind, keys, pool))
            if verdict == "take":
                return ids[0]
        return -1

    # ------------------------------------------------------------------ for the person
    def _evidence(self, found: _Mentions, tid: int | None) -> str:
        """The words the place came from (all the place words read when none was found)."""
        parts = []
        gazetteer = self.gazetteer
        city = int(gazetteer.township_city[tid]) if tid is not None else None
        for key, kind, _, words in found.districts:
            if tid is None or self._holds(tid, key, kind) or kind == "mah":
                parts.append(f"{words} {_KIND_WORD[kind]}")
        for tids, _, words in found.townships:
            if tid is None or tid in tids:
                parts.append(words)
        for ciid, _, words in found.cities:
            if city is None or ciid == city:
                parts.append(words)
        for plate, code in found.plates:
            if city is None or gazetteer.city_plate.get(city) == plate:
                parts.append(code)
        return " · ".join(parts)

    def _suggest(self, found: _Mentions, tids: list[int]) -> tuple[tuple[str, str, str], ...]:
        gazetteer = self.gazetteer
        out = []
        for tid in tids[:SUGGESTIONS]:
            district = self._district(found, tid)
            out.append((gazetteer.city_names[int(gazetteer.township_city[tid])], gazetteer.township_names[tid],
                        gazetteer.district_names[district] if district >= 0 else ""))
        return tuple(out)


def _replace(found: _Mentions, **changes) -> _Mentions:
    values = dict(found.__dict__)
    values.update(changes)
    return _Mentions(**values)
