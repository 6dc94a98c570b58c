"""Resolver speed: distinct tuples per second on a large messy address frame.

    python benchmarks/bench_resolve.py [--rows 1000000] [--distinct 60000] [--seed 7]
    python benchmarks/bench_resolve.py --file FILE.csv [--workers 2] [--repeat 3]

Builds ``--distinct`` messy rows with the seeded generator, repeats them to ``--rows``
rows (as real files repeat places) and times ``resolve`` on the whole frame; or, with
``--file``, reads that address file (as the CLI does) and times ``resolve`` on it.
The first run is cold (nothing cached but the database index), the later ones warm;
the fastest warm run is printed last. The CPU time counts this process only (not forked
workers): with ``--workers 1`` it varies less than the wall time on a shared machine.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from addrmig.locations import LocationDB, resolve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--distinct", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--file", type=Path, help="an address file to resolve instead of a generated frame")
    parser.add_argument("--workers", type=int, default=1, help="processes sharing a big file (default 1)")
    parser.add_argument("--repeat", type=int, default=2, help="runs: the first cold, the rest warm (default 2)")
    args = parser.parse_args()
    start = time.perf_counter()
    db = LocationDB.bundled()
    _ = db.index
    print(f"load bundled DB + index: {time.perf_counter() - start:.2f} s")
    if args.file:
        from addrmig.pipeline import load

        frame = load(args.file).frame
    else:
        from benchmarks.synth import messy_sample

        sample, _ = messy_sample(db, n=args.distinct, seed=args.seed, typo_rate=0.12)
        picks = np.random.default_rng(args.seed).integers(0, len(sample), args.rows)
        frame = sample.iloc[picks].reset_index(drop=True)
        frame.index = range(2, len(frame) + 2)
    warm = []
    for run in range(max(1, args.repeat)):
        label = "cold" if run == 0 else "warm"
        start, cpu = time.perf_counter(), time.process_time()
        result = resolve(frame, db, workers=args.workers)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        if run:
            warm.append(seconds)
        tuples = len(result.tuples)
        print(f"{label}: {len(frame):,} rows, {tuples:,} distinct tuples in {seconds:.2f} s: "
              f"{tuples / seconds:,.0f} tuples/s, {len(frame) / seconds:,.0f} rows/s; "
              f"CPU {cpu:.2f} s in this process")
    summary = result.summary()
    print("statuses: " + ", ".join(f"{k} {summary[k]:,}" for k in
                                   ("exact", "normalized", "fuzzy", "ambiguous", "unmatched", "missing")))
    if warm:
        print(f"fastest warm run: {min(warm):.2f} s")


if __name__ == "__main__":
    main()
