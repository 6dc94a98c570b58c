"""Two versions of addrmig on the same file, in turns: is one faster, and are their outputs equal?

    python benchmarks/compare_revisions.py HEAD~3 . /path/to/file.csv --repeat 3

Each side is a directory holding a checkout, or a git revision of this repository (checked out
into a temporary worktree, removed at the end). The commands (``fix`` to CSV with its review
list, and ``validate``; ``--commands`` chooses) run alternately, A then B, ``--repeat`` times,
with this Python. Printed per command and side: the fastest and the median wall time and the
median CPU time (user + system, the process and its workers); then whether the two sides wrote
the same bytes.

On a shared or noisy machine the wall time of one run moves by more than many changes
gain or lose; running the sides in turns and comparing CPU as well as wall time is what
makes a difference of a few per cent readable.
"""
from __future__ import annotations

import argparse
import filecmp
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def checkout(side: str, into: Path) -> Path:
    """The directory of ``side``: itself when it is one, else a worktree of that revision."""
    if Path(side).is_dir():
        return Path(side).resolve()
    target = into / side.replace("/", "_").replace("~", "-").replace("^", "-")
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(target), side],
                   check=True, capture_output=True)
    return target


def commands(path: Path, out: Path) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "fix": [py, "-m", "addrmig", "fix", str(path), "-o", str(out / "fixed.csv"), "--review", str(out / "review.csv")],
        "validate": [py, "-m", "addrmig", "validate", str(path), "--report", str(out / "report.csv")],
    }


def timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env={**os.environ, "PYTHONPATH": str(cwd)})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: the file has problems, which is what these files are for
        sys.exit(f"{' '.join(args)} in {cwd} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="a directory or a git revision")
    parser.add_argument("b", help="a directory or a git revision")
    parser.add_argument("file", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--commands", default="fix,validate", help="comma-separated: fix, validate")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="addrmig-compare-"))
    made: list[Path] = []
    try:
        sides = {}
        for name, side in (("A", args.a), ("B", args.b)):
            directory = checkout(side, work)
            if directory.is_relative_to(work):
                made.append(directory)
            (work / f"out-{name}").mkdir()
            sides[name] = (side, directory, commands(args.file.resolve(), work / f"out-{name}"))
        wanted = [c.strip() for c in args.commands.split(",") if c.strip()]
        print(f"file: {args.file} ({args.file.stat().st_size / 1e6:,.1f} MB), {os.cpu_count()} CPUs, "
              f"{args.repeat} runs per side in turns")
        for command in wanted:
            figures: dict[str, list[tuple[float, float]]] = {"A": [], "B": []}
            for _ in range(args.repeat):
                for name, (_side, directory, runs) in sides.items():
                    figures[name].append(timed(runs[command], directory))
            for name, (side, _directory, _runs) in sides.items():
                walls = [w for w, _c in figures[name]]
                cpus = [c for _w, c in figures[name]]
                print(f"{command:9s} {name} {side:>14s}: fastest {min(walls):6.2f} s, median {statistics.median(walls):6.2f} s,"
                      f" CPU {statistics.median(cpus):6.2f} s")
        for produced in sorted(p.name for p in (work / "out-A").iterdir()):
            same = filecmp.cmp(work / "out-A" / produced, work / "out-B" / produced, shallow=False)
            print(f"{produced}: {'identical' if same else 'DIFFERENT'}")
    finally:
        for directory in made:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(directory)],
                           capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
