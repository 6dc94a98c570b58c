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

from addrmig.formatting import number
from addrmig.i18n import N_, _

HELP = N_("Bring the database up to date (schema, and the history and place choices kept before the database) "
          "with `db upgrade`, or show where it stands with `db status`.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("upgrade", "status"),
                        help=_("upgrade: bring the schema up to date and carry over an older history and place "
                               "choices; status: report"))
    parser.add_argument("--database-url", default=None, metavar="URL",
                        help=_("the database (default $ADDRMIG_DATABASE_URL, else sqlite in the data dir)"))
    parser.add_argument("--data-dir", default=None,
                        help=_("the data dir: the default database, and an older history and place choices to "
                               "carry over, live there (default $ADDRMIG_DATA_DIR or the user data dir)"))


def run(args: argparse.Namespace) -> int:
    from addrmig.storage.database import Database
    from addrmig.storage.legacy import KINDS
    from addrmig.storage.migrate import current, head, pending, upgrade
    from addrmig.storage.settings import database_url

    database = Database(database_url(args.database_url, args.data_dir))
    try:
        print(_("database: {url}").format(url=database.shown_url))
        if args.action == "status":
            revision, waiting = current(database), pending(database, args.data_dir)
            print(_("schema:   {revision} (newest: {newest})").format(revision=revision or _("none yet"),
                                                                      newest=head()))
            for source in waiting:
                if KINDS[source.name] == "history":
                    print(_("history to carry over: {waiting}").format(waiting=source))
                else:
                    print(_("place choices and rules to carry over: {waiting}").format(waiting=source))
            return 0 if revision == head() and not waiting else 1
        done = upgrade(database, args.data_dir, again=True)
        print(_("schema:   {revision}").format(revision=done.after)
              + (_(" (already the newest)") if done.before == done.after
                 else _(" (was {revision})").format(revision=done.before or _("empty"))))
        for carried in done.carried:
            if carried.kind == "history":
                print(_("carried over from {source}: {submissions} submissions, {samples} progress readings, "
                        "{files} file copies").format(source=carried.source, submissions=number(carried.submissions),
                                                      samples=number(carried.samples), files=number(carried.files)))
            else:
                print(_("carried over from {source}: {choices} place choices, {rules} rules").format(
                    source=carried.source, choices=number(carried.choices), rules=number(carried.rules)))
        return 0
    finally:
        database.dispose()
