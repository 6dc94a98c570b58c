"""Submit a file and watch its migration: the two steps the CLI and the app both call."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from addrmig.akinon.client import AkinonClient, Progress
from addrmig.errors import (
    AkinonBadResponse,
    AkinonConnectionError,
    AkinonError,
    AkinonServerError,
    AkinonTimeout,
    BadArguments,
)
from addrmig.formatting import number, percent, plural
from addrmig.history import History, Sample, Submission

#: Failures of a progress poll worth polling again for: the migration goes on
#: on the server whatever happens to one GET.
TRANSIENT = (AkinonServerError, AkinonTimeout, AkinonConnectionError, AkinonBadResponse)


def submit(client: AkinonClient, history: History, channel_id: int | str, file_bytes: bytes,
           filename: str, rows: int | None, force: bool = False,
           migration_key: str = "address", scope: str | None = None, label: str | None = None) -> Submission:
    """Send ``file_bytes`` once and record it; returns the Submission (status ``started``).

    Raises AlreadySubmitted (before sending anything) when the same file went to the same
    URL and channel (or ``scope``: see ``History.begin``) before, unless ``force``. When
    sending fails the submission is kept as ``failed``, or as ``uncertain`` when the
    migration may have started (the error then has ``may_have_started = True``), and the
    AkinonError is raised again. ``filename`` is the name the file is sent under; ``label`` the
    name the history shows (default ``filename``), e.g. the file the user uploaded.
    """
    if not isinstance(file_bytes, (bytes, bytearray)):
        raise BadArguments("submit() needs the file's bytes, exactly as they should be sent.")
    file_bytes = bytes(file_bytes)
    submission = history.begin(client.base_url, channel_id, label or filename, file_bytes, rows, force=force,
                               migration_key=migration_key, scope=scope)
    try:
        migration_id = client.start_migration(channel_id, file_bytes, migration_key, filename)
    except AkinonError as error:
        history.failed(submission.id, str(error), uncertain=error.may_have_started)
        raise
    except BaseException:
        # Interrupted mid-send (Ctrl-C): nobody knows whether the server got it.
        history.failed(submission.id, "interrupted while sending", uncertain=True)
        raise
    return history.started(submission.id, migration_id)


def wait(client: AkinonClient, history: History, submission: Submission, poll_interval: float = 2.0,
         on_sample: Callable[[Progress], None] | None = None, stop_after: float | None = None,
         on_retry: Callable[[AkinonError], None] | None = None) -> Submission:
    """Poll the migration's progress until processed reaches total; returns the Submission as recorded.

    Every reading is stored in the history and passed to ``on_sample``. A failed poll
    (5xx, timeout, broken connection, garbled answer) is passed to ``on_retry`` and
    polled again: the migration goes on regardless. Auth and not-found errors are
    raised. ``stop_after`` (seconds) bounds the wait: the submission is then returned
    unfinished (``status == "started"``).
    """
    if not submission.migration_id:
        raise BadArguments(f"{submission.describe()}: there is no migration id to follow.")
    deadline = None if stop_after is None else time.monotonic() + stop_after
    current = submission
    while True:
        try:
            progress = client.get_progress(submission.channel_id, submission.migration_id)
        except TRANSIENT as error:
            if on_retry is not None:
                on_retry(error)
        else:
            current = history.add_sample(submission.id, progress.processed, progress.errors, progress.total)
            if on_sample is not None:
                on_sample(progress)
            if progress.finished:
                return current
        if deadline is not None and time.monotonic() + poll_interval > deadline:
            return history.get(submission.id)
        time.sleep(poll_interval)


def check(client: AkinonClient, history: History, channel_id: int | str, migration_id: str) -> tuple[Progress, Submission | None]:
    """Read a migration's progress once; records it when the history knows the migration."""
    progress = client.get_progress(channel_id, migration_id)
    known = history.by_migration(migration_id, client.base_url, channel_id)
    if known is not None:
        known = history.add_sample(known.id, progress.processed, progress.errors, progress.total)
    return progress, known


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
    18,282)", "finished: 18,282 rows, 1,337 refused"."""
    total = submission.total or submission.rows or 0
    processed, errors = submission.processed or 0, submission.errors or 0
    if submission.status == "sending":
        return "sending…"
    if submission.status == "failed":
        return "not sent: the server did not take the file"
    if submission.status == "uncertain":
        return "may have started: check before sending again"
    if submission.finished:
        refused = f", {plural(errors, 'row')} refused" if errors else ", none refused"
        return f"finished: {plural(processed, 'row')}{refused}"
    if not processed:
        return "sent; waiting for the server to start"
    share = min(1.0, processed / total) if total else 0.0
    return f"{percent(share, 0)} processed ({number(processed)} of {number(total)})"


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
        eta, headline = "done", f"Finished: {processed:,} of {plural(total, 'row')} processed"
    elif speed > 0:
        left = (total - processed) / speed
        eta = f"{left:,.0f} s" if left < 120 else f"{left / 60:,.0f} min"
        headline = f"{percent(share, 0)} processed"
    else:
        eta, headline = "—", ("waiting for the server to start" if not processed else f"{percent(share, 0)} processed")
    return ProgressFigures(total=total, processed=processed, errors=errors, share=share, speed=speed, eta=eta,
                           headline=headline)
