"""The words an address is written with, by what they do in it.

Turkish addresses name a neighbourhood with a suffix word (``Kültür Mah.``, ``Hıcıp Köyü``),
streets and buildings with theirs (``Bağdat Cad.``, ``Gül Apt.``, ``Yıldız Sitesi``), and
flats with unit words (``No:9``, ``Kat 3``, ``D:5``). A name is a place only where no such
word makes it something else: ``İstanbul Cad.`` is a street. Every word here is folded
(:func:`addrmig.text.fold`: lower case, ASCII letters) and classified once per distinct word.
"""
from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz, process

#: Word classes, one small integer each: a word, digits, digits and letters ("9b", "no53").
WORD, NUMBER, LONG_NUMBER, MAH, KOY, BELDE, STREET, BUILDING, UNIT, ADMIN, COUNTRY, SEPARATOR = range(12)
#: The classes that name a kind of neighbourhood, and the kind each names.
KINDS = {MAH: "mah", KOY: "koy", BELDE: "belde"}
#: The classes a name can be made of ("19 Mayıs", "75. Yıl Osb").
NAME_CLASSES = (WORD, NUMBER)

_KIND_WORDS = {
    MAH: ("mah", "mahallesi", "mahalle", "mh", "mahal", "mahalesi", "mahlesi", "mahallsi", "mahalles", "mhl",
          "mahellesi", "mahallesii", "mha"),
    KOY: ("koyu", "koy", "koyleri", "ky"),
    BELDE: ("beldesi", "belde", "bld", "beld"),
}
_STREET_WORDS = ("cad", "cd", "cadde", "caddesi", "cadd", "caddes", "cadesi", "caad", "cadessi", "cde", "sok",
                 "sk", "sokak", "sokagi", "soka", "skk", "sokk", "so", "sokakl", "bulvar", "bulvari", "bulv",
                 "blv", "bul", "blvr", "meydani", "yolu", "cikmazi", "yokusu", "caddesinde", "sokakta",
                 "sokaginda")
_BUILDING_WORDS = ("apt", "ap", "apart", "apartmani", "apartman", "aprt", "sitesi", "sit", "site", "siteleri",
                   "blok", "blk", "bloklari", "evleri", "konutlari", "konutu", "konaklari", "residence",
                   "residance", "rezidans", "rezidansi", "rezidance", "tower", "kule", "kulesi", "plaza",
                   "plazasi", "ishani", "pasaji", "carsisi", "avm", "merkezi", "kooperatifi",
                   "koop", "kooperatif", "lojmanlari", "lojmani", "lojman", "yurdu", "hastanesi", "universitesi",
                   "fakultesi", "lisesi", "okulu", "ilkokulu", "belediyesi", "mudurlugu", "subesi", "magazasi",
                   "bankasi", "eczanesi", "market", "bolgesi", "kampusu", "oteli", "otel", "hotel", "villalari",
                   "villa", "villalar", "ltd", "sti", "as", "tic", "san", "insaat", "holding",
                   "camisi", "camii", "karakolu", "mudurlugu", "baskanligi", "dairesi", "noterligi")
_UNIT_WORDS = ("no", "numara", "nolu", "num", "nu", "kat", "daire", "da", "dr", "dai", "bina", "giris", "zemin",
               "ic", "dis", "kapi", "kapisi", "oda", "etap", "parsel", "pafta", "posta", "kodu", "pk", "tel",
               "telefon", "gsm", "yani", "karsisi", "arkasi", "yakini", "bitisigi", "adres", "aciklamasi", "ev",
               "is", "ve")
_ADMIN_WORDS = ("ilce", "ilcesi", "il", "ili", "sehir", "ilcemerkezi")
_COUNTRY_WORDS = ("turkiye", "turkey", "tr", "tc", "turkei", "turkiyecumhuriyeti")

_BY_WORD: dict[str, int] = {}
for _cls, _words in ((STREET, _STREET_WORDS), (BUILDING, _BUILDING_WORDS), (UNIT, _UNIT_WORDS),
                     (ADMIN, _ADMIN_WORDS), (COUNTRY, _COUNTRY_WORDS), *_KIND_WORDS.items()):
    for _word in _words:
        _BY_WORD.setdefault(_word, _cls)

#: Long forms a mistyped suffix word is compared with (rapidfuzz ratio, words of 6+ letters).
_LONG_FORMS = {"mahallesi": MAH, "caddesi": STREET, "sokagi": STREET, "bulvari": STREET, "apartmani": BUILDING,
               "sitesi": BUILDING, "konutlari": BUILDING}
_LOOKALIKE_MIN = 82.0


def classify(words: list[str], names: frozenset[str] = frozenset()) -> np.ndarray:
    """The class of each folded word (int8): a suffix word by its list or, from 6 letters up, by
    looking like one ("mahalesi", "caddesı"), unless it is one of ``names`` (place names
    are never suffix words); digits alone are a number, digits with letters a door or a floor,
    a single letter a unit ("No:5/A", "B Blok")."""
    out = np.full(len(words), WORD, dtype=np.int8)
    unknown = []
    for position, word in enumerate(words):
        found = _BY_WORD.get(word)
        if found is not None:
            out[position] = found
        elif word == ",":
            out[position] = SEPARATOR
        elif word.isdigit():
            out[position] = NUMBER
        elif any(ch.isdigit() for ch in word):
            out[position] = LONG_NUMBER  # "no53", "9b", "kat1": a number with a letter is a door or a floor
        elif len(word) == 1:
            out[position] = UNIT  # "No:5/A", "B Blok"
        elif len(word) >= 6 and word not in names:
            unknown.append(position)
    if unknown:
        forms = list(_LONG_FORMS)
        scores = process.cdist([words[p] for p in unknown], forms, scorer=fuzz.ratio, dtype=np.float32)
        best = scores.argmax(axis=1)
        for row, position in enumerate(unknown):
            if scores[row, best[row]] >= _LOOKALIKE_MIN:
                out[position] = _LONG_FORMS[forms[best[row]]]
    return out
