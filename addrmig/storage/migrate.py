"""Bring a database's schema up to date with Alembic, from code (no alembic.ini).

:func:`upgrade` runs once per process per database before first use (``open_database`` calls
it) and on demand (``addrmig db upgrade``). Everything happens in one transaction that
holds the database's own lock, so processes and replicas starting together upgrade it
once and wait for each other: on PostgreSQL a transaction-level advisory lock, on sqlite
the write lock that ``BEGIN IMMEDIATE`` takes. The same transaction carries over the
history and the place memory of the version before the database (``legacy.py``), once.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from addrmig.errors import StorageError
from addrmig.i18n import _
from addrmig.storage import legacy
from addrmig.storage.database import Database
from addrmig.storage.models import LegacyImport

SCRIPTS = Path(__file__).with_name("migrations")
#: The key of the PostgreSQL advisory lock held while upgrading ("addrmig" in ASCII).
LOCK_KEY = int.from_bytes(b"addrmig", "big")


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade did: the schema revision before and after, and what was carried over."""

    before: str | None
    after: str
    carried: tuple[legacy.Carried, ...]


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the scripts in this package, using ``connection``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def head() -> str:
    """The newest schema revision this version knows."""
    return ScriptDirectory.from_config(config()).get_current_head()


@functools.cache
def known() -> frozenset[str]:
    """Every schema revision this version knows."""
    return frozenset(script.revision for script in ScriptDirectory.from_config(config()).walk_revisions())


def upgrade(database: Database, directory: str | os.PathLike | None = None, *, again: bool = False) -> Upgrade | None:
    """Upgrade ``database`` to :func:`head` and carry over the old history and place memory found in
    the data dir ``directory`` (default: $ADDRMIG_DATA_DIR or the user data dir). Does nothing
    (returns None) when this process did it already, unless ``again``."""
    sources = legacy.find(directory)
    key = "\n".join(map(str, sources))
    if key in database.upgraded and not again:
        return None
    if not again and _up_to_date(database, sources):
        database.upgraded.add(key)
        return None
    with database.connection() as connection:
        if database.dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        before = _revision(database, connection)
        if before != head():
            command.upgrade(config(connection), "head")
        carried = tuple(done for done in (legacy.carry_over(connection, source) for source in sources) if done)
    database.upgraded.add(key)
    return Upgrade(before, head(), carried)


def _up_to_date(database: Database, sources: list[Path]) -> bool:
    """At the newest revision, with the old files (if any) carried over: no lock needed."""
    with database.reading() as session:
        connection = session.connection()
        if _revision(database, connection) != head():
            return False
        return all(session.get(LegacyImport, str(source)) is not None for source in sources)


def _revision(database: Database, connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is not None and revision not in known():
        raise StorageError(_("The database {shown_url} has schema revision {revision}, which this version of addrmig "
                             "does not know: a newer version has upgraded it. Run that version here too.").format(shown_url=database.shown_url, revision=revision))
    return revision


def current(database: Database) -> str | None:
    """The database's schema revision (None for an empty database)."""
    with database.reading() as session:
        return _revision(database, session.connection())


def pending(database: Database, directory: str | os.PathLike | None = None) -> list[Path]:
    """The old files (history, place memory) in the data dir ``directory`` not carried over yet."""
    sources = legacy.find(directory)
    if not sources:
        return []
    with database.reading() as session:
        if not inspect(session.connection()).has_table(LegacyImport.__tablename__):
            return sources
        return [source for source in sources if session.get(LegacyImport, str(source)) is None]
