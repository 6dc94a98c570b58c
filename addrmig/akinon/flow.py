"""Submit a file and watch its migrations: the steps the CLI and the app both call.

Sending (in parts, and continuing an interrupted send) is ``addrmig.akinon.sending``;
here are following the parts' migrations (:func:`poll`, :func:`wait`, :func:`check`) and
what the live view shows of the whole.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from addrmig.akinon.client import AkinonClient, Progress
from addrmig.akinon.sending import SendEvent, resume, submit
from addrmig.errors import (
    AkinonBadResponse,
    AkinonConnectionError,
    AkinonError,
    AkinonServerError,
    AkinonTimeout,
    BadArguments,
)
from addrmig.formatting import number, percent
from addrmig.history import History, Part, Sample, Submission
from addrmig.i18n import N_, _, ngettext

__all__ = ["TRANSIENT", "ProgressFigures", "SendEvent", "check", "count_rows", "parts_frame", "poll",
           "progress_figures", "progress_text", "resume", "samples_frame", "submit", "wait"]

#: Failures of a progress poll worth polling again for: the migration goes on
#: on the server whatever happens to one GET.
TRANSIENT = (AkinonServerError, AkinonTimeout, AkinonConnectionError, AkinonBadResponse)


def poll(client: AkinonClient, history: History, submission: Submission,
         on_retry: Callable[[AkinonError], None] | None = None) -> tuple[Submission, bool]:
    """Read the progress of every running part once and record it; returns the submission as recorded
    and whether anything was read. A failed read (5xx, timeout, broken connection, garbled answer)
    goes to ``on_retry`` and ends the round: the server is unwell, the next round asks again.
    Auth and not-found errors are raised."""
    readings = {}
    for part in history.parts(submission.id):
        if part.status != "started" or not part.migration_id:
            continue
        try:
            progress = client.get_progress(submission.channel_id, part.migration_id)
        except TRANSIENT as error:
            if on_retry is not None:
                on_retry(error)
            break
        readings[part.number] = (progress.processed, progress.errors, progress.total)
    if not readings:
        return history.get(submission.id), False
    return history.add_readings(submission.id, readings), True


def wait(client: AkinonClient, history: History, submission: Submission, poll_interval: float = 2.0,
         on_sample: Callable[[Progress], None] | None = None, stop_after: float | None = None,
         on_retry: Callable[[AkinonError], None] | None = None) -> Submission:
    """Poll the running parts' progress until none is running; returns the Submission as recorded
    (``finished`` when every part is; parts never started are left as they are).

    Every reading is stored in the history and passed, the parts summed, to ``on_sample``. A failed
    poll is passed to ``on_retry`` and polled again: the migrations go on regardless (see :func:`poll`).
    ``stop_after`` (seconds) bounds the wait: the submission is then returned unfinished.
    """
    if not submission.parts_started and not submission.migration_id:
        raise BadArguments(_("{submission}: no part has started, so there is no migration to follow.")
                           .format(submission=submission.describe()))
    deadline = None if stop_after is None else time.monotonic() + stop_after
    while True:
        current, read = poll(client, history, submission, on_retry)
        if read and on_sample is not None:
            on_sample(Progress(current.processed or 0, current.errors or 0, current.total or 0))
        if current.finished or current.parts_started == current.parts_finished:
            return current
        if deadline is not None and time.monotonic() + poll_interval > deadline:
            return current
        time.sleep(poll_interval)


def check(client: AkinonClient, history: History, channel_id: int | str,
          migration_id: str) -> tuple[Progress, Submission | None]:
    """Read a migration's progress once; records it when the history knows the migration (as a part)."""
    progress = client.get_progress(channel_id, migration_id)
    known = history.by_migration(migration_id, client.base_url, channel_id)
    if known is None:
        return progress, None
    submission, part_number = known
    return progress, history.add_readings(submission.id, {part_number: (progress.processed, progress.errors,
                                                                        progress.total)})


def count_rows(file_bytes: bytes, filename: str) -> int | None:
    """How many address rows the file holds, read the way the app reads it; None when it cannot be read
    (the file is still sent as it is: the server has the last word)."""
    from addrmig.errors import AddrmigError
    from addrmig.pipeline import load

    try:
        return len(load(file_bytes, name=filename).frame)
    except AddrmigError:
        return None


# ---------------------------------------------------------------- what the live view shows
def progress_text(submission: Submission) -> str:
    """A submission's state in a few words, from its last recorded progress (the one source the
    sidebar, the page and the history table all read): "sending…", "28 % processed (5,067 of
    18,282)", "finished: 18,282 rows, 1,337 refused", "interrupted: 4 of 15 parts sent"."""
    total = submission.total or submission.rows or 0
    processed, errors = submission.processed or 0, submission.errors or 0
    parts = submission.parts
    if submission.status == "failed":
        return _("not sent: the server did not take the file")
    if submission.status == "uncertain":
        if parts == 1:
            return _("may have started: check before sending again")
        unsent = ngettext(", {n} part not sent", ", {n} parts not sent", submission.parts_unsent).format(
            n=number(submission.parts_unsent)) if submission.parts_unsent else ""
        return ngettext("{n} part of {parts} may have started: check before sending it again{unsent}",
                        "{n} parts of {parts} may have started: check before sending them again{unsent}",
                        submission.parts_uncertain).format(n=number(submission.parts_uncertain), parts=parts,
                                                           unsent=unsent)
    if submission.finished:
        if errors:
            return ngettext("finished: {n} row, {refused} refused", "finished: {n} rows, {refused} refused",
                            processed).format(n=number(processed), refused=number(errors))
        return ngettext("finished: {n} row, none refused", "finished: {n} rows, none refused",
                        processed).format(n=number(processed))
    if submission.status == "sending":
        if submission.interrupted:
            return ngettext("interrupted: {started} of {n} part sent, the rest not yet",
                            "interrupted: {started} of {n} parts sent, the rest not yet",
                            parts).format(started=submission.parts_started, n=number(parts))
        if parts > 1:
            return _("sending part {number} of {parts}…").format(number=min(submission.parts_started + 1, parts),
                                                                  parts=parts)
        return _("sending…")
    if not processed:
        return _("sent; waiting for the server to start")
    share = min(1.0, processed / total) if total else 0.0
    return _("{share} processed ({processed} of {total})").format(share=percent(share, 0), processed=number(processed),
                                                                  total=number(total))


def parts_frame(parts: list[Part]) -> pd.DataFrame:
    """The parts as a table: part, rows, first and last row, bytes, state, migration id, processed,
    refused (the server's error count: which part holds the rows it refused), total."""
    return pd.DataFrame([{"part": p.number, "rows": p.rows, "first row": p.first_row, "last row": p.last_row,
                          "bytes": p.size, "state": _part_state(p), "migration": p.migration_id or "",
                          "processed": p.processed, "refused": p.errors, "total": p.total} for p in parts],
                        columns=["part", "rows", "first row", "last row", "bytes", "state", "migration",
                                 "processed", "refused", "total"])


#: A part's status as a person reads it.
PART_STATES = {"waiting": N_("not sent yet"), "sending": N_("being sent"), "started": N_("running"),
               "finished": N_("finished"), "failed": N_("not sent: refused"), "uncertain": N_("may have started")}


def _part_state(part: Part) -> str:
    if part.stale:
        return _("may have started (its send was cut off)")
    return _(PART_STATES[part.status])


def samples_frame(samples: list[Sample]) -> pd.DataFrame:
    """Progress samples as a table: time (datetime), processed, errors, total."""
    frame = pd.DataFrame([(s.at, s.processed, s.errors, s.total) for s in samples],
                         columns=["time", "processed", "errors", "total"])
    frame["time"] = pd.to_datetime(frame["time"], utc=True, format="ISO8601")
    return frame


@dataclass(frozen=True)
class ProgressFigures:
    """What the live view shows of a migration: counts, share done, speed (rows/s), time left."""

    total: int
    processed: int
    errors: int
    share: float
    speed: float
    eta: str
    headline: str


def progress_figures(submission: Submission, samples: pd.DataFrame) -> ProgressFigures:
    """The figures of ``submission`` given its progress ``samples`` (:func:`samples_frame`)."""
    total = int(submission.total or submission.rows or 0)
    processed = int(submission.processed or 0)
    errors = int(submission.errors or 0)
    share = min(1.0, processed / total) if total else 0.0
    speed = 0.0
    if len(samples) >= 2:
        first, last = samples.iloc[0], samples.iloc[-1]
        seconds = (last["time"] - first["time"]).total_seconds()
        if seconds > 0:
            speed = max(0.0, (last["processed"] - first["processed"]) / seconds)
    if total and processed >= total:
        eta = _("done")
        headline = ngettext("Finished: {processed} of {n} row processed", "Finished: {processed} of {n} rows processed",
                            total).format(processed=number(processed), n=number(total))
    elif speed > 0:
        left = (total - processed) / speed
        eta = (_("{n} s").format(n=number(round(left))) if left < 120
               else _("{n} min").format(n=number(round(left / 60))))
        headline = _("{share} processed").format(share=percent(share, 0))
    else:
        eta, headline = "—", (_("waiting for the server to start") if not processed
                              else _("{share} processed").format(share=percent(share, 0)))
    return ProgressFigures(total=total, processed=processed, errors=errors, share=share, speed=speed, eta=eta,
                           headline=headline)
