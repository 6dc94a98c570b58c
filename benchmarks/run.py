"""Print the figures for one address file: the floor, each step, and the CLI end to end.

    python benchmarks/run.py FILE.csv            # any supported file
    python benchmarks/run.py --generate 1000000  # make a fresh messy file first (seeded)
    python benchmarks/run.py --generate 1000000 --profile freetext  # one free-text address column

The floor is what pandas alone takes to ``read_csv(dtype=str)`` and ``to_csv`` the same
file, measured in the same run, so the ratios hold across machines. Each CLI command
runs in its own process; its time is the fastest of ``--repeat N`` runs (default 3),
each run in turn with the floor. Its memory comes from one more run in which the memory
of the process and the workers it forks is sampled: ``peak`` is the largest sum of their
resident memory (RSS, every 20 ms; each process's own maximum RSS when that is larger),
which counts pages the workers share with the parent once per process and so overstates
what the machine holds; ``PSS`` (every 200 ms) counts each shared page once, split
between the processes sharing it. The memory target is held against PSS.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = {"validate": 1.0, "fix": 2.0}  # × floor (issue: a million rows, fast)
#: A file whose places are read from one free-text address column (issue 16): fix within 3 ×.
FREETEXT_TARGETS = {"validate": 3.0, "fix": 3.0}
MEMORY_TARGET_MB = 1536


class _TreeMemory(threading.Thread):
    """Samples the summed RSS and PSS (MB) of a process and its descendants."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak_rss = self.peak_pss = 0.0
        self.done = threading.Event()

    def _tree(self) -> list[int]:
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as handle:
                        todo.extend(int(child) for child in handle.read().split())
            except OSError:
                pass
        return found

    def run(self) -> None:
        # RSS from statm every tick (cheap); PSS from smaps_rollup every tenth tick only:
        # the kernel walks the page tables for it, which would slow the processes measured.
        page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
        tick = 0
        while not self.done.is_set():
            rss = pss = 0
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/statm") as handle:
                        rss += int(handle.read().split()[1]) * page_kb
                    if tick % 10 == 0:
                        with open(f"/proc/{pid}/smaps_rollup") as handle:
                            pss += next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
                except (OSError, StopIteration, ValueError):
                    pass
            self.peak_rss = max(self.peak_rss, rss / 1024)
            self.peak_pss = max(self.peak_pss, pss / 1024)
            tick += 1
            self.done.wait(self.every)


def _run_child(args: list[str], sample: bool = False) -> tuple[float, float, float, int]:
    """(seconds, peak memory in MB, peak PSS in MB, exit code) of one child process. With
    ``sample`` the memory of the process tree is sampled (which slows it down a little:
    its time is not used); otherwise the peak is the largest process's own maximum RSS."""
    start = time.perf_counter()
    child = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = _TreeMemory(child.pid)
    if sample and os.path.exists(f"/proc/{child.pid}"):
        sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    sampler.done.set()
    if sampler.is_alive():
        sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    err = child.stderr.read().decode("utf-8", "replace") if child.stderr else ""
    if child.returncode not in (0, 1):
        print(f"  {' '.join(args[2:4])} failed ({child.returncode}): {err.strip()[-500:]}", file=sys.stderr)
    peak = max(usage.ru_maxrss / 1024, sampler.peak_rss)
    return seconds, peak, sampler.peak_pss, child.returncode


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
    parser.add_argument("--profile", choices=("columns", "freetext"), default="columns",
                        help="with --generate: the Akinon layout (default) or one free-text address column; "
                             "a free-text file is held to its own targets")
    parser.add_argument("--steps", action="store_true", help="also time each library step in this process")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="run the floor and each command N times and keep the fastest of each")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="addrmig-bench-"))
    path = args.file
    if args.generate:
        if args.profile == "freetext":
            from addrmig.locations.db import LocationDB
            from benchmarks.freetext_synth import freetext_sample

            path = workdir / f"freetext_{args.generate}.csv"
            frame, truth = freetext_sample(LocationDB.bundled(), args.generate, seed=args.seed)
        else:
            from benchmarks.generate import generate

            path = workdir / f"messy_{args.generate}.csv"
            frame, truth = generate(args.generate, seed=args.seed)
        frame.to_csv(path, index=False)
        del frame, truth
    if path is None:
        parser.error("give a FILE or --generate ROWS")
    size_mb = path.stat().st_size / 1e6
    targets = FREETEXT_TARGETS if args.profile == "freetext" or _is_freetext(path) else TARGETS
    py = sys.executable
    from addrmig.parallel import available_workers

    env_note = (f"{os.cpu_count()} cores, {available_workers()} workers for places, "
                f"Python {sys.version.split()[0]}")
    print(f"file: {path} ({size_mb:,.1f} MB), {env_note}")

    repeat = max(1, args.repeat)
    floor_args = [py, "-c", FLOOR_SCRIPT, str(path), str(workdir / "floor.csv")]
    commands = {
        "validate": [py, "-m", "addrmig", "validate", str(path)],
        "fix": [py, "-m", "addrmig", "fix", str(path), "-o", str(workdir / "fixed.csv"),
                "--review", str(workdir / "review.csv")],
    }
    # Floor and commands take turns, so a slower spell of a shared machine hits them alike.
    times: dict[str, list[float]] = {"floor": [], **{name: [] for name in commands}}
    codes: dict[str, int] = {}
    for _ in range(repeat):
        times["floor"].append(_run_child(floor_args)[0])
        for name, command in commands.items():
            seconds, _, _, codes[name] = _run_child(command)
            times[name].append(seconds)
    floor = min(times["floor"])
    floor_mb = _run_child(floor_args, sample=True)[1]
    print(f"floor   pandas read_csv(dtype=str) + to_csv: {floor:7.2f} s   peak {floor_mb:7.0f} MB"
          + (f"   (fastest of {repeat})" if repeat > 1 else ""))
    for name, command in commands.items():
        seconds = min(times[name])
        _, peak, pss, _ = _run_child(command, sample=True)
        ratio = seconds / floor
        ok = ratio <= targets[name] and pss <= MEMORY_TARGET_MB
        print(f"{name:<8}{'':40}{seconds:7.2f} s   peak {peak:5.0f} MB, PSS {pss:5.0f} MB   {ratio:4.2f} × floor "
              f"(target ≤ {targets[name]:.1f} ×, PSS ≤ {MEMORY_TARGET_MB} MB) {'OK' if ok else 'MISSED'}  "
              f"exit {codes[name]}")

    if args.steps:
        _steps(path, workdir)


def _is_freetext(path: Path) -> bool:
    """Whether ``path`` is a file whose places are read from its address text (its columns map to
    no place field but to an address line)."""
    import pandas as pd

    from addrmig.columns import map_columns

    if path.suffix.lower() != ".csv":
        return False
    header = pd.read_csv(path, nrows=0, dtype=str).columns
    return "city" in map_columns(header).derived


def _steps(path: Path, workdir: Path) -> None:
    """Each library step timed in this process: rows/s and distinct tuples/s."""
    from addrmig.io import write_table
    from addrmig.locations import resolve
    from addrmig.locations.db import LocationDB
    from addrmig.pipeline import load
    from addrmig.validation import validate

    def timed(label, func, *a, **k):
        start = time.perf_counter()
        value = func(*a, **k)
        return value, time.perf_counter() - start

    loaded, t_read = timed("read", load, path)
    frame = loaded.frame
    rows = len(frame)
    _, t_validate = timed("validate", validate, frame)
    db, t_db = timed("db", LocationDB.bundled)
    from addrmig.locations.resolver import prepare
    from addrmig.parallel import available_workers

    prepare(db)
    resolution, t_resolve = timed("resolve", resolve, frame, db, workers=available_workers())
    tuples = len(resolution.tuples)
    data, t_write = timed("write", write_table, resolution.frame, "csv")
    for label, seconds in (("read", t_read), ("validate", t_validate), ("resolve", t_resolve),
                           ("write", t_write)):
        print(f"step {label:<9}{seconds:7.2f} s   {rows / seconds:12,.0f} rows/s")
    print(f"distinct location tuples: {tuples:,}  ({tuples / t_resolve:,.0f} tuples/s)  db load {t_db:.2f} s")


if __name__ == "__main__":
    main()
