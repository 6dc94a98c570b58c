"""Where addrmig keeps its files, and sqlite connections that several sessions can share.

The data directory is ``$ADDRMIG_DATA_DIR`` when set, else the platform's user data
directory. It holds the default database (``addrmig.sqlite3``, see ``addrmig.storage``)
and the Akinon location cache; the files of the version before the database
(``history.sqlite3``, ``sent/``, ``corrections.sqlite``) are read from it once, to be
carried over.
"""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The addrmig data directory: ``override``, else $ADDRMIG_DATA_DIR, else the user data dir."""
    if override:
        return Path(override)
    if os.environ.get("ADDRMIG_DATA_DIR"):
        return Path(os.environ["ADDRMIG_DATA_DIR"])
    from platformdirs import user_data_dir

    return Path(user_data_dir("addrmig"))


def use_wal(db: sqlite3.Connection) -> None:
    """Put the store in WAL mode (kept in the file, so once per store is enough).

    Switching the journal mode needs the file to itself and sqlite answers "database is
    locked" at once, without its busy wait, when another connection has it open: two
    users starting together on a new store. So wait a little and try again.
    """
    for attempt in range(100):
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return  # a file system without WAL answers with the mode it kept; that is fine too
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
        time.sleep(0.01 * (1 + attempt % 10))
    db.execute("PRAGMA journal_mode=WAL")  # still locked after ~5 s: let sqlite's error through


def connect(path: Path, **options) -> sqlite3.Connection:
    """A new connection to the store at ``path`` that waits for other writers (30 s).

    One connection per call: sqlite connections must not be shared across threads.
    """
    db = sqlite3.connect(path, timeout=30, **options)
    db.execute("PRAGMA busy_timeout=30000")
    return db
