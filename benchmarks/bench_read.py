"""Print how long read_table takes on a CSV next to pandas' own read_csv(dtype=str), and peak memory.

    python benchmarks/bench_read.py FILE.csv
    python benchmarks/bench_read.py --rows 1000000     # builds FILE from tests/fixtures/addresses_dev.csv

Each reader runs in its own process so the peak RSS figures are separate.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import resource, sys, time
sys.path.insert(0, {root!r})
import pandas as pd
from addrmig.io import read_table
start = time.perf_counter()
if sys.argv[1] == "pandas":
    frame = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False, na_filter=False)
else:
    frame = read_table(sys.argv[2]).frame
seconds = time.perf_counter() - start
print(f"{{seconds:.2f}} {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}} {{len(frame)}}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    path = Path(args.file) if args.file else _build(args.rows)
    print(f"{path} ({path.stat().st_size / 1e6:.0f} MB)")
    for reader in ("pandas", "read_table", "pandas", "read_table"):
        out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), reader, str(path)],
                             capture_output=True, text=True, check=True).stdout.split()
        print(f"{reader:<11} {out[0]:>6} s   peak {out[1]:>5} MB   {int(out[2]):,} rows")


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
