"""``python -m addrmig sandbox``: a local stand-in for Akinon's migration and address API."""
from __future__ import annotations

import argparse

from addrmig.akinon.sandbox import DEMO_PASSWORD, DEMO_TOKEN, DEMO_USERNAME, Sandbox
from addrmig.i18n import N_, _

HELP = N_("Run a local stand-in for Akinon's address-migration API (login demo/demo), to rehearse a "
          "migration without touching a real shop.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default 127.0.0.1)"))
    parser.add_argument("--port", type=int, default=8765, help=_("port (default 8765; 0 picks a free one)"))
    parser.add_argument("--token", default=DEMO_TOKEN, help=_("the API token it accepts (default: the demo token)"))
    parser.add_argument("--rows-per-second", type=float, default=200,
                        help=_("how fast uploads are processed, so progress can be watched (default 200; 0 = instantly)"))
    parser.add_argument("--fail-rate", type=float, default=0.0, metavar="P",
                        help=_("share of API requests answered with a 500 or a stall, for fault tests (0..1)"))
    parser.add_argument("--start-fail-rate", type=float, default=0.0, metavar="P",
                        help=_("the same for migration starts (a stalled start still starts the migration)"))
    parser.add_argument("--stall-seconds", type=float, default=10.0, help=_("how long a stalled request waits (default 10)"))
    parser.add_argument("--seed", type=int, default=0, help=_("seed of the fault generator, so a run repeats"))
    parser.add_argument("--max-upload-mb", type=float, default=20.0, help=_("uploads above this get 413 (default 20)"))


def run(args: argparse.Namespace) -> int:
    for name in ("fail_rate", "start_fail_rate"):
        if not 0 <= getattr(args, name) <= 1:
            from addrmig.errors import BadArguments
            raise BadArguments(_("--{option} must be between 0 and 1.").format(option=name.replace("_", "-")))
    sandbox = Sandbox(args.host, args.port, args.token, rows_per_second=args.rows_per_second or None,
                      fail_rate=args.fail_rate, start_fail_rate=args.start_fail_rate,
                      stall_seconds=args.stall_seconds, seed=args.seed,
                      max_upload_bytes=int(args.max_upload_mb * 1_000_000), log_requests=True)
    sandbox.start()
    print(_("Akinon sandbox at {url}\n"
            "  token: {token}   (or log in as {user} / {password})\n"
            "  try:   AKINON_TOKEN={token} python -m addrmig submit FILE --url {url} --channel 1 --wait\n"
            "  per-row errors (sandbox only): {url}/sandbox/migrations/<id>/errors/\n"
            "Ctrl-C stops it.").format(url=sandbox.url, token=sandbox.token, user=DEMO_USERNAME,
                                       password=DEMO_PASSWORD), flush=True)
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0
