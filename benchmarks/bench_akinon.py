"""How fast do the sandbox and the client go over loopback?

    .venv/bin/python benchmarks/bench_akinon.py [--rows 50000] [--workers 4]

Prints, against an in-process sandbox: the full location download (countries to
districts, one request per parent, page_size 1000) and its reload from the disk
cache; the migration start of the dev sample repeated to ``--rows`` rows (upload,
read like the app, checked by Akinon's rules) and the rate it was checked at;
progress polls per second.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from addrmig.akinon.client import AkinonClient  # noqa: E402
from addrmig.akinon.locations import download_locations  # noqa: E402
from addrmig.akinon.sandbox import Sandbox  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    started = time.perf_counter()
    with Sandbox(rows_per_second=None, max_upload_bytes=2_000_000_000) as sandbox, \
            tempfile.TemporaryDirectory() as cache:
        print(f"sandbox up (database indexed)     {time.perf_counter() - started:6.2f} s")
        requests_before = sandbox.state.requests
        started = time.perf_counter()
        db = download_locations(sandbox.url, cache_dir=cache, workers=args.workers)
        took = time.perf_counter() - started
        asked = sandbox.state.requests - requests_before
        print(f"location download                 {took:6.2f} s  {asked:,} requests, {len(db.frame):,} places, "
              f"{asked / took:,.0f} requests/s")
        started = time.perf_counter()
        download_locations(sandbox.url, cache_dir=cache)
        print(f"location reload from cache        {time.perf_counter() - started:6.2f} s")

        lines = (ROOT / "tests" / "fixtures" / "addresses_dev.csv").read_text("utf-8").splitlines()
        header, body = lines[0], lines[1:]
        data = "\n".join([header] + [body[i % len(body)] for i in range(args.rows)]).encode("utf-8")
        client = AkinonClient(sandbox.url, sandbox.token)
        started = time.perf_counter()
        migration_id = client.start_migration(1, data, filename="bench.csv")
        took = time.perf_counter() - started
        print(f"start migration, {args.rows:,} rows       {took:6.2f} s  ({len(data) / 1e6:.1f} MB, "
              f"{args.rows / took:,.0f} rows/s read and checked)")
        started, polls = time.perf_counter(), 0
        while time.perf_counter() - started < 1.0:
            client.get_progress(1, migration_id)
            polls += 1
        print(f"progress polls                    {polls / (time.perf_counter() - started):6.0f} /s")


if __name__ == "__main__":
    main()
