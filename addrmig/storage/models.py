"""The tables, as SQLAlchemy models. The migrations in ``migrations/versions`` create them;
``tests/test_storage_schema.py`` checks that the two agree.

Times are UTC (``UTCDateTime``: aware datetimes in, aware datetimes out, on sqlite too).
Bytes (copies of sent files, uploads, edit logs) live in ``blobs``/``blob_chunks``, once per
sha256, in chunks, referenced by the rows that need them: see ``blobs.py``.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: The levels of a place, from the widest (what a place rule is about).
PLACE_LEVELS = ("country", "city", "township", "district")
#: Status of a submission: being sent, accepted by the server (has a migration id),
#: finished (processed == total), failed (the server never took it), or uncertain
#: (the file left but the answer was lost: it may have started).
STATUSES = ("sending", "started", "finished", "failed", "uncertain")
#: Statuses that block sending the same file again.
BLOCKING = ("sending", "started", "finished", "uncertain")
#: Status of one part of a submission: not sent yet (waiting), claimed by a sender and on its
#: way (sending), then as a submission: started, finished, failed (the server surely did not
#: take it: it may be sent again), uncertain (it may have started: never resent without the
#: user's word).
PART_STATUSES = ("waiting", "sending", "started", "finished", "failed", "uncertain")


class UTCDateTime(TypeDecorator):
    """A point in time, stored as UTC; always read back as an aware datetime (sqlite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware (UTC) one")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    # Named constraints, so that a later migration can name what it changes on both databases.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class Blob(Base):
    """Bytes kept once per sha256; the bytes themselves are in ``blob_chunks``."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(Text, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    chunks: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BlobChunk(Base):
    """One piece (at most ``blobs.CHUNK_SIZE`` bytes) of a blob, ``seq`` counting from 0."""

    __tablename__ = "blob_chunks"

    sha256: Mapped[str] = mapped_column(Text, ForeignKey("blobs.sha256", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class SubmissionRecord(Base):
    """One file sent (or being sent) to one Akinon connection (or a sandbox), by one owner."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status"),
        Index(None, "owner"),
        Index(None, "scope", "sha256"),
        Index(None, "migration_id"),
        Index(None, "copy_sha256"),
        # Ids are shown to people ("#12"): never hand one out twice, even after a delete.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    base_url: Mapped[str] = mapped_column(Text)
    channel_id: Mapped[str] = mapped_column(Text)
    migration_key: Mapped[str] = mapped_column(Text)
    migration_id: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed: Mapped[int | None] = mapped_column(BigInteger)
    errors: Mapped[int | None] = mapped_column(BigInteger)
    total: Mapped[int | None] = mapped_column(BigInteger)
    #: The copy of the file as sent, while it is kept (NULL once the retention period is over).
    copy_sha256: Mapped[str | None] = mapped_column(Text, ForeignKey("blobs.sha256"))
    copy_kept_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The limits the file was cut into parts by (the size is halved when the server refused a part
    #: as too large); NULL for submissions made before files were sent in parts.
    part_bytes: Mapped[int | None] = mapped_column(BigInteger)
    part_rows: Mapped[int | None] = mapped_column(BigInteger)


class PartRecord(Base):
    """One part of a submission, sent as a migration of its own: ``header_size`` bytes of the whole
    file, then its bytes ``body_start`` to ``body_end`` (a part that is the whole file: 0, 0, size)."""

    __tablename__ = "submission_parts"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in PART_STATUSES)})", name="status"),
        Index(None, "migration_id"),
    )

    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("submissions.id", ondelete="CASCADE"),
                                               primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_row: Mapped[int | None] = mapped_column(BigInteger)
    rows: Mapped[int | None] = mapped_column(BigInteger)
    header_size: Mapped[int] = mapped_column(BigInteger)
    body_start: Mapped[int] = mapped_column(BigInteger)
    body_end: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    migration_id: Mapped[str | None] = mapped_column(Text)
    processed: Mapped[int | None] = mapped_column(BigInteger)
    errors: Mapped[int | None] = mapped_column(BigInteger)
    total: Mapped[int | None] = mapped_column(BigInteger)
    message: Mapped[str] = mapped_column(Text)
    #: When a sender claimed it (status ``sending``): a part left sending long after is one whose
    #: sender stopped mid-send, so it may have started.
    sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SampleRecord(Base):
    """One progress reading of a submission."""

    __tablename__ = "samples"
    __table_args__ = (Index(None, "submission_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("submissions.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed: Mapped[int] = mapped_column(BigInteger)
    errors: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)


class SendGuard(Base):
    """The duplicate-send guard: at most one row per file per connection and migration kind,
    held by the submission that sent it. Its primary key is what the database enforces."""

    __tablename__ = "send_guards"

    scope: Mapped[str] = mapped_column(Text, primary_key=True)
    migration_key: Mapped[str] = mapped_column(Text, primary_key=True)
    sha256: Mapped[str] = mapped_column(Text, primary_key=True)
    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("submissions.id", ondelete="CASCADE"),
                                               unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkspaceRecord(Base):
    """A browser workspace kept on the server: its state, its upload and its edit log."""

    __tablename__ = "workspaces"
    __table_args__ = (Index(None, "owner"), Index(None, "expires_at"), Index(None, "file_sha256"),
                      Index(None, "edits_sha256"))

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    owner: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[dict] = mapped_column(JSON)
    file_name: Mapped[str | None] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(Text, ForeignKey("blobs.sha256"))
    edits_sha256: Mapped[str | None] = mapped_column(Text, ForeignKey("blobs.sha256"))


class LegacyImport(Base):
    """A file kept before the database, carried over (so it is carried over once): a history
    (``history.sqlite3`` + ``sent/``) or a place memory (``corrections.sqlite``)."""

    __tablename__ = "legacy_imports"

    source: Mapped[str] = mapped_column(Text, primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submissions: Mapped[int] = mapped_column(Integer)
    samples: Mapped[int] = mapped_column(Integer)
    files: Mapped[int] = mapped_column(Integer)
    #: What a place memory (``corrections.sqlite``) brought: its choices and its rules.
    choices: Mapped[int] = mapped_column(Integer, server_default="0")
    rules: Mapped[int] = mapped_column(Integer, server_default="0")


class PlaceChoice(Base):
    """A place ``owner`` picked for a written place: the rows writing country, city, township and
    district as ``written_key`` folds them (case, Turkish letters, punctuation aside) mean that place.
    One per owner and written place: a later pick replaces the earlier one."""

    __tablename__ = "place_choices"

    owner: Mapped[str] = mapped_column(Text, primary_key=True)
    #: The four written levels, each folded, joined by U+001F.
    written_key: Mapped[str] = mapped_column(Text, primary_key=True)
    country: Mapped[str] = mapped_column(Text)
    city: Mapped[str] = mapped_column(Text)
    township: Mapped[str] = mapped_column(Text)
    district: Mapped[str] = mapped_column(Text)
    place_country: Mapped[str] = mapped_column(Text)
    place_city: Mapped[str] = mapped_column(Text)
    place_township: Mapped[str] = mapped_column(Text)
    place_district: Mapped[str] = mapped_column(Text)
    #: When it was made (the newest is applied first).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlaceRule(Base):
    """A rule (a "correction") of ``owner``'s: the value written as ``written`` (compared by its folded
    ``written_key``) at ``level``, under the parent places named (database spelling; empty above the
    level), means ``place``, in every row. One per owner, level, parent and written value."""

    __tablename__ = "place_rules"
    __table_args__ = (
        CheckConstraint(f"level IN ({', '.join(repr(level) for level in PLACE_LEVELS)})", name="level"),
    )

    owner: Mapped[str] = mapped_column(Text, primary_key=True)
    level: Mapped[str] = mapped_column(Text, primary_key=True)
    country: Mapped[str] = mapped_column(Text, primary_key=True)
    city: Mapped[str] = mapped_column(Text, primary_key=True)
    township: Mapped[str] = mapped_column(Text, primary_key=True)
    written_key: Mapped[str] = mapped_column(Text, primary_key=True)
    written: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


#: Every column that points at a blob: a blob none of them names may be deleted.
BLOB_REFERENCES = (SubmissionRecord.copy_sha256, WorkspaceRecord.file_sha256, WorkspaceRecord.edits_sha256)
