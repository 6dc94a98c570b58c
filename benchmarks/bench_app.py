"""How fast the web app gets a big file through its steps, driven headless with Streamlit's AppTest.

    python benchmarks/bench_app.py [--rows100k FILE] [--rows1m FILE] [--skip-1m] [--server [--format xlsx]]

Files are made with ``benchmarks/generate.py ROWS OUT.csv --seed N`` when not given
(written to a temporary folder). Prints seconds for:

- 100k: the upload page reading the uploaded file, then the Check page showing its results
  (issue 7: within 3 s of the upload finishing);
- 1M: upload -> check results -> places resolved (issue 7: within 60 s);
- a rerun of each page once everything is computed (moving between pages recomputes nothing).

AppTest runs the scripts in this process, so the figures are the server's work without the
browser's rendering; the largest table any page sends is also printed (rows), since no table
may render more than a page of rows.

``--server`` then drives a real server in headless Chromium with the 1,000,000-row file
(``benchmarks/bench_server.py``): the steps' times in the browser, the health check and a
second session's first page while the export is built in a worker process, and the server's
memory (peak of the session, and what remains after it ended).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make(rows: int, seed: int, folder: Path) -> Path:
    out = folder / f"bench_{rows}.csv"
    if not out.exists():
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(rows), str(out),
                        "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
    return out


def biggest_table(at) -> int:
    sizes = [len(e.value) for e in at.dataframe]
    return max(sizes, default=0)


def run_file(path: Path, *, places: bool) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest
    data = path.read_bytes()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    figures: dict[str, float] = {}
    at.file_uploader(key="upload_file").upload(path.name, data, "text/csv")
    start = time.perf_counter()
    at.run()
    assert not at.exception, at.exception
    figures["read (upload page)"] = time.perf_counter() - start
    figures["largest table on upload page (rows)"] = biggest_table(at)
    mark = time.perf_counter()
    at.switch_page("pages/check.py").run()
    assert not at.exception, at.exception
    assert at.metric, "the check page shows no headline numbers"
    figures["check page"] = time.perf_counter() - mark
    figures["upload finished -> check results"] = time.perf_counter() - start
    figures["largest table on check page (rows)"] = biggest_table(at)
    if places:
        mark = time.perf_counter()
        at.switch_page("pages/locations.py").run()
        assert not at.exception, at.exception
        assert at.session_state["workspace"].resolution_ready
        figures["places page"] = time.perf_counter() - mark
        figures["upload finished -> places resolved"] = time.perf_counter() - start
        figures["largest table on places page (rows)"] = biggest_table(at)
    for page in ("upload", "check", "locations", "export", "submit"):
        mark = time.perf_counter()
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, at.exception
        figures[f"rerun {page} page"] = time.perf_counter() - mark
        figures[f"largest table on {page} page (rows)"] = max(
            figures.get(f"largest table on {page} page (rows)", 0), biggest_table(at))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows100k", type=Path, help="a 100,000-row CSV (generated when not given)")
    parser.add_argument("--rows1m", type=Path, help="a 1,000,000-row CSV (generated when not given)")
    parser.add_argument("--skip-1m", action="store_true", help="only the 100,000-row figures")
    parser.add_argument("--server", action="store_true",
                        help="also the real server in Chromium with the 1,000,000-row file (bench_server.py)")
    parser.add_argument("--format", choices=["csv", "xlsx", "json"], default="xlsx",
                        help="the export format built with --server")
    args = parser.parse_args(argv)
    os.environ.setdefault("ADDRMIG_DATA_DIR", tempfile.mkdtemp(prefix="addrmig-bench-"))
    folder = Path(tempfile.gettempdir()) / "addrmig-bench-files"
    folder.mkdir(exist_ok=True)
    runs = [("100,000 rows", args.rows100k or make(100_000, 1, folder), False, 3.0,
             "upload finished -> check results")]
    if not args.skip_1m:
        runs.append(("1,000,000 rows", args.rows1m or make(1_000_000, 2, folder), True, 60.0,
                     "upload finished -> places resolved"))
    for title, path, places, target, headline in runs:
        figures = run_file(path, places=places)
        print(f"== {title} ({path.name}, {path.stat().st_size / 1e6:,.0f} MB)")
        for name, value in figures.items():
            print(f"  {name:45s} {value:8.0f}" if "(rows)" in name else f"  {name:45s} {value:8.2f} s")
        verdict = "OK" if figures[headline] <= target else "TOO SLOW"
        print(f"  -> {headline}: {figures[headline]:.2f} s (target {target:.0f} s) {verdict}")
        sys.stdout.flush()
    if args.server:
        from benchmarks import bench_server

        big = args.rows1m or make(1_000_000, 2, folder)
        figures = bench_server.run(big, args.format, keep_log=False)
        print(f"== server in Chromium, 1,000,000 rows ({big.name})")
        bench_server.show(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
