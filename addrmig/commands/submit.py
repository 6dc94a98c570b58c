"""``python -m addrmig submit FILE --url URL --channel ID``: send a file (in parts), optionally wait;
``--resume ID`` continues a send that was interrupted."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from addrmig.akinon.flow import SendEvent, count_rows, resume, submit
from addrmig.commands.connection import add_connection_arguments, client_from, follow
from addrmig.errors import AddrmigError, AlreadySubmitted, BadArguments
from addrmig.history import History, Submission
from addrmig.i18n import N_, _
from addrmig.parts import PART_BYTES_VAR, PartLimits, splittable

HELP = N_("Send an address file to Akinon's address migration, in parts below the size a server takes (refused "
          "if this file was already sent there; --resume continues an interrupted send); with --wait follow it "
          "to the end. Exit 0 finished clean, 1 finished with errors (or parts left out), 2 could not submit.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help=_("the file to send, exactly as it is (CSV, XLS, XLSX or JSON); with "
                                                  "--resume it may be left out (the copy kept when it was sent is "
                                                  "used)"))
    add_connection_arguments(parser)
    parser.add_argument("--wait", action="store_true", help=_("show progress until the migration has finished"))
    parser.add_argument("--force", action="store_true", help=_("send even if this exact file was sent here before"))
    parser.add_argument("--poll", type=float, default=2.0, metavar="SECONDS", help=_("seconds between progress checks"))
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help=_("with --wait, stop waiting after this long (the migration goes on)"))
    parser.add_argument("--part-size", type=float, default=None, metavar="MB",
                        help=_("send a CSV file in parts of at most this many MB (1 MB = 1,000,000 bytes; default "
                               "${variable} or 10); a 413 from the server halves it").format(variable=PART_BYTES_VAR))
    parser.add_argument("--part-rows", type=int, default=None, metavar="N", help=_("and at most N rows per part"))
    parser.add_argument("--resume", type=int, default=None, metavar="ID",
                        help=_("continue submission ID (from `history`): send its parts never started, follow the "
                               "others"))
    parser.add_argument("--force-uncertain", action="store_true",
                        help=_("with --resume, send again the parts that may have started; only once Omnitron's "
                               "migration list shows they did not"))


def run(args: argparse.Namespace) -> int:
    if args.force_uncertain and args.resume is None:
        raise BadArguments(_("--force-uncertain goes with --resume ID: it sends again the parts of that submission "
                             "that may have started."))
    if args.file is None and args.resume is None:
        raise BadArguments(_("Give the file to send (or --resume ID to continue an earlier submission)."))
    path = Path(args.file) if args.file else None
    data = path.read_bytes() if path else None
    history = History(args.data_dir)
    stop = StopBetweenParts()
    with client_from(args) as client:
        try:
            with stop:
                if args.resume is not None:
                    submission = resume(client, history, args.resume, data, path.name if path else None,
                                        force_uncertain=args.force_uncertain, on_part=stop.tell, should_stop=stop)
                else:
                    rows = None if splittable(data, path.name) else count_rows(data, path.name)
                    submission = submit(client, history, args.channel, data, path.name, rows, force=args.force,
                                        limits=_limits(args), on_part=stop.tell, should_stop=stop)
        except AlreadySubmitted as error:
            earlier = error.earlier
            if earlier is None or not (earlier.interrupted or earlier.parts_uncertain):
                raise
            print(_("error: {error}").format(error=error) + "\n"
                  + _("continue it with: {command}").format(command=_again(args, earlier)), file=sys.stderr)
            return 2
        except (AddrmigError, KeyboardInterrupt) as error:
            left = None if stop.submission_id is None else history.get(stop.submission_id)
            if left is None or left.status == "failed":
                raise
            # Some parts went: say what is left and how to send it.
            print(_("error: {error}").format(error=error) if isinstance(error, AddrmigError)
                  else "\n" + _("interrupted"), file=sys.stderr)
            _say_what_is_left(args, left, stopped=True)
            return 2
        if submission.parts_unsent or submission.parts_uncertain:
            _say_what_is_left(args, submission, stopped=stop.asked)
            if stop.asked:
                return 2
        if submission.parts > 1:
            print(_("submission {id}: {started} of {parts} parts started").format(
                id=submission.id, started=submission.parts_started, parts=submission.parts), file=sys.stderr)
        if not args.wait:
            return 0 if not (submission.parts_unsent or submission.parts_uncertain) else 1
        return follow(client, history, submission, args.poll, args.timeout)


class StopBetweenParts:
    """While sending: a first Ctrl-C (or SIGTERM) lets the part on its way arrive and then stops, so
    nothing is left uncertain; a second stops at once (that part may then be left uncertain)."""

    def __init__(self) -> None:
        self.asked = False
        self.submission_id: int | None = None  # once a part is on its way
        self._before: dict[int, object] = {}

    def __call__(self) -> bool:
        return self.asked

    def tell(self, event: SendEvent) -> None:
        """Print each part's migration id as it starts (the file's one id alone, as before parts)."""
        self.submission_id = event.part.submission_id
        if event.kind == "started":
            if event.parts == 1:
                print(event.migration_id, flush=True)
            else:
                print(_("part {number} of {parts} ({rows}): {migration}").format(
                    number=event.part.number, parts=event.parts, rows=event.part.describe_rows(),
                    migration=event.migration_id), flush=True)
        elif event.kind == "smaller":
            print(event.text(), file=sys.stderr, flush=True)

    def __enter__(self) -> StopBetweenParts:
        if threading.current_thread() is threading.main_thread():
            for which in (signal.SIGINT, signal.SIGTERM):
                self._before[which] = signal.signal(which, self._asked)
        return self

    def __exit__(self, *exc) -> None:
        for which, handler in self._before.items():
            signal.signal(which, handler)
        self._before = {}

    def _asked(self, _signum, _frame) -> None:
        if self.asked:
            raise KeyboardInterrupt
        self.asked = True
        print("\n" + _("stopping once the part on its way has arrived (again to stop at once: that part would then "
                       "be left uncertain)"), file=sys.stderr, flush=True)


def _limits(args: argparse.Namespace) -> PartLimits:
    limits = PartLimits.from_env()
    if args.part_size is not None:
        if args.part_size <= 0:
            raise BadArguments(_("--part-size must be a positive number of MB."))
        limits = PartLimits(max(1, int(args.part_size * 1_000_000)), limits.max_rows)
    if args.part_rows is not None:
        limits = PartLimits(limits.max_bytes, args.part_rows)
    return limits


def _again(args: argparse.Namespace, submission: Submission, *extra: str) -> str:
    """The command that continues ``submission`` (never with the token: that comes from AKINON_TOKEN)."""
    words = ["python -m addrmig submit", *([args.file] if args.file else []), "--url", args.url, "--channel",
             str(args.channel), "--resume", str(submission.id), *extra]
    if args.data_dir:
        words += ["--data-dir", args.data_dir]
    return " ".join(words + (["--wait"] if args.wait else []))


def _say_what_is_left(args: argparse.Namespace, submission: Submission, *, stopped: bool) -> None:
    lines = []
    if stopped:
        going = _("; the migrations started go on on the server") if submission.parts_started else ""
        lines.append(_("stopped: {started} of {parts} parts sent (submission {id}){going}.").format(
            started=submission.parts_started, parts=submission.parts, id=submission.id, going=going))
    if submission.parts_unsent:
        lines.append(_("{n} part(s) not sent yet; send them with: {command}").format(
            n=submission.parts_unsent, command=_again(args, submission)))
    if submission.parts_uncertain:
        lines.append(_("{n} part(s) MAY have started (the answer was lost): look for them in Omnitron's migration "
                       "list (`python -m addrmig history {id}` names them); only if they are not there, send them "
                       "with: {command}").format(n=submission.parts_uncertain, id=submission.id,
                                                 command=_again(args, submission, "--force-uncertain")))
    print("\n".join(lines), file=sys.stderr)
