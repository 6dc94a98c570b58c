"""``python -m addrmig db upgrade|status``: the database's schema, brought up to date or reported.

``upgrade`` does what every process does on its own when it first opens the database,
but says what it did: the schema revision before and after, and what was carried over
from what was kept before the database (the history, ``history.sqlite3`` and ``sent/``, and
the place choices and rules, ``corrections.sqlite``, in the data dir). Exit 0 done; 2 could
not (the database unreachable, or upgraded by a newer version). ``status`` changes nothing:
exit 0 up to date, 1 an upgrade is due (a schema revision, or an old file to carry over).
"""
from __future__ import annotations

import argparse

HELP = ("Bring the database up to date (schema, and the history and place choices kept before the database) "
        "with `db upgrade`, or show where it stands with `db status`.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("upgrade", "status"),
                        help="upgrade: bring the schema up to date and carry over an older history and place choices; "
                             "status: report")
    parser.add_argument("--database-url", default=None, metavar="URL",
                        help="the database (default $ADDRMIG_DATABASE_URL, else sqlite in the data dir)")
    parser.add_argument("--data-dir", default=None,
                        help="the data dir: the default database, and an older history and place choices to carry "
                             "over, live there (default $ADDRMIG_DATA_DIR or the user data dir)")


def run(args: argparse.Namespace) -> int:
    from addrmig.storage.database import Database
    from addrmig.storage.legacy import KINDS
    from addrmig.storage.migrate import current, head, pending, upgrade
    from addrmig.storage.settings import database_url

    database = Database(database_url(args.database_url, args.data_dir))
    try:
        print(f"database: {database.shown_url}")
        if args.action == "status":
            revision, waiting = current(database), pending(database, args.data_dir)
            print(f"schema:   {revision or 'none yet'} (newest: {head()})")
            for source in waiting:
                print(f"{KINDS[source.name]} to carry over: {source}")
            return 0 if revision == head() and not waiting else 1
        done = upgrade(database, args.data_dir, again=True)
        print(f"schema:   {done.after}" + (" (already the newest)" if done.before == done.after
                                           else f" (was {done.before or 'empty'})"))
        for carried in done.carried:
            if carried.kind == "history":
                print(f"carried over from {carried.source}: {carried.submissions:,} submissions, "
                      f"{carried.samples:,} progress readings, {carried.files:,} file copies")
            else:
                print(f"carried over from {carried.source}: {carried.choices:,} place choices, "
                      f"{carried.rules:,} rules")
        return 0
    finally:
        database.dispose()
