"""Time the XLSX writers on the rows of an address file: the numbers the writer was chosen by.

    python benchmarks/bench_xlsx.py FILE.csv [--rows 200000] [--writers addrmig,openpyxl,...] [--repeat 2]

Writers: ``addrmig`` (``addrmig.io.write_table``: the streaming writer of ``addrmig.io.xlsx``),
``addrmig-zlib`` (the same with zlib instead of ISA-L), ``openpyxl`` (write-only mode, as
addrmig wrote XLSX before), ``xlsxwriter`` (``constant_memory``, ``write_string`` per cell)
and ``pyexcelerate`` (which keeps the workbook in memory and takes a value starting with
"=" for a formula: timed for comparison only). Each writer runs in a forked process, in
turn with the others, fastest of ``--repeat``; ``peak`` is that process's maximum RSS
(the frame it inherits included), ``MB`` the file's size. XlsxWriter and PyExcelerate are
not addrmig's dependencies: ``pip install xlsxwriter pyexcelerate`` to time them.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WRITERS = ("addrmig", "addrmig-zlib", "xlsxwriter", "pyexcelerate", "openpyxl")


def _openpyxl(frame, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from addrmig.io.sanitise import xlsx_text

    book = Workbook(write_only=True)
    sheet = book.create_sheet("addresses")

    def cell(value):
        text = xlsx_text("" if value is None else str(value))
        if not text.startswith("="):
            return text
        written = WriteOnlyCell(sheet, value=text)
        written.data_type = "s"
        return written

    sheet.append([cell(c) for c in frame.columns])
    for values in frame.itertuples(index=False, name=None):
        sheet.append([cell(v) for v in values])
    book.save(path)


def _xlsxwriter(frame, path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("addresses")
    write = sheet.write_string
    for column, name in enumerate(frame.columns):
        write(0, column, name)
    for row, values in enumerate(frame.itertuples(index=False, name=None), 1):
        for column, value in enumerate(values):
            if value:
                write(row, column, value)
    book.close()


def _pyexcelerate(frame, path: Path) -> None:
    from pyexcelerate import Workbook

    book = Workbook()
    book.new_sheet("addresses", data=[list(frame.columns)] + frame.values.tolist())
    book.save(str(path))


def _addrmig(frame, path: Path) -> None:
    from addrmig.io.write import save_table

    save_table(frame, path, "xlsx")


def _addrmig_zlib(frame, path: Path) -> None:
    import zlib

    from addrmig.io import zipstream

    zipstream._deflate = zlib
    _addrmig(frame, path)


def run_forked(writer: str, frame, path: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one writer, in a forked child."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: write, report the time, leave without cleaning up
        os.close(read)
        started = time.perf_counter()
        {"addrmig": _addrmig, "addrmig-zlib": _addrmig_zlib, "openpyxl": _openpyxl, "xlsxwriter": _xlsxwriter,
         "pyexcelerate": _pyexcelerate}[writer](frame, path)
        os.write(write, f"{time.perf_counter() - started}".encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        seconds = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not seconds:
        raise SystemExit(f"{writer} failed")
    return float(seconds), usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--writers", default=",".join(WRITERS))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    from addrmig.pipeline import load

    frame = load(args.file).frame.iloc[:args.rows]
    writers = [w for w in args.writers.split(",") if w]
    print(f"{len(frame):,} rows × {len(frame.columns)} text columns from {args.file.name}; {os.cpu_count()} cores")
    best: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(max(1, args.repeat)):
            for writer in writers:
                path = Path(folder) / f"{writer}.xlsx"
                seconds, peak = run_forked(writer, frame, path)
                if writer not in best or seconds < best[writer][0]:
                    best[writer] = (seconds, peak, path.stat().st_size / 1e6)
    for writer in writers:
        seconds, peak, size = best[writer]
        print(f"{writer:<14}{seconds:8.2f} s   peak {peak:6.0f} MB   {size:7.1f} MB file")


if __name__ == "__main__":
    main()
