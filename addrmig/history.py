"""The record of what was sent to Akinon: submissions, their progress, the files as sent.

Akinon keeps no per-row error detail for migrations, so this record is the user's
evidence of what was sent where and when: base URL, channel, migration id, file name,
sha256, size, rows, every progress sample, and a byte-exact copy of the file, kept for
``ADDRMIG_SENT_RETENTION_DAYS`` (default 30) and then deleted (the rest stays). It lives
in the database (``addrmig.storage``: sqlite in the data dir by default, PostgreSQL via
``ADDRMIG_DATABASE_URL``). The token is never stored.

Each submission has an owner and a scope (the connection it concerns, see
``addrmig.storage.visibility``); a ``History`` is the record as one viewer sees it: its own
submissions and those of the connections it proved a token for. ``History()`` is the
command line's view (viewer ``local``): what the command line sent, and what was carried
over from the history kept before the database.

The same file (same sha256) sent to the same connection is refused with AlreadySubmitted
unless forced: a second address migration would create every address twice. The database
enforces it (the primary key of ``send_guards``, written in the transaction that records
the submission), so it holds across threads, processes and replicas; a send that failed
before the server took the file lets go of it.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from addrmig.errors import AlreadySubmitted, CopyDeleted
from addrmig.storage import blobs
from addrmig.storage.database import Database, open_database, utcnow
from addrmig.storage.models import BLOCKING, STATUSES, SampleRecord, SendGuard, SubmissionRecord
from addrmig.storage.settings import sent_retention
from addrmig.storage.sql import insert_new
from addrmig.storage.visibility import LOCAL, LOCAL_VIEWER, Viewer, akinon_scope

__all__ = ["BLOCKING", "STATUSES", "History", "Sample", "Submission", "Viewer", "now"]


def now() -> str:
    """The current UTC time as ISO 8601 text (how the history shows times)."""
    return _text(utcnow())


@dataclass(frozen=True)
class Sample:
    """One progress reading."""

    at: str
    processed: int
    errors: int
    total: int


@dataclass(frozen=True)
class Submission:
    """One file sent (or being sent) to one URL and channel.

    ``copy_kept_until``: until when the copy of the file as sent is kept (None: no copy was
    kept); ``copy_available``: whether it can still be had (:meth:`History.file_bytes`)."""

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
    owner: str = LOCAL
    scope: str = ""
    copy_kept_until: str | None = None
    copy_available: bool = False

    @property
    def finished(self) -> bool:
        return self.status == "finished"

    def describe(self) -> str:
        """One line for a person: when, where, which migration."""
        mid = self.migration_id or "(no migration id)"
        return (f"{self.filename} was sent on {self.submitted_at[:19].replace('T', ' ')} UTC to "
                f"{self.base_url} channel {self.channel_id} as migration {mid} ({self.status})")


class _Taken(Exception):
    """Another transaction holds the send guard of this file."""


class History:
    """The submission history as ``viewer`` sees it (default: the command line, ``local``), in the
    database of ``url`` (default: ``$ADDRMIG_DATABASE_URL``, else sqlite in the data dir
    ``directory``, which is also where an older history to carry over is looked for)."""

    def __init__(self, directory: str | os.PathLike | None = None, *, viewer: Viewer = LOCAL_VIEWER,
                 url: str | None = None, database: Database | None = None) -> None:
        self.database = database or open_database(url, directory)
        self.viewer = viewer
        self.database.purge_if_due()

    def __repr__(self) -> str:
        return f"History({self.database.shown_url!r}, viewer={self.viewer.owner!r})"

    def seen_by(self, viewer: Viewer) -> History:
        """The same history as ``viewer`` sees it."""
        return History(viewer=viewer, database=self.database)

    # -- writing ----------------------------------------------------------
    def begin(self, base_url: str, channel_id: int | str, filename: str, file_bytes: bytes,
              rows: int | None, *, force: bool = False, migration_key: str = "address",
              scope: str | None = None) -> Submission:
        """Record a file about to be sent (status ``sending``, owned by the viewer) and keep a copy of it.

        ``scope`` is the connection it concerns (default: ``akinon_scope(base_url, channel_id)``; the
        sandbox passes ``sandbox_scope(owner)``). Raises AlreadySubmitted when the same bytes were
        already sent to the same scope, unless ``force``; it names the earlier submission when the
        viewer may see it (``error.earlier``, else None).
        """
        self.database.purge_if_due()
        sha = hashlib.sha256(file_bytes).hexdigest()
        base_url, channel = base_url.rstrip("/"), str(channel_id)
        scope = scope or akinon_scope(base_url, channel)
        moment = utcnow()
        try:
            with self.database.writing() as session:
                if not force:
                    earlier = _guard_holder(session, scope, migration_key, sha)
                    if earlier is not None:
                        raise self._already(earlier)
                record = SubmissionRecord(
                    owner=self.viewer.owner, scope=scope, base_url=base_url, channel_id=channel,
                    migration_key=migration_key, filename=filename, sha256=sha, size=len(file_bytes), rows=rows,
                    status="sending", message="", submitted_at=moment, copy_kept_until=moment + sent_retention())
                session.add(record)
                session.flush()
                guard = {"scope": scope, "migration_key": migration_key, "sha256": sha, "submission_id": record.id,
                         "created_at": moment}
                if force:
                    insert_new(session, SendGuard, **guard)  # holds it for later sends if nobody does
                else:
                    try:  # a concurrent sender of the same file, committed first, makes this fail
                        session.execute(insert(SendGuard).values(**guard))
                    except IntegrityError:
                        raise _Taken from None
                record.copy_sha256 = blobs.put(session, file_bytes)[0]
                session.flush()
                return _submission(record)
        except _Taken:
            with self.database.reading() as session:
                earlier = _guard_holder(session, scope, migration_key, sha)
            if earlier is None:  # the other sender failed meanwhile: a new attempt may pass
                raise AlreadySubmitted("This file is being sent to the same place right now; wait a moment and "
                                       "check the history before sending it again.") from None
            raise self._already(earlier) from None

    def started(self, submission_id: int, migration_id: str) -> Submission:
        """The server accepted the file: record its migration id."""
        with self.database.writing() as session:
            record = self._visible(session, submission_id)
            record.status, record.migration_id = "started", migration_id
            session.flush()
            return _submission(record)

    def failed(self, submission_id: int, message: str, *, uncertain: bool = False) -> Submission:
        """Sending failed; ``uncertain`` when the file may still have started a migration. A send
        that surely failed lets go of the duplicate guard (to another submission of the same file
        that still blocks, if there is one)."""
        with self.database.writing() as session:
            record = self._visible(session, submission_id)
            record.status, record.message = ("uncertain" if uncertain else "failed"), message
            session.flush()
            if not uncertain:
                _release_guard(session, record)
            return _submission(record)

    def add_sample(self, submission_id: int, processed: int, errors: int, total: int,
                   at: str | None = None) -> Submission:
        """Record a progress reading; marks the submission finished once processed reaches total."""
        moment = _moment(at) if at else utcnow()
        with self.database.writing() as session:
            record = self._visible(session, submission_id)
            session.add(SampleRecord(submission_id=record.id, at=moment, processed=processed, errors=errors,
                                     total=total))
            record.processed, record.errors, record.total = processed, errors, total
            if total > 0 and processed >= total:
                record.status = "finished"
                record.finished_at = record.finished_at or moment
            session.flush()
            return _submission(record)

    # -- reading ----------------------------------------------------------
    def get(self, submission_id: int) -> Submission:
        """The submission with this id (KeyError if there is none this viewer may see)."""
        with self.database.reading() as session:
            return _submission(self._visible(session, submission_id))

    def by_migration(self, migration_id: str, base_url: str | None = None,
                     channel_id: int | str | None = None) -> Submission | None:
        """The latest submission with this migration id (optionally on this URL and channel), or None."""
        query = self._query().where(SubmissionRecord.migration_id == migration_id)
        if base_url is not None:
            query = query.where(SubmissionRecord.base_url == base_url.rstrip("/"))
        if channel_id is not None:
            query = query.where(SubmissionRecord.channel_id == str(channel_id))
        with self.database.reading() as session:
            record = session.scalars(query.order_by(SubmissionRecord.id.desc()).limit(1)).first()
            return None if record is None else _submission(record)

    def list(self, limit: int | None = None) -> list[Submission]:
        """Submissions, newest first."""
        self.database.purge_if_due()
        with self.database.reading() as session:
            return [_submission(r) for r in session.scalars(self._query().order_by(SubmissionRecord.id.desc())
                                                            .limit(limit))]

    def samples(self, submission_id: int) -> list[Sample]:
        """Every progress reading of a submission, oldest first."""
        with self.database.reading() as session:
            self._visible(session, submission_id)
            rows = session.execute(select(SampleRecord.at, SampleRecord.processed, SampleRecord.errors,
                                          SampleRecord.total)
                                   .where(SampleRecord.submission_id == submission_id).order_by(SampleRecord.id))
            return [Sample(_text(at), processed, errors, total) for at, processed, errors, total in rows]

    def file_bytes(self, submission: Submission) -> bytes:
        """The file exactly as it was sent; CopyDeleted once its retention period is over."""
        with self.database.reading() as session:
            record = self._visible(session, submission.id)
            if record.copy_sha256 is None or record.copy_kept_until <= utcnow():
                raise CopyDeleted(_deleted(record))
            return blobs.read(session, record.copy_sha256)

    # -- helpers ----------------------------------------------------------
    def _query(self):
        return select(SubmissionRecord).where(self.viewer.condition(SubmissionRecord.owner, SubmissionRecord.scope))

    def _visible(self, session: Session, submission_id: int) -> SubmissionRecord:
        record = session.scalars(self._query().where(SubmissionRecord.id == submission_id)).first()
        if record is None:
            raise KeyError(submission_id)
        return record

    def _already(self, earlier: SubmissionRecord) -> AlreadySubmitted:
        if not self.viewer.sees(earlier.owner, earlier.scope):
            return AlreadySubmitted(
                f"This file was already sent to {earlier.base_url} channel {earlier.channel_id}, from another "
                "account. Sending it again would create every address twice. Check that connection (a token it "
                "accepts shows its history), or send again with --force if you are sure.")
        shown = _submission(earlier)
        return AlreadySubmitted(
            f"This file was already sent: {shown.describe()}. "
            "Sending it again would create every address twice; check that migration "
            "(`python -m addrmig progress`), or send again with --force if you are sure.",
            earlier=shown)


def _guard_holder(session: Session, scope: str, migration_key: str, sha: str) -> SubmissionRecord | None:
    return session.scalars(select(SubmissionRecord).join(SendGuard, SendGuard.submission_id == SubmissionRecord.id)
                           .where(SendGuard.scope == scope, SendGuard.migration_key == migration_key,
                                  SendGuard.sha256 == sha)).first()


def _release_guard(session: Session, record: SubmissionRecord) -> None:
    guard = session.scalars(select(SendGuard).where(SendGuard.submission_id == record.id)).first()
    if guard is None:
        return
    heir = session.scalar(select(func.min(SubmissionRecord.id)).where(
        SubmissionRecord.scope == record.scope, SubmissionRecord.migration_key == record.migration_key,
        SubmissionRecord.sha256 == record.sha256, SubmissionRecord.status.in_(BLOCKING),
        SubmissionRecord.id != record.id))
    if heir is None:
        session.delete(guard)
    else:
        guard.submission_id = heir


def _deleted(record: SubmissionRecord) -> str:
    kept = (f"the history keeps its sha256 ({record.sha256}), size ({record.size:,} bytes) and row count "
            f"({'unknown' if record.rows is None else f'{record.rows:,}'})")
    if record.copy_kept_until is None:
        return f"No copy of {record.filename} was kept when it was sent; {kept}."
    days = sent_retention().total_seconds() / 86400
    return (f"The copy of {record.filename} is no longer kept: copies of sent files are kept for {days:g} days, and "
            f"this one was deleted on {record.copy_kept_until:%Y-%m-%d %H:%M} UTC; {kept}.")


def _submission(record: SubmissionRecord) -> Submission:
    kept = record.copy_kept_until
    return Submission(
        id=record.id, base_url=record.base_url, channel_id=record.channel_id, migration_key=record.migration_key,
        migration_id=record.migration_id, filename=record.filename, sha256=record.sha256, size=record.size,
        rows=record.rows, status=record.status, message=record.message, submitted_at=_text(record.submitted_at),
        finished_at=_text(record.finished_at) if record.finished_at else None, processed=record.processed,
        errors=record.errors, total=record.total, owner=record.owner, scope=record.scope,
        copy_kept_until=_text(kept) if kept else None,
        copy_available=record.copy_sha256 is not None and kept is not None and kept > utcnow())


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")
