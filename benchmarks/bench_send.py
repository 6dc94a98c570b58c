"""Sending a big file in parts to the sandbox, whole and interrupted then resumed, with the CLI.

    .venv/bin/python benchmarks/bench_send.py FILE [--rows-per-second 200000] [--stop-after 2]

FILE is what ``fix`` wrote (``python -m addrmig fix m1.csv -o m1_fixed.csv``). Prints, each
against a fresh sandbox (``python -m addrmig sandbox``, its default 20 MB upload cap) and a
fresh history: ``submit FILE --wait`` (time, peak memory, the last line, the exit code); then
the same stopped with Ctrl-C once ``--stop-after`` parts have started, and ``--resume 1
--wait``: which parts each run sent, and whether the sandbox started each part exactly once.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "sandbox-demo-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listing(url: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/sandbox/migrations/", timeout=30) as answer:
        return json.load(answer)["migrations"]


class Sandbox:
    """``python -m addrmig sandbox`` on a free port, in a process of its own."""

    def __init__(self, rate: float) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "addrmig", "sandbox", "--port", str(port),
                                      "--rows-per-second", str(rate)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                listing(self.url)
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the sandbox did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def cli(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "addrmig", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def timed(proc: subprocess.Popen) -> tuple[float, str, str]:
    start = time.perf_counter()
    out, err = proc.communicate()
    return time.perf_counter() - start, out, err


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--rows-per-second", type=float, default=200_000)
    parser.add_argument("--stop-after", type=int, default=2, help="parts started before Ctrl-C")
    args = parser.parse_args()
    path = str(Path(args.file).resolve())
    print(f"{path}: {os.path.getsize(path):,} bytes")

    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, AKINON_TOKEN=TOKEN, ADDRMIG_DATA_DIR=data)
        box = Sandbox(args.rows_per_second)
        try:
            seconds, out, err = timed(cli(env, "submit", path, "--url", box.url, "--channel", "1", "--wait"))
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            parts = [line for line in out.splitlines() if line.startswith("part ") and ": " in line and "errors" not in line]
            print(f"whole: {seconds:.1f} s, peak {peak:,.0f} MB (the largest child so far), {len(parts)} parts; "
                  f"{out.splitlines()[-1] if out else err.strip()}")
        finally:
            box.stop()

    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, AKINON_TOKEN=TOKEN, ADDRMIG_DATA_DIR=data)
        box = Sandbox(args.rows_per_second)
        try:
            command = ["submit", path, "--url", box.url, "--channel", "1"]
            first = cli(env, *command, "--wait")
            while len(listing(box.url)) < args.stop_after:
                time.sleep(0.05)
            first.send_signal(signal.SIGINT)
            _, out, err = timed(first)
            sent_first = len(out.splitlines())
            print(f"stopped with Ctrl-C after {args.stop_after} parts: {sent_first} parts sent, exit "
                  f"{first.returncode}")
            seconds, out, err = timed(cli(env, *command, "--resume", "1", "--wait"))
            resumed = [line for line in out.splitlines() if line.startswith("part ") and "errors" not in line]
            print(f"resumed: {len(resumed)} parts sent in {seconds:.1f} s; {out.splitlines()[-1] if out else err}")
            started = listing(box.url)
            hashes = [m["sha256"] for m in started]
            print(f"the sandbox started {len(started)} migrations, {len(set(hashes))} distinct: "
                  f"{'each part exactly once' if len(hashes) == len(set(hashes)) else 'SOME PART TWICE'}; "
                  f"{sum(m['total'] for m in started):,} rows, {sum(m['errors'] for m in started):,} errors")
        finally:
            box.stop()


if __name__ == "__main__":
    main()
