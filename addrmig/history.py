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

A file is sent in parts (``addrmig.parts``: one part when it is small), each its own
migration; the submission is the whole file and its parts, each with its rows, bytes,
sha256, status, migration id and counts, and the submission's status and counts are
those of its parts taken together (see :func:`_refresh`). A part is claimed before it is
sent (status ``sending``, in a committed transaction), so two senders never send one part;
a part left ``sending`` for ``STALE_SENDING`` lost its sender mid-send and counts as
uncertain.

The same file (same sha256) sent to the same connection is refused with AlreadySubmitted
unless forced (or continued: see ``addrmig.akinon.sending.resume``): a second address migration would create every address twice. The database
enforces it (the primary key of ``send_guards``, written in the transaction that records
the submission), so it holds across threads, processes and replicas; a send that failed
before the server took the file lets go of it.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from addrmig.errors import AlreadySubmitted, BadArguments, CopyDeleted
from addrmig.formatting import number
from addrmig.history_parts import (
    STALE_SENDING,
    Part,
    new_record,
    refresh,
    row_of,
    rows_of,
    status_text,
    tallies,
    view,
)
from addrmig.i18n import _, ngettext
from addrmig.parts import PartLimits, PartPlan, part_bytes
from addrmig.storage import blobs
from addrmig.storage.database import Database, open_database, utcnow
from addrmig.storage.models import (
    BLOCKING,
    PART_STATUSES,
    STATUSES,
    PartRecord,
    SampleRecord,
    SendGuard,
    SubmissionRecord,
)
from addrmig.storage.settings import sent_retention
from addrmig.storage.sql import insert_new
from addrmig.storage.visibility import LOCAL, LOCAL_VIEWER, Viewer, akinon_scope

__all__ = ["BLOCKING", "PART_STATUSES", "STALE_SENDING", "STATUSES", "History", "Part", "Sample", "Submission",
           "Viewer", "now"]



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
    """One file sent (or being sent) to one URL and channel, in ``parts`` parts.

    The counts are the parts' taken together; ``migration_id`` is the migration of a
    submission sent as one part (None for several: see :meth:`History.parts`).
    ``parts_unsent``: parts never started (waiting, or surely refused: they may be sent);
    ``parts_uncertain``: parts that may have started (never resent without the user's word);
    ``parts_sending``: parts on their way right now.
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
    parts: int = 1
    parts_started: int = 0
    parts_finished: int = 0
    parts_unsent: int = 0
    parts_sending: int = 0
    parts_uncertain: int = 0
    part_bytes: int | None = None
    part_rows: int | None = None

    @property
    def finished(self) -> bool:
        return self.status == "finished"

    @property
    def interrupted(self) -> bool:
        """Some parts went, others were never sent, and none is on its way: it can be continued."""
        return self.status in ("sending", "uncertain") and self.parts_unsent > 0 and not self.parts_sending

    @property
    def in_progress(self) -> bool:
        """Parts on their way, or migrations the server is still working through: worth watching."""
        return self.parts_started > self.parts_finished or (self.status == "sending" and not self.interrupted)

    @property
    def limits(self) -> PartLimits | None:
        """The limits its parts were cut by (None for a submission from before parts)."""
        return None if self.part_bytes is None else PartLimits(self.part_bytes, self.part_rows)

    def describe(self) -> str:
        """One line for a person: when, where, which migration(s)."""
        if self.parts > 1:
            how = _("in {n} parts").format(n=self.parts)
        else:
            how = _("as migration {id}").format(id=self.migration_id or _("(no migration id)"))
        state = _("interrupted") if self.interrupted else status_text(self.status)
        return _("{file} was sent on {when} UTC to {url} channel {channel} {how} ({state})").format(
            file=self.filename, when=self.submitted_at[:19].replace("T", " "), url=self.base_url,
            channel=self.channel_id, how=how, state=state)


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
              scope: str | None = None, parts: Sequence[PartPlan] | None = None,
              limits: PartLimits | None = None) -> Submission:
        """Record a file about to be sent (status ``sending``, owned by the viewer), its ``parts``
        (``addrmig.parts.plan_parts`` by ``limits``; default: one part, the whole file), all
        ``waiting``, and keep a copy of it.

        ``scope`` is the connection it concerns (default: ``akinon_scope(base_url, channel_id)``; the
        sandbox passes ``sandbox_scope(owner)``). Raises AlreadySubmitted when the same bytes were
        already sent to the same scope, unless ``force``; it names the earlier submission when the
        viewer may see it (``error.earlier``, else None).
        """
        self.database.purge_if_due()
        sha = hashlib.sha256(file_bytes).hexdigest()
        base_url, channel = base_url.rstrip("/"), str(channel_id)
        scope = scope or akinon_scope(base_url, channel)
        plans = list(parts) if parts else [PartPlan(1, 1 if rows else None, rows, 0, 0, len(file_bytes),
                                                    len(file_bytes), sha)]
        if all(plan.rows is not None for plan in plans):
            rows = sum(plan.rows for plan in plans)
        moment = utcnow()
        try:
            with self.database.writing() as session:
                if not force:
                    earlier = _guard_holder(session, scope, migration_key, sha)
                    if earlier is not None:
                        raise self._already(session, earlier)
                record = SubmissionRecord(
                    owner=self.viewer.owner, scope=scope, base_url=base_url, channel_id=channel,
                    migration_key=migration_key, filename=filename, sha256=sha, size=len(file_bytes), rows=rows,
                    status="sending", message="", submitted_at=moment, copy_kept_until=moment + sent_retention(),
                    part_bytes=limits.max_bytes if limits else None, part_rows=limits.max_rows if limits else None)
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
                session.add_all(new_record(record.id, plan) for plan in plans)
                record.copy_sha256 = blobs.put(session, file_bytes)[0]
                session.flush()
                return self._submission(session, record)
        except _Taken:
            with self.database.reading() as session:
                earlier = _guard_holder(session, scope, migration_key, sha)
                if earlier is not None:
                    raise self._already(session, earlier) from None
            # the other sender failed meanwhile: a new attempt may pass
            raise AlreadySubmitted(_("This file is being sent to the same place right now; wait a moment and check the history "
                                     "before sending it again.")) from None

    def claim(self, submission_id: int, number: int, *, uncertain_too: bool = False) -> Part | None:
        """Take part ``number`` for sending (status ``sending``, committed before anything is sent); None
        when it is not there to take: started, on its way, or uncertain (unless ``uncertain_too``: the
        user's word that it did not start). Two senders never both get one part."""
        allowed = ["waiting", "failed"]
        moment = utcnow()
        with self.database.writing() as session:
            record = self._visible(session, submission_id)
            condition = PartRecord.status.in_(allowed)
            if uncertain_too:
                stale = (PartRecord.status == "sending") & (PartRecord.sending_at < moment - STALE_SENDING)
                condition = condition | (PartRecord.status == "uncertain") | stale
            taken = session.execute(update(PartRecord).where(PartRecord.submission_id == record.id,
                                                             PartRecord.number == number, condition)
                                    .values(status="sending", sending_at=moment, message="")
                                    .returning(PartRecord.number)).first()
            if taken is None:
                return None
            self._settle(session, record)
            return view(row_of(session, record.id, number), moment)

    def part_started(self, submission_id: int, number: int, migration_id: str) -> Submission:
        """The server accepted part ``number``: record its migration id."""
        with self.database.writing() as session:
            record = self._visible(session, submission_id)
            part = row_of(session, record.id, number)
            part.status, part.migration_id, part.started_at, part.message = "started", migration_id, utcnow(), ""
            self._settle(session, record)
            return self._submission(session, record)

    def part_failed(self, submission_id: int, number: int, message: str, *, uncertain: bool = False) -> Submission:
        """Sending part ``number`` failed; ``uncertain`` when it may still have started. When no part
        may have reached the server the submission has failed, and lets go of the duplicate guard
        (to another submission of the same file that still blocks, if there is one)."""
        with self.database.writing() as session:
            record = self._visible(session, submission_id)
            part = row_of(session, record.id, number)
            part.status, part.message = ("uncertain" if uncertain else "failed"), message
            record.message = message
            self._settle(session, record)
            return self._submission(session, record)

    def replan(self, submission_id: int, number: int, plans: Sequence[PartPlan], limits: PartLimits,
               note: str) -> bool:
        """Cut the parts from ``number`` on again (``plans``, numbered from ``number``) by ``limits``, after
        the server refused part ``number`` as too large; ``note`` says so in the submission's message.
        False (nothing changed) when one of those parts is on its way or started meanwhile."""
        with self.database.writing() as session:
            record = self._visible(session, submission_id)
            later = session.scalars(select(PartRecord).where(PartRecord.submission_id == record.id,
                                                             PartRecord.number >= number)).all()
            if any(p.status not in ("waiting", "failed") and not (p.number == number and p.status == "sending")
                   for p in later):
                return False
            session.execute(delete(PartRecord).where(PartRecord.submission_id == record.id,
                                                     PartRecord.number >= number))
            session.add_all(new_record(record.id, plan) for plan in plans)
            record.part_bytes, record.part_rows = limits.max_bytes, limits.max_rows
            record.message = f"{record.message} {note}".strip()
            session.flush()
            self._settle(session, record)
            return True

    def add_readings(self, submission_id: int, readings: Mapping[int, tuple[int, int, int]],
                     at: str | None = None) -> Submission:
        """Record a progress reading (processed, errors, total) of each part in ``readings`` (part number
        to counts) and one of the whole (the parts summed); a part is finished once processed reaches
        total, the submission once every part is."""
        moment = _moment(at) if at else utcnow()
        with self.database.writing() as session:
            record = self._visible(session, submission_id)
            for number_, (processed, errors, total) in readings.items():
                part = row_of(session, record.id, number_)
                part.processed, part.errors, part.total = processed, errors, total
                if total > 0 and processed >= total and part.status in ("started", "uncertain"):
                    part.status, part.finished_at = "finished", part.finished_at or moment
            self._settle(session, record, moment)
            session.add(SampleRecord(submission_id=record.id, at=moment, processed=record.processed or 0,
                                     errors=record.errors or 0, total=record.total or 0))
            session.flush()
            return self._submission(session, record)

    def started(self, submission_id: int, migration_id: str) -> Submission:
        """The server accepted the file sent as one part: record its migration id."""
        return self.part_started(submission_id, self._only_part(submission_id), migration_id)

    def failed(self, submission_id: int, message: str, *, uncertain: bool = False) -> Submission:
        """Sending the file sent as one part failed (see :meth:`part_failed`)."""
        return self.part_failed(submission_id, self._only_part(submission_id), message, uncertain=uncertain)

    def add_sample(self, submission_id: int, processed: int, errors: int, total: int,
                   at: str | None = None) -> Submission:
        """Record a progress reading of a file sent as one part; marks it finished once processed reaches total."""
        return self.add_readings(submission_id, {self._only_part(submission_id): (processed, errors, total)}, at)

    # -- reading ----------------------------------------------------------
    def get(self, submission_id: int) -> Submission:
        """The submission with this id (KeyError if there is none this viewer may see)."""
        with self.database.reading() as session:
            return self._submission(session, self._visible(session, submission_id))

    def parts(self, submission_id: int) -> list[Part]:
        """The submission's parts, in order (KeyError if this viewer may not see it)."""
        with self.database.reading() as session:
            record = self._visible(session, submission_id)
            moment = utcnow()
            return [view(part, moment) for part in rows_of(session, record.id)]

    def by_migration(self, migration_id: str, base_url: str | None = None,
                     channel_id: int | str | None = None) -> tuple[Submission, int] | None:
        """The latest submission one of whose parts is this migration (optionally on this URL and
        channel), and that part's number; None when there is none."""
        query = (self._query().join(PartRecord, PartRecord.submission_id == SubmissionRecord.id)
                 .where(PartRecord.migration_id == migration_id).add_columns(PartRecord.number))
        if base_url is not None:
            query = query.where(SubmissionRecord.base_url == base_url.rstrip("/"))
        if channel_id is not None:
            query = query.where(SubmissionRecord.channel_id == str(channel_id))
        with self.database.reading() as session:
            found = session.execute(query.order_by(SubmissionRecord.id.desc()).limit(1)).first()
            return None if found is None else (self._submission(session, found[0]), found[1])

    def list(self, limit: int | None = None) -> list[Submission]:
        """Submissions, newest first."""
        self.database.purge_if_due()
        with self.database.reading() as session:
            records = list(session.scalars(self._query().order_by(SubmissionRecord.id.desc()).limit(limit)))
            counts = tallies(session, [r.id for r in records])
            return [_submission(r, counts.get(r.id, {})) for r in records]

    def samples(self, submission_id: int) -> list[Sample]:
        """Every progress reading of a submission (its parts summed), oldest first."""
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

    def parts_file(self, submission: Submission, numbers: Sequence[int]) -> bytes:
        """Parts ``numbers`` of the file as one file: the header once, their rows in order (one part:
        exactly the bytes sent). Cut again from the kept copy; CopyDeleted once it is gone."""
        whole = self.file_bytes(submission)
        parts = {p.number: p for p in self.parts(submission.id)}
        chosen = [parts[n] for n in sorted(set(numbers)) if n in parts]
        if not chosen:
            raise BadArguments(_("Submission #{id} has no part {numbers}.").format(id=submission.id, numbers=', '.join(map(str, numbers))))
        if len(chosen) == 1:
            return part_bytes(whole, chosen[0])
        bodies = [whole[p.body_start:p.body_end] for p in chosen]
        glued = [body if body.endswith(b"\n") or i == len(bodies) - 1 else body + b"\n"
                 for i, body in enumerate(bodies)]
        return whole[:chosen[0].header_size] + b"".join(glued)

    # -- helpers ----------------------------------------------------------
    def _query(self):
        return select(SubmissionRecord).where(self.viewer.condition(SubmissionRecord.owner, SubmissionRecord.scope))

    def _visible(self, session: Session, submission_id: int) -> SubmissionRecord:
        record = session.scalars(self._query().where(SubmissionRecord.id == submission_id)).first()
        if record is None:
            raise KeyError(submission_id)
        return record

    def _only_part(self, submission_id: int) -> int:
        with self.database.reading() as session:
            numbers = session.scalars(select(PartRecord.number).where(
                PartRecord.submission_id == self._visible(session, submission_id).id)).all()
        if len(numbers) != 1:
            raise BadArguments(_("Submission #{submission_id} was sent in {n} parts; record each part.").format(submission_id=submission_id, n=len(numbers)))
        return numbers[0]

    def _submission(self, session: Session, record: SubmissionRecord) -> Submission:
        return _submission(record, tallies(session, [record.id]).get(record.id, {}))

    @staticmethod
    def _settle(session: Session, record: SubmissionRecord, moment: datetime | None = None) -> None:
        """The submission's state from its parts (:func:`history_parts.refresh`); a submission that
        has just failed (nothing reached the server) lets go of its duplicate guard."""
        before = record.status
        if refresh(session, record, moment) == "failed" and before != "failed":
            _release_guard(session, record)

    def _already(self, session: Session, earlier: SubmissionRecord) -> AlreadySubmitted:
        if not self.viewer.sees(earlier.owner, earlier.scope):
            return AlreadySubmitted(
                _("This file was already sent to {url} channel {channel}, from another account. Sending it again "
                  "would create every address twice. Check that connection (a token it accepts shows its history), "
                  "or send again with --force if you are sure.").format(url=earlier.base_url,
                                                                        channel=earlier.channel_id))
        shown = self._submission(session, earlier)
        if shown.interrupted:
            return AlreadySubmitted(
                ngettext("This file was already sent in part: {submission}, and {n} part of {parts} was never sent. "
                         "Continue that submission (--resume {id}) to send only what is missing; sending the whole "
                         "file again would create the addresses already sent twice.",
                         "This file was already sent in part: {submission}, and {n} parts of {parts} were never sent. "
                         "Continue that submission (--resume {id}) to send only what is missing; sending the whole "
                         "file again would create the addresses already sent twice.", shown.parts_unsent).format(
                    submission=shown.describe(), n=number(shown.parts_unsent), parts=shown.parts, id=shown.id),
                earlier=shown)
        look = f"`python -m addrmig history {shown.id}`" if shown.parts > 1 else "`python -m addrmig progress`"
        return AlreadySubmitted(
            _("This file was already sent: {submission}. Sending it again would create every address twice; check "
              "that migration ({look}), or send again with --force if you are sure.").format(
                submission=shown.describe(), look=look),
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
    kept = _("the history keeps its sha256 ({sha256}), size ({size} bytes) and row count ({rows})").format(
        sha256=record.sha256, size=number(record.size), rows=_("unknown") if record.rows is None else number(record.rows))
    if record.copy_kept_until is None:
        return _("No copy of {file} was kept when it was sent; {kept}.").format(file=record.filename, kept=kept)
    days = sent_retention().total_seconds() / 86400
    return _("The copy of {file} is no longer kept: copies of sent files are kept for {days} days, and this one was "
             "deleted on {when} UTC; {kept}.").format(file=record.filename, days=f"{days:g}",
                                                      when=f"{record.copy_kept_until:%Y-%m-%d %H:%M}", kept=kept)


def _submission(record: SubmissionRecord, tally: dict[str, int]) -> Submission:
    kept = record.copy_kept_until
    return Submission(
        id=record.id, base_url=record.base_url, channel_id=record.channel_id, migration_key=record.migration_key,
        migration_id=record.migration_id, filename=record.filename, sha256=record.sha256, size=record.size,
        rows=record.rows, status=record.status, message=record.message, submitted_at=_text(record.submitted_at),
        finished_at=_text(record.finished_at) if record.finished_at else None, processed=record.processed,
        errors=record.errors, total=record.total, owner=record.owner, scope=record.scope,
        copy_kept_until=_text(kept) if kept else None,
        copy_available=record.copy_sha256 is not None and kept is not None and kept > utcnow(),
        parts=tally.get("parts", 1), parts_started=tally.get("started", 0), parts_finished=tally.get("finished", 0),
        parts_unsent=tally.get("unsent", 0), parts_sending=tally.get("sending", 0),
        parts_uncertain=tally.get("uncertain", 0), part_bytes=record.part_bytes, part_rows=record.part_rows)


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")
