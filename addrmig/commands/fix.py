"""``python -m addrmig fix INPUT -o OUTPUT [--review REVIEW] [--locations REF] [--corrections FILE]``:
trim white space, put places in the location database's spelling, write the Akinon columns.

Exit 0 when every row is valid and its place resolved, 1 when some are not, 2 when the
input cannot be read or an output cannot be written.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from addrmig.commands import add_input_arguments
from addrmig.errors import BadArguments
from addrmig.progress import ProgressBar

HELP = "Trim, resolve places against the location database and write a corrected file (plus a review list)."
#: Nothing is left open when ``run`` returns: the process may end without cleaning up.
FAST_EXIT = True

OUTPUT_FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".json": "json"}
REVIEW_FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("-o", "--output", metavar="OUTPUT", type=Path, required=True,
                        help="corrected file: .csv, .xlsx or .json, with the Akinon columns")
    parser.add_argument("--review", metavar="REVIEW", type=Path, default=None,
                        help="write each unresolved or ambiguous place once, with suggestions, to REVIEW.csv/.xlsx")
    parser.add_argument("--locations", metavar="REF", type=Path, default=None,
                        help="location reference (CSV/XLSX with country, city, township, district); "
                             "default: the bundled Türkiye database")
    parser.add_argument("--corrections", metavar="FILE", type=Path, default=None,
                        help="import confirmed choices from a CSV (level, country, city, township, written, "
                             "place) into the corrections memory and apply them")


def run(args: argparse.Namespace) -> int:
    from addrmig.limits import collector_paused

    with collector_paused():  # a run's objects live to its end
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from addrmig.io import write_atomically, write_table
    from addrmig.locations import RESOLVED, LocationDB, resolve
    from addrmig.locations.corrections import Corrections
    from addrmig.locations.review import review_table, write_review
    from addrmig.pipeline import load
    from addrmig.validation import trim, validate

    out_fmt = OUTPUT_FORMATS.get(args.output.suffix.lower())
    if out_fmt is None:
        raise BadArguments(f"-o {args.output}: the output is written as .csv, .xlsx or .json; "
                           "give a file name ending in one of them.")
    review_fmt = None
    if args.review is not None:
        review_fmt = REVIEW_FORMATS.get(args.review.suffix.lower())
        if review_fmt is None:
            raise BadArguments(f"--review {args.review}: the review list is written as .csv or .xlsx.")

    db = LocationDB.from_file(args.locations) if args.locations else LocationDB.bundled()
    store = Corrections()
    if args.corrections:
        imported = store.import_csv(args.corrections)
        print(f"corrections: {imported:,} imported from {args.corrections}", file=sys.stderr)

    from concurrent.futures import ThreadPoolExecutor

    from addrmig.locations.resolver import prepare

    # The resolver's lookups are built in a thread while the file is read (the reader
    # parses in Arrow's threads, without the GIL), and before the workers are forked, so
    # that they share them: the thread is gone by then.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="addrmig-lookups") as pool:
        prepared = pool.submit(prepare, db)
        with ProgressBar("read") as bar:
            bar(0, 1)
            loaded = load(args.input, sheet=args.sheet, encoding=args.encoding)
            bar(1, 1)
        prepared.result()
    if loaded.mapping.missing_required:
        print(f"note: no column found for {', '.join(loaded.mapping.missing_required)}; "
              "those values stay empty and the rows stay invalid.", file=sys.stderr)
    frame, trimmed = trim(loaded.frame)
    n_trimmed = len(trimmed)
    del loaded, trimmed  # the file as read and the list of trimmed cells are not needed any more
    _release()
    from addrmig.parallel import available_workers

    workers = available_workers()
    with ProgressBar("places") as bar:
        resolution = resolve(frame, db, corrections=store.load(), progress=bar, workers=workers)
    del frame  # kept by the resolution as its original
    _release()
    checks = None
    if workers > 1 and len(resolution.frame) >= PARALLEL_CHECK_ROWS:
        # The checks run in a worker while the corrected file and the review list are written.
        from addrmig.parallel import Background

        checks = Background(lambda: validate(resolution.frame))
    else:
        with ProgressBar("validate") as bar:
            report = validate(resolution.frame, progress=bar)

    _release()
    with ProgressBar("write") as bar:
        if out_fmt == "csv":
            _write_csv(resolution.frame, args.output, bar)
        else:
            bar(0, 1)
            write_atomically(args.output, write_table(resolution.frame, out_fmt))
            bar(1, 1)
    _release()
    review = review_table(resolution)
    if args.review is not None:
        write_atomically(args.review, write_review(review, review_fmt))
    if checks is not None:
        with ProgressBar("validate") as bar:
            bar(0, 1)
            report = checks.result()
            bar(1, 1)

    summary = resolution.summary()
    unresolved = ~resolution.row_status.isin(RESOLVED)
    invalid = resolution.frame.index.isin(report.error_rows)
    rows = summary["rows"]
    print(f"{rows:,} rows: {rows - int(invalid.sum()):,} valid, {summary['resolved']:,} places resolved "
          f"({summary['resolved_share']:.1%}); {n_trimmed:,} values trimmed, "
          f"{resolution.respelt_cells():,} place values respelt.")
    print("places: " + ", ".join(f"{status} {summary[status]:,}" for status in
                                 ("exact", "normalized", "fuzzy", "ambiguous", "unmatched", "missing")))
    print(f"still to fix: {int(invalid.sum()):,} rows with errors, {int(unresolved.sum()):,} rows with "
          f"unresolved places ({len(review):,} distinct places to review).")
    # What Akinon itself refuses (missing or over-long values, unknown places); the other
    # errors (e-mail, phone, …) Akinon may take, but addrmig stops them before sending.
    refused = int((unresolved | resolution.frame.index.isin(report.refused_rows)).sum())
    print(f"Akinon would refuse {refused:,} rows as they stand.")
    print(f"output: {args.output}" + (f"; review: {args.review}" if args.review else ""))
    return 0 if not report.has_errors and not unresolved.any() else 1


CSV_CHUNK_ROWS = 100_000
#: From this many rows the checks run in a forked worker beside the writing.
PARALLEL_CHECK_ROWS = 100_000


def _release() -> None:
    from addrmig.limits import release_memory

    release_memory()


def _write_csv(frame, path: Path, progress) -> None:
    """The frame as CSV (``write_table``'s format), written in slices of rows: the whole
    file never sits in memory as one string, and the bar moves. ``path`` gets the whole
    file or, when writing fails, stays as it was."""
    from addrmig.io import atomic_output, write_table

    total = len(frame)
    with atomic_output(path) as out:
        if total == 0:
            out.write(write_table(frame, "csv"))
            return
        for start in range(0, total, CSV_CHUNK_ROWS):
            data = write_table(frame.iloc[start:start + CSV_CHUNK_ROWS], "csv")
            if start:  # the header line once, at the top
                data = data[data.index(b"\n") + 1:]
            out.write(data)
            progress(min(start + CSV_CHUNK_ROWS, total), total)
