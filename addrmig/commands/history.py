"""``python -m addrmig history [ID]``: the files sent to Akinon, where, when, and how they ended;
with an ID, that submission's parts (and ``--parts-with-errors FILE`` writes the rows of the parts
the server refused rows of)."""
from __future__ import annotations

import argparse
from pathlib import Path

from addrmig.errors import BadArguments
from addrmig.history import History
from addrmig.history_parts import status_text
from addrmig.i18n import N_, _, ngettext

HELP = N_("List the files sent to Akinon (newest first) with their migration ids and final counts; "
          "`history ID` shows the parts of one.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", nargs="?", type=int, default=None, metavar="ID",
                        help=_("show this submission's parts: rows, migration id, counts"))
    parser.add_argument("--data-dir", default=None,
                        help=_("where the submission history lives (default $ADDRMIG_DATA_DIR or the user data dir)"))
    parser.add_argument("--limit", type=int, default=50, help=_("show at most this many (default 50)"))
    parser.add_argument("--parts-with-errors", default=None, metavar="FILE",
                        help=_("with ID, write the rows of the parts that had errors to FILE (the header once), "
                               "cut from the copy kept of the file sent"))


def run(args: argparse.Namespace) -> int:
    history = History(args.data_dir)
    if args.id is not None:
        return _one(history, args)
    if args.parts_with_errors:
        raise BadArguments(_("--parts-with-errors goes with a submission ID: `history ID --parts-with-errors FILE`."))
    submissions = history.list(args.limit)
    if not submissions:
        print(_("nothing sent yet"))
        return 0
    header = ("#", _("sent (UTC)"), _("url"), _("channel"), _("migration"), _("file"), _("rows"), _("status"),
              _("processed"), _("errors"))
    table = [header]
    for s in submissions:
        counts = f"{s.processed}/{s.total}" if s.total is not None else "-"
        migration = s.migration_id or (ngettext("{n} part", "{n} parts", s.parts).format(n=s.parts)
                                       if s.parts > 1 else "-")
        table.append((str(s.id), s.submitted_at[:19].replace("T", " "), s.base_url, s.channel_id,
                      migration, s.filename, "-" if s.rows is None else str(s.rows), status_text(s.status),
                      counts, "-" if s.errors is None else str(s.errors)))
    _print(table)
    return 0


def _one(history: History, args: argparse.Namespace) -> int:
    try:
        submission = history.get(args.id)
    except KeyError:
        raise BadArguments(_("There is no submission {id} in this history (`history` lists them).")
                           .format(id=args.id)) from None
    print(submission.describe())
    parts = history.parts(submission.id)
    table = [(_("part"), _("rows"), _("bytes"), _("status"), _("migration"), _("processed"), _("errors"))]
    for part in parts:
        table.append((str(part.number), part.describe_rows(), str(part.size), status_text(part.state),
                      part.migration_id or "-",
                      "-" if part.total is None else f"{part.processed}/{part.total}",
                      "-" if part.errors is None else str(part.errors)))
    _print(table)
    if args.parts_with_errors:
        with_errors = [part.number for part in parts if part.errors]
        if not with_errors:
            print(_("no part had errors: nothing written"))
            return 0
        Path(args.parts_with_errors).write_bytes(history.parts_file(submission, with_errors))
        print(_("wrote the rows of part(s) {parts} to {file}").format(parts=", ".join(map(str, with_errors)),
                                                                      file=args.parts_with_errors))
    return 0


def _print(table: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
