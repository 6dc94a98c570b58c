"""How fast is ``validate`` next to pandas just reading the same CSV?

    .venv/bin/python benchmarks/bench_validate.py [--rows 1000000] [--file BIG.csv] [--repeat 3]
                                                  [--pandera-rows 100000] [--reports]

Builds (unless --file is given) a CSV of ``--rows`` rows by repeating
tests/fixtures/addresses_dev.csv with the customer code made unique per copy (so
the schema problems, stray spaces and formula values keep their share), then in
one run prints: pandas ``read_csv(dtype=str, keep_default_na=False)`` time,
validation time and rows/s (medians of ``--repeat`` alternating runs, as the
machine may be shared), the ratio, and memory (peak RSS of the process and
the peak added by validation over the loaded frame). ``--pandera-rows`` also times
Pandera's own lazy validation of the same schema on a slice, for comparison;
``--reports`` times the CSV and XLSX report writers.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from addrmig.report_files import write_report_csv, write_report_xlsx  # noqa: E402
from addrmig.schema import build_schema  # noqa: E402
from addrmig.validation import validate  # noqa: E402

DEV = ROOT / "tests" / "fixtures" / "addresses_dev.csv"


def build_file(path: Path, rows: int) -> None:
    """Write ``rows`` rows made of copies of the dev sample, customer codes unique per copy."""
    dev = pd.read_csv(DEV, dtype=str, keep_default_na=False)
    with open(path, "w", encoding="utf-8", newline="") as out:
        written, copy = 0, 0
        while written < rows:
            part = dev.iloc[: rows - written].copy()
            part["user"] = np.where(part["user"] == "", "", part["user"] + f"-{copy}")
            part.to_csv(out, index=False, header=copy == 0)
            written += len(part)
            copy += 1


def _status(key: str) -> int:
    """A /proc/self/status figure in bytes (VmRSS, VmHWM); 0 where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path, help="an existing CSV in the Akinon layout")
    parser.add_argument("--pandera-rows", type=int, default=100_000,
                        help="rows for the Pandera comparison (0 to skip)")
    parser.add_argument("--reports", action="store_true", help="also time the report writers")
    parser.add_argument("--repeat", type=int, default=3, help="read and validate this many times (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.file
        if path is None:
            path = Path(tmp) / "addresses_big.csv"
            started = time.perf_counter()
            build_file(path, args.rows)
            print(f"built {path.name}: {path.stat().st_size / 1e6:,.0f} MB "
                  f"in {time.perf_counter() - started:.1f} s")

        reads, validations, peak, rss_loaded, peak_resettable = [], [], 0, 0, False
        for attempt in range(args.repeat):
            # Alternate reading and validating, so both meet the same machine load.
            frame = report = None
            started = time.perf_counter()
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            reads.append(time.perf_counter() - started)
            frame.index = pd.RangeIndex(2, len(frame) + 2)
            if attempt == 0:
                rss_loaded = _status("VmRSS")
                peak_resettable = _reset_peak()
            started = time.perf_counter()
            report = validate(frame)
            validations.append(time.perf_counter() - started)
            if attempt == 0:
                peak = _status("VmHWM")
        rows = len(frame)
        read_s, validate_s = float(np.median(reads)), float(np.median(validations))

        print(f"rows: {rows:,}  failures: {len(report.failures):,} "
              f"({report.error_count:,} errors, {report.warning_count:,} warnings)")
        print(f"runs: {args.repeat}; read  " + " ".join(f"{t:.2f}" for t in reads)
              + " s; validate " + " ".join(f"{t:.2f}" for t in validations) + " s")
        print(f"pandas read_csv:  {read_s:6.2f} s  {rows / read_s:12,.0f} rows/s  (median)")
        print(f"validate:         {validate_s:6.2f} s  {rows / validate_s:12,.0f} rows/s  (median)")
        print(f"ratio validate/read: {validate_s / read_s:.2f} median, "
              f"{max(v / r for v, r in zip(validations, reads)):.2f} worst run  (target <= 1.00)")
        print(f"memory: {rss_loaded / 2**20:,.0f} MiB after reading; peak "
              f"{peak / 2**20:,.0f} MiB during the first validation"
              + ("" if peak_resettable else " (peak since process start)")
              + f", +{(peak - rss_loaded) / 2**20:,.0f} MiB for validation  (target peak <= 1536 MiB)")

        if args.reports:
            started = time.perf_counter()
            data = write_report_csv(report)
            print(f"write_report_csv: {time.perf_counter() - started:6.2f} s  {len(data) / 1e6:,.1f} MB")
            started = time.perf_counter()
            data = write_report_xlsx(frame, report)
            print(f"write_report_xlsx: {time.perf_counter() - started:6.2f} s  {len(data) / 1e6:,.1f} MB")

        if args.pandera_rows:
            import pandera.pandas as pa
            part = frame.iloc[: args.pandera_rows]
            schema = build_schema(warnings_as_errors=True)
            started = time.perf_counter()
            try:
                schema.validate(part, lazy=True)
                cases = 0
            except pa.errors.SchemaErrors as error:
                cases = len(error.failure_cases)
            pandera_s = time.perf_counter() - started
            started = time.perf_counter()
            fast = validate(part)
            fast_s = time.perf_counter() - started
            print(f"pandera lazy validate on {len(part):,} rows: {pandera_s:6.2f} s ({cases:,} failure cases)"
                  f"  vs validate: {fast_s:6.2f} s ({len(fast.failures):,} failures)")


if __name__ == "__main__":
    main()
