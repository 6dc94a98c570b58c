"""``python -m addrmig fix INPUT -o OUTPUT [--review REVIEW] [--locations REF] [--corrections FILE]``:
trim white space, put places in the location database's spelling, write the Akinon columns.

Exit 0 when every row is valid and its place resolved, 1 when some are not, 2 when the
input cannot be read or an output cannot be written.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from addrmig.commands import add_input_arguments, verdicts_summary
from addrmig.errors import BadArguments
from addrmig.fields import PHONE_FORMATS
from addrmig.formatting import number, percent
from addrmig.i18n import N_, _, ngettext
from addrmig.progress import ProgressBar

if TYPE_CHECKING:
    import pandas as pd

HELP = N_("Trim, resolve places against the location database and write a corrected file (plus a review list).")
#: Nothing is left open when ``run`` returns: the process may end without cleaning up.
FAST_EXIT = True

OUTPUT_FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".json": "json"}
REVIEW_FORMATS = {".csv": "csv", ".xlsx": "xlsx"}
STATUS_ORDER = ("exact", "normalized", "fuzzy", "ambiguous", "unmatched", "missing")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("-o", "--output", metavar="OUTPUT", type=Path, required=True,
                        help=_("corrected file: .csv, .xlsx or .json, with the Akinon columns"))
    parser.add_argument("--review", metavar="REVIEW", type=Path, default=None,
                        help=_("write each unresolved or ambiguous place once, with suggestions, to REVIEW.csv/.xlsx"))
    parser.add_argument("--locations", metavar="REF", type=Path, default=None,
                        help=_("location reference (CSV/XLSX with country, city, township, district); "
                               "default: the bundled Türkiye database"))
    parser.add_argument("--phone-format", choices=sorted(PHONE_FORMATS), default=None,
                        help=_("write every valid phone number in one form: {forms} (default: as written)")
                        .format(forms="; ".join(k + ": " + _(v) for k, v in PHONE_FORMATS.items())))
    parser.add_argument("--corrections", metavar="FILE", type=Path, default=None,
                        help=_("import confirmed choices from a CSV (level, country, city, township, written, "
                               "place) into the command line's place memory (in the database) and apply them"))


def run(args: argparse.Namespace) -> int:
    from addrmig.fixing import fix_file
    from addrmig.locations import LocationDB
    from addrmig.locations.corrections import Corrections
    from addrmig.locations.freetext.filling import text_summary
    from addrmig.locations.resolver.statuses import status_label

    out_fmt = OUTPUT_FORMATS.get(args.output.suffix.lower())
    if out_fmt is None:
        raise BadArguments(_("-o {output}: the output is written as .csv, .xlsx or .json; "
                             "give a file name ending in one of them.").format(output=args.output))
    review_fmt = "csv"
    if args.review is not None:
        review_fmt = REVIEW_FORMATS.get(args.review.suffix.lower())
        if review_fmt is None:
            raise BadArguments(_("--review {review}: the review list is written as .csv or .xlsx.")
                               .format(review=args.review))

    db = LocationDB.from_file(args.locations) if args.locations else LocationDB.bundled()

    def memory() -> tuple[pd.DataFrame, pd.DataFrame]:
        # The command line's choices and rules, in the database: opened while the file is read.
        from addrmig.storage.visibility import LOCAL

        store = Corrections(owner=LOCAL)
        return store.load(), store.load_choices()

    if args.corrections:
        from addrmig.storage.visibility import LOCAL

        imported = Corrections(owner=LOCAL).import_csv(args.corrections)
        print(_("corrections: {n} imported from {file}").format(n=number(imported), file=args.corrections),
              file=sys.stderr)

    outcome = fix_file(args.input, args.output, out_fmt, db, memory=memory,
                       review=args.review, review_format=review_fmt, sheet=args.sheet, encoding=args.encoding,
                       phone_format=args.phone_format, steps=ProgressBar,
                       note=lambda text: print(_("note: {text}").format(text=text), file=sys.stderr))
    if not outcome.rows:
        print(_("{input}: no address rows (only a header, or nothing under it); nothing to fix. "
                "Export the addresses again, with their rows.").format(input=args.input))
        return 1
    resolution = outcome.resolution
    summary = resolution.summary()
    invalid, unresolved = int(outcome.invalid.sum()), int(outcome.unresolved.sum())
    rows = summary["rows"]
    print(ngettext("{n} row: {valid} valid, {resolved} places resolved ({share}); {trimmed} values trimmed, "
                   "{respelt} place values respelt.",
                   "{n} rows: {valid} valid, {resolved} places resolved ({share}); {trimmed} values trimmed, "
                   "{respelt} place values respelt.", rows)
          .format(n=number(rows), valid=number(rows - invalid), resolved=number(summary["resolved"]),
                  share=percent(summary["resolved_share"]), trimmed=number(outcome.trimmed),
                  respelt=number(resolution.respelt_cells())))
    if args.phone_format:
        print(_("phones: {n} numbers written as {form}; numbers that are not valid were left as written.")
              .format(n=number(outcome.phones_written), form=_(PHONE_FORMATS[args.phone_format])))
    print(_("places: {counts}").format(
        counts=", ".join(f"{status_label(status)} {number(summary[status])}" for status in STATUS_ORDER)))
    if outcome.from_text is not None and len(outcome.from_text):
        print(text_summary(outcome.from_text))
    print(_("still to fix: {invalid} rows with errors, {unresolved} rows with unresolved places "
            "({review} distinct places to review).")
          .format(invalid=number(invalid), unresolved=number(unresolved), review=number(len(outcome.review))))
    print(verdicts_summary(outcome.verdicts))
    print(_("output: {output}").format(output=args.output)
          + (_("; review: {review}").format(review=args.review) if args.review else ""))
    return 0 if outcome.clean else 1
