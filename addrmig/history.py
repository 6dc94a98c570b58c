"""The local record of what was sent to Akinon: submissions, their progress, the files.

Akinon keeps no per-row error detail for migrations, so this store (sqlite in the
user data directory) is the user's evidence of what was sent where and when:
base URL, channel, migration id, file name, sha256, rows, every progress sample,
and a byte-exact copy of the file under ``<data dir>/sent/<sha256>``. The token is
never stored.

The same file (same sha256) sent to the same URL and channel is refused with
AlreadySubmitted unless forced: a second address migration would create every
address twice. Safe from several threads or processes: a connection per call,
WAL journal, a busy timeout, and the duplicate check and insert in one
``BEGIN IMMEDIATE`` transaction.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from addrmig.errors import AlreadySubmitted
from addrmig.store import connect, data_dir, use_wal

#: Status of a submission: being sent, accepted by the server (has a migration id),
#: finished (processed == total), failed (the server never took it), or uncertain
#: (the file left but the answer was lost: it may have started).
STATUSES = ("sending", "started", "finished", "failed", "uncertain")
#: Statuses that block sending the same file again.
BLOCKING = ("sending", "started", "finished", "uncertain")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base_url TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    migration_key TEXT NOT NULL DEFAULT 'address',
    migration_id TEXT,
    filename TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    rows INTEGER,
    status TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL,
    finished_at TEXT,
    processed INTEGER,
    errors INTEGER,
    total INTEGER
);
CREATE INDEX IF NOT EXISTS submissions_file ON submissions (base_url, channel_id, sha256);
CREATE INDEX IF NOT EXISTS submissions_migration ON submissions (migration_id);
CREATE TABLE IF NOT EXISTS samples (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    at TEXT NOT NULL,
    processed INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    total INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_submission ON samples (submission_id);
"""


def now() -> str:
    """The current UTC time as ISO 8601 text (what the store records)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Sample:
    """One progress reading."""

    at: str
    processed: int
    errors: int
    total: int


@dataclass(frozen=True)
class Submission:
    """One file sent (or being sent) to one URL and channel."""

    id: int
    base_url: str
    channel_id: str
    migration_key: str
    migration_id: str | None
    filename: str
    sha256: str
    size: int
    rows: int | None
    status: str
    message: str
    submitted_at: str
    finished_at: str | None
    processed: int | None
    errors: int | None
    total: int | None

    @property
    def finished(self) -> bool:
        return self.status == "finished"

    def describe(self) -> str:
        """One line for a person: when, where, which migration."""
        mid = self.migration_id or "(no migration id)"
        return (f"{self.filename} was sent on {self.submitted_at[:19].replace('T', ' ')} UTC to "
                f"{self.base_url} channel {self.channel_id} as migration {mid} ({self.status})")


class History:
    """The sqlite store; ``History()`` uses the default data dir (see ``data_dir``)."""

    def __init__(self, directory: str | os.PathLike | None = None) -> None:
        self.directory = data_dir(directory)
        self.files_dir = self.directory / "sent"
        self.path = self.directory / "history.sqlite3"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            use_wal(db)
            db.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"History({str(self.directory)!r})"

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A connection per call: sqlite connections must not be shared across threads.
        db = connect(self.path, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            yield db
        finally:
            db.close()

    # -- writing ----------------------------------------------------------
    def begin(self, base_url: str, channel_id: int | str, filename: str, file_bytes: bytes,
              rows: int | None, *, force: bool = False, migration_key: str = "address") -> Submission:
        """Record a file about to be sent (status ``sending``) and keep a copy of it.

        Raises AlreadySubmitted, naming the earlier submission, when the same bytes were
        already sent to the same URL and channel, unless ``force``.
        """
        sha = hashlib.sha256(file_bytes).hexdigest()
        base_url, channel = base_url.rstrip("/"), str(channel_id)
        self._keep_copy(sha, file_bytes)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                if not force:
                    placeholders = ",".join("?" * len(BLOCKING))
                    earlier = db.execute(
                        f"SELECT * FROM submissions WHERE base_url=? AND channel_id=? AND sha256=? "
                        f"AND migration_key=? AND status IN ({placeholders}) ORDER BY id LIMIT 1",
                        (base_url, channel, sha, migration_key, *BLOCKING)).fetchone()
                    if earlier is not None:
                        raise AlreadySubmitted(
                            f"This file was already sent: {_row(earlier).describe()}. "
                            "Sending it again would create every address twice; check that migration "
                            "(`python -m addrmig progress`), or send again with --force if you are sure.",
                            earlier=_row(earlier))
                cursor = db.execute(
                    "INSERT INTO submissions (base_url, channel_id, migration_key, filename, sha256, size, "
                    "rows, status, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'sending', ?)",
                    (base_url, channel, migration_key, filename, sha, len(file_bytes), rows, now()))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return self.get(cursor.lastrowid)

    def _keep_copy(self, sha: str, file_bytes: bytes) -> None:
        target = self.files_dir / sha
        if target.exists() and target.stat().st_size == len(file_bytes):
            return
        # Write then rename, so a reader never sees half a file.
        temporary = target.with_name(f"{sha}.{uuid.uuid4().hex}.tmp")
        temporary.write_bytes(file_bytes)
        os.replace(temporary, target)

    def started(self, submission_id: int, migration_id: str) -> Submission:
        """The server accepted the file: record its migration id."""
        self._update(submission_id, status="started", migration_id=migration_id)
        return self.get(submission_id)

    def failed(self, submission_id: int, message: str, *, uncertain: bool = False) -> Submission:
        """Sending failed; ``uncertain`` when the file may still have started a migration."""
        self._update(submission_id, status="uncertain" if uncertain else "failed", message=message)
        return self.get(submission_id)

    def add_sample(self, submission_id: int, processed: int, errors: int, total: int,
                   at: str | None = None) -> Submission:
        """Record a progress reading; marks the submission finished once processed reaches total."""
        at = at or now()
        finished = total > 0 and processed >= total
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO samples (submission_id, at, processed, errors, total) VALUES (?, ?, ?, ?, ?)",
                       (submission_id, at, processed, errors, total))
            db.execute("UPDATE submissions SET processed=?, errors=?, total=? WHERE id=?",
                       (processed, errors, total, submission_id))
            if finished:
                db.execute("UPDATE submissions SET status='finished', finished_at=COALESCE(finished_at, ?) "
                           "WHERE id=?", (at, submission_id))
            db.execute("COMMIT")
        return self.get(submission_id)

    def _update(self, submission_id: int, **values) -> None:
        columns = ", ".join(f"{name}=?" for name in values)
        with self._connect() as db:
            db.execute(f"UPDATE submissions SET {columns} WHERE id=?", (*values.values(), submission_id))

    # -- reading ----------------------------------------------------------
    def get(self, submission_id: int) -> Submission:
        """The submission with this id (KeyError if there is none)."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM submissions WHERE id=?", (submission_id,)).fetchone()
        if row is None:
            raise KeyError(submission_id)
        return _row(row)

    def by_migration(self, migration_id: str, base_url: str | None = None,
                     channel_id: int | str | None = None) -> Submission | None:
        """The latest submission with this migration id (optionally on this URL and channel), or None."""
        query, params = "SELECT * FROM submissions WHERE migration_id=?", [migration_id]
        if base_url is not None:
            query, params = query + " AND base_url=?", params + [base_url.rstrip("/")]
        if channel_id is not None:
            query, params = query + " AND channel_id=?", params + [str(channel_id)]
        with self._connect() as db:
            row = db.execute(query + " ORDER BY id DESC LIMIT 1", params).fetchone()
        return _row(row) if row is not None else None

    def list(self, limit: int | None = None) -> list[Submission]:
        """Submissions, newest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM submissions ORDER BY id DESC LIMIT ?",
                              (limit if limit is not None else -1,)).fetchall()
        return [_row(row) for row in rows]

    def samples(self, submission_id: int) -> list[Sample]:
        """Every progress reading of a submission, oldest first."""
        with self._connect() as db:
            rows = db.execute("SELECT at, processed, errors, total FROM samples WHERE submission_id=? "
                              "ORDER BY rowid", (submission_id,)).fetchall()
        return [Sample(*row) for row in rows]

    def file_path(self, submission: Submission) -> Path:
        """Where the copy of the file as sent is kept."""
        return self.files_dir / submission.sha256

    def file_bytes(self, submission: Submission) -> bytes:
        """The file exactly as it was sent."""
        return self.file_path(submission).read_bytes()


def _row(row: sqlite3.Row) -> Submission:
    return Submission(**{key: row[key] for key in row.keys()})  # noqa: SIM118 - sqlite3.Row is not a dict
