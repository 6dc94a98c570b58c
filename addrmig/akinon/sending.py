"""Sending a file to Akinon in parts, and continuing a send that was interrupted.

:func:`submit` cuts the file (``addrmig.parts``: one part when it is small), records the
submission and its parts in the history, and sends the parts in order, each as a migration
of its own. :func:`resume` continues a submission: it sends the parts never started and
leaves alone those that may have started, unless the caller passes the user's explicit
word (``force_uncertain``). Both end in :func:`send_parts`:

- each part is claimed in the history before it is sent, so two senders (two tabs, a CLI
  run and a browser) never send one part twice;
- a 413 from the server started nothing: the part and those after it are cut again at half
  the size, recorded, and sending carries on;
- any other failure stops the send: a part the server surely did not take is ``failed``
  (it may be sent again), one that may have started is ``uncertain``, and so is a part
  whose send was interrupted (Ctrl-C, a stopped script) while its bytes were on their way;
- ``should_stop`` is asked before each part: a caller's way to stop between parts, so that
  nothing is left uncertain.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from addrmig.akinon.client import AkinonClient
from addrmig.errors import AkinonError, AkinonTooLarge, BadArguments, CopyDeleted
from addrmig.formatting import in_language, number
from addrmig.history import History, Part, Submission
from addrmig.i18n import _
from addrmig.parts import PartLimits, part_bytes, plan_parts


@dataclass(frozen=True)
class SendEvent:
    """What :func:`send_parts` tells its caller: a part is about to be sent (``sending``), the server
    took it (``started``, with ``migration_id``), or the server refused it as too large and the rest
    of the file was cut smaller (``smaller``; ``part`` is the first of the new parts, ``limits``
    the new ones)."""

    kind: str
    part: Part
    parts: int
    migration_id: str | None = None
    limits: PartLimits | None = None

    def text(self) -> str:
        """A line for a person: "Sending part 3 of 15 (rows 133,373 to 200,058, 10.0 MB)…"."""
        what = {"number": self.part.number, "parts": self.parts, "rows": self.part.describe_rows(),
                "size": _size(self.part.size)}
        if self.kind == "sending":
            if self.parts > 1:
                return _("Sending part {number} of {parts} ({rows}, {size})…").format(**what)
            return _("Sending the file ({size})…").format(size=_size(self.part.size))
        if self.kind == "started":
            return _("Sent part {number} of {parts} ({rows}, {size}): migration {migration}.").format(
                **what, migration=self.migration_id)
        limit = self.limits.describe() if self.limits else _size(self.part.size)
        return _("The server refused part {number} as too large (HTTP 413); it and the parts after it are now cut to "
                 "at most {limit}: {parts} parts in all.").format(number=self.part.number, limit=limit, parts=self.parts)


OnPart = Callable[[SendEvent], None]


def submit(client: AkinonClient, history: History, channel_id: int | str, file_bytes: bytes,
           filename: str, rows: int | None = None, force: bool = False,
           migration_key: str = "address", scope: str | None = None, label: str | None = None, *,
           limits: PartLimits | None = None, on_part: OnPart | None = None,
           should_stop: Callable[[], bool] | None = None) -> Submission:
    """Send ``file_bytes`` in parts within ``limits`` (default: ``PartLimits.from_env()``) and record it;
    returns the Submission (status ``started`` once every part has started).

    Raises AlreadySubmitted (before sending anything) when the same file went to the same URL and
    channel (or ``scope``: see ``History.begin``) before, unless ``force``; its ``earlier`` may be an
    interrupted submission to :func:`resume` instead. When a part fails the error is raised after the
    history records it (see the module docstring). ``rows``: the row count of a file that is not
    CSV (CSV rows are counted here). ``filename`` is the name the file is sent under; ``label`` the
    name the history shows (default ``filename``), e.g. the file the user uploaded.
    """
    if not isinstance(file_bytes, (bytes, bytearray)):
        raise BadArguments(_("submit() needs the file's bytes, exactly as they should be sent."))
    file_bytes = bytes(file_bytes)
    limits = limits or PartLimits.from_env()
    plans = plan_parts(file_bytes, filename, limits, rows)
    submission = history.begin(client.base_url, channel_id, label or filename, file_bytes, rows, force=force,
                               migration_key=migration_key, scope=scope, parts=plans, limits=limits)
    return send_parts(client, history, submission, file_bytes, filename, on_part=on_part, should_stop=should_stop)


def resume(client: AkinonClient, history: History, submission_id: int, file_bytes: bytes | None = None,
           filename: str | None = None, *, force_uncertain: bool = False, on_part: OnPart | None = None,
           should_stop: Callable[[], bool] | None = None) -> Submission:
    """Continue submission ``submission_id``: send its parts never started, in order; returns it as recorded.

    ``file_bytes`` is the file (checked against the submission's sha256; default: the copy the
    history keeps). Parts that may have started are sent again only with ``force_uncertain``,
    the user's word that they did not (checked in Omnitron's migration list).
    """
    submission = history.get(submission_id)
    if submission.status == "failed":
        raise BadArguments(_("Submission #{id} failed before any part reached the server, so there is nothing to "
                             "continue: send the file again.").format(id=submission.id))
    if submission.base_url != client.base_url:
        raise BadArguments(_("Submission #{id} went to {base_url}, not {base_url2}; continue it with the same URL.").format(id=submission.id, base_url=submission.base_url, base_url2=client.base_url))
    if file_bytes is None:
        try:
            file_bytes = history.file_bytes(submission)
        except CopyDeleted as error:
            raise CopyDeleted(_("{error} Give the file itself to continue submission #{id}.").format(error=error, id=submission.id)) from None
    elif hashlib.sha256(file_bytes).hexdigest() != submission.sha256:
        raise BadArguments(_("This is not the file of submission #{id} ({filename}, {number} bytes): its contents "
                             "differ. Give that file, or leave the file out to use the copy kept when it was sent.").format(id=submission.id, filename=submission.filename, number=number(submission.size)))
    return send_parts(client, history, submission, bytes(file_bytes), filename or submission.filename,
                      force_uncertain=force_uncertain, on_part=on_part, should_stop=should_stop)


def send_parts(client: AkinonClient, history: History, submission: Submission, data: bytes, filename: str, *,
               force_uncertain: bool = False, on_part: OnPart | None = None,
               should_stop: Callable[[], bool] | None = None) -> Submission:
    """Send the parts of ``submission`` (cut from ``data``, the whole file) that are there to send, in
    order; returns the submission as recorded. See the module docstring."""
    limits = submission.limits or PartLimits(max(len(data), 1))
    after = 0  # parts up to this number are done with in this run
    while True:
        parts = history.parts(submission.id)
        todo = [p for p in parts if p.number > after and _sendable(p, force_uncertain)]
        if not todo or (should_stop is not None and should_stop()):
            return history.get(submission.id)
        # Told before the claim: a caller stopping here (a closed page) leaves nothing claimed.
        _tell(on_part, SendEvent("sending", todo[0], len(parts)))
        claimed = history.claim(submission.id, todo[0].number, uncertain_too=force_uncertain)
        if claimed is None:  # another sender took it meanwhile
            after = todo[0].number
            continue
        body = part_bytes(data, claimed)
        if hashlib.sha256(body).hexdigest() != claimed.sha256:
            history.part_failed(submission.id, claimed.number, "its bytes differ from those planned")
            raise BadArguments(_("Part {number} of submission #{id} cannot be cut from this file as it was planned; nothing "
                                 "more was sent.").format(number=claimed.number, id=submission.id))
        try:
            migration_id = client.start_migration(submission.channel_id, body, submission.migration_key,
                                                  part_name(filename, claimed.number, len(parts)))
        except AkinonTooLarge as error:
            limits = _cut_smaller(history, submission, claimed, data, filename, limits, error)
            smaller = history.parts(submission.id)
            first = next(p for p in smaller if p.number == claimed.number)
            _tell(on_part, SendEvent("smaller", first, len(smaller), limits=limits))
            after = claimed.number - 1
            continue
        except AkinonError as error:
            history.part_failed(submission.id, claimed.number, str(error), uncertain=error.may_have_started)
            raise
        except BaseException:
            # Interrupted mid-send (Ctrl-C, a stopped script): nobody knows whether the server got it.
            history.part_failed(submission.id, claimed.number, "interrupted while sending", uncertain=True)
            raise
        submission = history.part_started(submission.id, claimed.number, migration_id)
        _tell(on_part, SendEvent("started", claimed, len(parts), migration_id))
        after = claimed.number


def part_name(filename: str, part_number: int, parts: int) -> str:
    """The name a part is sent under: the file's own name when it is one part, else ``name.part003.csv``."""
    if parts <= 1:
        return filename
    stem, dot, ext = filename.rpartition(".")
    return f"{stem}.part{part_number:03d}.{ext}" if dot else f"{filename}.part{part_number:03d}"


def _sendable(part: Part, force_uncertain: bool) -> bool:
    return part.status in ("waiting", "failed") or (force_uncertain and part.state == "uncertain")


def _cut_smaller(history: History, submission: Submission, refused: Part, data: bytes, filename: str,
                 limits: PartLimits, error: AkinonTooLarge) -> PartLimits:
    """After a 413 for ``refused``: record the rest of the file cut at half the size; the new limits.
    Raises the 413 (the part marked failed) when the part cannot be cut smaller."""
    smaller = PartLimits(min(limits.max_bytes, refused.size), limits.max_rows).halved()
    plans = None
    if smaller is not None:
        try:
            if refused.header_size == 0 and refused.body_start == 0:  # the whole file as one part
                plans = plan_parts(data, filename, smaller)
            else:
                plans = plan_parts(data, filename, smaller, start=refused.body_start, number_from=refused.number,
                                   first_row=refused.first_row or 1)
        except BadArguments:
            plans = None
    note = _("The server refused part {number} ({size} bytes) as too large (HTTP 413); the parts from {number} on "
             "were cut to at most {limit}.").format(number=refused.number, size=number(refused.size),
                                                   limit=smaller.describe() if smaller else "-")
    if plans and len(plans) > 1 and history.replan(submission.id, refused.number, plans, smaller, note):
        return smaller
    head = str(error).partition("(HTTP 413).")[0].rstrip()
    message = _("{head} (HTTP 413), even part {number} of {size} bytes ({rows}), which cannot be cut smaller. Ask "
                "Akinon what size an upload may have.").format(head=head, number=refused.number,
                                                               size=number(refused.size), rows=refused.describe_rows())
    history.part_failed(submission.id, refused.number, message)
    raise AkinonTooLarge(message) from None


def _tell(on_part: OnPart | None, event: SendEvent) -> None:
    if on_part is not None:
        on_part(event)


def _size(size: int) -> str:
    return f"{in_language(f'{size / 1_000_000:,.1f}')} MB" if size >= 100_000 else _("{n} bytes").format(n=number(size))
