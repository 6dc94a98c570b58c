"""Generate large, realistic, messy address files (and their truth) from the bundled database.

    python benchmarks/generate.py ROWS OUTPUT.csv [--seed N] [--typos RATE]

Writes OUTPUT.csv in the Akinon layout and OUTPUT.truth.csv in the layout of
../shared/data/samples/addresses_dev.truth.csv (row, country, city, township,
district, resolvable, ambiguous, ops, problems). The mess follows the kinds listed
in the data README: case with and without Turkish-aware rules, Turkish letters typed
as ASCII, Mahallesi/Mah./Mh. variants, village names dropped, former city names,
country aliases, stray spaces, typos, impossible places, and schema problems.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from addrmig.locations.db import LocationDB  # noqa: E402
from addrmig.text import tr_lower, tr_upper  # noqa: E402

FIRST = ["Ahmet", "Mehmet", "Ayşe", "Fatma", "Mustafa", "Şule", "Ömer", "Çağla", "Gülşen", "İbrahim",
         "Hüseyin", "Zeynep", "Elif", "Emre", "Burak", "Özge", "Ümit", "Derya", "Işıl", "Yiğit"]
LAST = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Özdemir", "Arslan",
        "Doğan", "Kılıç", "Aslan", "Çetin", "Koç", "Kurt", "Özkan", "Şimşek", "Polat", "Erdoğan"]
STREETS = ["Atatürk Cad.", "Gül Sok.", "İnönü Bulvarı", "Cumhuriyet Cad.", "Lale Sok.", "Çınar Sok.",
           "Menekşe Sok.", "Şehitler Cad.", "Bağdat Cad.", "Ihlamur Sok."]
ASCII = str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU")
ALIASES = {"Afyonkarahisar": ["Afyon"], "Kahramanmaraş": ["Maraş", "K.Maraş"], "Şanlıurfa": ["Urfa"],
           "Gaziantep": ["Antep"], "Mersin": ["İçel"]}
COUNTRIES = ["Türkiye"] * 85 + ["Turkey", "TURKEY", "Turkiye", "turkiye", "TÜRKİYE", "TR", "TUR"] * 2
EMAIL_DOMAINS = ["example.com", "mail.com.tr", "posta.net"]


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 5:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1:]  # drop a letter
    if kind == 1:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]  # swap two
    return text[:i] + rng.choice("aeiklmnrst") + text[i + 1:]  # wrong letter


def _case(rng: random.Random, text: str, ops: list[str], column: str) -> str:
    r = rng.random()
    if r < 0.15:
        ops.append(f"{column}:upper")
        return tr_upper(text) if rng.random() < 0.5 else text.upper()
    if r < 0.24:
        ops.append(f"{column}:lower")
        return tr_lower(text) if rng.random() < 0.5 else text.lower()
    return text


def _mess(rng: random.Random, text: str, column: str, ops: list[str], typo_rate: float) -> str:
    if rng.random() < 0.21:
        text = text.translate(ASCII)
        ops.append(f"{column}:ascii")
    text = _case(rng, text, ops, column)
    if rng.random() < typo_rate:
        text = _typo(rng, text)
        ops.append(f"{column}:typo")
    if rng.random() < 0.06:
        text = rng.choice(["  ", " "]) + text + rng.choice(["", " ", "  "])
        ops.append(f"{column}:space")
    return text


def _district_suffix(rng: random.Random, district: str, ops: list[str]) -> str:
    if rng.random() >= 0.3:
        return district
    ops.append("district:suffix")
    if " Mah" in district:
        return re.sub(r" Mah\b", rng.choice([" Mahallesi", " Mah.", " Mh.", " MAH", ""]), district, count=1)
    if district.endswith(" Köyü"):
        return district[:-5] + rng.choice([" Köy", " Koyu", " Köyü Mahallesi"])
    return district


def generate(rows: int, seed: int = 0, typo_rate: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(addresses, truth)`` for ``rows`` rows; the same seed gives the same files."""
    rng = random.Random(seed)
    places = LocationDB.bundled().frame
    cities, townships, districts = (places[c].tolist() for c in ("city", "township", "district"))
    n_places = len(places)
    # districts sharing the part before " (" within a township: dropping the village is ambiguous
    base = places["district"].str.replace(r" \(.*\)$", "", regex=True)
    shared = base.groupby([places["city"], places["township"], base]).transform("size") > 1
    township_cities = places.groupby("township")["city"].agg(lambda s: set(s))
    real = set(zip(cities, townships, districts))
    addresses, truth = [], []
    for i in range(rows):
        ops: list[str] = []
        problems: list[str] = []
        k = rng.randrange(n_places)
        city, township, district = cities[k], townships[k], districts[k]
        resolvable, ambiguous = 1, 0
        w_country = rng.choice(COUNTRIES)
        w_city, w_township, w_district = city, township, _district_suffix(rng, district, ops)
        r = rng.random()
        if r < 0.015 and city in ALIASES:
            w_city = rng.choice(ALIASES[city])
            ops.append("city:alias")
        elif r < 0.025:
            other = rng.randrange(n_places)
            if cities[other] != city and city not in township_cities.get(townships[other], set()):
                w_township, w_district = townships[other], districts[other]
                ops.append("hierarchy:broken")
                resolvable = 0
        elif r < 0.035:
            w_city = rng.choice(["Atlantis", "xxxxx", "Gotham", "Bilinmiyor"])
            ops.append("city:garbage")
        if "(" in district and shared.iat[k] and rng.random() < 0.3 and resolvable:
            w_district = base.iat[k]
            # 2: the shortened name is itself another real district (taking it is fair too)
            ambiguous = 2 if (city, township, w_district) in real else 1
            ops.append("district:village_dropped")
        if "city:alias" not in ops and "city:garbage" not in ops:
            w_city = _mess(rng, w_city, "city", ops, typo_rate)
        w_township = _mess(rng, w_township, "township", ops, typo_rate)
        w_district = _mess(rng, w_district, "district", ops, typo_rate)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        user = f"C{rng.randrange(10**6, 10**7)}"
        email = f"{first.translate(ASCII).lower()}.{last.translate(ASCII).lower()}{i}@{rng.choice(EMAIL_DOMAINS)}"
        line = f"{rng.choice(STREETS)} No:{rng.randrange(1, 200)} D:{rng.randrange(1, 30)}"
        title = rng.choice(["Ev", "İş", "Home", "Office"])
        phone = "" if rng.random() < 0.2 else f"05{rng.randrange(10**8, 10**9)}"
        p = rng.random()
        if p < 0.018:
            email = email.replace("@", "", 1)
            problems.append("email:format")
        elif p < 0.030:
            title = "Adres " * 30
            problems.append("title:max_length")
        elif p < 0.041:
            line = (line + " ") * 20
            problems.append("line:max_length")
        elif p < 0.051:
            first = ""
            problems.append("first_name:required")
        elif p < 0.058:
            line = "=" + line
            problems.append("line:formula")
        elif p < 0.064:
            user = ""
            problems.append("user:required")
        company, tax_office, tax_no = "", "", ""
        if rng.random() < 0.08:
            company, tax_office, tax_no = f"{last} Ticaret A.Ş.", "Konak", f"0{rng.randrange(10**8, 10**9)}"
        addresses.append((user, email, phone, first, last, title, line, tax_office, tax_no,
                          w_country, w_city, w_township, w_district, company))
        truth.append((i + 1, "Türkiye", city, township, district, resolvable, ambiguous,
                       ";".join(ops), ";".join(problems)))
    columns = ["user", "email", "phone_number", "first_name", "last_name", "title", "line", "tax_office",
               "tax_no", "country", "city", "township", "district", "company_name"]
    truth_columns = ["row", "country", "city", "township", "district", "resolvable", "ambiguous", "ops",
                     "problems"]
    return pd.DataFrame(addresses, columns=columns), pd.DataFrame(truth, columns=truth_columns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--typos", type=float, default=0.05, help="share of location values with a typo")
    args = parser.parse_args()
    frame, truth = generate(args.rows, args.seed, args.typos)
    frame.to_csv(args.output, index=False)
    truth.to_csv(args.output.with_suffix(".truth.csv"), index=False)
    print(f"wrote {len(frame):,} rows to {args.output} and its truth beside it", file=sys.stderr)


if __name__ == "__main__":
    main()
