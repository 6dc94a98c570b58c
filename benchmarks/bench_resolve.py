"""Resolver speed: distinct tuples per second on a large messy address frame.

    python benchmarks/bench_resolve.py [--rows 1000000] [--distinct 60000] [--seed 7]
    python benchmarks/bench_resolve.py --file FILE.csv [--workers 2] [--repeat 3]
    python benchmarks/bench_resolve.py --file FILE.csv --save-choices 5 [--repeat 1]

Builds ``--distinct`` messy rows with the seeded generator, repeats them to ``--rows``
rows (as real files repeat places) and times ``resolve`` on the whole frame; or, with
``--file``, reads that address file (as the CLI does) and times ``resolve`` on it.
The first run is cold (nothing cached but the database index), the later ones warm;
the fastest warm run is printed last. The CPU time counts this process only (not forked
workers): with ``--workers 1`` it varies less than the wall time on a shared machine.

``--save-choices N [--check]`` then times what the Places page does when the user saves a pick, N
times: ``Workspace.choose_places`` with one pick for a line of the review list (the
resolution brought up to date on the rows written that way, and the places written into
the working frame). It reports each save and the slowest.
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
    parser.add_argument("--save-choices", type=int, default=0, metavar="N",
                        help="then time N saves of one pick each, as the Places page makes them")
    parser.add_argument("--check", action="store_true",
                        help="with --save-choices: then resolve the whole file with the picks and compare")
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
    if args.save_choices:
        time_saves(frame, db, args.save_choices, args.check)


def time_saves(frame, db, count: int, check: bool = False) -> None:
    """Time ``count`` saves of one pick each on a workspace holding ``frame``, resolved once.

    As on the Places page: the page has drawn the respelt cells and, once a pick is selected,
    the rows it changes (``Workspace.rows_changed``) before the user presses Save; the save is
    ``choose_places`` and what the page reads again after it (the summary and the review
    list). The respelt-cells table of the new resolution is timed apart (the page's redraw).
    With ``check``, the whole file is then resolved with the same picks and compared.
    """
    import gc

    from addrmig.locations.review import written_key
    from addrmig.locations.suggesting import candidates
    from addrmig.workspace import Workspace

    collecting = [0.0, 0.0]  # seconds in Python's collector, when the running pass started

    def collector(phase: str, _info: dict) -> None:
        if phase == "start":
            collecting[1] = time.perf_counter()
        else:
            collecting[0] += time.perf_counter() - collecting[1]

    gc.callbacks.append(collector)
    ws = Workspace()
    ws.frame = frame
    ws.version = 1
    start = time.perf_counter()
    resolution = ws.resolve_places(db=db)
    print(f"workspace: places of {len(frame):,} rows resolved in {time.perf_counter() - start:.2f} s")
    times = []
    for _ in range(count):
        _ = resolution.changes
        items = ws.review(resolution)
        item = next(item for _, item in items.iterrows() if candidates(item, db))
        choice = {written_key(item): candidates(item, db)[0].place}
        start = time.perf_counter()
        rows = ws.rows_changed(choice)[written_key(item)]
        shown = time.perf_counter() - start
        start, collecting[0] = time.perf_counter(), 0.0
        ws.choose_places(choice)
        resolution = ws.current_resolution()
        summary, review = resolution.summary(), ws.review(resolution)
        times.append(time.perf_counter() - start)
        collected = collecting[0]
        start = time.perf_counter()
        _ = resolution.changes
        redraw = time.perf_counter() - start
        print(f"save 1 pick ({rows} rows written that way): {times[-1]:.3f} s, {collected:.3f} s of it collecting "
              f"(rows-changed figure before it {shown:.3f} s, respelt-cells table after it {redraw:.3f} s); "
              f"{summary['resolved']:,} rows resolved, {len(review):,} places left to decide")
    print(f"slowest save of {count}: {max(times):.3f} s, median {sorted(times)[len(times) // 2]:.3f} s")
    if check:
        import pandas as pd

        from addrmig.locations.review import review_items

        full = resolve(frame, db, choices=ws.choices())
        pd.testing.assert_frame_equal(resolution.frame, full.frame)
        pd.testing.assert_series_equal(resolution.row_status, full.row_status)
        pd.testing.assert_frame_equal(review_items(resolution), review_items(full))
        pd.testing.assert_frame_equal(resolution.changes, full.changes)
        assert resolution.summary() == full.summary()
        print("check: the saves give the frame, statuses, summary, review list and respelt cells of a full run")


if __name__ == "__main__":
    main()
