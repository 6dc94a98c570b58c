"""Generate large, realistic, messy address files (and their truth) from the bundled database.

    python benchmarks/generate.py ROWS OUTPUT.csv [--seed N] [--typos RATE] [--profile uniform|realistic|freetext]

Writes OUTPUT.csv in the Akinon layout and OUTPUT.truth.csv in the layout of the dev
sample's truth file (row, country, city, township, district, resolvable, ambiguous,
ops, problems). The location mess comes from ``benchmarks/synth.py``
(the same generator the held-out accuracy test uses); this script adds realistic
people, phones, lines and companies, and the schema problems legacy exports carry
(bad e-mail, missing required values, over-long fields, formula-like values).

Three profiles. ``uniform`` (the default) draws every row's place uniformly over the 73,305
districts, so nearly every row is a place of its own. ``realistic`` draws like a real
customer base: cities in proportion to their population (``place_weights``), a few popular
townships and neighbourhoods in each, and customers with several rows (a Zipf law: most
have one, a few many), each customer writing their place the same way every time.
``--profile freetext`` writes an in-house export with one free-text address column and one
full-name column instead (``musteri_no, ad_soyad, eposta, telefon, adres``; see
``benchmarks/freetext_synth.py``), its truth in the layout of ``shared/data/freetext``'s.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from addrmig.locations.db import LocationDB  # noqa: E402
from benchmarks.freetext_synth import freetext_sample  # noqa: E402
from benchmarks.synth import messy_sample  # noqa: E402

FIRST = ["Ahmet", "Mehmet", "Ayşe", "Fatma", "Mustafa", "Şule", "Ömer", "Çağla", "Gülşen", "İbrahim",
         "Hüseyin", "Zeynep", "Elif", "Emre", "Burak", "Özge", "Ümit", "Derya", "Işıl", "Yiğit"]
LAST = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Özdemir", "Arslan",
        "Doğan", "Kılıç", "Aslan", "Çetin", "Koç", "Kurt", "Özkan", "Şimşek", "Polat", "Erdoğan"]
STREETS = ["Atatürk Cad.", "Gül Sok.", "İnönü Bulvarı", "Cumhuriyet Cad.", "Lale Sok.", "Çınar Sok.",
           "Menekşe Sok.", "Şehitler Cad.", "Bağdat Cad.", "Ihlamur Sok."]
ASCII = str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU")
MOBILE_PREFIXES = ["501", "505", "506", "507", "530", "531", "532", "533", "534", "535", "536", "537", "538", "539",
                   "541", "542", "543", "544", "545", "546", "547", "548", "549", "551", "552", "553", "554", "555"]
# (problem, share of rows) in the proportions of the dev sample
PROBLEMS = [("email:format", 0.018), ("title:max_length", 0.012), ("line:max_length", 0.011),
            ("first_name:required", 0.010), ("line:formula", 0.007), ("user:required", 0.006)]
PROFILES = ("uniform", "realistic")

#: Residents of the 20 most populous provinces and of Türkiye on 31 December 2024: TÜİK
#: (Turkish Statistical Institute), Adrese Dayalı Nüfus Kayıt Sistemi (address-based
#: population registration system) 2024 results, published February 2025; public statistics.
POPULATION_2024 = {
    "İstanbul": 15_701_602, "Ankara": 5_864_049, "İzmir": 4_493_242, "Bursa": 3_238_618, "Antalya": 2_722_103,
    "Konya": 2_330_024, "Adana": 2_270_298, "Şanlıurfa": 2_237_745, "Gaziantep": 2_193_363, "Kocaeli": 2_130_006,
    "Mersin": 1_954_279, "Diyarbakır": 1_833_684, "Hatay": 1_562_185, "Manisa": 1_475_353, "Kayseri": 1_452_458,
    "Samsun": 1_382_376, "Balıkesir": 1_276_096, "Tekirdağ": 1_187_162, "Aydın": 1_165_943,
    "Kahramanmaraş": 1_134_105}
TURKIYE_2024 = 85_664_944
#: Rows per customer: a Zipf law with this exponent (two thirds one row, 15 % two, a mean of
#: about 2.5), at most ``CUSTOMER_MAX_ROWS``.
CUSTOMER_ZIPF, CUSTOMER_MAX_ROWS = 2.2, 60


def place_weights(db: LocationDB, seed: int = 0) -> np.ndarray:
    """A weight per row (district) of ``db.frame`` for the realistic profile.

    A city's weight is its share of the population: ``POPULATION_2024`` for the 20 largest,
    the rest of Türkiye's population shared among the other 61 by their number of
    townships. Within a city the townships, and within a township the districts, get
    Zipf-like weights 1/rank in a seeded random order: a few popular places, a long tail."""
    rng = np.random.default_rng([seed, 3])
    places = db.frame[["city", "township", "district"]].reset_index(drop=True)
    townships = places.groupby("city")["township"].nunique()
    missing = set(POPULATION_2024) - set(townships.index)
    if missing:
        raise ValueError(f"cities not in the location database: {sorted(missing)}")
    others = townships.drop(list(POPULATION_2024))
    people = pd.Series(POPULATION_2024, dtype=float).reindex(townships.index)
    people[others.index] = (TURKIYE_2024 - sum(POPULATION_2024.values())) * others / others.sum()

    def zipf_share(frame: pd.DataFrame, group: list[str]) -> np.ndarray:
        order = frame.iloc[rng.permutation(len(frame))]
        rank = order.groupby(group, sort=False).cumcount().to_numpy() + 1.0
        weight = pd.Series(1.0 / rank, index=order.index)
        return (weight / weight.groupby([order[g] for g in group]).transform("sum")).sort_index().to_numpy()

    unique_townships = places[["city", "township"]].drop_duplicates().reset_index(drop=True)
    unique_townships["share"] = zipf_share(unique_townships, ["city"])
    township_share = places.merge(unique_townships, on=["city", "township"], how="left")["share"].to_numpy()
    district_share = zipf_share(places, ["city", "township"])
    return people.reindex(places["city"]).to_numpy() / TURKIYE_2024 * township_share * district_share


def rows_per_customer(rows: int, rng: np.random.Generator) -> np.ndarray:
    """How many rows each customer has, for ``rows`` rows in all (Zipf, ``CUSTOMER_ZIPF``)."""
    counts = np.minimum(rng.zipf(CUSTOMER_ZIPF, rows), CUSTOMER_MAX_ROWS)
    total = np.cumsum(counts)
    customers = int(np.searchsorted(total, rows)) + 1
    counts = counts[:customers].copy()
    counts[-1] -= int(total[customers - 1]) - rows
    return counts


def generate(rows: int, seed: int = 0, typo_rate: float = 0.12,
             profile: str = "uniform") -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(addresses, truth)`` for ``rows`` rows of ``profile`` (see the module's docstring);
    the same seed gives the same files."""
    db = LocationDB.bundled()
    if profile == "uniform":
        frame, truth = messy_sample(db, n=rows, seed=seed, typo_rate=typo_rate)
        counts = None
    elif profile == "realistic":
        counts = rows_per_customer(rows, np.random.default_rng([seed, 1]))
        frame, truth = messy_sample(db, n=len(counts), seed=seed, typo_rate=typo_rate,
                                    weights=place_weights(db, seed))
    else:
        raise ValueError(f"profile must be one of {PROFILES}")
    frame = frame.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    people = len(frame)
    pick = lambda values: np.asarray(values, dtype=object)[rng.integers(0, len(values), people)]  # noqa: E731
    first, last = pick(FIRST), pick(LAST)
    frame["user"] = "C" + pd.Series(rng.integers(10**6, 10**7, people)).astype(str)
    frame["first_name"], frame["last_name"] = first, last
    local = (pd.Series(first).str.translate(ASCII).str.lower() + "." +
             pd.Series(last).str.translate(ASCII).str.lower() + pd.Series(np.arange(people)).astype(str))
    frame["email"] = local + "@" + pd.Series(pick(["example.com", "mail.com.tr", "posta.net"]))
    # Mobile numbers with prefixes Turkish operators use (libphonenumber knows which).
    prefixes = np.array(MOBILE_PREFIXES)[rng.integers(0, len(MOBILE_PREFIXES), people)]
    phones = "0" + pd.Series(prefixes) + pd.Series(rng.integers(10**6, 10**7, people)).astype(str)
    frame["phone_number"] = phones.where(rng.random(people) >= 0.2, "")
    frame["title"] = pick(["Ev", "İş", "Home", "Office"])
    frame["line"] = (pd.Series(pick(STREETS)) + " No:" + pd.Series(rng.integers(1, 200, people)).astype(str)
                     + " D:" + pd.Series(rng.integers(1, 30, people)).astype(str))
    company = rng.random(people) < 0.08
    frame["company_name"] = np.where(company, pd.Series(last) + " Ticaret A.Ş.", "")
    frame["tax_office"] = np.where(company, "Konak", "")
    frame["tax_no"] = np.where(company, "0" + pd.Series(rng.integers(10**8, 10**9, people)).astype(str), "")
    if counts is not None:
        # Each customer's rows: the same person, place and spelling; another line and title
        # (a second address in the same neighbourhood, a workplace).
        repeat = np.repeat(np.arange(people), counts)
        frame = frame.iloc[repeat].reset_index(drop=True)
        truth = truth.iloc[repeat].reset_index(drop=True)
        truth["row"] = (np.arange(rows) + 1).astype(str)
        extra = np.random.default_rng([seed, 2])
        frame["title"] = np.asarray(["Ev", "İş", "Home", "Office"], dtype=object)[extra.integers(0, 4, rows)]
        frame["line"] = (pd.Series(np.asarray(STREETS, dtype=object)[extra.integers(0, len(STREETS), rows)])
                         + " No:" + pd.Series(extra.integers(1, 200, rows)).astype(str)
                         + " D:" + pd.Series(extra.integers(1, 30, rows)).astype(str))
    problems = pd.Series("", index=frame.index)
    draw, start = rng.random(rows), 0.0
    for problem, share in PROBLEMS:
        hit = (draw >= start) & (draw < start + share)
        start += share
        column, kind = problem.split(":")
        if kind == "format":
            frame.loc[hit, column] = frame.loc[hit, column].str.replace("@", "", n=1, regex=False)
        elif kind == "max_length":
            frame.loc[hit, column] = frame.loc[hit, column] + " Kat 3 Daire 5 Blok A" * 15
        elif kind == "required":
            frame.loc[hit, column] = ""
        elif kind == "formula":
            frame.loc[hit, column] = "=" + frame.loc[hit, column]
        problems[hit] = problem
    truth["problems"] = problems.to_numpy()
    return frame, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--typos", type=float, default=None,
                        help="share of location values with a typo (default 0.12; free text: 0.04 of rows)")
    parser.add_argument("--profile", choices=(*PROFILES, "freetext"), default="uniform",
                        help="uniform: places drawn evenly over every district; realistic: by population, with "
                             "popular places and customers with several rows; freetext: one free-text address column")
    args = parser.parse_args()
    if args.profile == "freetext":
        frame, truth = freetext_sample(LocationDB.bundled(), args.rows, seed=args.seed,
                                       typo_rate=0.04 if args.typos is None else args.typos)
    else:
        frame, truth = generate(args.rows, args.seed, 0.12 if args.typos is None else args.typos, args.profile)
    frame.to_csv(args.output, index=False)
    truth.to_csv(args.output.with_suffix(".truth.csv"), index=False)
    print(f"wrote {len(frame):,} rows to {args.output} and its truth beside it", file=sys.stderr)


if __name__ == "__main__":
    main()
