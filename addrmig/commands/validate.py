"""``python -m addrmig validate INPUT [--report REPORT.csv|REPORT.xlsx]``: check a file
against Akinon's address rules and say what is wrong, where.

Exit 0 when Akinon will accept every row and no error is left (warnings allowed), 1 when
rows remain that Akinon would refuse or that have errors addrmig advises fixing (with
``--fail-on refused``: only the first kind), or when the file has no address rows; 2 when
the input cannot be read or the report cannot be written.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from addrmig.commands import add_input_arguments, verdicts_summary
from addrmig.errors import BadArguments
from addrmig.formatting import number
from addrmig.i18n import N_, _, ngettext
from addrmig.io import write_atomically
from addrmig.pipeline import load
from addrmig.progress import ProgressBar
from addrmig.report_files import save_report_xlsx, write_report_csv
from addrmig.validation import validate

HELP = N_("Check a file against Akinon's address rules; print a summary and optionally write an error report.")
#: Nothing is left open when ``run`` returns: the process may end without cleaning up.
FAST_EXIT = True

REPORT_FORMATS = (".csv", ".xlsx")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("--locations", metavar="REF", type=Path, default=None,
                        help=_("location reference the places are checked against (default: the bundled Türkiye "
                               "database)"))
    parser.add_argument("--fail-on", choices=("errors", "refused"), default="errors",
                        help=_("exit 1 on any error (default), or only on rows Akinon itself would refuse"))
    parser.add_argument("--report", metavar="REPORT", type=Path, default=None,
                        help=_("write every problem to REPORT.csv (one line per problem) or REPORT.xlsx "
                               "(your rows with failing cells highlighted, a list and a summary)"))


def run(args: argparse.Namespace) -> int:
    report_path: Path | None = args.report
    if report_path is not None and report_path.suffix.lower() not in REPORT_FORMATS:
        raise BadArguments(_("--report {report}: the report is written as .csv or .xlsx; "
                             "give a file name ending in one of them.").format(report=report_path))

    loaded = load(args.input, sheet=args.sheet, encoding=args.encoding)
    if loaded.mapping.missing_required:
        print(_("note: no column found for {fields}; every row fails 'required' there. Rename the column in the "
                "file or map it in the app.").format(fields=", ".join(loaded.mapping.missing_required)),
              file=sys.stderr)

    if not len(loaded.frame):
        print(_("{input}: no address rows (only a header, or nothing under it); nothing to check. "
                "Export the addresses again, with their rows.").format(input=args.input))
        return 1
    from addrmig.export import places_rule_in_background, row_verdicts
    from addrmig.locations.db import LocationDB
    from addrmig.parallel import available_workers

    db = LocationDB.from_file(args.locations) if args.locations else LocationDB.bundled()
    places = places_rule_in_background(loaded.frame, db)
    with ProgressBar("validate") as bar:
        report = validate(loaded.frame, progress=bar, row_problems=loaded.table.row_problems,
                          workers=available_workers())
    print(report.summary())
    verdicts = row_verdicts(loaded.frame, report, db, places.result() if places is not None else None)
    print(verdicts_summary(verdicts, hint=_(" (addrmig fix respells most places)")))
    from addrmig.locations.freetext.filling import fill_from_text, rows_to_read, text_summary

    if rows_to_read(loaded.frame).any():
        with ProgressBar("address text") as bar:
            _filled, read = fill_from_text(loaded.frame, db, loaded.auxiliary.get("postcode"), progress=bar,
                                     workers=available_workers())
        print(text_summary(read, filled=False))

    if report_path is not None:
        with ProgressBar("report") as bar:
            bar(0, 1)
            if report_path.suffix.lower() == ".xlsx":
                save_report_xlsx(loaded.frame, report, report_path)
            else:
                write_atomically(report_path, write_report_csv(report))
            bar(1, 1)
        print(ngettext("report: {report} ({n} problem)", "report: {report} ({n} problems)", len(report.failures))
              .format(report=report_path, n=number(len(report.failures))))
    if args.fail_on == "refused":
        return 1 if verdicts.refused_rows else 0
    return 1 if verdicts.refused_rows or report.has_errors else 0
