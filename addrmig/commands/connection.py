"""What the commands that talk to Akinon share: the connection options, the client, following a run."""
from __future__ import annotations

import argparse
import os
import sys

from addrmig.akinon.client import AkinonClient
from addrmig.akinon.flow import wait
from addrmig.errors import BadArguments
from addrmig.history import History, Submission
from addrmig.i18n import _, ngettext
from addrmig.progress import ProgressBar


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """--url, --channel, --token, --data-dir: shared by submit and progress."""
    parser.add_argument("--url", required=True, help=_("Akinon Commerce/Omnitron base URL, e.g. https://shop.example.com"))
    parser.add_argument("--channel", required=True, help=_("sales channel id (a number)"))
    parser.add_argument("--token", default=None,
                        help=_("API token; better set AKINON_TOKEN, so it does not show in the process list"))
    parser.add_argument("--data-dir", default=None,
                        help=_("where the submission history lives (default $ADDRMIG_DATA_DIR or the user data dir)"))
    parser.add_argument("--read-timeout", type=float, default=30.0, metavar="SECONDS",
                        help=_("how long to wait for each answer (default 30)"))


def client_from(args: argparse.Namespace) -> AkinonClient:
    """The client for --url, the token and --read-timeout."""
    return AkinonClient(args.url, token_from(args), timeout=(5, args.read_timeout))


def token_from(args: argparse.Namespace) -> str:
    """The token from --token or $AKINON_TOKEN; BadArguments when there is none."""
    token = args.token or os.environ.get("AKINON_TOKEN")
    if not token or not token.strip():
        raise BadArguments(_("No API token: set AKINON_TOKEN (or pass --token). Find the token in Omnitron "
                             "under your user's settings, or ask your Akinon administrator."))
    return token


def follow(client: AkinonClient, history: History, submission: Submission, poll: float, timeout: float | None) -> int:
    """Wait with a progress bar (the parts summed); print the parts that had errors and the final
    counts; the exit code for them."""
    if submission.parts > 1:
        again = (f"python -m addrmig submit --resume {submission.id} --url {client.base_url} "
                 f"--channel {submission.channel_id} --wait")
    else:
        again = (f"python -m addrmig progress {submission.migration_id} "
                 f"--url {client.base_url} --channel {submission.channel_id}")
    hint = _("check later with: {command}").format(command=again)
    bar = ProgressBar("migration", submission.rows)
    try:
        final = wait(client, history, submission, poll, on_sample=lambda p: bar(p.processed, p.total),
                     stop_after=timeout,
                     on_retry=lambda error: print("\n" + _("warning: {error} (checking again)").format(error=error),
                                                   file=sys.stderr))
    except KeyboardInterrupt:
        bar.close()
        print(_("stopped waiting; the migration goes on on the server; {hint}").format(hint=hint), file=sys.stderr)
        raise
    bar.close()
    if final.parts > 1:
        for part in history.parts(final.id):
            if part.errors:
                print(ngettext("part {number} ({rows}, migration {migration}): {n} error",
                               "part {number} ({rows}, migration {migration}): {n} errors", part.errors)
                      .format(number=part.number, rows=part.describe_rows(), migration=part.migration_id,
                              n=part.errors))
    counts = counts_text(final.processed or 0, final.total or final.rows or "?", final.errors or 0)
    if final.status != "finished":
        if final.parts_started > final.parts_finished:
            print(_("not finished after {seconds} s: {counts}; {hint}").format(seconds=f"{timeout:g}", counts=counts,
                                                                              hint=hint), file=sys.stderr)
        else:
            left = final.parts - final.parts_finished
            print(_("the parts sent have finished, {left} of {parts} were not sent: {counts}")
                  .format(left=left, parts=final.parts, counts=counts), file=sys.stderr)
        return 1
    print(_("finished: {counts}").format(counts=counts))
    return 0 if not final.errors else 1


def counts_text(processed: int, total: int | str, errors: int) -> str:
    """``processed 5 of 10, 2 errors``: a migration's counts (plain digits, as scripts read them)."""
    return ngettext("processed {processed} of {total}, {n} error", "processed {processed} of {total}, {n} errors",
                    errors).format(processed=processed, total=total, n=errors)
