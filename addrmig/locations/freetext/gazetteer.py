"""The database's place names as the address reader looks them up: by folded key, with
each name's places, built once per :class:`LocationDB` and cached on it."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from addrmig.locations.db import LocationDB
from addrmig.locations.keys import CITY_ALIASES, TOWNSHIP_ALIASES
from addrmig.text import fold_series

#: The first two digits of a Turkish postcode are the city's plate code.
PLATE_CODES: dict[str, str] = {
    "adana": "01", "adiyaman": "02", "afyonkarahisar": "03", "agri": "04", "amasya": "05", "ankara": "06",
    "antalya": "07", "artvin": "08", "aydin": "09", "balikesir": "10", "bilecik": "11", "bingol": "12",
    "bitlis": "13", "bolu": "14", "burdur": "15", "bursa": "16", "canakkale": "17", "cankiri": "18",
    "corum": "19", "denizli": "20", "diyarbakir": "21", "edirne": "22", "elazig": "23", "erzincan": "24",
    "erzurum": "25", "eskisehir": "26", "gaziantep": "27", "giresun": "28", "gumushane": "29", "hakkari": "30",
    "hatay": "31", "isparta": "32", "mersin": "33", "istanbul": "34", "izmir": "35", "kars": "36",
    "kastamonu": "37", "kayseri": "38", "kirklareli": "39", "kirsehir": "40", "kocaeli": "41", "konya": "42",
    "kutahya": "43", "malatya": "44", "manisa": "45", "kahramanmaras": "46", "mardin": "47", "mugla": "48",
    "mus": "49", "nevsehir": "50", "nigde": "51", "ordu": "52", "rize": "53", "sakarya": "54", "samsun": "55",
    "siirt": "56", "sinop": "57", "sivas": "58", "tekirdag": "59", "tokat": "60", "trabzon": "61",
    "tunceli": "62", "sanliurfa": "63", "usak": "64", "van": "65", "yozgat": "66", "zonguldak": "67",
    "aksaray": "68", "bayburt": "69", "karaman": "70", "kirikkale": "71", "batman": "72", "sirnak": "73",
    "bartin": "74", "ardahan": "75", "igdir": "76", "yalova": "77", "karabuk": "78", "kilis": "79",
    "osmaniye": "80", "duzce": "81",
}
#: Longest place name looked for, in words ("Tayyar Şahin Çiftliği").
MAX_NAME_WORDS = 8
_KIND_WORDS = frozenset({"koyu", "koy", "beldesi", "belde", "mah", "mahallesi", "mh"})
_NONE: frozenset[int] = frozenset()


@dataclass
class District:
    """One district as the reader compares it: ``base`` and ``kind`` (``mah``/``koy``/``belde``),
    ``village``: the folded name of the village or town it lies in ("" for none)."""

    did: int
    tid: int
    base: str
    kind: str
    village: str


class Gazetteer:
    """Folded keys of the database's cities, townships and districts, and their places.

    ``cities``: key -> city id (official names, then the former and popular names that are no
    township's name); ``townships``: key -> township ids (a name several cities share has
    several); ``districts``: base key -> district ids; ``villages``: the folded name of a
    village or town districts lie in ("köseli" of "Demirciler Mah (köseli Köyü)") -> their ids;
    ``prefixes``: every beginning of any of these keys, so a reader knows when to stop adding
    words; names by id for output."""

    def __init__(self, db: LocationDB) -> None:
        index = db.index
        cities, townships, districts = index.cities, index.townships, index.districts
        self.city_names: list[str] = cities["name"].tolist()
        self.city_country: list[str] = cities["country"].tolist()
        self.township_names: list[str] = townships["name"].tolist()
        self.township_city: np.ndarray = townships["ciid"].to_numpy(dtype=np.int64)
        self.township_keys: list[str] = townships["key"].tolist()
        self.city_keys: list[str] = cities["key"].tolist()
        self.district_names: list[str] = districts["name"].tolist()
        self.townships = _grouped(townships["key"].tolist(), townships["tid"].tolist())
        for alias, target in TOWNSHIP_ALIASES.items():
            if alias not in self.townships and target in self.townships:
                self.townships[alias] = self.townships[target]
        self.cities = {key: ids[0] for key, ids in _grouped(cities["key"].tolist(), cities["ciid"].tolist()).items()}
        for alias, target in CITY_ALIASES.items():
            # "İzmit" and "Antakya" are townships first: their city follows from them.
            if alias not in self.cities and alias not in self.townships and target in self.cities:
                self.cities[alias] = self.cities[target]
        self.plates: dict[str, int] = {PLATE_CODES[key]: ciid for key, ciid in self.cities.items()
                                       if key in PLATE_CODES and CITY_ALIASES.get(key, key) == key}
        self.city_plate: dict[int, str] = {ciid: plate for plate, ciid in self.plates.items()}
        folded_names = fold_series(districts["name"].astype("str"))
        villages = _villages(districts["name"].astype("str"))
        self.district_list: list[District] = [
            District(did, tid, base, kind, village) for did, tid, base, kind, village in zip(
                districts["did"].tolist(), districts["tid"].tolist(), districts["base"].tolist(),
                districts["kind"].tolist(), villages)]
        self.districts = _grouped(districts["base"].tolist(), districts["did"].tolist())
        self.villages = _grouped([v for v in villages if v], [d.did for d in self.district_list if d.village])
        self.in_township: dict[int, list[int]] = _grouped([d.tid for d in self.district_list],
                                                          [d.did for d in self.district_list])
        # (township, key) -> districts, and key -> townships, for the questions asked per text
        self.named_in: dict[tuple[int, str], list[int]] = _grouped(
            [(d.tid, d.base) for d in self.district_list], [d.did for d in self.district_list])
        self.village_in_key: dict[tuple[str, str], list[int]] = _grouped(
            [(d.base, d.village) for d in self.district_list if d.village],
            [d.did for d in self.district_list if d.village])
        self.village_in: dict[tuple[int, str], list[int]] = _grouped(
            [(d.tid, d.village) for d in self.district_list if d.village],
            [d.did for d in self.district_list if d.village])
        self.district_tids: dict[str, frozenset[int]] = {
            key: frozenset(self.district_list[did].tid for did in dids) for key, dids in self.districts.items()}
        self.village_tids: dict[str, frozenset[int]] = {
            key: frozenset(self.district_list[did].tid for did in dids) for key, dids in self.villages.items()}
        self.city_townships: dict[int, list[int]] = _grouped(self.township_city.tolist(),
                                                             list(range(len(self.township_names))))
        self.city_township_set: dict[int, frozenset[int]] = {
            ciid: frozenset(tids) for ciid, tids in self.city_townships.items()}
        self._district_townships: dict[str, frozenset[int]] = {}
        self._name_hashes: tuple[np.ndarray, np.ndarray] | None = None
        self._names_table: dict | None = None
        #: Every word of every district's name, folded ("camii", "kebir", "küme"…).
        self.name_words: frozenset[str] = frozenset(" ".join(folded_names.tolist()).split())
        self.prefixes: frozenset[str] = frozenset(
            key[:end] for keys in (self.cities, self.townships, self.districts, self.villages)
            for key in keys for end in range(1, len(key) + 1))

    def prepared(self) -> Gazetteer:
        """This gazetteer with the tables it builds on first use built now (before a fork, so
        that forked workers share them); returns itself."""
        self.names_table()
        self._name_hashes = self.name_hashes
        return self

    @property
    def name_hashes(self) -> tuple[np.ndarray, np.ndarray]:
        """(:func:`text_hash` of every district name, of every district or village name), each
        sorted, for looking names up among arrays of hashes (built on first use)."""
        if self._name_hashes is None:
            districts = np.unique(np.array([text_hash(key) for key in self.districts], dtype=np.uint64))
            villages = np.array([text_hash(key) for key in self.villages], dtype=np.uint64)
            self._name_hashes = districts, np.unique(np.r_[districts, villages])
        return self._name_hashes

    def names_table(self) -> dict[str, tuple[np.ndarray, list[str]]]:
        """Per level (``country``, ``city``, ``township``, ``district``): a code per id into a
        list of the distinct names, "" last (names repeat: "Merkez"); a country per city id."""
        if self._names_table is None:
            table = {}
            for level, names in (("country", self.city_country), ("city", self.city_names),
                                 ("township", self.township_names), ("district", self.district_names)):
                codes, distinct = pd.factorize(pd.Series(names, dtype=object))
                table[level] = (codes.astype(np.int64), list(distinct) + [""])
            self._names_table = table
        return self._names_table

    def is_place_name(self, key: str) -> bool:
        """Whether ``key`` is the name of a city or a township."""
        return key in self.cities or key in self.townships

    def district_townships(self, key: str) -> frozenset[int]:
        """The townships holding a district called ``key`` or lying in a village called ``key``."""
        found = self._district_townships.get(key)
        if found is None:
            found = self._district_townships[key] = self.district_tids.get(key, _NONE) | self.village_tids.get(key, _NONE)
        return found


#: The base of :func:`text_hash`.
HASH_BASE = 1_000_003
_MASK = (1 << 64) - 1


def text_hash(text: str) -> int:
    """A 64-bit polynomial hash of ``text``'s characters; the hash of ``a + b`` is
    ``text_hash(a) * HASH_BASE ** len(b) + text_hash(b)`` (mod 2**64), so the hashes of words
    joined together can be computed from the words' hashes with array operations."""
    value = 0
    for char in text:
        value = (value * HASH_BASE + ord(char)) & _MASK
    return value


def _villages(names: pd.Series) -> list[str]:
    """The folded village or town each district's name puts it in ("Demirciler Mah (köseli
    Köyü)" -> "koseli"), without its kind word; "" for none. Read from the names themselves: the
    index's parenthetical key rewrites "koyu" inside words too ("Aşağıkoyunlu")."""
    paren = names.str.partition("(")[2].fillna("")
    folded = fold_series(paren).astype("str")
    kinds = "|".join(sorted(_KIND_WORDS, key=len, reverse=True))
    # Trailing kind words, never the only word ("Köy Köyü" keeps "koy").
    stripped = folded.str.replace(rf"(?<=\S)(?:\s+(?:{kinds}))+$", "", regex=True)
    return stripped.str.replace(" ", "", regex=False).tolist()


def _grouped(keys: list, values: list) -> dict:
    out: dict = {}
    for key, value in zip(keys, values):
        out.setdefault(key, []).append(value)
    return out


_LOCK = threading.Lock()


def gazetteer_for(db: LocationDB) -> Gazetteer:
    """The :class:`Gazetteer` of ``db``, built on first use and kept in ``db.extra``."""
    with _LOCK:
        cached = db.extra.get("_gazetteer")
        if cached is None or cached[0] is not db.index:
            cached = (db.index, _bundled() if db.extra.get("_bundled") else Gazetteer(db))
            db.extra["_gazetteer"] = cached
        return cached[1]


_BUNDLED: list[Gazetteer] = []


def _bundled() -> Gazetteer:
    # Every copy of the bundled database shares one index, so one gazetteer serves them all.
    if not _BUNDLED:
        _BUNDLED.append(Gazetteer(LocationDB.bundled()))
    return _BUNDLED[0]
