"""``python -m addrmig progress ID --url URL --channel ID``: how far a migration has got."""
from __future__ import annotations

import argparse
import time

from addrmig.akinon.flow import check
from addrmig.commands.connection import add_connection_arguments, client_from, counts_text, follow
from addrmig.history import History
from addrmig.i18n import N_, _
from addrmig.progress import ProgressBar

HELP = N_("Show a migration's progress (processed, errors, total); recorded in the history when it is "
          "known there. Exit 0 no errors so far, 1 errors, 2 could not ask.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("migration_id", metavar="ID", help=_("the migration id that submit printed"))
    add_connection_arguments(parser)
    parser.add_argument("--wait", action="store_true", help=_("keep checking until it has finished"))
    parser.add_argument("--poll", type=float, default=2.0, metavar="SECONDS", help=_("seconds between checks"))
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help=_("stop waiting after this long"))


def run(args: argparse.Namespace) -> int:
    history = History(args.data_dir)
    with client_from(args) as client:
        progress, known = check(client, history, args.channel, args.migration_id)
        if args.wait and not progress.finished:
            if known is not None and known.parts == 1:
                return follow(client, history, known, args.poll, args.timeout)
            # Not sent from here, or one part of several: follow this migration alone.
            deadline = None if args.timeout is None else time.monotonic() + args.timeout
            with ProgressBar("migration", progress.total) as bar:
                while not progress.finished and (deadline is None or time.monotonic() < deadline):
                    time.sleep(args.poll)
                    progress = client.get_progress(args.channel, args.migration_id)
                    bar(progress.processed, progress.total)
    counts = counts_text(progress.processed, progress.total, progress.errors)
    print((_("finished: {counts}") if progress.finished else _("running: {counts}")).format(counts=counts))
    return 1 if progress.errors else 0
