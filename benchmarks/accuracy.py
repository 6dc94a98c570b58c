"""Score ``fix``'s places against a truth file and print the four figures.

    python benchmarks/accuracy.py INPUT TRUTH [--locations REF]

INPUT is read, trimmed and resolved exactly as ``python -m addrmig fix`` does; TRUTH
has one row per data row (see tests/fixtures/README.md).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from addrmig.locations import LocationDB, resolve  # noqa: E402
from addrmig.pipeline import load  # noqa: E402
from addrmig.validation import trim  # noqa: E402
from benchmarks.scoring import read_truth, score  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("truth", type=Path)
    parser.add_argument("--locations", type=Path, default=None)
    args = parser.parse_args()
    db = LocationDB.from_file(args.locations) if args.locations else LocationDB.bundled()
    frame, _ = trim(load(args.input).frame)
    start = time.perf_counter()
    resolution = resolve(frame, db)
    seconds = time.perf_counter() - start
    f = score(resolution, read_truth(args.truth), db)
    print(f"rows {f['rows']:,}, distinct tuples {len(resolution.tuples):,}, resolve {seconds:.2f} s")
    print(f"precision         {f['precision']:.4%}  ({f['wrong_placed']} wrong of {f['placed']:,} placed; floor 99.9%)")
    print(f"recall            {f['recall']:.4%}  (of {f['clear_rows']:,} resolvable, unambiguous; floor 98%)")
    print(f"wrongly assigned  {f['wrongly_assigned']:.4%}  (of {f['hard_rows']:,} ambiguous/unresolvable; ceiling 0.5%; "
          f"{f['wrongly_assigned_visible']:.4%} without the {f['hard_written_as_places']:,} written as another real place)")
    print(f"suggestion hit    {f['suggestion_hit']:.4%}  (of {f['left_clear_rows']:,} left unresolved; floor 90%; "
          f"with ambiguous rows {f['suggestion_hit_all']:.1%})")


if __name__ == "__main__":
    main()
