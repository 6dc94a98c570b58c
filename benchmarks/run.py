"""Print the figures for one address file: the floor, each step, and the CLI end to end.

    python benchmarks/run.py FILE.csv            # any supported file
    python benchmarks/run.py --generate 1000000  # make a fresh messy file first (seeded)

The floor is what pandas alone takes to ``read_csv(dtype=str)`` and ``to_csv`` the same
file, measured in the same run, so the ratios hold across machines. Each CLI command
runs in its own process; its peak memory is that process's maximum RSS.
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

TARGETS = {"validate": 1.0, "fix": 2.0}  # × floor (issue: a million rows, fast)
MEMORY_TARGET_MB = 1536


def _run_child(args: list[str]) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    err = child.stderr.read().decode("utf-8", "replace") if child.stderr else ""
    if child.returncode not in (0, 1):
        print(f"  {' '.join(args[2:4])} failed ({child.returncode}): {err.strip()[-500:]}", file=sys.stderr)
    return seconds, usage.ru_maxrss / 1024, child.returncode


FLOOR_SCRIPT = """
import sys, pandas as pd
frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
frame.to_csv(sys.argv[2], index=False)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--generate", type=int, metavar="ROWS", help="generate a messy file of ROWS rows")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--steps", action="store_true", help="also time each library step in this process")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="addrmig-bench-"))
    path = args.file
    if args.generate:
        from benchmarks.generate import generate
        path = workdir / f"messy_{args.generate}.csv"
        frame, truth = generate(args.generate, seed=args.seed)
        frame.to_csv(path, index=False)
        del frame, truth
    if path is None:
        parser.error("give a FILE or --generate ROWS")
    size_mb = path.stat().st_size / 1e6
    py = sys.executable
    env_note = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    print(f"file: {path} ({size_mb:,.1f} MB), {env_note}")

    floor, floor_mb, _ = _run_child([py, "-c", FLOOR_SCRIPT, str(path), str(workdir / "floor.csv")])
    print(f"floor   pandas read_csv(dtype=str) + to_csv: {floor:7.2f} s   peak {floor_mb:7.0f} MB")

    results = {}
    commands = {
        "validate": [py, "-m", "addrmig", "validate", str(path)],
        "fix": [py, "-m", "addrmig", "fix", str(path), "-o", str(workdir / "fixed.csv"),
                "--review", str(workdir / "review.csv")],
    }
    for name, command in commands.items():
        seconds, peak, code = _run_child(command)
        results[name] = (seconds, peak)
        ratio = seconds / floor
        ok = ratio <= TARGETS[name] and peak <= MEMORY_TARGET_MB
        print(f"{name:<8}{'':40}{seconds:7.2f} s   peak {peak:7.0f} MB   {ratio:4.2f} × floor "
              f"(target ≤ {TARGETS[name]:.1f} ×, ≤ {MEMORY_TARGET_MB} MB) {'OK' if ok else 'MISSED'}  exit {code}")

    if args.steps:
        _steps(path, workdir)


def _steps(path: Path, workdir: Path) -> None:
    """Each library step timed in this process: rows/s and distinct tuples/s."""
    from addrmig.pipeline import load
    from addrmig.tabular import write_table
    from addrmig.validation import validate
    from addrmig.locations import resolve
    from addrmig.locations.db import LocationDB

    def timed(label, func, *a, **k):
        start = time.perf_counter()
        value = func(*a, **k)
        return value, time.perf_counter() - start

    loaded, t_read = timed("read", load, path)
    frame = loaded.frame
    rows = len(frame)
    _, t_validate = timed("validate", validate, frame)
    db, t_db = timed("db", LocationDB.bundled)
    resolution, t_resolve = timed("resolve", resolve, frame, db)
    tuples = len(resolution.tuples)
    data, t_write = timed("write", write_table, resolution.frame, "csv")
    for label, seconds in (("read", t_read), ("validate", t_validate), ("resolve", t_resolve),
                           ("write", t_write)):
        print(f"step {label:<9}{seconds:7.2f} s   {rows / seconds:12,.0f} rows/s")
    print(f"distinct location tuples: {tuples:,}  ({tuples / t_resolve:,.0f} tuples/s)  db load {t_db:.2f} s")


if __name__ == "__main__":
    main()
