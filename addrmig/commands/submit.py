"""``python -m addrmig submit FILE --url URL --channel ID``: send a file once, optionally wait."""
from __future__ import annotations

import argparse
from pathlib import Path

from addrmig.akinon.flow import count_rows, submit
from addrmig.commands.connection import add_connection_arguments, client_from, follow
from addrmig.history import History

HELP = ("Send an address file to Akinon's address migration (refused if this file was already sent "
        "there); with --wait follow it to the end. Exit 0 finished clean, 1 finished with errors, "
        "2 could not submit.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the file to send, exactly as it is (CSV, XLS, XLSX or JSON)")
    add_connection_arguments(parser)
    parser.add_argument("--wait", action="store_true", help="show progress until the migration has finished")
    parser.add_argument("--force", action="store_true", help="send even if this exact file was sent here before")
    parser.add_argument("--poll", type=float, default=2.0, metavar="SECONDS", help="seconds between progress checks")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="with --wait, stop waiting after this long (the migration goes on)")


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    data = path.read_bytes()
    history = History(args.data_dir)
    with client_from(args) as client:
        submission = submit(client, history, args.channel, data, path.name, count_rows(data, path.name),
                            force=args.force)
        print(submission.migration_id, flush=True)
        if not args.wait:
            return 0
        return follow(client, history, submission, args.poll, args.timeout)
