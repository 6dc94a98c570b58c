"""Print the figures for an address file: the floor, each step, and the CLI end to end.

    python benchmarks/run.py FILE.csv                      # any supported file
    python benchmarks/run.py FILE.csv --realistic R.csv    # and a file of the realistic profile
    python benchmarks/run.py --generate 1000000            # make fresh messy files first (seeded;
                                                           # with --realistic-generate, both profiles)
    python benchmarks/run.py --generate 1000000 --profile freetext  # one free-text address column

The commands: ``validate``; ``fix`` to CSV; ``fix`` to XLSX; ``validate`` with an XLSX
error report. The realistic file (``benchmarks/generate.py --profile realistic``) gets the
same commands and its own floor; a free-text file (its places read from the address text) is
held to its own targets.

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

#: × floor (issues: a million rows, fast; Excel output and real distributions)
TARGETS = {"validate": 1.0, "fix": 2.0, "fix → XLSX": 3.0, "validate → XLSX report": 4.0}
REALISTIC_TARGETS = {**TARGETS, "fix": 1.2}
#: A file whose places are read from one free-text address column (issue 16): fix within 3 ×.
FREETEXT_TARGETS = {**TARGETS, "validate": 3.0, "fix": 3.0}
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


# The floor's Arrow memory comes from the allocator addrmig uses (addrmig/__init__.py), so the
# ratio compares the work done, not the allocators (Arrow's default mimalloc spends seconds in
# the kernel on some machines).
FLOOR_SCRIPT = """
import sys, pyarrow as pa
try:
    pa.set_memory_pool(pa.jemalloc_memory_pool())
except NotImplementedError:
    pass
import pandas as pd
frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
frame.to_csv(sys.argv[2], index=False)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--realistic", type=Path, metavar="FILE",
                        help="also measure FILE, of the realistic profile (benchmarks/generate.py --profile realistic)")
    parser.add_argument("--generate", type=int, metavar="ROWS", help="generate a messy file of ROWS rows")
    parser.add_argument("--realistic-generate", action="store_true",
                        help="with --generate: also generate a file of the realistic profile")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", choices=("columns", "freetext"), default="columns",
                        help="with --generate: the Akinon layout (default) or one free-text address column; "
                             "a free-text file is held to its own targets")
    parser.add_argument("--steps", action="store_true", help="also time each library step in this process")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="run the floor and each command N times and keep the fastest of each")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="addrmig-bench-"))
    path, realistic = args.file, args.realistic
    if args.generate:
        if args.profile == "freetext":
            from addrmig.locations.db import LocationDB
            from benchmarks.freetext_synth import freetext_sample

            path = workdir / f"freetext_{args.generate}.csv"
            frame, truth = freetext_sample(LocationDB.bundled(), args.generate, seed=args.seed)
            frame.to_csv(path, index=False)
            del frame, truth
        else:
            from benchmarks.generate import generate
            for profile in ("uniform", "realistic") if args.realistic_generate else ("uniform",):
                made = workdir / f"{profile}_{args.generate}.csv"
                frame, truth = generate(args.generate, seed=args.seed, profile=profile)
                frame.to_csv(made, index=False)
                del frame, truth
                if profile == "uniform":
                    path = made
                else:
                    realistic = made
    if path is None:
        parser.error("give a FILE or --generate ROWS")
    from addrmig.parallel import available_workers

    print(f"{os.cpu_count()} cores, {available_workers()} workers for places, Python {sys.version.split()[0]}")
    freetext = args.profile == "freetext" or _is_freetext(path)
    results = [("free text" if freetext else "uniform", path,
                _measure(path, workdir, max(1, args.repeat), FREETEXT_TARGETS if freetext else TARGETS))]
    if realistic is not None:
        results.append(("realistic", realistic, _measure(realistic, workdir, max(1, args.repeat), REALISTIC_TARGETS)))
    _table(results)
    if args.steps:
        for _, file, _ in results:
            _steps(file, workdir)


def _measure(path: Path, workdir: Path, repeat: int, targets: dict[str, float]) -> dict[str, tuple]:
    """Floor and commands on one file, printed as they are measured: name → (seconds, ratio
    to the floor, PSS in MB); the floor's ratio is 1."""
    py = sys.executable
    print(f"\nfile: {path} ({path.stat().st_size / 1e6:,.1f} MB)")
    floor_args = [py, "-c", FLOOR_SCRIPT, str(path), str(workdir / "floor.csv")]
    commands = {
        "validate": [py, "-m", "addrmig", "validate", str(path)],
        "fix": [py, "-m", "addrmig", "fix", str(path), "-o", str(workdir / "fixed.csv"),
                "--review", str(workdir / "review.csv")],
        "fix → XLSX": [py, "-m", "addrmig", "fix", str(path), "-o", str(workdir / "fixed.xlsx"),
                       "--review", str(workdir / "review.xlsx")],
        "validate → XLSX report": [py, "-m", "addrmig", "validate", str(path), "--report",
                                   str(workdir / "report.xlsx")],
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
    _, floor_mb, floor_pss, _ = _run_child(floor_args, sample=True)
    print(f"{'floor (pandas read + write)':<30}{floor:7.2f} s   peak {floor_mb:5.0f} MB"
          + (f"   (fastest of {repeat})" if repeat > 1 else ""))
    found = {"floor": (floor, 1.0, floor_pss)}
    for name, command in commands.items():
        seconds = min(times[name])
        _, peak, pss, _ = _run_child(command, sample=True)
        ratio = seconds / floor
        ok = ratio <= targets[name] and pss <= MEMORY_TARGET_MB
        print(f"{name:<30}{seconds:7.2f} s   peak {peak:5.0f} MB, PSS {pss:5.0f} MB   {ratio:4.2f} × floor "
              f"(target ≤ {targets[name]:.1f} ×, PSS ≤ {MEMORY_TARGET_MB} MB) {'OK' if ok else 'MISSED'}  "
              f"exit {codes[name]}")
        found[name] = (seconds, ratio, pss)
    return found


def _table(results: list[tuple[str, Path, dict[str, tuple]]]) -> None:
    """The figures once more as the README's table (Markdown)."""
    names = ["floor", *TARGETS]
    print("\n| profile | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for profile, _, found in results:
        cells = [f"{found['floor'][0]:.2f} s"] + [
            f"{found[n][0]:.2f} s ({found[n][1]:.2f} ×), {found[n][2]:,.0f} MB" for n in names[1:]]
        print(f"| {profile} | " + " | ".join(cells) + " |")


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
    from addrmig.io import save_table, write_table
    from addrmig.locations import resolve
    from addrmig.locations.db import LocationDB
    from addrmig.pipeline import load
    from addrmig.report_files import save_report_xlsx
    from addrmig.validation import validate

    def timed(label, func, *a, **k):
        start = time.perf_counter()
        value = func(*a, **k)
        return value, time.perf_counter() - start

    loaded, t_read = timed("read", load, path)
    frame = loaded.frame
    rows = len(frame)
    report, t_validate = timed("validate", validate, frame)
    db, t_db = timed("db", LocationDB.bundled)
    from addrmig.locations.resolver import prepare
    from addrmig.parallel import available_workers

    prepare(db)
    resolution, t_resolve = timed("resolve", resolve, frame, db, workers=available_workers())
    tuples = len(resolution.tuples)
    _, t_write = timed("write", write_table, resolution.frame, "csv")
    _, t_xlsx = timed("write xlsx", save_table, resolution.frame, workdir / "steps.xlsx", "xlsx")
    _, t_report = timed("report", save_report_xlsx, frame, report, workdir / "steps.report.xlsx")
    print(f"\nsteps on {path.name}, in this process:")
    for label, seconds in (("read", t_read), ("validate", t_validate), ("resolve", t_resolve),
                           ("write", t_write), ("write xlsx", t_xlsx), ("xlsx report", t_report)):
        print(f"step {label:<12}{seconds:7.2f} s   {rows / seconds:12,.0f} rows/s")
    print(f"distinct location tuples: {tuples:,}  ({tuples / t_resolve:,.0f} tuples/s)  db load {t_db:.2f} s")


if __name__ == "__main__":
    main()
