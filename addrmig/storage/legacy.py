"""Carry over what was kept before the database: the history (``history.sqlite3`` and
``sent/<sha256>``) and the place memory (``corrections.sqlite``), both in the data dir.

Every submission and progress reading comes over as it was (same ids when the database
has none yet), owned by ``local`` (the command line) and scoped to its URL and channel;
the file copies go into the database, kept for the retention period counted from the
carry-over; the earliest submission of a file that still blocks a resend holds its send
guard. The place choices and rules come over as ``local``'s too, with their times (a
choice or rule ``local`` already has in the database stays as it is). The old files are
left where they are (the earlier version still reads them) and a row in
``legacy_imports`` makes sure each is carried over once.
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Connection, func, insert, select, text
from sqlalchemy.orm import Session

from addrmig.errors import AddrmigError, StorageError
from addrmig.i18n import _
from addrmig.storage import blobs
from addrmig.storage.database import utcnow
from addrmig.storage.memory import count
from addrmig.storage.models import (
    BLOCKING,
    PLACE_LEVELS,
    STATUSES,
    LegacyImport,
    PartRecord,
    PlaceChoice,
    PlaceRule,
    SampleRecord,
    SendGuard,
    SubmissionRecord,
)
from addrmig.storage.settings import sent_retention
from addrmig.storage.sql import insert_missing
from addrmig.storage.visibility import LOCAL, akinon_scope
from addrmig.store import connect, data_dir

LEGACY_FILE = "history.sqlite3"
LEGACY_COPIES = "sent"
#: The place memory of the version before the database.
MEMORY_FILE = "corrections.sqlite"
#: What each old file is, in the words ``addrmig db`` uses.
KINDS = {LEGACY_FILE: "history", MEMORY_FILE: "place choices and rules"}
_BATCH = 1000


@dataclass(frozen=True)
class Carried:
    """What was carried over from ``source`` (a history's submissions, progress readings and copies,
    or a place memory's choices and rules)."""

    source: str
    submissions: int = 0
    samples: int = 0
    files: int = 0
    choices: int = 0
    rules: int = 0

    @property
    def kind(self) -> str:
        """``history`` or ``place choices and rules``."""
        return KINDS[Path(self.source).name]


def find(directory: str | os.PathLike | None = None) -> list[Path]:
    """The old files in the data dir ``directory`` (default: the data dir): the history and the place
    memory, those that are there."""
    folder = data_dir(directory)
    return [path.resolve() for path in (folder / LEGACY_FILE, folder / MEMORY_FILE) if path.is_file()]


def carry_over(connection: Connection, source: Path) -> Carried | None:
    """Copy the old file at ``source`` (a :func:`find`) into the database on ``connection`` (in its
    transaction); None when it was carried over before."""
    with Session(bind=connection) as session:
        if session.get(LegacyImport, str(source)) is not None:
            return None
        carried = _carry_memory(session, source) if source.name == MEMORY_FILE else \
            _carry(session, source, connection.dialect.name)
        session.add(LegacyImport(source=carried.source, imported_at=utcnow(), submissions=carried.submissions,
                                 samples=carried.samples, files=carried.files, choices=carried.choices,
                                 rules=carried.rules))
        session.flush()
        return carried


def _carry(session: Session, source: Path, dialect: str) -> Carried:
    submissions, samples = _read(source)
    copies = _carry_copies(session, source.parent / LEGACY_COPIES, {row["sha256"] for row in submissions})
    keep_ids = session.scalar(select(func.count()).select_from(SubmissionRecord)) == 0
    kept_until = utcnow() + sent_retention()
    new_id: dict[int, int] = {}
    for row in submissions:
        record = SubmissionRecord(
            owner=LOCAL, scope=_scope(row["base_url"], row["channel_id"]), base_url=row["base_url"],
            channel_id=str(row["channel_id"]), migration_key=row["migration_key"] or "address",
            migration_id=row["migration_id"], filename=row["filename"], sha256=row["sha256"], size=row["size"],
            rows=row["rows"], status=row["status"] if row["status"] in STATUSES else "uncertain",
            message=row["message"] or "", submitted_at=_time(row["submitted_at"]), finished_at=_time(row["finished_at"]),
            processed=row["processed"], errors=row["errors"], total=row["total"],
            copy_sha256=row["sha256"] if row["sha256"] in copies else None,
            copy_kept_until=kept_until if row["sha256"] in copies else None)
        if keep_ids:
            record.id = row["id"]
        session.add(record)
        session.flush()
        session.add(_whole_part(record))
        new_id[row["id"]] = record.id
        if record.status in BLOCKING:
            session.merge(SendGuard(scope=record.scope, migration_key=record.migration_key, sha256=record.sha256,
                                    submission_id=_first_holder(session, record), created_at=record.submitted_at))
    carried_samples = [{"submission_id": new_id[row["submission_id"]], "at": _time(row["at"]),
                        "processed": row["processed"], "errors": row["errors"], "total": row["total"]}
                       for row in samples if row["submission_id"] in new_id]
    for start in range(0, len(carried_samples), _BATCH):
        session.execute(insert(SampleRecord), carried_samples[start:start + _BATCH])
    if keep_ids and submissions and dialect == "postgresql":
        # Ids were given, not drawn: move the sequence past them.
        session.execute(text("SELECT setval(pg_get_serial_sequence('submissions', 'id'), "
                                "(SELECT max(id) FROM submissions))"))
    return Carried(str(source), len(submissions), len(carried_samples), len(copies))


def _read(source: Path) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
    """The old submissions and samples (none when the file never got its tables)."""
    try:
        with closing(connect(source)) as old:
            old.row_factory = sqlite3.Row
            tables = {row[0] for row in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"submissions", "samples"} <= tables:
                return [], []
            return (old.execute("SELECT * FROM submissions ORDER BY id").fetchall(),
                    old.execute("SELECT * FROM samples ORDER BY rowid").fetchall())
    except sqlite3.DatabaseError as error:
        raise StorageError(_("The earlier submission history {source} cannot be read ({error}); move it out of the data "
                             "folder to start without it, or restore it from a backup.").format(source=source, error=error)) from None


def _carry_memory(session: Session, source: Path) -> Carried:
    rules, choices = _read_memory(source)
    before = count(session, PlaceChoice, LOCAL), count(session, PlaceRule, LOCAL)
    for model, rows in ((PlaceRule, rules), (PlaceChoice, choices)):
        records = [dict(row, owner=LOCAL, updated_at=_moment(row.pop("updated"))) for row in map(dict, rows)]
        for start in range(0, len(records), _BATCH):
            insert_missing(session, model, records[start:start + _BATCH])
    return Carried(str(source), choices=count(session, PlaceChoice, LOCAL) - before[0],
                   rules=count(session, PlaceRule, LOCAL) - before[1])


def _read_memory(source: Path) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
    """The old rules and choices that mean something (a level known, a place given), oldest first
    (either table may be missing: the earliest versions had no choices)."""
    levels = ", ".join(f"'{level}'" for level in PLACE_LEVELS)
    try:
        with closing(connect(source)) as old:
            old.row_factory = sqlite3.Row
            tables = {row[0] for row in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            rules = old.execute(
                "SELECT level, country, city, township, written, written_key, place, updated FROM corrections "
                f"WHERE level IN ({levels}) AND written_key != '' AND place != '' ORDER BY updated, rowid"
            ).fetchall() if "corrections" in tables else []
            choices = old.execute(
                "SELECT country, city, township, district, written_key, place_country, place_city, place_township, "
                "place_district, updated FROM choices WHERE place_country != '' ORDER BY updated, rowid"
            ).fetchall() if "choices" in tables else []
            return rules, choices
    except sqlite3.DatabaseError as error:
        raise StorageError(_("The earlier place choices {source} cannot be read ({error}); move the file out of "
                             "the data folder to start without them, or restore it from a backup.").format(
                                 source=source, error=error)) from None


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), timezone.utc)


def _carry_copies(session: Session, folder: Path, wanted: set[str]) -> set[str]:
    """Store the old copies named in ``wanted`` whose bytes still hash to their name; their sha256s."""
    stored = set()
    for sha in sorted(wanted):
        path = folder / sha
        if not path.is_file():
            continue
        with path.open("rb") as file:
            found = blobs.put(session, file)[0]
        if found == sha:
            stored.add(sha)
        else:  # damaged since it was sent: it is not the copy of anything
            blobs.delete_unreferenced(session, [found])
    return stored


def _first_holder(session: Session, record: SubmissionRecord) -> int:
    """The earliest carried-over submission of the same file to the same place that blocks a resend."""
    return session.scalar(select(func.min(SubmissionRecord.id)).where(
        SubmissionRecord.scope == record.scope, SubmissionRecord.migration_key == record.migration_key,
        SubmissionRecord.sha256 == record.sha256, SubmissionRecord.status.in_(BLOCKING)))


def _whole_part(record: SubmissionRecord) -> PartRecord:
    """The one part of a submission sent before files were sent in parts: the whole file."""
    return PartRecord(submission_id=record.id, number=1, first_row=1 if record.rows else None, rows=record.rows,
                      header_size=0, body_start=0, body_end=record.size, size=record.size, sha256=record.sha256,
                      status=record.status, migration_id=record.migration_id, processed=record.processed,
                      errors=record.errors, total=record.total, message=record.message,
                      sending_at=record.submitted_at, started_at=record.submitted_at if record.migration_id else None,
                      finished_at=record.finished_at)


def _scope(base_url: str, channel_id: object) -> str:
    try:
        return akinon_scope(base_url, channel_id)
    except AddrmigError:  # recorded by hand or by a test: keep it addressable all the same
        return f"akinon:{base_url}#{channel_id}"


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
