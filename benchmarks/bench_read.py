"""Print how long read_table takes on a file next to the bare parser (pandas' read_csv(dtype=str)
for text, calamine for workbooks), and peak memory; or next to another checkout's read_table.

    python benchmarks/bench_read.py FILE.csv|FILE.xlsx
    python benchmarks/bench_read.py --rows 1000000     # builds FILE from tests/fixtures/addresses_dev.csv
    python benchmarks/bench_read.py FILE --against ../other-checkout --rounds 5

With ``--against``, this checkout's read_table and the other's run in turns (so both see the
same machine load) and the medians are compared. Each reading runs in its own process so the
peak RSS figures are separate.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = (".xlsx", ".xls", ".ods")

CHILD = r"""
import resource, sys, time
sys.path.insert(0, sys.argv[3])
import pandas as pd
from addrmig.io import read_table
start = time.perf_counter()
if sys.argv[1] == "pandas":
    rows = len(pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False, na_filter=False))
elif sys.argv[1] == "calamine":
    import python_calamine
    book = python_calamine.CalamineWorkbook.from_path(sys.argv[2])
    rows = len(book.get_sheet_by_index(0).to_python(skip_empty_area=False)) - 1
else:
    rows = len(read_table(sys.argv[2]).frame)
seconds = time.perf_counter() - start
cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
          for f in ("ru_utime", "ru_stime"))
print(f"{seconds:.2f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} {rows} {cpu:.2f}")
"""


def run(reader: str, path: Path, code: Path) -> tuple[float, int, int, float]:
    """(seconds, peak MB, rows, CPU seconds) of one reading of ``path`` by ``reader`` with ``code``'s
    addrmig. The CPU time (the process and its children, imports included) is the steadier figure
    on a machine others are using too."""
    out = subprocess.run([sys.executable, "-c", CHILD, reader, str(path), str(code)],
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), int(out[1]), int(out[2]), float(out[3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--against", type=Path, default=None, metavar="CHECKOUT",
                        help="another checkout of addrmig whose read_table runs in turns with this one's")
    parser.add_argument("--rounds", type=int, default=2, help="readings per reader (default 2)")
    args = parser.parse_args()
    path = Path(args.file) if args.file else _build(args.rows)
    print(f"{path} ({path.stat().st_size / 1e6:.0f} MB)")
    if args.against is not None:
        readers = [("this", "read_table", ROOT), ("against", "read_table", args.against.resolve())]
    else:
        floor = "calamine" if path.suffix.lower() in WORKBOOKS else "pandas"
        readers = [(floor, floor, ROOT), ("read_table", "read_table", ROOT)]
    times: dict[str, list[float]] = {label: [] for label, _, _ in readers}
    cpus: dict[str, list[float]] = {label: [] for label, _, _ in readers}
    for _ in range(args.rounds):
        for label, reader, code in readers:
            seconds, peak, rows, cpu = run(reader, path, code)
            times[label].append(seconds)
            cpus[label].append(cpu)
            print(f"{label:<11} {seconds:>6.2f} s   cpu {cpu:>6.2f} s   peak {peak:>5} MB   {rows:,} rows", flush=True)
    first, second = (label for label, _, _ in readers)
    for what, values in (("time", times), ("cpu", cpus)):
        a, b = statistics.median(values[first]), statistics.median(values[second])
        print(f"median {what}: {first} {a:.2f} s, {second} {b:.2f} s ({b / a - 1:+.1%} for {second})"
              if args.against is None else
              f"median {what}: this {a:.2f} s, against {b:.2f} s ({a / b - 1:+.1%} for this checkout)")


def _build(rows: int) -> Path:
    import pandas as pd

    sample = pd.read_csv(ROOT / "tests" / "fixtures" / "addresses_dev.csv", dtype=str, keep_default_na=False)
    frame = pd.concat([sample] * (rows // len(sample) + 1), ignore_index=True).iloc[:rows]
    path = Path(tempfile.gettempdir()) / f"addrmig_bench_{rows}.csv"
    if not path.exists():
        frame.to_csv(path, index=False)
    return path


if __name__ == "__main__":
    main()
