"""One database per URL per process: its engine, read and write transactions, and its upkeep.

sqlite (the default, a file in the data dir): WAL journal, a 30 s busy timeout, foreign
keys on, a connection per use (sqlite connections must not cross threads), and every
write transaction begun with ``BEGIN IMMEDIATE``, so two writers queue at the start
instead of failing halfway. PostgreSQL (psycopg 3): a small pool that checks a connection
before handing it out (a replica outlives database restarts); reads run at REPEATABLE
READ, so a read that spans several queries (a blob's chunks) sees one state.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from addrmig.errors import StorageError
from addrmig.i18n import _
from addrmig.storage.settings import database_url, shown
from addrmig.store import use_wal

#: Expired copies and workspaces are deleted when a store is opened or used (sending, listing the
#: history, creating or loading a workspace), at most this often per process.
PURGE_EVERY = timedelta(minutes=10)
_WRITE = "addrmig_write"


class Database:
    """The database at ``url`` (see :func:`open_database`, which also brings its schema up to date)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        self.engine = _engine(url, self.dialect)
        self._writer = self.engine.execution_options(**{_WRITE: True})
        self._reader = (self.engine.execution_options(isolation_level="REPEATABLE READ")
                        if self.dialect == "postgresql" else self.engine)
        self._upkeep = threading.Lock()
        self._purged_at = 0.0
        self.upgraded: set[str] = set()  # the legacy data dirs already looked at (see migrate.upgrade)

    def __repr__(self) -> str:
        return f"Database({self.shown_url!r})"

    @property
    def shown_url(self) -> str:
        """The URL with its password hidden."""
        return shown(self.url)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session in a read transaction (rolled back at the end)."""
        with self._session(self._reader) as session:
            yield session  # closing the session rolls its transaction back

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session in a write transaction, committed at the end unless an exception leaves it."""
        with self._session(self._writer) as session, session.begin():
            yield session

    @contextmanager
    def _session(self, engine: Engine) -> Iterator[Session]:
        try:
            with Session(engine, expire_on_commit=False) as session:
                yield session
        except (OperationalError, InterfaceError) as error:
            raise StorageError(_("The database {shown_url} could not be used: {reason}. Check that it is running and "
                                 "reachable and that ADDRMIG_DATABASE_URL is right.").format(shown_url=self.shown_url, reason=_reason(error))) from None

    @contextmanager
    def connection(self) -> Iterator:
        """A Core connection in a write transaction (for the schema upgrade)."""
        try:
            with self._writer.begin() as connection:
                yield connection
        except (OperationalError, InterfaceError) as error:
            raise StorageError(_("The database {shown_url} could not be used: {reason}. Check that it is running and "
                                 "reachable and that ADDRMIG_DATABASE_URL is right.").format(shown_url=self.shown_url, reason=_reason(error))) from None

    def purge_if_due(self) -> None:
        """Delete expired copies and workspaces, unless this process did so in the last ``PURGE_EVERY``."""
        with self._upkeep:
            if time.monotonic() - self._purged_at < PURGE_EVERY.total_seconds() and self._purged_at:
                return
            self._purged_at = time.monotonic()
        from addrmig.storage.retention import purge
        purge(self)

    def dispose(self) -> None:
        """Close the pooled connections (the object stays usable: connections reopen on demand)."""
        self.engine.dispose()


def utcnow() -> datetime:
    """The current time, aware, UTC."""
    return datetime.now(timezone.utc)


_lock = threading.Lock()
_databases: dict[str, Database] = {}


def open_database(url: str | None = None, directory: str | os.PathLike | None = None) -> Database:
    """The database for ``url`` (default: see :func:`settings.database_url`), one object per URL per
    process, with its schema upgraded (once per process) and any history of the version before
    the database, found in the data dir ``directory``, carried over (once)."""
    from addrmig.storage.migrate import upgrade

    resolved = database_url(url, directory)
    with _lock:
        database = _databases.get(resolved)
        if database is None:
            database = _databases[resolved] = Database(resolved)
    upgrade(database, directory)
    return database


def close_database(url: str) -> None:
    """Forget the database object for ``url`` and close its connections (tests drop databases)."""
    with _lock:
        database = _databases.pop(database_url(url), None)
    if database is not None:
        database.dispose()


def _engine(url: str, dialect: str) -> Engine:
    if dialect == "sqlite":
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_connection)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_recycle=1800,
                         connect_args={"connect_timeout": 10})


def _sqlite_connection(connection: sqlite3.Connection, _record: object) -> None:
    # SQLAlchemy emits BEGIN itself (below): the driver's own transaction handling would
    # start transactions late, and not at all for DDL.
    connection.isolation_level = None
    connection.execute("PRAGMA busy_timeout=30000")
    connection.execute("PRAGMA foreign_keys=ON")
    use_wal(connection)


def _sqlite_begin(connection) -> None:
    # A writer takes the write lock at BEGIN: two writers then wait for each other (busy
    # timeout) instead of the second failing when it first writes after reading.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(_WRITE) else "BEGIN")


def _reason(error: Exception) -> str:
    """The driver's first line, which says what went wrong (never the URL's password: drivers do not echo it)."""
    text = str(getattr(error, "orig", error) or error).strip().splitlines()
    return text[0].rstrip(".") if text else type(error).__name__
