"""``python -m addrmig history``: the files sent to Akinon, where, when, and how they ended."""
from __future__ import annotations

import argparse

from addrmig.history import History

HELP = "List the files sent to Akinon (newest first) with their migration ids and final counts."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default=None,
                        help="where the submission history lives (default $ADDRMIG_DATA_DIR or the user data dir)")
    parser.add_argument("--limit", type=int, default=50, help="show at most this many (default 50)")


def run(args: argparse.Namespace) -> int:
    submissions = History(args.data_dir).list(args.limit)
    if not submissions:
        print("nothing sent yet")
        return 0
    header = ("#", "sent (UTC)", "url", "channel", "migration", "file", "rows", "status", "processed", "errors")
    table = [header]
    for s in submissions:
        counts = f"{s.processed}/{s.total}" if s.total is not None else "-"
        table.append((str(s.id), s.submitted_at[:19].replace("T", " "), s.base_url, s.channel_id,
                      s.migration_id or "-", s.filename, "-" if s.rows is None else str(s.rows), s.status,
                      counts, "-" if s.errors is None else str(s.errors)))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0
