"""Generate large, realistic, messy address files (and their truth) from the bundled database.

    python benchmarks/generate.py ROWS OUTPUT.csv [--seed N] [--typos RATE]

Writes OUTPUT.csv in the Akinon layout and OUTPUT.truth.csv in the layout of the dev
sample's truth file (row, country, city, township, district, resolvable, ambiguous,
ops, problems). The location mess comes from ``benchmarks/synth.py``
(the same generator the held-out accuracy test uses); this script adds realistic
people, phones, lines and companies, and the schema problems legacy exports carry
(bad e-mail, missing required values, over-long fields, formula-like values).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from addrmig.locations.db import LocationDB  # noqa: E402
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


def generate(rows: int, seed: int = 0, typo_rate: float = 0.12) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(addresses, truth)`` for ``rows`` rows; the same seed gives the same files."""
    frame, truth = messy_sample(LocationDB.bundled(), n=rows, seed=seed, typo_rate=typo_rate)
    frame = frame.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    pick = lambda values: np.asarray(values, dtype=object)[rng.integers(0, len(values), rows)]  # noqa: E731
    first, last = pick(FIRST), pick(LAST)
    frame["user"] = "C" + pd.Series(rng.integers(10**6, 10**7, rows)).astype(str)
    frame["first_name"], frame["last_name"] = first, last
    local = (pd.Series(first).str.translate(ASCII).str.lower() + "." +
             pd.Series(last).str.translate(ASCII).str.lower() + pd.Series(np.arange(rows)).astype(str))
    frame["email"] = local + "@" + pd.Series(pick(["example.com", "mail.com.tr", "posta.net"]))
    # Mobile numbers with prefixes Turkish operators use (libphonenumber knows which).
    prefixes = np.array(MOBILE_PREFIXES)[rng.integers(0, len(MOBILE_PREFIXES), rows)]
    phones = "0" + pd.Series(prefixes) + pd.Series(rng.integers(10**6, 10**7, rows)).astype(str)
    frame["phone_number"] = phones.where(rng.random(rows) >= 0.2, "")
    frame["title"] = pick(["Ev", "İş", "Home", "Office"])
    frame["line"] = (pd.Series(pick(STREETS)) + " No:" + pd.Series(rng.integers(1, 200, rows)).astype(str)
                     + " D:" + pd.Series(rng.integers(1, 30, rows)).astype(str))
    company = rng.random(rows) < 0.08
    frame["company_name"] = np.where(company, pd.Series(last) + " Ticaret A.Ş.", "")
    frame["tax_office"] = np.where(company, "Konak", "")
    frame["tax_no"] = np.where(company, "0" + pd.Series(rng.integers(10**8, 10**9, rows)).astype(str), "")
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
    parser.add_argument("--typos", type=float, default=0.12, help="share of location values with a typo")
    args = parser.parse_args()
    frame, truth = generate(args.rows, args.seed, args.typos)
    frame.to_csv(args.output, index=False)
    truth.to_csv(args.output.with_suffix(".truth.csv"), index=False)
    print(f"wrote {len(frame):,} rows to {args.output} and its truth beside it", file=sys.stderr)


if __name__ == "__main__":
    main()
