"""Print the figures for places read from free-text addresses.

    python benchmarks/freetext.py                 # the dev set, a held-out set, the 407 real addresses
    python benchmarks/freetext.py --failures      # … and the rows that count against the figures

The dev set is ``shared/data/freetext/freetext_dev.csv`` with its truth; the held-out set is
generated in other shapes of address writing (``benchmarks/freetext_synth.py``, seeded); the
407 real addresses have no truth: the count of those whose city and township are filled, and
the 50 checked by hand (``tests/fixtures/freetext_handchecked.csv``).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from addrmig.locations.db import LocationDB  # noqa: E402
from benchmarks.freetext_scoring import ROOT, failures, fixed_frame, score, shared_data  # noqa: E402
from benchmarks.freetext_synth import freetext_sample  # noqa: E402

BARS = {"precision": 0.995, "recall": 0.95, "district_recall": 0.90, "undeterminable_filled": 0.005, "names": 0.99}


def report(label: str, figures: dict) -> None:
    print(f"{label}: {figures['rows']:,} rows")
    print(f"  precision         {figures['precision']:.2%}  ({figures['wrong']} wrong of {figures['filled']:,} filled; "
          f"bar ≥ {BARS['precision']:.1%})")
    print(f"  recall            {figures['recall']:.2%}  (city and township, of {figures['determinable']:,} "
          f"determinable; bar ≥ {BARS['recall']:.0%})")
    print(f"  district recall   {figures['district_recall']:.2%}  (of {figures['with_district']:,} naming one; "
          f"bar ≥ {BARS['district_recall']:.0%})")
    print(f"  not determinable, filled  {figures['undeterminable_filled']:.2%}  (of {figures['undeterminable']:,}; "
          f"bar ≤ {BARS['undeterminable_filled']:.1%})")
    print(f"  names split right {figures['names']:.2%}  (bar ≥ {BARS['names']:.0%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held-out-rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--failures", action="store_true", help="print the rows that count against the figures")
    args = parser.parse_args()
    db = LocationDB.bundled()
    folder = shared_data() / "freetext"
    pd.set_option("display.width", 250)
    pd.set_option("display.max_colwidth", 100)

    start = time.perf_counter()
    frame, _ = fixed_frame(folder / "freetext_dev.csv", db)
    truth = pd.read_csv(folder / "freetext_dev.truth.csv", dtype=str, keep_default_na=False)
    report(f"dev set ({time.perf_counter() - start:.1f} s)", score(frame, truth, db))
    if args.failures:
        lines = pd.read_csv(folder / "freetext_dev.csv", dtype=str, keep_default_na=False)["adres"]
        print(failures(frame, truth, lines).to_string())

    held, held_truth = freetext_sample(db, args.held_out_rows, seed=args.seed)
    frame, _ = fixed_frame(held.to_csv(index=False).encode(), db)
    report(f"held-out set (other shapes, seed {args.seed})", score(frame, held_truth, db))
    if args.failures:
        print(failures(frame, held_truth, held["adres"]).to_string())

    frame, read = fixed_frame(folder / "freetext_addresses.csv", db)
    counts = read["status"].astype(str).value_counts()
    print(f"407 real addresses: city and township filled in {counts.get('found', 0)}; "
          + ", ".join(f"{status} {counts.get(status, 0)}" for status in ("ambiguous", "conflicting", "none")))
    hand = pd.read_csv(ROOT / "tests" / "fixtures" / "freetext_handchecked.csv", dtype=str, keep_default_na=False)
    got = frame.reset_index(drop=True).astype(str).iloc[hand["row"].astype(int) - 1].reset_index(drop=True)
    filled = got["township"] != ""
    right = (got["city"] == hand["city"]) & (got["township"] == hand["township"])
    district = right & ((got["district"] == hand["district"]) | (got["district"] == ""))
    print(f"50 checked by hand: {int(filled.sum())} filled, {int((filled & right).sum())} with the hand's city and "
          f"township, {int((filled & district).sum())} with its district or none, "
          f"{int((filled & ~district).sum())} wrong; {int((~filled).sum())} left for the user")


if __name__ == "__main__":
    main()
