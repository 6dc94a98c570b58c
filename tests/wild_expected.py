"""Build ``tests/wild_expected.json``: for every file of ``shared/data/wild/files``, what a person
who opens it in a spreadsheet program expects addrmig to read.

    python tests/wild_expected.py [--lo FOLDER]    # writes tests/wild_expected.json

Each file is read by the reference reader of its kind, never by addrmig: Python's ``csv``
module for text (encoding from the BOM, strict UTF-8, or the judged encoding below),
openpyxl for XLSX, xlrd for XLS and LibreOffice's CSV export (``--lo``: a folder of
``soffice --headless --convert-to csv`` outputs, one per sheet) for ODS and for workbooks
the other two cannot open. From the reading come: the sheet (the first one holding a
value), the header row (the first row holding a value), the number of data rows (rows
below the header holding a value), the header's first names and a few text cells of the
first, middle and last data rows; or, for a file no reference reads, why it is refused.

Where the references disagree with that simple rule or with each other, the answer was
judged by hand, and the judgement is written down in ``JUDGED`` with its reason. The test
(``tests/test_io_wild.py``) then holds addrmig to the file. Nothing here is needed to run
the tests; the script needs LibreOffice only when it is run again.
"""
from __future__ import annotations

import argparse
import codecs
import csv
import datetime as dt
import html
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).with_name("wild_expected.json")


def wild_folder() -> Path | None:
    """``shared/data/wild/files`` beside the checkout or any folder above it."""
    for folder in ROOT.parents:
        if (folder / "shared" / "data" / "wild" / "files").is_dir():
            return folder / "shared" / "data" / "wild" / "files"
    return None


#: Encodings of text files that are not UTF-8, judged by reading the decoded text.
ENCODINGS = {
    "frictionless__data__issue-647.csv.txt": "cp1252",  # French: accessibilité, Électrique
    "frictionless__data__issue-811.csv": "cp1252",  # Italian: Unità territoriale; 0x80-0x9F used as cp1252
    "frictionless__data__latin1.csv": "latin-1",  # one ©, the same in every Western code page
    "frictionless__data__table-infer-iso-8859-7.csv": "iso8859_7",  # Greek names: Λευναδας ...
    "frictionless__data__table-with-accents.csv": "cp1252",  # French: Année
    "messytables__horror__characters.csv": "big5",
    # UTF-8 with a few bytes from another program ("George\x89\xdb\xaas"): cells holding them are not compared
    "messytables__horror__211.csv": "utf-8-mixed",  # Traditional Chinese (Taiwan tourist spots)
    "messytables__horror__spanish_chars.csv": "cp1252",  # Spanish: Descripción, diseño
    "sheetjs__2011__apachepoi_45538_form_Header.xls.0.csv": "cp1252",  # ¥ sign
    "sheetjs__2011__apachepoi_AverageTaxRates.xlsx.0.csv": "cp1252",  # € and £ signs
    "sheetjs__2011__pyExcelerator_P-0508-0000507647-3280-5298.xls.0.csv": "cp1250",  # Slovak: Šafárika, Košiciach
    "sheetjs__2011__roo_paragraph.xlsx.0.csv": "cp1252",  # ¶ sign
    "sheetjs__2011__xlrd_Formate.xls.0.csv": "cp1252",  # German: Äcker, Österreich
}

#: Answers judged by hand where the simple rule (first filled row is the header) or the
#: references are not what a person expects; each with its reason.
JUDGED: dict[str, dict[str, Any]] = {
    # Title rows above the column names (the references start at the title):
    "csvkit__examples__realdata__Datagov_FY10_EDU_recp_by_State.csv": {
        "header_row": 3, "why": "row 2 is a one-cell title above the column names"},
    "frictionless__data__issue-1024.xlsx": {
        "header_row": 12, "why": "rows 7-9 are a title block, rows 10-11 group labels over the column names of row 12"},
    "frictionless__data__issue-320.xlsx": {
        "header_row": 12, "why": "rows 7-9 are a title block, rows 10-11 group labels over the column names of row 12"},
    "messytables__horror__large.xlsx": {
        "header_row": 4, "why": "rows 1-2 are a title; row 4 labels the columns 'A'..'I' (row 5 the "
                                           "long names under them stays a data row)"},
    "messytables__horror__mixedGLB.csv": {
        "header_row": 4, "why": "rows 1-2 are a title, row 4 starts Year, Jan, Feb ..."},
    "sheetjs__2011__pyExcelerator_P-0508-0000507647-3280-5298.xls.0.csv": {
        "header_row": 4, "why": "row 1 is a title with a total, rows 2-3 are blank"},
    "pandas__salaries_comments.csv": {"header_row": 4, "why": "rows 1-3 are '#' comment lines"},
    "calamine__tests__pivots.xlsx": {
        "header_row": 3, "why": "row 1 is the pivot table's filter (Date: (Multiple Items)), row 3 its column labels"},
    "xlrd__tests__samples__corrupted_error.xls": {
        "header_row": 4, "why": "rows 1-2 are a price-list title and its date"},
    "calamine__tests__minimal_package.xlsx": {
        "header_row": 3, "rows": 193, "cells": {"3:1": "BKG_NUM"},
        "why": "row 1 is a title ('ARREST BOOKINGS for 01/30/17'), row 2 blank; the column names are row 3"},
    "calamine__tests__issue_530.xlsx": {
        "header_row": 1, "rows": 4, "sheet": "出勤分类组织汇总表", "cells": {"1:1": "报表导出人：", "5:3": "集团IT平台"},
        "why": "LibreOffice does not open it, calamine and Excel do: rows 1-3 are 'exported by', 'exported at' and "
               "'period' lines as wide as a two-column table, row 4 names the columns of the one data row; "
               "read from row 1, nothing left out (the user can choose row 4 as the header)"},
    # A value no reader shows alike:
    "pycalamine__tests__data__issue139.xlsx": {
        "cells": {"1:1": "date", "2:1": "2994626"},
        "why": "A2 is the number 2994626 formatted as a date after 9999-12-31, not an error cell: Excel shows "
               "####, LibreOffice 10099-01-01, openpyxl makes it #VALUE!; the number is kept"},
    # Not workbooks or tables at all:
    "calamine__tests__OOM_alloc3.xls": {
        "refused": "damaged", "why": "its OLE sector chain points past the end of the file; calamine and xlrd "
                                     "refuse it, LibreOffice falls back to showing the bytes as text"},
    "calamine__tests__too_small.xls": {
        "header_row": 1, "rows": 0, "cells": {"1:1": "Attachment f:\\attachcus\\arnold-j\\Summer trading shots.xls not found!"},
        "why": "a one-line text file named .xls (a mail gateway's note); LibreOffice opens it as text"},
}


class _Shown:
    """A cell that holds a value whose text readers write differently (a date, a number as
    LibreOffice displays it): it counts as filled, and is not compared."""

    def __repr__(self) -> str:
        return "<shown>"


SHOWN = _Shown()


def _number_text(value: float | int) -> str:
    """A number as addrmig writes a workbook number (integral without '.0')."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def _text_cells(row: list[Any]) -> list[tuple[int, str]]:
    """(column position, text) of a row's cells whose text a reference gives unambiguously."""
    found = []
    for position, value in enumerate(row):
        if isinstance(value, str):
            if value.strip() and "\ufffd" not in value:
                found.append((position, value))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            found.append((position, _number_text(value)))
    return found


def _filled(row: list[Any]) -> bool:
    return any(not (v is None or v == "") for v in row)


# ------------------------------------------------------------------ reference readers


def _read_text(path: Path) -> tuple[list[list[Any]], str]:
    data = path.read_bytes()
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ValueError("not a text table (NUL bytes)")
    if data.startswith(codecs.BOM_UTF8):
        text, encoding = data.decode("utf-8-sig"), "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = data.decode("utf-16"), "utf-16"
    elif ENCODINGS.get(path.name) == "utf-8-mixed":
        text, encoding = data.decode("utf-8", errors="replace"), "utf-8 (mixed)"
    elif path.name in ENCODINGS:
        encoding = ENCODINGS[path.name]
        text = data.decode(encoding)
    else:
        text, encoding = data.decode("utf-8"), "utf-8"
    sample = text[:64 * 1024]
    suffix = path.suffix.lower()
    if suffix == ".tsv":
        delimiter = "\t"
    elif suffix == ".psv":
        delimiter = "|"
    else:
        try:
            delimiter = csv.Sniffer().sniff("\n".join(sample.splitlines()[:50]), delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return rows, f"csv module ({encoding}, {delimiter!r})"


def _read_xlsx(path: Path) -> list[tuple[str, list[list[Any]]]]:
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=True, read_only=True)
    sheets = []
    for sheet in book.worksheets:
        # cells as written in the file, not a grid padded to a declared dimension
        sheet.reset_dimensions()
        rows: list[list[Any]] = []
        for row in sheet.iter_rows():
            cells = [c for c in row if getattr(c, "value", None) not in (None, "")]
            if not cells:
                continue
            number = cells[0].row
            values: list[Any] = [""] * max(c.column for c in cells)
            for cell in cells:
                values[cell.column - 1] = _xl_value(cell.value)
            rows += [[] for _ in range(number - 1 - len(rows))]
            rows.append(values)
        sheets.append((sheet.title, rows))
    return sheets


def _xl_value(value: Any) -> Any:
    if isinstance(value, str):
        # openpyxl leaves the escapes of XLSX text (_x000D_ for a carriage return) as written
        return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return SHOWN  # dates: formats differ between readers, not compared
    return value


def _read_xls(path: Path) -> list[tuple[str, list[list[Any]]]]:
    import xlrd

    book = xlrd.open_workbook(path, on_demand=True)
    sheets = []
    for name in book.sheet_names():
        sheet = book.sheet_by_name(name)
        rows = []
        for r in range(sheet.nrows):
            row = []
            for cell in sheet.row(r):
                if cell.ctype == xlrd.XL_CELL_ERROR:
                    row.append(xlrd.error_text_from_code.get(cell.value, "#ERR"))
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(SHOWN)
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    row.append(bool(cell.value))
                elif cell.ctype == xlrd.XL_CELL_EMPTY or cell.ctype == xlrd.XL_CELL_BLANK:
                    row.append("")
                else:
                    row.append(cell.value)
            rows.append(row)
        sheets.append((name, rows))
    return sheets


def _read_lo(path: Path, lo: Path) -> list[tuple[str, list[list[Any]]]]:
    stem = path.stem
    outputs = sorted(lo.glob(f"{stem}-*.csv"), key=lambda p: _sheet_order(path).get(p.stem[len(stem) + 1:], 1 << 20))
    if not outputs:
        raise ValueError("LibreOffice could not convert it")
    sheets = []
    for output in outputs:
        rows = [list(r) for r in csv.reader(io.StringIO(output.read_text(encoding="utf-8"), newline=""))]
        # LibreOffice writes numbers and dates as displayed: keep only plain text cells
        cleaned = [[v if v and not _looks_numeric(v) else (SHOWN if v else "") for v in r] for r in rows]
        sheets.append((output.stem[len(stem) + 1:], cleaned))
    return sheets


def _sheet_order(path: Path) -> dict[str, int]:
    """Sheet name -> position in the workbook (LibreOffice's file names do not tell the order):
    from content.xml for ODS, from calamine's list of names for the others."""
    import zipfile

    if path.suffix.lower() == ".ods":
        with zipfile.ZipFile(path) as archive:
            content = archive.read("content.xml").decode("utf-8")
        names = [html.unescape(n) for n in re.findall(r'<table:table table:name="([^"]*)"', content)]
    else:
        import python_calamine

        try:
            names = list(python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names)
        except Exception:  # noqa: BLE001 - no order known: alphabetical
            names = []
    return {name.replace("/", "_"): i for i, name in enumerate(names)}


def _looks_numeric(value: str) -> bool:
    stripped = value.strip().lstrip("+-$€£(").replace(",", "").replace(".", "").replace("%", "")
    return stripped[:1].isdigit() or value.strip().upper() in ("TRUE", "FALSE")


# ------------------------------------------------------------------ expectations


def expect_grid(rows: list[list[Any]], header_row: int | None = None) -> dict[str, Any] | None:
    """Header row, row count and a few cells of one grid (None when it holds no value); the
    header is the first filled row unless ``header_row`` (1-based) is given."""
    filled = [i for i, r in enumerate(rows) if _filled(r)]
    if not filled:
        return None
    header = filled[0] if header_row is None else header_row - 1
    data = [i for i in filled if i > header]
    cells: dict[str, str] = {}
    for position, text in _text_cells(rows[header])[:4]:
        cells[f"{header + 1}:{position + 1}"] = text
    for index in {data[0], data[len(data) // 2], data[-1]} if data else ():
        for position, text in _text_cells(rows[index])[:3]:
            cells[f"{index + 1}:{position + 1}"] = text
    return {"header_row": header + 1, "rows": len(data), "cells": cells}


def expect(path: Path, lo: Path | None) -> dict[str, Any]:
    suffix = path.suffix.lower()
    header_row = JUDGED.get(path.name, {}).get("header_row")
    try:
        if suffix in (".xlsx", ".xls", ".ods"):
            sheets, source = None, ""
            readers = {".xlsx": (_read_xlsx, "openpyxl"), ".xls": (_read_xls, "xlrd")}
            if suffix in readers:
                reader, source = readers[suffix]
                try:
                    sheets = reader(path)
                except Exception:  # noqa: BLE001 - any failure: LibreOffice is the next reference
                    sheets = None
            if sheets is not None and not any(expect_grid(rows) for _, rows in sheets) and lo is not None:
                try:
                    sheets, source = _read_lo(path, lo), "LibreOffice"  # e.g. strict OOXML, which openpyxl skips
                except ValueError:
                    pass
            if sheets is None:
                if lo is None:
                    raise ValueError("no reference reader opens it (LibreOffice outputs not given)")
                sheets, source = _read_lo(path, lo), "LibreOffice"
            for name, rows in sheets:
                found = expect_grid(rows)
                if found:
                    return {"sheet": name, **expect_grid(rows, header_row), "source": source}
            return {"refused": "empty", "source": source}
        if suffix == ".json":
            return _expect_json(path)
        rows, source = _read_text(path)
        found = expect_grid(rows, header_row)
        return {**found, "source": source} if found else {"refused": "empty", "source": source}
    except Exception as error:  # noqa: BLE001 - a reference failing is the finding
        return {"refused": "unreadable", "source": f"{type(error).__name__}: {str(error)[:120]}"}


def _expect_isolated(path: Path, lo: Path | None) -> dict[str, Any]:
    """``expect`` in a child process with capped memory and time: some of these files are
    built to make readers allocate without end."""
    import subprocess

    code = ("import json, resource, sys; resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30)); "
            f"sys.path.insert(0, {str(Path(__file__).parent)!r}); import wild_expected as w; "
            "from pathlib import Path; "
            "print(json.dumps(w.expect(Path(sys.argv[1]), Path(sys.argv[2]) if sys.argv[2] else None)))")
    try:
        child = subprocess.run([sys.executable, "-c", code, str(path), str(lo or "")], capture_output=True,
                               text=True, timeout=180)
        if child.returncode == 0:
            return json.loads(child.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        pass
    if lo is not None and path.suffix.lower() in (".xlsx", ".xls", ".ods"):
        for name, rows in _read_lo(path, lo):
            found = expect_grid(rows)
            if found:
                return {"sheet": name, **found, "source": "LibreOffice"}
    return {"refused": "unreadable", "source": "the reference reader ran out of memory or time"}


def _expect_json(path: Path) -> dict[str, Any]:
    """A JSON list of flat objects is a table (header row 0, rows are items); anything else is not."""
    parsed = json.loads(path.read_text(encoding="utf-8-sig"))
    if not isinstance(parsed, list) or not all(isinstance(item, dict) for item in parsed) or any(
            isinstance(v, (dict, list)) for item in parsed for v in item.values()):
        return {"refused": "not a table", "source": "json module"}
    keys: dict[str, None] = {}
    for item in parsed:
        keys.update(dict.fromkeys(item))
    columns = list(keys)
    cells = {}
    for number in sorted({1, (len(parsed) + 1) // 2, len(parsed)}) if parsed else ():
        item = parsed[number - 1]
        for position, key in enumerate(columns[:3]):
            if isinstance(item.get(key), str) and item[key].strip():
                cells[f"{number}:{position + 1}"] = item[key]
    return {"header_row": 0, "rows": len(parsed), "header": columns[:6], "cells": cells, "source": "json module"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lo", type=Path, default=None, help="folder of LibreOffice CSV exports")
    args = parser.parse_args()
    folder = wild_folder()
    if folder is None:
        sys.exit("shared/data/wild/files was not found beside this checkout or any folder above it")
    expected = {}
    for path in sorted(folder.iterdir()):
        entry = _expect_isolated(path, args.lo)
        judged = JUDGED.get(path.name)
        if judged and "refused" in judged:
            entry = {"refused": judged["refused"], "why": judged["why"], "source": entry["source"]}
        elif judged:  # a judged reading replaces a reference's refusal (LibreOffice could not open it)
            entry = {key: value for key, value in {**entry, **judged}.items() if key != "refused"}
        expected[path.name] = entry
    OUT.write_text(json.dumps(expected, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(expected)} files")


if __name__ == "__main__":
    main()
