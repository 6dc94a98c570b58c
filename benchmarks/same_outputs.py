"""Prove that a change leaves the command line's outputs as they were.

    python benchmarks/same_outputs.py record DIR      # run the commands, keep every output in DIR
    python benchmarks/same_outputs.py compare DIR     # run them again, compare with DIR
    python benchmarks/same_outputs.py base REV        # record REV (a git worktree), then compare
    ... compare DIR --xlsx cells                      # XLSX compared cell by cell, not byte by byte

Runs ``fix`` (CSV, XLSX and JSON output, CSV and XLSX review), ``validate`` (CSV and XLSX
report), ``convert`` (CSV, XLSX, JSON) and ``inspect`` on the shared samples, the formats
folder, the real-world and free-text sets and a generated 100,000-row file, each with an
empty data directory. Outputs are compared byte for byte, printed lines too; an XLSX is
compared part by part with its time stamps (``docProps/core.xml``) left out, or, with
``--xlsx cells``, cell by cell: the sheets' names and order, every cell's value as
calamine reads it (the reader addrmig uses, which decodes the ST_Xstring escapes), and
every cell's fill colour, bold font and comment as openpyxl reads them. Prints one line per
difference and exits 1 when there is any.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _shared_data() -> Path:
    """``shared/data`` beside the checkout (or beside a folder holding it, for a git worktree)."""
    for folder in ROOT.parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    sys.exit("shared/data was not found beside this checkout or any folder above it")


SHARED = _shared_data()
GENERATED_ROWS = 100_000


def inputs(work: Path) -> list[Path]:
    """The files every run reads (the generated one is made once per work folder)."""
    files = [SHARED / "samples" / "addresses_dev.csv", SHARED / "realworld" / "realworld.csv",
             SHARED / "freetext" / "freetext_dev.csv"]
    files += sorted(p for p in (SHARED / "samples" / "formats").iterdir() if ".expected." not in p.name)
    generated = work / "generated_100k.csv"
    if not generated.exists():
        work.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(GENERATED_ROWS),
                        str(generated), "--seed", "5"], check=True, cwd=ROOT, capture_output=True)
    return files + [generated]


def commands(source: Path, out: Path) -> dict[str, list[str]]:
    stem = source.stem
    return {
        f"{stem}.fix": ["fix", str(source), "-o", str(out / f"{stem}.fixed.csv"),
                        "--review", str(out / f"{stem}.review.csv")],
        f"{stem}.fix-xlsx": ["fix", str(source), "-o", str(out / f"{stem}.fixed.xlsx"),
                             "--review", str(out / f"{stem}.review.xlsx")],
        f"{stem}.fix-json": ["fix", str(source), "-o", str(out / f"{stem}.fixed.json")],
        f"{stem}.validate": ["validate", str(source), "--report", str(out / f"{stem}.report.csv")],
        f"{stem}.validate-xlsx": ["validate", str(source), "--report", str(out / f"{stem}.report.xlsx")],
        f"{stem}.convert": ["convert", str(source), "-o", str(out / f"{stem}.converted.csv")],
        f"{stem}.convert-xlsx": ["convert", str(source), "-o", str(out / f"{stem}.converted.xlsx")],
        f"{stem}.convert-json": ["convert", str(source), "-o", str(out / f"{stem}.converted.json")],
        f"{stem}.inspect": ["inspect", str(source)],
    }


def record(checkout: Path, out: Path, work: Path) -> None:
    """Run every command with ``checkout``'s code; outputs and printed lines go to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    printed = {}
    for source in inputs(work):
        for name, argv in commands(source, out).items():
            with tempfile.TemporaryDirectory() as data:
                env = dict(os.environ, ADDRMIG_DATA_DIR=data, PYTHONPATH=str(checkout))
                proc = subprocess.run([sys.executable, "-m", "addrmig", *argv], cwd=checkout, env=env,
                                      capture_output=True, text=True)
            # Paths differ between the two runs; the rest of what was printed must not.
            clean = lambda text: text.replace(str(out), "OUT").replace(str(work), "WORK")  # noqa: E731
            printed[name] = {"exit": proc.returncode, "stdout": clean(proc.stdout),
                             "stderr": "\n".join(line for line in clean(proc.stderr).splitlines()
                                                 if "\r" not in line and not line.startswith(("read ", "places ",
                                                                                              "write ", "validate ",
                                                                                              "report ")))}
            print(f"{name}: exit {proc.returncode}", file=sys.stderr)
    (out / "printed.json").write_text(json.dumps(printed, indent=1, ensure_ascii=False, sort_keys=True))


def digest(path: Path) -> str:
    if path.suffix == ".xlsx":
        parts = hashlib.sha256()
        with zipfile.ZipFile(path) as book:
            for name in sorted(book.namelist()):
                if name != "docProps/core.xml":
                    parts.update(name.encode() + b"\0" + book.read(name))
        return parts.hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def xlsx_cells(path: Path) -> dict[str, tuple[list[list[object]], dict[tuple[int, int], tuple]]]:
    """Per sheet, in order: (the values as calamine reads them, rows without empty cells at
    their ends, and (row, column) → (fill colour, bold, comment) of each cell that has one)."""
    import python_calamine
    from openpyxl import load_workbook

    values = {}
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        rows = [list(row) for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
        for row in rows:
            while row and row[-1] == "":
                row.pop()
        while rows and not rows[-1]:
            rows.pop()
        values[name] = rows
    cells = {}
    for sheet in load_workbook(path).worksheets:
        marked = {}
        for row in sheet.iter_rows():
            for cell in row:
                fill = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type == "solid" else None
                bold = bool(cell.font is not None and cell.font.b)
                comment = cell.comment.text if cell.comment is not None else None
                if fill or bold or comment:
                    marked[(cell.row, cell.column)] = (fill, bold, comment)
        cells[sheet.title] = marked
    return {name: (values[name], cells.get(name, {})) for name in values}


def xlsx_difference(a: Path, b: Path) -> str | None:
    """Where two workbooks differ cell by cell (``xlsx_cells``), or None."""
    old, new = xlsx_cells(a), xlsx_cells(b)
    if list(old) != list(new):
        return f"sheets {list(old)} became {list(new)}"
    for name in old:
        (old_values, old_marks), (new_values, new_marks) = old[name], new[name]
        if old_values != new_values:
            for number, (was, now) in enumerate(zip(old_values + [[]] * len(new_values),
                                                    new_values + [[]] * len(old_values)), 1):
                if was != now:
                    return f"sheet {name!r} row {number}: {was!r} became {now!r}"
        if old_marks != new_marks:
            where = sorted(set(old_marks) ^ set(new_marks) | {k for k in old_marks.keys() & new_marks.keys()
                                                              if old_marks[k] != new_marks[k]})[0]
            return f"sheet {name!r} cell {where}: {old_marks.get(where)!r} became {new_marks.get(where)!r}"
    return None


def compare(expected: Path, actual: Path, xlsx: str = "parts") -> list[str]:
    differences = []
    names = {p.name for p in expected.iterdir()} | {p.name for p in actual.iterdir()}
    for name in sorted(names - {"printed.json"}):
        a, b = expected / name, actual / name
        if not a.exists() or not b.exists():
            differences.append(f"{name}: only in {'the new run' if b.exists() else 'the recorded run'}")
        elif xlsx == "cells" and a.suffix == ".xlsx":
            found = xlsx_difference(a, b)
            if found:
                differences.append(f"{name}: cells differ: {found}")
        elif digest(a) != digest(b):
            differences.append(f"{name}: content differs")
    old = json.loads((expected / "printed.json").read_text())
    new = json.loads((actual / "printed.json").read_text())
    for name in sorted(set(old) | set(new)):
        for what in ("exit", "stdout", "stderr"):
            if old.get(name, {}).get(what) != new.get(name, {}).get(what):
                differences.append(f"{name}: {what} differs:\n  was {old.get(name, {}).get(what)!r}\n"
                                   f"  now {new.get(name, {}).get(what)!r}")
    return differences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("record", "compare", "base"))
    parser.add_argument("target", help="DIR for record/compare, a git revision for base")
    parser.add_argument("--xlsx", choices=("parts", "cells"), default="parts",
                        help="compare XLSX files part by part (default) or cell by cell")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # The generated file lives with the recording so both runs read the same bytes.
        if args.mode == "record":
            target = Path(args.target).resolve()
            record(ROOT, target, target.parent / f".{target.name}.inputs")
            return 0
        if args.mode == "compare":
            expected = Path(args.target).resolve()
            work = expected.parent / f".{expected.name}.inputs"
        else:
            base = tmp / "base"
            subprocess.run(["git", "worktree", "add", "--detach", str(base), args.target], cwd=ROOT, check=True,
                           capture_output=True)
            expected, work = tmp / "expected", tmp / "inputs"
            try:
                record(base, expected, work)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, capture_output=True)
                shutil.rmtree(base, ignore_errors=True)
        actual = tmp / "actual"
        # The output folder's path is printed by some commands: use the same name both times.
        record(ROOT, actual, work)
        differences = compare(expected, actual, args.xlsx)
    for line in differences:
        print(line)
    print(f"{len(differences)} differences" if differences else "outputs identical")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
