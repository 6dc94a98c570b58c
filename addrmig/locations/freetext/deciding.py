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

from addrmig import i18n
from addrmig.locations.freetext.districts import DistrictChoice, clearly
from addrmig.locations.freetext.gazetteer import Gazetteer
from addrmig.locations.freetext.mentions import Mentions, replaced
from addrmig.locations.freetext.reading import MIN_TYPO_WORD, Mention

#: A reading's status: the city and township were found; several places fit; the names
#: written contradict each other; no place named at all.
FOUND, AMBIGUOUS, CONFLICTING, NONE = "found", "ambiguous", "conflicting", "none"
STATUSES = (FOUND, AMBIGUOUS, CONFLICTING, NONE)
#: How many candidate places a question offers.
SUGGESTIONS = 3
#: A mistyped name is looked for among the townships a neighbourhood's name allows only when
#: they are this few: among more, some other word of the text is too likely to look like one.
FEW_TOWNSHIPS = 30
_KIND_WORD = {"mah": "mah", "koy": "koyu", "belde": "beldesi"}


def kind_word(kind: str) -> str:
    """How a kind of neighbourhood is written in a reading's evidence ("mah", "koyu", "beldesi")."""
    return _KIND_WORD[kind]


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


class Decider(DistrictChoice):
    """Decides :class:`Reading` s for mention tuples against one gazetteer."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        super().__init__(gazetteer)
        self._village_cache: dict[tuple, frozenset[int]] = {}

    def sort(self, mentions: tuple[Mention, ...]) -> Mentions:
        gazetteer = self.gazetteer
        out = Mentions([], [], [], [], [], [], [])
        for mention in mentions:
            kind = mention[0]
            if kind == "place":
                _, key, words, longer, weak = mention
                if weak:
                    out.weak.append((key, words, longer, ""))
                elif key in gazetteer.townships:
                    out.townships.append((gazetteer.townships[key], key, words, longer))
                elif key in gazetteer.cities:
                    out.cities.append((gazetteer.cities[key], key, words, longer))
                else:
                    out.frees.append((key, words))
            elif kind == "district":
                out.districts.append(mention[1:5])
                out.weak = [(key, words, longer, mention[2]) for key, words, longer, _ in out.weak]
            elif kind == "postcode":
                out.plates.append((mention[1], mention[2]))
            else:
                out.words.append(mention[1])
        return out

    def decide(self, mentions: tuple[Mention, ...]) -> Reading:
        """The reading of one text's mentions."""
        found = self.sort(mentions)
        quick = self._quick(found)
        if quick is not None:
            return quick
        found = self._weigh_weak(found)
        reading = self._decide(found)
        if reading.status != FOUND:
            # A name may be mistyped: look for it among the places the rest leaves open.
            typo = self._typo(found)
            if typo is not None:
                retried = self._decide(typo)
                if retried.status == FOUND:
                    return retried
        return reading

    def _quick(self, found: Mentions) -> Reading | None:
        """The reading of the most common texts without weighing every candidate — what
        :meth:`_decide` finds for them, with less work: one township name (in the one city named,
        or a name no other township has) settles the place, whatever else is written, since every
        other candidate contradicts it or explains it away; without a township name, one city and
        neighbourhoods only one of its townships holds. None for any other text."""
        if found.weak:
            return None
        gazetteer = self.gazetteer
        cities = {ciid for ciid, _, _, _ in found.cities}
        if len(cities) > 1 or any(longer for _, _, _, longer in found.cities):
            return None
        city = next(iter(cities)) if cities else -1
        if found.townships:
            keys = {key for _, key, _, _ in found.townships}
            if len(keys) != 1 or any(longer for _, _, _, longer in found.townships):
                return None
            tids = found.townships[0][0]
            if city >= 0:
                tids = [tid for tid in tids if gazetteer.township_city[tid] == city]
            elif len(tids) > 1 and (found.districts or found.plates):
                tids = self._held_most(found, tids)
            if len(tids) != 1:
                return None
            tid = tids[0]
        elif city >= 0 and found.districts and all(
                gazetteer.plates[plate] == city for plate, _ in found.plates):
            candidates = sorted(gazetteer.city_townships.get(city, ()))
            settled = self._settle_names(found, candidates)
            # The candidates holding every neighbourhood (in the village written, when one is):
            # what _hear's last figure counts, with sets.
            villages = {key for keys, kind, _, _ in settled.districts if kind != "mah" for key in keys}
            holding = set(candidates)
            if villages and len(villages) < len(settled.districts):
                for keys, kind, _, _ in settled.districts:
                    if kind == "mah":
                        holding &= self._in_villages(keys, frozenset(villages))
            else:
                for keys, kind, _, _ in settled.districts:
                    holding &= self._holding(keys, kind)
            if len(holding) != 1:
                return None
            tid = holding.pop()
        else:
            return None
        if any(len(keys) > 1 for keys, _, _, _ in found.districts):
            found = self._settle_names(found, self._candidates(found))
        return Reading(FOUND, int(gazetteer.township_city[tid]), tid, self._district(found, tid),
                       evidence=self._evidence(found, tid))

    def _held_most(self, found: Mentions, tids: list[int]) -> list[int]:
        """Among townships that share the name written (no city written), those the rest hears
        best — what :meth:`_decide`'s levels leave: postcode and neighbourhoods in their village,
        then neighbourhoods in their village, then postcode and neighbourhoods, then
        neighbourhoods, then postcode, then all."""
        settled = self._settle_names(found, tids)
        villages = {key for keys, kind, _, _ in settled.districts if kind != "mah" for key in keys}
        loose = set(tids)
        for keys, kind, _, _ in settled.districts:
            loose &= self._holding(keys, kind)
        strict = loose
        if villages and len(villages) < len(settled.districts):
            strict = set(tids)
            for keys, kind, _, _ in settled.districts:
                if kind == "mah":
                    strict &= self._in_villages(keys, frozenset(villages))
        plates = {plate for plate, _ in found.plates}
        gazetteer = self.gazetteer
        plated = {tid for tid in tids if all(gazetteer.city_plate.get(int(gazetteer.township_city[tid])) == p
                                              for p in plates)}
        for left in (strict & plated, strict, loose & plated, loose, plated, set(tids)):
            if left:
                return sorted(left)
        return []

    def _weigh_weak(self, found: Mentions) -> Mentions:
        """A name that may begin the neighbourhood's name after it ("Taşköprü Merkez Mah") is read
        as that name when a place the other mentions allow holds a district so named, else as the
        city or township it names."""
        if not found.weak:
            return found
        gazetteer = self.gazetteer
        rest = replaced(found, weak=[])
        allowed = set(self._candidates(rest))
        cities, townships = list(found.cities), list(found.townships)
        for key, words, longer, kind in found.weak:
            holding = self._holding((longer,), kind or "mah")
            if holding and (not allowed or not holding.isdisjoint(allowed)):
                continue  # the neighbourhood's name
            if key in gazetteer.townships:
                townships.append((gazetteer.townships[key], key, words, longer))
            elif key in gazetteer.cities:
                cities.append((gazetteer.cities[key], key, words, longer))
        return replaced(found, cities=cities, townships=townships, weak=[])

    # ------------------------------------------------------------------ candidates
    def _candidates(self, found: Mentions) -> list[int]:
        """The townships the text may mean: those of the townships and cities it names (or of
        its postcodes' cities), else those holding the neighbourhood it names."""
        gazetteer = self.gazetteer
        named = {tid for tids, _, _, _ in found.townships for tid in tids}
        cities = {ciid for ciid, _, _, _ in found.cities} or {gazetteer.plates[p] for p, _ in found.plates}
        named.update(tid for ciid in cities for tid in gazetteer.city_townships.get(ciid, ()))
        if not named and found.districts:
            # A neighbourhood alone names its township when no other district has its name.
            named = set().union(*(self._holding(keys, kind) for keys, kind, _, _ in found.districts))
        return sorted(named)

    def _settle_names(self, found: Mentions, candidates: list[int]) -> Mentions:
        """Each neighbourhood read as the longest of its names some candidate holds ("Yakacık Yeni
        Mah" is Yakacık Yeni, not any Yeni), all of them when none is held."""
        settled = []
        for keys, kind, whole, words in found.districts:
            if len(keys) > 1:
                pool = set(candidates)
                held = [key for key in keys if not pool.isdisjoint(self._holding((key,), kind))]
                keys = tuple(held[:1]) or keys
            settled.append((keys, kind, whole, words))
        return replaced(found, districts=settled)

    def _holding(self, keys: tuple[str, ...], kind: str) -> frozenset[int]:
        """The townships holding a district named by any of ``keys`` (or, for a village, lying in it)."""
        gazetteer = self.gazetteer
        out: frozenset[int] = frozenset()
        for key in keys:
            out |= gazetteer.district_tids.get(key, frozenset())
            if kind != "mah":
                out |= gazetteer.village_tids.get(key, frozenset())
        return out

    def _holds(self, tid: int, keys: tuple[str, ...], kind: str) -> bool:
        gazetteer = self.gazetteer
        return any(tid in gazetteer.district_tids.get(key, ()) or (
            kind != "mah" and tid in gazetteer.village_tids.get(key, ())) for key in keys)

    def _hear(self, found: Mentions, candidates: list[int]) -> dict[int, tuple[int, int, int, int, bool, int]]:
        """Per candidate township: (names it contradicts, names it explains as its districts',
        neighbourhoods it does not hold, postcodes it contradicts, whether a township name names
        it, neighbourhoods it does not hold in the village written beside them). Each mention's
        townships are gathered once as sets, so hearing a candidate is a few look-ups."""
        gazetteer = self.gazetteer
        names = []  # (townships it names, townships it may be a district of, is a township name)
        for ciid, key, _, longer in found.cities:
            names.append((gazetteer.city_township_set[ciid], self._explaining(key, longer), False))
        for tids, key, _, longer in found.townships:
            names.append((frozenset(tids), self._explaining(key, longer), True))
        holding = [self._holding(keys, kind) for keys, kind, _, _ in found.districts]
        villages = {key for keys, kind, _, _ in found.districts if kind != "mah" for key in keys}
        strict_sets = None
        if villages and len(villages) < len(found.districts):
            # "Köseli Köyü, Demirciler Mah": Demirciler Mah of the village Köseli, not any Demirciler.
            strict_sets = [self._in_villages(keys, frozenset(villages))
                           for keys, kind, _, _ in found.districts if kind == "mah"]
        plates = [plate for plate, _ in found.plates]
        city_plate, township_city = gazetteer.city_plate, gazetteer.township_city
        heard = {}
        for tid in candidates:
            against = explained = 0
            named = False
            for naming, explaining, township in names:
                if tid in naming:
                    named = named or township
                elif tid in explaining:
                    explained += 1
                else:
                    against += 1
            missing = sum(1 for held in holding if tid not in held)
            plate = city_plate.get(int(township_city[tid]))
            wrong_plate = sum(1 for p in plates if p != plate)
            strict = missing if strict_sets is None else sum(1 for held in strict_sets if tid not in held)
            heard[tid] = (against, explained, missing, wrong_plate, named, strict)
        return heard

    def _in_villages(self, keys: tuple[str, ...], villages: frozenset[str]) -> frozenset[int]:
        """The townships holding a district named by one of ``keys`` that lies in one of ``villages``."""
        found = self._village_cache.get((keys, villages))
        if found is None:
            gazetteer = self.gazetteer
            found = frozenset(gazetteer.district_list[did].tid for key in keys for village in villages
                              for did in gazetteer.village_in_key.get((key, village), ()))
            self._village_cache[(keys, villages)] = found
        return found

    def _explaining(self, key: str, longer: str) -> frozenset[int]:
        """The townships with a district named ``key`` or ``longer``."""
        gazetteer = self.gazetteer
        out = gazetteer.district_townships(key)
        return out | gazetteer.district_townships(longer) if longer else out

    # ------------------------------------------------------------------ deciding
    def _decide(self, found: Mentions) -> Reading:
        candidates = self._candidates(found)
        if not candidates:
            return Reading(NONE, evidence=self._evidence(found, None))
        found = self._settle_names(found, candidates)
        heard = self._hear(found, candidates)
        consistent = [tid for tid in candidates if heard[tid][0] == 0]
        if consistent:
            # A name read as its own place beats a name explained away as a district's; and a
            # township chosen by explaining names away must be named itself.
            fewest = min(heard[tid][1] for tid in consistent)
            consistent = [tid for tid in consistent if heard[tid][1] == fewest and (fewest == 0 or heard[tid][4])]
        if not consistent:
            ranked = sorted(candidates, key=lambda tid: heard[tid][:4])
            return Reading(CONFLICTING, evidence=self._evidence(found, None),
                           suggestions=self._suggest(found, ranked),
                           note=i18n._("the places written contradict each other"))
        # All mentions heard (a neighbourhood in the village written beside it); then a postcode
        # may be wrong; then the neighbourhood may lie elsewhere than the village, or be mistyped
        # or unknown: the first of these that leaves any township decides.
        for plate, column in ((0, 5), (None, 5), (0, 2), (None, 2), (0, None), (None, None)):
            left = [tid for tid in consistent
                    if (plate is None or heard[tid][3] == plate) and (column is None or heard[tid][column] == 0)]
            if left:
                break
        if len(left) == 1:
            tid = left[0]
            return Reading(FOUND, int(self.gazetteer.township_city[tid]), tid, self._district(found, tid),
                           evidence=self._evidence(found, tid))
        cities = {int(self.gazetteer.township_city[tid]) for tid in left}
        city = cities.pop() if len(cities) == 1 and (found.cities or found.plates) else -1
        note = (i18n._("{n} townships of {city} fit").format(n=len(left), city=self.gazetteer.city_names[city])
                if city >= 0 else i18n._("{n} places fit").format(n=len(left)))
        return Reading(AMBIGUOUS, city, evidence=self._evidence(found, None), suggestions=self._suggest(found, left),
                       note=note)

    def _typo(self, found: Mentions) -> Mentions | None:
        """The mentions with one mistyped name read right, looked for only among the places the
        other mentions leave open; None when no word is clearly one."""
        gazetteer = self.gazetteer
        words = [w for w in dict.fromkeys(found.words) if len(w) >= MIN_TYPO_WORD]
        candidates = self._candidates(found)
        has_city = bool(found.cities or found.plates)
        named_cities = {ciid for ciid, _, _, _ in found.cities} | {gazetteer.plates[p] for p, _ in found.plates}
        in_city = any(int(gazetteer.township_city[tid]) in named_cities for tids, _, _, _ in found.townships
                      for tid in tids)
        if has_city and not in_city:
            candidates = [tid for tid in candidates if int(gazetteer.township_city[tid]) in named_cities]
            holding = [tid for tid in candidates
                       if all(self._holds(tid, keys, kind) for keys, kind, _, _ in found.districts)]
            if words:
                # The township mistyped: among the named city's townships, those holding the
                # neighbourhood named when some do.
                pool = holding or candidates
                taken = self._clear(words, [gazetteer.township_keys[tid] for tid in pool], pool)
                if taken is not None:
                    tid, word = taken
                    return replaced(found, townships=found.townships + [([tid], gazetteer.township_keys[tid], word, "")])
            if found.districts and not holding and not found.townships:
                # The neighbourhood mistyped: among the city's districts.
                return self._district_typo(found, candidates)
            return None
        if found.townships and not found.cities and words:
            # The city mistyped: among the cities of the townships named.
            cities = sorted({int(gazetteer.township_city[tid]) for tid in candidates})
            taken = self._clear(words, [gazetteer.city_keys[c] for c in cities], cities)
            if taken is not None:
                ciid, word = taken
                return replaced(found, cities=[(ciid, gazetteer.city_keys[ciid], word, "")])
        if not found.townships and not has_city and found.districts and words:
            # Neither written right: among the places the neighbourhood's name allows (townships
            # only when they are few: among many, some other word is too likely to look like one).
            if len(candidates) <= FEW_TOWNSHIPS:
                taken = self._clear(words, [gazetteer.township_keys[tid] for tid in candidates], candidates)
                if taken is not None:
                    tid, word = taken
                    return replaced(found, townships=[([tid], gazetteer.township_keys[tid], word, "")])
            cities = sorted({int(gazetteer.township_city[tid]) for tid in candidates})
            taken = self._clear(words, [gazetteer.city_keys[c] for c in cities], cities)
            if taken is not None:
                ciid, word = taken
                return replaced(found, cities=[(ciid, gazetteer.city_keys[ciid], word, "")])
        return None

    def _district_typo(self, found: Mentions, tids: list[int]) -> Mentions | None:
        """The mentions with a mistyped neighbourhood read as the one district of townships
        ``tids`` it clearly names; None when it names none clearly."""
        gazetteer = self.gazetteer
        pool = [did for tid in tids for did in gazetteer.in_township.get(tid, ())]
        districts = []
        for keys, kind, whole, words in found.districts:
            did = self._fuzzy(pool, keys[0], whole, kind)
            if did < 0:
                return None
            districts.append(((gazetteer.district_list[did].base,), kind, whole, words))
        return replaced(found, districts=districts)

    @staticmethod
    def _clear(words: list[str], keys: list[str], owners: list[int]) -> tuple[int, str] | None:
        """The one owner some word clearly names (rapidfuzz ratio, ACCEPT and MARGIN), and the
        word; None when none does or several words name different owners."""
        if not keys:
            return None
        taken = {}
        for word in words:
            position = clearly(word, keys)
            if position >= 0:
                taken.setdefault(owners[position], word)
        return next(iter(taken.items())) if len(taken) == 1 else None

    # ------------------------------------------------------------------ for the person
    def _evidence(self, found: Mentions, tid: int | None) -> str:
        """The words the place came from (all the place words read when none was found)."""
        parts = []
        gazetteer = self.gazetteer
        city = int(gazetteer.township_city[tid]) if tid is not None else None
        for keys, kind, _, words in found.districts:
            if tid is None or kind == "mah" or self._holds(tid, keys, kind):
                parts.append(f"{words} {_KIND_WORD[kind]}")
        for tids, _, words, _ in found.townships:
            if tid is None or tid in tids:
                parts.append(words)
        for ciid, _, words, _ in found.cities:
            if city is None or ciid == city:
                parts.append(words)
        for plate, code in found.plates:
            if city is None or gazetteer.city_plate.get(city) == plate:
                parts.append(code)
        return " · ".join(dict.fromkeys(parts))

    def _suggest(self, found: Mentions, tids: list[int]) -> tuple[tuple[str, str, str], ...]:
        gazetteer = self.gazetteer
        out = []
        for tid in tids[:SUGGESTIONS]:
            district = self._district(found, tid)
            out.append((gazetteer.city_names[int(gazetteer.township_city[tid])], gazetteer.township_names[tid],
                        gazetteer.district_names[district] if district >= 0 else ""))
        return tuple(out)


