"""Reading an address text into the place mentions it holds.

The text is folded (:func:`normalise`), split into words, and the words into *runs*: the
words between two suffix, unit or number words or separators. What follows a run says what
it is — a neighbourhood before ``Mah``/``Köyü``, a street or building before ``Cad``/``Sok``/
``Apt``/``Sitesi`` — and a run followed by nothing of the kind stands where places stand
(``… Kadıköy / İstanbul``). Place names are looked up only in those runs and in the words
before a neighbourhood's name (``Bursa Osmangazi Demirkapı Mah``); a street or building
named after a place is never read as one.

A text becomes a tuple of *mentions*, which :mod:`.deciding` weighs:

- ``("place", key, words)``: a city, township or district name standing free;
- ``("district", key, kind, whole, words)``: the neighbourhood or village before a kind word
  (``whole``: all the run's words, for a mistyped name whose last words happen to be a name);
- ``("postcode", plate, code)``: a 5-digit postcode (``plate``: its first two digits);
- ``("word", word)``: a word standing free that is no name (perhaps a mistyped one).
"""
from __future__ import annotations

import pandas as pd

from addrmig.locations.freetext.gazetteer import MAX_NAME_WORDS, Gazetteer
from addrmig.locations.freetext.vocabulary import (
    BELDE,
    BUILDING,
    KINDS,
    KOY,
    LONG_NUMBER,
    MAH,
    NAME_CLASSES,
    SEPARATOR,
    STREET,
    WORD,
    classify,
)

Mention = tuple
#: Separators between places: "Kadıköy/İstanbul", "Bodrum - Muğla", "Pendik, İstanbul", "(…)".
_SEPARATORS = r"[/,;|()\[\]\\\-–—_]"
#: Free words shorter than this are not compared with names for typos.
MIN_TYPO_WORD = 4


def normalise(texts: pd.Series) -> pd.Series:
    """Each text folded for reading: Turkish-aware lower case, ASCII letters, separators as
    `` , ``, other punctuation as spaces (Arrow kernels, no Python loop)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pa.chunked_array([pa.array(texts.astype("string").fillna("").array, type=pa.large_string())])
    values = pc.utf8_normalize(values, form="NFC")
    values = pc.replace_substring(pc.replace_substring(values, "İ", "i"), "I", "ı")
    values = pc.utf8_normalize(pc.utf8_lower(values), form="NFKD")
    values = pc.replace_substring_regex(values, "[\u0300-\u036f]", "")
    values = pc.replace_substring(pc.replace_substring(values, "ı", "i"), "ß", "ss")
    values = pc.replace_substring_regex(values, _SEPARATORS, " , ")
    values = pc.replace_substring_regex(values, "[^0-9a-z,]+", " ")
    return pd.Series(pd.array(values, dtype=pd.ArrowDtype(pa.large_string())), index=texts.index)


class Reader:
    """Reads folded texts (:func:`normalise`) into mention tuples; words are classified once
    and runs read once each, however many texts hold them."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._names = frozenset(gazetteer.cities) | frozenset(gazetteer.townships) | frozenset(gazetteer.districts)
        self._districts = frozenset(gazetteer.districts) | frozenset(gazetteer.villages)
        self._classes: dict[str, int] = {}
        self._runs: dict[tuple, tuple] = {}

    def classes(self, words: list[str]) -> list[int]:
        """The class of each word (see :mod:`.vocabulary`), remembered."""
        known = self._classes
        new = [w for w in dict.fromkeys(words) if w not in known]
        if new:
            known.update(zip(new, classify(new, self._names).tolist()))
        return [known[w] for w in words]

    def read(self, text: str) -> tuple[Mention, ...]:
        """The mentions of one folded text, in the order they are written."""
        words = text.split()
        if not words:
            return ()
        classes = self.classes(words)
        fix_up(words, classes, self._districts)
        out: list[Mention] = []
        count = len(words)
        start = None
        for position in range(count + 1):
            cls = classes[position] if position < count else SEPARATOR
            if cls in NAME_CLASSES:
                if start is None:
                    start = position
                continue
            if start is not None:
                out.extend(self._run(tuple(words[start:position]), cls))
                start = None
            if cls == LONG_NUMBER and len(words[position]) == 5 and words[position].isdigit():
                found = self._postcode(words, classes, position)
                if found:
                    out.append(found)
        return tuple(out)

    def _postcode(self, words: list[str], classes: list[int], position: int) -> Mention | None:
        code = words[position]
        if code[:2] not in self.gazetteer.plates:
            return None
        after = classes[position + 1] if position + 1 < len(words) else SEPARATOR
        if after in (STREET, BUILDING):
            return None  # "12038 Sokak": a street
        return ("postcode", code[:2], code)

    def _run(self, words: tuple[str, ...], after: int) -> tuple[Mention, ...]:
        key = (words, after)
        found = self._runs.get(key)
        if found is None:
            if after in KINDS:
                found = self._district_run(words, KINDS[after])
            elif after in (STREET, BUILDING):
                found = ()  # a street or building name, whatever places it is named after
            else:
                found = self._free_run(words)
            self._runs[key] = found
        return found

    def _free_run(self, words: tuple[str, ...]) -> tuple[Mention, ...]:
        """Names standing free, the longest first, left to right (a city's or township's name
        before a district's of the same length); a district's name counts only right before a
        city's or township's ("Mustafa Kemal Buca İzmir"), other words of 4+ letters become
        ``word`` mentions."""
        gazetteer = self.gazetteer
        spans = self._longest(words, lambda key: not key.isdigit() and (
            gazetteer.is_place_name(key) or key in gazetteer.districts or key in gazetteer.villages))
        out: list[Mention] = []
        position = 0
        for index, (start, end) in enumerate(spans):
            out.extend(self._words(words[position:start]))
            key = "".join(words[start:end])
            before_place = index + 1 < len(spans) and spans[index + 1][0] == end and gazetteer.is_place_name(
                "".join(words[end:spans[index + 1][1]]))
            if gazetteer.is_place_name(key) or before_place:
                out.append(("place", key, " ".join(words[start:end])))
            position = end
        out.extend(self._words(words[position:]))
        return tuple(out)

    @staticmethod
    def _words(words: tuple[str, ...]) -> list[Mention]:
        return [("word", word) for word in words if len(word) >= MIN_TYPO_WORD and word.isalpha()]

    def _district_run(self, words: tuple[str, ...], kind: str) -> tuple[Mention, ...]:
        """A neighbourhood's name is the longest ending of the run that names a district (or a
        village, before ``Köyü``); the words before it are read as standing free."""
        gazetteer = self.gazetteer
        if len(words) > 1 and words[-1] in ("koy", "koyu") and kind == "mah":
            words = words[:-1]  # "Taşlık Köyü Mahallesi": the village that became a neighbourhood
        count = len(words)
        split = None
        for start in range(max(0, count - MAX_NAME_WORDS), count):
            key = "".join(words[start:])
            if key in gazetteer.districts or (kind != "mah" and key in gazetteer.villages):
                split = start
                break
        if split is None:
            # A mistyped name: it starts after the last city or township written before it;
            # a run ending with one names the neighbourhood after it ("Aydın Efeler Mahallesi").
            places = self._longest(words, gazetteer.is_place_name)
            split = places[-1][1] if places else 0
            if split == count:
                name = words[places[-1][0]:]
                return self._free_run(words) + (("district", "".join(name), kind, "".join(words), " ".join(name)),)
        name = words[split:]
        mention = ("district", "".join(name), kind, "".join(words), " ".join(name))
        return self._free_run(words[:split]) + (mention,)

    def _longest(self, words: tuple[str, ...], wanted) -> list[tuple[int, int]]:
        """Spans ``(start, end)`` of ``words`` whose joined key is ``wanted``, longest first,
        left to right, not overlapping."""
        prefixes = self.gazetteer.prefixes
        spans = []
        start = 0
        count = len(words)
        while start < count:
            best = None
            key = ""
            for end in range(start + 1, min(count, start + MAX_NAME_WORDS) + 1):
                key += words[end - 1]
                if key not in prefixes:
                    break
                if wanted(key):
                    best = end
            if best is None:
                start += 1
            else:
                spans.append((start, best))
                start = best
        return spans


def fix_up(words: list[str], classes: list[int], names: frozenset[str]) -> None:
    """Classes that depend on the words around, changed in place: suffix words before a kind
    word are part of the name when the words together name a district of the database
    ("Sanayi Mah", "Karşı Küme Evleri Mah", "Camii Kebir Mah"), and so is ``Köy`` before
    ``Mah`` ("Taşlık Köyü Mahallesi"); "İş Hanı" is a building, not the township Hani."""
    for position in range(1, len(words)):
        cls = classes[position]
        if cls in KINDS:
            key = ""
            for start in range(position - 1, max(-1, position - 1 - MAX_NAME_WORDS), -1):
                if classes[start] in (SEPARATOR, LONG_NUMBER):
                    break
                key = words[start] + key
                if key in names:
                    for inside in range(start, position):
                        classes[inside] = WORD
            if cls == MAH and classes[position - 1] in (KOY, BELDE):
                classes[position - 1] = WORD
        elif words[position] == "hani" and words[position - 1] == "is":
            classes[position] = BUILDING
