"""Seeded free-text addresses drawn from a location database, with their truth.

The shapes here are not the dev set's (``shared/data/freetext``): labelled fields
(``İl: … İlçe: …``), ``il``/``ilçe`` words, everything between commas or dashes or semicolons,
the places in brackets, the township and city glued by a dash, a postcode after the city, a
neighbourhood without its suffix word before its township (as marketplaces print it), the
places first and the street last, and rows that do not settle the place (a township name
several cities share, a city with a neighbourhood several of its townships have, streets only).
Streets and buildings are often named after places. About 4 % of rows carry one typo in one
place name. The truth follows the dev set's rule (``shared/data/freetext/README.md``):
``determinable`` when exactly one (city, township) pair of the database fits the places written.
"""
from __future__ import annotations

import random
from collections import defaultdict
from functools import cache

import pandas as pd

from addrmig.locations.db import LocationDB
from addrmig.text import fold, tr_lower, tr_upper
from benchmarks.synth import typo

_ASCII = str.maketrans("ıİşŞğĞöÖüÜçÇ", "iIsSgGoOuUcC")
_FIRST = ["Ahmet", "Mehmet", "Ayşe", "Fatma", "Mustafa", "Şule", "Ömer", "Çağla", "Gülşen", "İbrahim", "Hüseyin",
          "Zeynep", "Elif", "Emre", "Burak", "Özge", "Ümit", "Derya", "Işıl", "Yiğit", "Nur", "Can", "Ali", "Deniz"]
_LAST = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan",
         "Kılıç", "Aslan", "Çetin", "Koç", "Kurt", "Özkan", "Şimşek", "Polat", "Erdoğan", "Işık", "Güneş"]
_STREET_NAMES = ["Atatürk", "İnönü", "Cumhuriyet", "Gül", "Lale", "Menekşe", "Çınar", "Şehitler", "Bağdat", "Ihlamur",
                 "Fatih Sultan Mehmet", "Kazım Karabekir", "Mustafa Kemal Paşa", "Gazi Osman Paşa", "Hürriyet",
                 "Yavuz Selim", "Mimar Sinan", "Barbaros", "Kıbrıs Şehitleri", "Adnan Menderes", "Zafer", "Okul",
                 "Çamlık", "Pınar", "Deniz", "Yıldırım Beyazıt", "Turgut Özal", "1453", "2040", "12", "35"]
_STREET_WORDS = ["Cad.", "Caddesi", "Cd.", "Sok.", "Sokak", "Sk.", "Sokağı", "Bulvarı", "Blv.", "Bulv.", "Yolu",
                 "Çıkmazı"]
_BUILDINGS = ["{} Apt.", "{} Apartmanı", "{} Sitesi {} Blok", "{} Evleri", "{} Konutları", "{} Rezidans",
              "{} İş Hanı"]
_BUILDING_NAMES = ["Gül", "Yıldız", "Deniz", "Park", "Güneş", "Vadi", "Sahil", "Kardelen", "Marmara", "Ege",
                   "Akdeniz", "Bahar", "Huzur", "Mavi"]
_MAH_WORDS = ["Mah.", "Mahallesi", "Mh.", "MAH", "Mah", "mahallesi", "Mahalesi", "Mh"]
_KOY_WORDS = ["Köyü", "Köyü", "KÖYÜ", "köyü", "Koyu"]
_SHAPES = ["labelled", "commas", "dashes", "il_ilce", "postcode_after", "marketplace", "semicolons", "brackets",
           "glued", "places_first", "village_words", "upper_ascii", "shared_township", "city_and_common",
           "streets_only"]
_WEIGHTS = [8, 10, 8, 7, 7, 8, 6, 6, 6, 8, 6, 8, 5, 5, 2]
#: People per city (thousands, 2023, rounded): a customer base is spread like them, so big cities
#: come up more often; within a city, every neighbourhood alike, a village one time in ten.
_POPULATION = {
    "İstanbul": 15655, "Ankara": 5803, "İzmir": 4479, "Bursa": 3214, "Antalya": 2696, "Konya": 2320, "Adana": 2270,
    "Şanlıurfa": 2213, "Gaziantep": 2164, "Kocaeli": 2102, "Mersin": 1916, "Diyarbakır": 1818, "Hatay": 1544,
    "Manisa": 1475, "Kayseri": 1445, "Samsun": 1377, "Balıkesir": 1273, "Aydın": 1161, "Tekirdağ": 1142,
    "Van": 1128, "Kahramanmaraş": 1116, "Sakarya": 1100, "Muğla": 1066, "Denizli": 1059, "Eskişehir": 906,
    "Mardin": 870, "Trabzon": 818, "Ordu": 763, "Erzurum": 749, "Afyonkarahisar": 747, "Malatya": 742,
    "Batman": 647, "Sivas": 634, "Adıyaman": 604, "Tokat": 596, "Elazığ": 591, "Zonguldak": 588, "Kütahya": 580,
    "Çanakkale": 559, "Şırnak": 557, "Osmaniye": 553, "Çorum": 524, "Ağrı": 510, "Giresun": 450, "Isparta": 449,
    "Aksaray": 433, "Yozgat": 418, "Edirne": 414, "Düzce": 400, "Muş": 399, "Kastamonu": 388, "Uşak": 375,
    "Kırklareli": 369, "Niğde": 365, "Bitlis": 353, "Rize": 345, "Amasya": 335, "Siirt": 331, "Bolu": 320,
    "Nevşehir": 310, "Yalova": 296, "Bingöl": 282, "Kırıkkale": 277, "Hakkari": 275, "Burdur": 273,
    "Karaman": 260, "Karabük": 252, "Kırşehir": 243, "Erzincan": 239, "Bilecik": 228, "Sinop": 220,
    "Iğdır": 203, "Bartın": 203, "Çankırı": 196, "Artvin": 169, "Kilis": 155, "Gümüşhane": 144, "Ardahan": 92,
    "Tunceli": 89, "Bayburt": 86,
}
_VILLAGE_SHARE = 0.1


class _Places:
    """The database's places as the generator needs them, and the truth's rule."""

    def __init__(self, db: LocationDB) -> None:
        frame = db.frame
        self.rows = list(frame[["city", "township", "district"]].itertuples(index=False, name=None))
        self.township_cities: dict[str, set[str]] = defaultdict(set)
        self.mahalle_pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.village_pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.both_pairs: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
        self.in_township: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.by_base: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        # A few names of the source hold a neighbourhood inside the village part ("Hacılar Mah
        # (ısmailli Bucağı Mah Köyü)") or abbreviations inside ("İ.karapınar Mah"): no one writes
        # them so, they are left out.
        self.rows = [row for row in self.rows if "Mah" not in row[2].partition("(")[2]
                     and not any(mark in row[2].partition("(")[0][:-5] for mark in ("Mah", "Mh.", "."))]
        for city, township, district in self.rows:
            self.township_cities[fold(township)].add(city)
            self.in_township[(city, township)].append(district)
            base, paren = _parts(district)
            self.by_base[(city, township, base)].append(district)
            self.mahalle_pairs[base].add((city, township))
            if paren:
                self.village_pairs[paren].add((city, township))
                self.both_pairs[(base, paren)].add((city, township))
        self.city_pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for city, township, _ in self.rows:
            self.city_pairs[city].add((city, township))
        self.township_named = {(city, fold(township)): township for city, township in
                               {(c, t) for c, t, _ in self.rows}}
        # Each row's weight: its city's people over its city's neighbourhoods (or villages).
        villages = [("Köyü" in district.partition("(")[0]) for _, _, district in self.rows]
        sizes: dict[tuple[str, bool], int] = defaultdict(int)
        for (city, _, _), village in zip(self.rows, villages):
            sizes[(city, village)] += 1
        self.weights = [_POPULATION.get(city, 100) * (_VILLAGE_SHARE if village else 1 - _VILLAGE_SHARE)
                        / sizes[(city, village)] for (city, _, _), village in zip(self.rows, villages)]
        self.shared = sorted(key for key, cities in self.township_cities.items() if len(cities) > 1)

    def pairs(self, city: str | None, township: str | None, mahalle: str | None, village: str | None,
              plate_city: str | None) -> set[tuple[str, str]]:
        """The (city, township) pairs fitting the places written (folded compare)."""
        pairs = None
        if city:
            pairs = set(self.city_pairs[city])
        if plate_city:
            pairs = set(self.city_pairs[plate_city]) if pairs is None else pairs & self.city_pairs[plate_city]
        if township:
            key = fold(township)
            named = {(c, self.township_named[(c, key)]) for c in self.township_cities[key]}
            pairs = named if pairs is None else pairs & named
        if mahalle and village:
            # The neighbourhood of that village.
            fits = self.both_pairs[(fold(mahalle).replace(" ", ""), fold(village).replace(" ", ""))]
            pairs = set(fits) if pairs is None else pairs & fits
        elif mahalle or village:
            fits = self.mahalle_pairs[fold(mahalle).replace(" ", "")] if mahalle else (
                self.village_pairs[fold(village).replace(" ", "")])
            pairs = set(fits) if pairs is None else pairs & fits
        return pairs or set()

    def district_truth(self, city: str, township: str, mahalle: str | None, village: str | None,
                       kind: str = "") -> str:
        """The one district of the township the name written fits (a village written beside it
        and the kind written narrowing), or "" when none or several do."""
        if not mahalle:
            return ""
        key = fold(mahalle).replace(" ", "")
        fits = list(self.by_base.get((city, township, key), ()))
        if village:
            narrowed = [d for d in fits if _parts(d)[1] == fold(village).replace(" ", "")]
            fits = narrowed or fits
        if len(fits) > 1 and kind:
            narrowed = [d for d in fits if (kind == "koy") == ("Köyü" in d.partition("(")[0])]
            fits = narrowed or fits
        if len(fits) > 1 and not village:
            plain = [d for d in fits if "(" not in d]
            fits = plain if len(plain) == 1 else fits
        return fits[0] if len(fits) == 1 else ""


@cache
def _parts(district: str) -> tuple[str, str]:
    """(folded base without the kind word, folded village without its kind word)."""
    main, _, paren = district.partition("(")
    words = main.split()
    if words and words[-1] in ("Mah", "Köyü", "Beldesi", "Mh."):
        words = words[:-1]
    village = paren.rstrip(")").split()
    if village and fold(village[-1]) in ("koyu", "beldesi", "mah"):
        village = village[:-1]
    return fold(" ".join(words)).replace(" ", ""), fold(" ".join(village)).replace(" ", "")


def _typo(rng: random.Random, text: str) -> str:
    return typo(rng, text, shortest=5, kinds=("delete", "insert", "substitute", "transpose"))


def _plate(city: str) -> str:
    from addrmig.locations.freetext.gazetteer import PLATE_CODES

    return PLATE_CODES[fold(city).replace(" ", "")]


def freetext_sample(db: LocationDB, n: int, seed: int = 0, typo_rate: float = 0.04
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(file, truth)``: ``n`` rows ``musteri_no, ad_soyad, eposta, telefon, adres`` and the truth
    in the dev set's layout (``row, city, township, district, first_name, last_name,
    determinable, format``)."""
    rng = random.Random(seed)
    places = _Places(db)
    picks = rng.choices(range(len(places.rows)), weights=places.weights, k=n)
    shapes = rng.choices(_SHAPES, weights=_WEIGHTS, k=n)
    file_rows, truth_rows = [], []
    for number, (pick, shape) in enumerate(zip(picks, shapes), 1):
        city, township, district = places.rows[pick]
        text, written, fmt = _address(rng, places, city, township, district, shape, typo_rate)
        pairs = places.pairs(*written)
        determinable = len(pairs) == 1
        if determinable:
            (t_city, t_township), = pairs
            # A neighbourhood printed without its suffix word does not settle the township, but names the district.
            named = written[2] or (_mahalle_name(district) if shape == "marketplace" else None)
            t_district = places.district_truth(t_city, t_township, named, written[3], _kind(text))
        else:
            t_city = written[0] or ""
            t_township = t_district = ""
        first, last, full = _name(rng)
        file_rows.append((f"F{number:07d}", full, f"{fold(first).replace(' ', '.')}{number}@example.com",
                          f"05{rng.randrange(30, 56)}{rng.randrange(10**6, 10**7)}", text))
        truth_rows.append((number, t_city, t_township, t_district, first, last, int(determinable), fmt))
    return (pd.DataFrame(file_rows, columns=["musteri_no", "ad_soyad", "eposta", "telefon", "adres"]),
            pd.DataFrame(truth_rows, columns=["row", "city", "township", "district", "first_name", "last_name",
                                              "determinable", "format"]))


def _kind(text: str) -> str:
    """The kind of neighbourhood a text names: "koy" when it writes a village's suffix word
    and no neighbourhood's, else "mah"."""
    folded = fold(text).split()
    if any(w in ("mah", "mahallesi", "mh", "mahalesi") for w in folded):
        return "mah"
    return "koy" if any(w in ("koyu", "koy") for w in folded) else ""


def _mahalle_name(district: str) -> str:
    words = district.partition("(")[0].split()
    return " ".join(words[:-1] if words and words[-1] in ("Mah", "Köyü", "Beldesi", "Mh.") else words)


def _name(rng: random.Random) -> tuple[str, str, str]:
    given = rng.sample(_FIRST, 2 if rng.random() < 0.2 else 1)
    if rng.random() < 0.01:
        return given[0], "", given[0]
    last = rng.choice(_LAST)
    full = " ".join(given + [last])
    if rng.random() < 0.1:
        full = tr_upper(full)
        return tr_upper(" ".join(given)), tr_upper(last), full
    return " ".join(given), last, full


def _street(rng: random.Random, places: _Places) -> str:
    if rng.random() < 0.35:
        # Named after a place: a city or township of anywhere.
        name = rng.choice(places.rows)[rng.randrange(0, 2)]
    else:
        name = rng.choice(_STREET_NAMES)
    part = f"{name} {rng.choice(_STREET_WORDS)}"
    if rng.random() < 0.4:
        building = rng.choice(_BUILDINGS)
        filler = rng.choice(_BUILDING_NAMES) if rng.random() < 0.7 else rng.choice(places.rows)[1]
        part += " " + building.format(filler, rng.choice("ABCDEF"))
    number = rng.choice([f"No:{rng.randrange(1, 300)}", f"No: {rng.randrange(1, 300)}/{rng.randrange(1, 20)}",
                         f"No {rng.randrange(1, 300)}", f"NO:{rng.randrange(1, 300)}{rng.choice('ABC')}"])
    flat = rng.choice(["", f" D:{rng.randrange(1, 40)}", f" Kat:{rng.randrange(1, 12)} Daire:{rng.randrange(1, 40)}",
                       f" K.{rng.randrange(1, 9)} D.{rng.randrange(1, 30)}"])
    return f"{part} {number}{flat}"


def _mahalle(rng: random.Random, district: str) -> tuple[str, str | None, str | None, str]:
    """(text, mahalle name written, village written, the kind of neighbourhood)."""
    main, _, paren = district.partition("(")
    words = main.split()
    kind = words[-1] if words and words[-1] in ("Mah", "Köyü", "Beldesi", "Mh.") else ""
    name = " ".join(words[:-1] if kind else words)
    kind = "Mah" if kind == "Mh." else kind
    village = None
    if paren and rng.random() < 0.6:
        village_words = paren.rstrip(")").split()
        village = " ".join(w for w in village_words if fold(w) not in ("koyu", "beldesi"))
        village = village[:1].upper() + village[1:]
        village_kind = "Beldesi" if fold(village_words[-1]) == "beldesi" else "Köyü"
    suffix = rng.choice(_KOY_WORDS) if kind == "Köyü" else "Beldesi" if kind == "Beldesi" else rng.choice(_MAH_WORDS)
    text = f"{name} {suffix}"
    if village:
        text = (f"{village} {village_kind} {text}" if rng.random() < 0.5 else f"{text} ({village} {village_kind})")
    return text, name, village, kind


def _address(rng, places: _Places, city: str, township: str, district: str, shape: str, typo_rate: float):
    """(text, (city, township, mahalle, village, plate city) as written, format)."""
    mahalle_text, mahalle, village, _ = _mahalle(rng, district)
    street = _street(rng, places)
    typo_level = rng.choice(["city", "township", "district"]) if rng.random() < typo_rate else ""
    w_city, w_township, w_mahalle = city, township, mahalle_text
    if typo_level == "city":
        w_city = _typo(rng, city)
    elif typo_level == "township" and township != "Merkez":
        w_township = _typo(rng, township)
    elif typo_level == "district":
        at = mahalle_text.rfind(mahalle)
        w_mahalle = mahalle_text[:at] + _typo(rng, mahalle) + mahalle_text[at + len(mahalle):]
    fmt = shape + (f"+typo_{typo_level}" if typo_level else "")
    written = [city, township, mahalle, village, None]
    code = f"{_plate(city)}{rng.randrange(100, 999)}"
    if shape == "labelled":
        text = f"Mahalle: {w_mahalle} Adres: {street} İlçe: {w_township} İl: {w_city}"
    elif shape == "commas":
        text = f"{w_mahalle}, {street.replace(' No', ', No')}, {w_township}, {w_city}, Türkiye"
    elif shape == "dashes":
        text = f"{w_mahalle} - {street} - {w_township} - {w_city}"
    elif shape == "il_ilce":
        text = f"{w_city} ili {w_township} ilçesi {w_mahalle} {street}"
    elif shape == "postcode_after":
        text = f"{w_mahalle} {street} {w_township} {w_city} {code}"
        written[4] = city
    elif shape == "marketplace":
        # The neighbourhood without its suffix word, right before its township, as marketplaces print it.
        bare = tr_upper(w_mahalle.split(" (")[0].rsplit(" ", 1)[0]) if " " in w_mahalle else tr_upper(w_mahalle)
        text = f"{street} {bare} {tr_upper(w_township)} {w_city}"
        written[2] = None  # a name without its suffix word is no neighbourhood mention: the truth's rule
        if village and (" (" in w_mahalle or not w_mahalle.startswith(village)):
            written[3] = None  # the village part in brackets is dropped with the rest
    elif shape == "semicolons":
        text = f"{w_mahalle}; {street}; {w_township}; {w_city}"
    elif shape == "brackets":
        text = f"{w_mahalle} {street} ({w_township} / {w_city})"
    elif shape == "glued":
        text = f"{w_mahalle} {street} {w_township}-{w_city}"
    elif shape == "places_first":
        text = f"{w_township}/{w_city}, {w_mahalle}, {street}"
    elif shape == "village_words":
        text = f"{w_city} {w_township} {w_mahalle} {street}"
    elif shape == "upper_ascii":
        text = f"{w_mahalle} {street} {w_township}/{w_city}".translate(_ASCII).upper()
    elif shape == "shared_township":
        key = rng.choice(places.shared)
        cities = sorted(places.township_cities[key])
        city = rng.choice(cities)
        township = places.township_named[(city, key)]
        options = places.in_township[(city, township)]
        mahalle_text, mahalle, village, _ = _mahalle(rng, rng.choice(options))
        with_code = rng.random() < 0.3
        with_mahalle = rng.random() < 0.5
        text = f"{street}, {mahalle_text if with_mahalle else ''} {township}" + (
            f" {_plate(city)}{rng.randrange(100, 999)}" if with_code else "")
        written = [None, township, mahalle if with_mahalle else None, village if with_mahalle else None,
                   city if with_code else None]
        fmt = shape
    elif shape == "city_and_common":
        text = f"{w_mahalle} {street} {w_city}"
        written[1] = None
    else:  # streets_only
        text = street + rng.choice(["", " Kat 2", " (Zil çalışmıyor)"])
        written = [None, None, None, None, None]
        fmt = shape
    if shape not in ("upper_ascii", "shared_township", "streets_only") and rng.random() < 0.15:
        text = tr_lower(text) if rng.random() < 0.5 else tr_upper(text)
    return " ".join(text.split()), tuple(written), fmt
