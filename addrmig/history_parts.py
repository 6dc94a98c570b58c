"""The parts of a submission as the history keeps them, and what they make of the whole.

Each part is a row of ``submission_parts`` (``addrmig.storage.models.PartRecord``); the
submission's status, counts and migration id are derived from its parts by :func:`refresh`
whenever one changes, in the same transaction:

- finished when every part is finished;
- uncertain when a part may have started without the answer arriving;
- failed when a part surely failed and no part may have reached the server (nothing to
  continue: the file may be sent again);
- started when every part has started;
- sending otherwise: parts are on their way, or wait to be sent (an interrupted send,
  which :attr:`addrmig.history.Submission.interrupted` tells apart).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from addrmig.formatting import number
from addrmig.i18n import N_, _
from addrmig.parts import PartPlan
from addrmig.storage.database import utcnow
from addrmig.storage.models import PartRecord, SubmissionRecord

#: A part claimed for sending this long ago and still not answered lost its sender mid-send
#: (a killed process, a restarted server): it may have started.
STALE_SENDING = timedelta(minutes=10)
#: Part statuses that mean the server may hold the part.
REACHED = ("sending", "started", "finished", "uncertain")


#: A submission's or a part's status (``waiting``, ``sending``, ``started``, ``finished``,
#: ``failed``, ``uncertain``) as a person reads it: :func:`status_text`.
STATUS_TEXTS = {"waiting": N_("waiting"), "sending": N_("sending"), "started": N_("started"),
                "finished": N_("finished"), "failed": N_("failed"), "uncertain": N_("uncertain")}


def status_text(status: str) -> str:
    """``status`` in the current language (one it does not know as it is)."""
    return _(STATUS_TEXTS[status]) if status in STATUS_TEXTS else status

@dataclass(frozen=True)
class Part:
    """One part of a submission: which rows of the file, its bytes, and how its migration went.

    ``state`` is ``status`` except that a part left ``sending`` past ``STALE_SENDING`` is
    ``uncertain`` (its sender stopped mid-send)."""

    submission_id: int
    number: int
    first_row: int | None
    rows: int | None
    header_size: int
    body_start: int
    body_end: int
    size: int
    sha256: str
    status: str
    migration_id: str | None
    processed: int | None
    errors: int | None
    total: int | None
    message: str
    sending_at: str | None
    started_at: str | None
    finished_at: str | None
    stale: bool = False

    @property
    def state(self) -> str:
        return "uncertain" if self.stale else self.status

    @property
    def last_row(self) -> int | None:
        if self.first_row is None or self.rows is None:
            return None
        return self.first_row + self.rows - 1

    def describe_rows(self) -> str:
        """"rows 1 to 66,686" (or "the whole file" when its rows were not counted)."""
        if self.first_row is None or self.last_row is None:
            return _("the whole file")
        if self.rows == 1:
            return _("row {row}").format(row=number(self.first_row))
        return _("rows {first} to {last}").format(first=number(self.first_row), last=number(self.last_row))


def new_record(submission_id: int, plan: PartPlan) -> PartRecord:
    """The row of a part about to be sent (``waiting``)."""
    return PartRecord(submission_id=submission_id, number=plan.number, first_row=plan.first_row, rows=plan.rows,
                      header_size=plan.header_size, body_start=plan.body_start, body_end=plan.body_end,
                      size=plan.size, sha256=plan.sha256, status="waiting", message="")


def view(record: PartRecord, moment: datetime) -> Part:
    """A part row as the history shows it (``moment``: now, to tell a stale send)."""
    stale = record.status == "sending" and record.sending_at is not None and \
        record.sending_at < moment - STALE_SENDING
    return Part(submission_id=record.submission_id, number=record.number, first_row=record.first_row,
                rows=record.rows, header_size=record.header_size, body_start=record.body_start,
                body_end=record.body_end, size=record.size, sha256=record.sha256, status=record.status,
                migration_id=record.migration_id, processed=record.processed, errors=record.errors,
                total=record.total, message=record.message, sending_at=_text(record.sending_at),
                started_at=_text(record.started_at), finished_at=_text(record.finished_at), stale=stale)


def rows_of(session: Session, submission_id: int) -> list[PartRecord]:
    """The part rows of a submission, in order."""
    return list(session.scalars(select(PartRecord).where(PartRecord.submission_id == submission_id)
                                .order_by(PartRecord.number)))


def row_of(session: Session, submission_id: int, part_number: int) -> PartRecord:
    """Part ``part_number`` of a submission (KeyError when it has none)."""
    record = session.get(PartRecord, (submission_id, part_number))
    if record is None:
        raise KeyError((submission_id, part_number))
    return record


def tallies(session: Session, submission_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """For each submission: how many parts it has, and how many are started (or finished), finished,
    unsent (waiting, or surely refused), sending (on their way), uncertain (or stale sends)."""
    ids = list(submission_ids)
    out: dict[int, dict[str, int]] = {}
    cutoff = utcnow() - STALE_SENDING
    for start in range(0, len(ids), 500):
        rows = session.execute(select(PartRecord.submission_id, PartRecord.status, PartRecord.sending_at)
                               .where(PartRecord.submission_id.in_(ids[start:start + 500])))
        for submission_id, status, sending_at in rows:
            tally = out.setdefault(submission_id, dict.fromkeys(
                ("parts", "started", "finished", "unsent", "sending", "uncertain"), 0))
            tally["parts"] += 1
            if status == "sending" and sending_at is not None and sending_at < cutoff:
                status = "uncertain"
            key = {"started": "started", "finished": "finished", "waiting": "unsent", "failed": "unsent",
                   "sending": "sending", "uncertain": "uncertain"}[status]
            tally[key] += 1
            if status == "finished":
                tally["started"] += 1
    return out


def refresh(session: Session, record: SubmissionRecord, moment: datetime | None = None) -> str:
    """Set the submission's status, counts, migration id and finish time from its parts; the status."""
    parts = rows_of(session, record.id)
    statuses = [p.status for p in parts]
    if statuses and all(s == "finished" for s in statuses):
        status = "finished"
    elif "uncertain" in statuses:
        status = "uncertain"
    elif "failed" in statuses and not any(s in REACHED for s in statuses):
        status = "failed"
    elif statuses and all(s in ("started", "finished") for s in statuses):
        status = "started"
    else:
        status = "sending"
    record.status = status
    record.migration_id = parts[0].migration_id if len(parts) == 1 else None
    read = [p for p in parts if p.total is not None]
    if read:
        record.processed = sum(p.processed or 0 for p in parts)
        record.errors = sum(p.errors or 0 for p in parts)
        record.total = sum(p.total if p.total is not None else (p.rows or 0) for p in parts)
    if status == "finished":
        record.finished_at = record.finished_at or max((p.finished_at for p in parts if p.finished_at),
                                                       default=moment or utcnow())
    session.flush()
    return status


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="milliseconds")
