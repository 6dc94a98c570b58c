"""Score ``fix``'s places on the generated mess and on the real-world set, and print the figures.

    python benchmarks/accuracy.py                          # generated dev sample + held-out, real-world set
    python benchmarks/accuracy.py INPUT TRUTH [--locations REF]   # one file of the generated profile
    python benchmarks/accuracy.py --realworld DIR          # another real-world set (same columns)

A generated file is read, trimmed and resolved exactly as ``python -m addrmig fix`` does;
its TRUTH has one row per data row (see tests/fixtures/README.md). The real-world set
(``shared/data/realworld``, see benchmarks/realworld.py) is run through ``fix`` itself,
as written and with its postcodes as a postcode column.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from addrmig.locations import LocationDB, resolve  # noqa: E402
from addrmig.pipeline import load  # noqa: E402
from addrmig.trimming import trim  # noqa: E402
from benchmarks.realworld import fix_realworld  # noqa: E402
from benchmarks.scoring import read_truth, score  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


def generated(frame, truth, db: LocationDB, label: str) -> None:
    start = time.perf_counter()
    resolution = resolve(frame, db)
    seconds = time.perf_counter() - start
    f = score(resolution, truth, db)
    print(f"{label}: rows {f['rows']:,}, distinct tuples {len(resolution.tuples):,}, resolve {seconds:.2f} s")
    print(f"  precision         {f['precision']:.4%}  ({f['wrong_placed']} wrong of {f['placed']:,} placed; floor 99.9%)")
    print(f"  recall            {f['recall']:.4%}  (of {f['clear_rows']:,} resolvable, unambiguous; floor 98%)")
    print(f"  wrongly assigned  {f['wrongly_assigned']:.4%}  (of {f['hard_rows']:,} ambiguous/unresolvable; ceiling "
          f"0.5%; {f['wrongly_assigned_visible']:.4%} without the {f['hard_written_as_places']:,} written as another "
          "real place)")
    print(f"  suggestion hit    {f['suggestion_hit']:.4%}  (of {f['left_clear_rows']:,} left unresolved; floor 90%; "
          f"with ambiguous rows {f['suggestion_hit_all']:.1%})")


def realworld(label: str, folder: Path | None, postcodes: bool) -> None:
    with tempfile.TemporaryDirectory() as work:
        f = fix_realworld(Path(work), folder, postcodes=postcodes)
    print(f"{label}: rows {f['rows']:,} ({f['known']:,} known, {f['ambiguous']:,} ambiguous, {f['unknown']:,} "
          f"unknown), resolved {f['resolved'] / f['rows']:.1%}")
    print(f"  precision         {f['precision']:.4%}  ({f['wrong']} wrong of {f['judged']:,} resolved with a truth, "
          f"{f['wrong_collision']} of them names word for word another place: "
          f"{f['precision_without_collisions']:.4%} without them; floor 99.9%)")
    print(f"  recall            {f['recall']:.4%}  ({f['correct']:,} of {f['known']:,} known; floor 99%)")
    print(f"  guessed           {f['guessed_share']:.4%}  ({f['guessed']} of {f['ambiguous']:,} ambiguous, "
          f"{f['guessed_collision']} of them such names: {f['guessed_without_collisions']:.4%} without them; "
          "ceiling 1%)")
    print(f"  suggestion hit    {f['suggestion_hit_share']:.4%}  (of {f['known_review']:,} known rows left for "
          "review; floor 95%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, nargs="?")
    parser.add_argument("truth", type=Path, nargs="?")
    parser.add_argument("--locations", type=Path, default=None)
    parser.add_argument("--realworld", type=Path, default=None, help="a folder with realworld.csv + .truth.csv")
    args = parser.parse_args()
    db = LocationDB.from_file(args.locations) if args.locations else LocationDB.bundled()
    if args.input is not None:
        if args.truth is None:
            parser.error("give the truth file after the input")
        generated(trim(load(args.input).frame)[0], read_truth(args.truth), db, str(args.input))
        return
    if args.realworld is None:
        from benchmarks.synth import messy_sample

        generated(trim(load(FIXTURES / "addresses_dev.csv").frame)[0], read_truth(FIXTURES / "addresses_dev.truth.csv"),
                  db, "generated dev sample")
        frame, truth = messy_sample(db, n=4000, seed=2024, typo_rate=0.15)
        generated(frame, truth, db, "generated held-out sample (seed 2024, typos 15%)")
    realworld("real-world set", args.realworld, postcodes=False)
    realworld("real-world set with its postcodes as a column", args.realworld, postcodes=True)


if __name__ == "__main__":
    main()
