"""Reading an address text into the place mentions it holds.

The text is folded (:func:`fold_text`), split into words, and the words into *runs*: the
words between two suffix or unit words or separators. What follows a run says what it is — a
neighbourhood before ``Mah``/``Köyü``, a street or building before ``Cad``/``Sok``/``Apt``/
``Sitesi`` — and a run followed by nothing of the kind stands where places stand
(``… Kadıköy / İstanbul``). Place names are looked up only in those runs and in the words
before a neighbourhood's name (``Bursa Osmangazi Demirkapı Mah``); a street or building
named after a place is never read as one.

A text becomes a tuple of *mentions*, which :mod:`.deciding` weighs:

- ``("place", key, words, longer, weak)``: a city or township name standing free
  (``longer``: a district name it is part of with the words around it, "adnanmenderes" for
  the "menderes" of "Adnan Menderes Efeler", else ""; ``weak``: it begins the name of the
  neighbourhood that follows, "Taşköprü Merkez Mah", so it may be that name's), or a
  district's name standing right before one ("Mustafa Kemal Buca İzmir");
- ``("district", keys, kind, whole, words)``: the neighbourhood or village before a kind
  word: ``keys`` the endings of the run that name a district, longest first (the run's words
  when none does: a mistyped name), ``whole`` all the run's words, ``words`` for a person;
- ``("postcode", plate, code)``: a 5-digit postcode (``plate``: its first two digits);
- ``("word", word)``: a word standing free that is no name (perhaps a mistyped one).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from addrmig.locations.freetext.gazetteer import MAX_NAME_WORDS, Gazetteer
from addrmig.locations.freetext.vocabulary import (
    BELDE,
    BUILDING,
    KINDS,
    KOY,
    MAH,
    NAME_CLASSES,
    NUMBER,
    SEPARATOR,
    STREET,
    WORD,
    classify,
)

Mention = tuple
#: Separators between places: "Kadıköy/İstanbul", "Bodrum - Muğla", "Pendik, İstanbul", "(…)".
#: A dash between two letters or digits joins the parts of one name ("Evka-2", "İstiklal-Kurtpınar").
_SEPARATORS = re.compile(r"[/,;|()\[\]\\–—_:]|(?<![0-9a-z])-|-(?![0-9a-z])")
_JOINING_DASH = re.compile(r"(?<=[0-9a-z])-(?=[0-9a-z])")
_OTHER = re.compile(r"[^0-9a-z,]+")
_TURKISH = str.maketrans({"İ": "i", "I": "ı"})
_ASCII = str.maketrans({"ı": "i", "ß": "ss"})
# The letters of Turkish words straight to folded ASCII ("I" and "ı" both end as "i").
_QUICK = str.maketrans("İIıŞşĞğÖöÜüÇçÂâÎîÛû", "iiissggoouuccaaiiuu")
#: Free words shorter than this are not compared with names for typos.
MIN_TYPO_WORD = 4


@lru_cache(maxsize=1 << 18)
def fold_token(raw: str) -> tuple[str, ...]:
    """The folded words of one piece of text between spaces: Turkish-aware lower case, ASCII
    letters, separators as ``","``, other punctuation dropped ("Kadıköy/İstanbul" -> ("kadikoy",
    ",", "istanbul"), "No:5" -> ("no", ",", "5"))."""
    if raw.isascii() and raw.isalnum():
        return (raw.lower(),)  # the common case; "I" folds to "i" either way
    quick = raw.translate(_QUICK)
    if quick.isascii() and quick.isalnum():
        return (quick.lower(),)  # Turkish letters only
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", raw).translate(_TURKISH).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_ASCII)
    text = _OTHER.sub(" ", _SEPARATORS.sub(" , ", _JOINING_DASH.sub(" ", text)))
    return tuple(text.split())


def fold_text(text: str) -> str:
    """A whole text folded as :func:`fold_token` folds its pieces, words joined by spaces."""
    return " ".join(word for raw in text.split() for word in fold_token(raw))


class Reader:
    """Reads folded texts (:func:`fold_text`) into mention tuples; words are classified once
    and runs read once each, however many texts hold them."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._names = frozenset(gazetteer.cities) | frozenset(gazetteer.townships) | frozenset(gazetteer.districts)
        #: The names a neighbourhood may have, for :func:`fix_up`.
        self.district_names = frozenset(gazetteer.districts) | frozenset(gazetteer.villages)
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
        fix_up(words, classes, self.district_names)
        out: list[Mention] = []
        count = len(words)
        start = None
        for position in range(count + 1):
            cls = classes[position] if position < count else SEPARATOR
            if cls == NUMBER and len(words[position]) == 5:
                found = self._postcode(words, classes, position)
                if found:
                    out.append(found)
            if cls in NAME_CLASSES:
                if start is None:
                    start = position
                continue
            if start is not None:
                out.extend(self.run(tuple(words[start:position]), cls))
                start = None
        return tuple(out)

    def _postcode(self, words: list[str], classes: list[int], position: int) -> Mention | None:
        code = words[position]
        if code[:2] not in self.gazetteer.plates:
            return None
        after = classes[position + 1] if position + 1 < len(words) else SEPARATOR
        if after in (STREET, BUILDING):
            return None  # "12038 Sokak": a street
        return ("postcode", code[:2], code)

    def run(self, words: tuple[str, ...], after: int) -> tuple[Mention, ...]:
        """The mentions of one run, ``after`` being the class of the word after it; remembered."""
        key = (words, after)
        found = self._runs.get(key)
        if found is None:
            words = self.without_numbers(words)
            if not words:
                found = ()
            elif after in KINDS:
                found = self._district_run(words, KINDS[after])
            elif after in (STREET, BUILDING):
                found = ()  # a street or building name, whatever places it is named after
            else:
                found = self._free_run(words)
            self._runs[key] = found
        return found

    def without_numbers(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """``words`` past their leading numbers ("Daire 9 Kadıköy"), unless a number begins a name
        with the word after it ("16 Eylül", "1200 Evler")."""
        prefixes = self.gazetteer.prefixes
        while words and words[0].isdigit() and (len(words) == 1 or words[0] + words[1] not in prefixes):
            words = words[1:]
        return words

    def _free_run(self, words: tuple[str, ...], tail: tuple[int, str] = (-1, "")) -> tuple[Mention, ...]:
        """City and township names (the longest first, left to right); among the words between
        them, a district's name counts right before one ("Mustafa Kemal Buca İzmir"), other
        words of 4+ letters become ``word`` mentions. ``tail``: (start, key) of a district name
        the run's last words begin ("Taşköprü" of "… Taşköprü Merkez Mah"), which a place name
        from there on may be part of."""
        gazetteer = self.gazetteer
        places = self._longest(words, gazetteer.is_place_name)
        out: list[Mention] = []
        position = 0
        for start, end in places + [(len(words), len(words))]:
            gap = words[position:start]
            districts = self._longest(gap, lambda key: not key.isdigit() and (
                key in gazetteer.districts or key in gazetteer.villages))
            covered = set()
            for d_start, d_end in districts:
                covered.update(range(d_start, d_end))
                if d_end == len(gap) and start < len(words):
                    out.append(("place", "".join(gap[d_start:d_end]), " ".join(gap[d_start:d_end]), "", False))
            out.extend(("word", word) for offset, word in enumerate(gap)
                       if offset not in covered and len(word) >= MIN_TYPO_WORD and word.isalpha())
            if start < len(words):
                key = "".join(words[start:end])
                weak = 0 <= tail[0] <= start
                longer = tail[1] if weak else self._longer(words, start, end)
                out.append(("place", key, " ".join(words[start:end]), longer, weak))
            position = end
        return tuple(out)

    def _longer(self, words: tuple[str, ...], start: int, end: int) -> str:
        """The longest district name made of the place name at ``words[start:end]`` and words
        around it ("Adnan Menderes", "Kazım Karabekir Paşa", "Sarıyer Merkez"), or ""."""
        districts = self.gazetteer.districts
        low = max(0, end - MAX_NAME_WORDS)
        high = min(len(words), start + MAX_NAME_WORDS)
        best = ""
        for first in range(low, start + 1):
            for last in range(end, high + 1):
                if (first, last) != (start, end) and last - first <= MAX_NAME_WORDS:
                    key = "".join(words[first:last])
                    if key in districts and len(key) > len(best):
                        best = key
        return best

    def _district_run(self, words: tuple[str, ...], kind: str) -> tuple[Mention, ...]:
        """A neighbourhood's name is an ending of the run that names a district (or a village,
        before ``Köyü``); all such endings are kept, longest first, and the words before the
        longest are read as standing free."""
        gazetteer = self.gazetteer
        endings = self._endings(words, kind)
        if not endings and len(words) > 1 and words[-1] in ("koy", "koyu") and kind == "mah":
            words = words[:-1]  # "Taşlık Köyü Mahallesi": the village that became a neighbourhood
            endings = self._endings(words, kind)
        count = len(words)
        if endings:
            # The words before the shortest name are read as standing free ("Kastamonu Taşköprü
            # Merkez Mah": Taşköprü is a township, even though "Taşköprü Merkez" is a district's
            # name somewhere); the names, longest first, are weighed against the places read.
            split = endings[-1]
            keys = tuple("".join(words[start:]) for start in endings)
            mention = ("district", keys, kind, "".join(words), " ".join(words[endings[0]:]))
            tail = (endings[0], keys[0]) if endings[0] < split else (-1, "")
            return self._free_run(words[:split], tail) + (mention,)
        # A mistyped name: it starts after the last city or township written before it; a run
        # ending with one names the neighbourhood after it ("Aydın Efeler Mahallesi").
        places = self._longest(words, gazetteer.is_place_name)
        split = places[-1][1] if places else 0
        if split == count:
            name = words[places[-1][0]:]
            mention = ("district", ("".join(name),), kind, "".join(words), " ".join(name))
            return self._free_run(words) + (mention,)
        mention = ("district", ("".join(words[split:]),), kind, "".join(words), " ".join(words[split:]))
        return self._free_run(words[:split]) + (mention,)

    def _endings(self, words: tuple[str, ...], kind: str) -> list[int]:
        """Where the endings of ``words`` that name a district start, longest first."""
        count = len(words)
        return [start for start in range(max(0, count - MAX_NAME_WORDS), count)
                if _names_district(self.gazetteer, "".join(words[start:]), kind)]

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


def _names_district(gazetteer: Gazetteer, key: str, kind: str) -> bool:
    return not key.isdigit() and (key in gazetteer.districts or (kind != "mah" and key in gazetteer.villages))


def fix_up(words: list[str], classes: list[int], names: frozenset[str]) -> None:
    """Classes that depend on the words around, changed in place: suffix words before a kind
    word are part of the name when the words together name a district of the database
    ("Sanayi Mah", "Karşı Küme Evleri Mah", "Camii Kebir Mah"), and so is ``Köy`` before
    ``Mah`` ("Taşlık Köyü Mahallesi"); "İş Hanı", "İş Merkezi" name a building (not the township
    Hani), so the words before them are its name."""
    for position in range(1, len(words)):
        cls = classes[position]
        if cls in KINDS:
            key = ""
            for start in range(position - 1, max(-1, position - 1 - MAX_NAME_WORDS), -1):
                if classes[start] == SEPARATOR:
                    break
                key = words[start] + key
                if key in names:
                    for inside in range(start, position):
                        classes[inside] = WORD if classes[inside] != NUMBER else NUMBER
            if cls == MAH and classes[position - 1] in (KOY, BELDE):
                classes[position - 1] = WORD
        elif words[position - 1] == "is" and words[position] in ("hani", "merkezi"):
            classes[position - 1] = classes[position] = BUILDING  # "Marmara İş Hanı": a building
