"""XLSX, XLS and ODS: the sheet with the addresses read into a ``Table`` of text.

python-calamine parses every format. XLSX and ODS archives are checked first
(``addrmig.io.archive``); XLS and ODS are parsed in a child process
(``addrmig.io.sheet_child``) so that a reader that aborts cannot take the app down.
Without a chosen sheet, the first sheet whose header names enough address fields is read
(else the first sheet holding a value).
"""
from __future__ import annotations

import datetime as _dt
import io
import pickle
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pandas as pd

from addrmig.columns import find_header, header_score
from addrmig.errors import BadArguments, FileTooLarge, UnreadableFile
from addrmig.fields import REQUIRED
from addrmig.i18n import _
from addrmig.io.archive import check_archive
from addrmig.io.cell_errors import ErrorCells, ods_error_cells, put_error_cells, xlsx_error_cells
from addrmig.io.table import HEADER_SCAN, Reading, Table, check_field_lengths, drop_empty_rows, unique_headers

#: Formats parsed in a child process: a crafted XLS or ODS can make the reader abort the
#: whole process (a Rust allocation failure cannot be caught), which must not take the app
#: down with it. XLSX is checked before parsing instead (``addrmig.io.archive``).
ISOLATED_FORMATS = ("xls", "ods")
_CHILD = Path(__file__).with_name("sheet_child.py")
_CHILD_MEMORY = 3 * 1024 ** 3


def read_workbook(data: bytes, kind: str, reading: Reading) -> Table:
    """A workbook of ``kind`` (xlsx, xls or ods) as a ``Table``: ``reading.sheet`` or the
    first sheet with address columns, from ``reading.header_row`` or the detected header."""
    label, limits, notes = reading.label, reading.limits, reading.notes
    sheet, header_row = reading.sheet, reading.header_row
    error_parts: set[str] = set()
    if kind in ("xlsx", "ods"):
        error_parts = check_archive(data, kind, reading)
    ods_cells = None
    if kind == "ods":
        # content.xml is scanned in a thread while the child process parses the workbook
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="addrmig-ods-cells") as pool:
            ods_cells = pool.submit(ods_error_cells, data)
            names, get_rows = _isolated_sheets(data, kind, reading)
    elif kind in ISOLATED_FORMATS:
        names, get_rows = _isolated_sheets(data, kind, reading)
    else:
        names, get_rows = _inprocess_sheets(data, kind, reading)
    get_rows = _with_error_cells(get_rows, data, kind, error_parts, ods_cells, reading)
    if not names:
        raise UnreadableFile(_("{label} has no sheets. Export the addresses again.").format(label=label))
    if sheet is not None and sheet not in names:
        raise BadArguments(_("{label} has no sheet named {sheet}; its sheets are: {names}.").format(label=label, sheet=repr(sheet), names=', '.join(names)))

    chosen: tuple[str, list[list[Any]], int, int, str] | None = None
    fallback: tuple[str, list[list[Any]], int, int, str] | None = None
    for candidate in ([sheet] if sheet is not None else names):
        rows = get_rows(candidate)
        note = ""
        if header_row is not None:
            index, score = header_row - 1, header_score(rows[header_row - 1]) if len(rows) >= header_row else 0
        else:
            guess = find_header([[_cell_text(c) for c in r] for r in rows[:HEADER_SCAN]])
            index, score, note = guess.index, guess.score, guess.note
        entry = (candidate, rows, index, score, note)
        if sheet is not None or score >= min(3, len(REQUIRED)):
            chosen = entry
            break
        if fallback is None or (not _holds_values(fallback[1]) and _holds_values(rows)):
            fallback = entry
    if chosen is None:
        chosen = fallback
    assert chosen is not None
    sheet_name, rows, index, _width, header_note = chosen
    others = [n for n in names if n != sheet_name]
    if sheet is None and len(names) > 1:
        notes.append(_("Read sheet {sheet}; the workbook also has {others}.").format(sheet=repr(sheet_name), others=', '.join(repr(n) for n in others)))
    if not rows or index >= len(rows) or (header_row is None and not _holds_values(rows)):
        raise UnreadableFile(_("Sheet {sheet_name} of {label} is empty. Choose the sheet with the addresses.").format(sheet_name=repr(sheet_name), label=label))
    header = [_cell_text(c) for c in rows[index]]
    # drop empty columns at the right edge that only formatting made part of the sheet
    width = len(header)
    while width and not header[width - 1].strip() and all(
            width - 1 >= len(r) or _cell_text(r[width - 1]) == "" for r in rows[index + 1:]):
        width -= 1
    if width > limits.max_columns:
        raise limits.exceeded("max_columns", width, _("of sheet {sheet} of {label}").format(sheet=repr(sheet_name), label=label))
    if header_note:
        notes.append(header_note)
    column_names = unique_headers(header[:width])
    body = rows[index + 1:]
    columns = {name: [_cell_text(r[c]) if c < len(r) else "" for r in body]
               for c, name in enumerate(column_names)}
    frame = pd.DataFrame({n: pd.Series(v, dtype="str") for n, v in columns.items()}, columns=column_names)
    frame.index = pd.RangeIndex(index + 2, index + 2 + len(frame))
    frame = drop_empty_rows(frame, notes)
    check_field_lengths(frame, limits.max_field_chars + 1, reading)
    notes.insert(0, _("Read as {kind}, sheet {sheet}.").format(kind=kind.upper(), sheet=repr(sheet_name)))
    return Table(frame=frame, name="", format=kind, sheet=sheet_name, sheets=names, header_row=index + 1,
                 notes=notes)


def _with_error_cells(get_rows: Callable[[str], list[list[Any]]], data: bytes, kind: str, error_parts: set[str],
                      ods_cells: Future[ErrorCells] | None, reading: Reading) -> Callable[[str], list[list[Any]]]:
    """``get_rows`` with the text of the sheet's error cells (and, in ODS, of cells of a value
    type calamine does not know) put into its grid: calamine reads them as empty. ``ods_cells``:
    an ODS's cells, being found."""
    try:
        if kind == "xlsx" and error_parts:
            errors = xlsx_error_cells(data, error_parts)
        elif ods_cells is not None:
            errors = ods_cells.result()
        else:
            return get_rows
    except (ElementTree.ParseError, zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError):
        reading.notes.append(_("Error cells (such as #N/A) could not be told apart from empty cells in this workbook; a "
                               "formula that failed may show as an empty cell."))
        return get_rows
    if not errors:
        return get_rows
    limits = reading.limits

    def rows_with_errors(name: str) -> list[list[Any]]:
        rows = get_rows(name)
        put_error_cells(rows, errors.get(name, ()), limits.max_rows + HEADER_SCAN + 1, limits.max_columns + 100)
        return rows

    return rows_with_errors


def _holds_values(rows: list[list[Any]]) -> bool:
    return any(_cell_text(c) != "" for r in rows for c in r)


def _inprocess_sheets(data: bytes, kind: str, reading: Reading) -> tuple[list[str], Any]:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
    except BaseException as error:  # calamine raises its own types, and Rust panics are BaseException
        if not _is_parser_failure(error):
            raise
        raise _workbook_error(error, kind, reading.label) from None
    return names, lambda name: _sheet_rows(workbook, name, kind, reading)


def _isolated_sheets(data: bytes, kind: str, reading: Reading) -> tuple[list[str], Any]:
    """Every sheet's rows, parsed by calamine in a child process with capped memory."""
    label, limits = reading.label, reading.limits
    arguments = [str(max(_CHILD_MEMORY, 12 * len(data))), str(limits.max_rows + HEADER_SCAN + 1),
                 str(limits.max_columns + 100), str(limits.max_cells)]
    try:
        child = subprocess.run([sys.executable, "-I", str(_CHILD), *arguments], input=data,
                               capture_output=True, timeout=300)
    except subprocess.TimeoutExpired:
        raise UnreadableFile(_("{label} took too long to read as {kind}; it may be damaged. Open it in Excel or "
                               "LibreOffice, save it as .xlsx or CSV, and try again.").format(label=label, kind=kind.upper())) from None
    if child.returncode != 0 or not child.stdout:
        raise UnreadableFile(_("{label} could not be read as {kind}: the reader stopped on it, so it is damaged or built "
                               "to break readers. Open it in Excel or LibreOffice, save a new copy as .xlsx or CSV, and "
                               "try again.").format(label=label, kind=kind.upper()))
    result = pickle.loads(child.stdout)  # written by our own child, from plain values only
    if "error" in result:
        name, message = result["error"]
        raise _workbook_error(RuntimeError(message or name), kind, label)
    if "limit" in result:
        which, found, sheet = result["limit"]
        raise limits.exceeded(which, found, _("of sheet {sheet} of {label}").format(sheet=repr(sheet), label=label))
    sheets = dict(result["sheets"])
    return list(sheets), sheets.__getitem__


def _sheet_rows(workbook: Any, sheet: str, kind: str, reading: Reading) -> list[list[Any]]:
    label, limits = reading.label, reading.limits
    try:
        data = workbook.get_sheet_by_name(sheet)
        if data.height > limits.max_rows + HEADER_SCAN + 1:
            raise limits.exceeded("max_rows", data.height, _("of sheet {sheet} of {label}").format(sheet=repr(sheet), label=label))
        if data.width > limits.max_columns + 100:
            raise limits.exceeded("max_columns", data.width, _("of sheet {sheet} of {label}").format(sheet=repr(sheet), label=label))
        if data.height * data.width > limits.max_cells:
            raise limits.exceeded("max_cells", data.height * data.width, _("of sheet {sheet} of {label}").format(sheet=repr(sheet), label=label))
        # from A1, so list positions are the spreadsheet's own row numbers
        return data.to_python(skip_empty_area=False)
    except FileTooLarge:
        raise
    except BaseException as error:
        if not _is_parser_failure(error):
            raise
        raise _workbook_error(error, kind, label, sheet) from None


def _is_parser_failure(error: BaseException) -> bool:
    """Whether an exception from calamine means the file is bad (not Ctrl-C or exit)."""
    return not isinstance(error, (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError))


def _workbook_error(error: Exception, kind: str, label: str, sheet: str | None = None) -> UnreadableFile:
    text = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
    advice = _("The file may be damaged, truncated or password-protected: open it in Excel or LibreOffice, save a "
               "new copy (or export CSV), and try again.")
    if sheet:
        said = _("{label}, sheet {sheet} could not be read as {kind} ({text}).").format(
            label=label, sheet=repr(sheet), kind=kind.upper(), text=text)
    else:
        said = _("{label} could not be read as {kind} ({text}).").format(label=label, kind=kind.upper(), text=text)
    return UnreadableFile(f"{said} {advice}")


def _cell_text(value: Any) -> str:
    """A workbook cell as the text a person sees: integral numbers without '.0', dates as ISO."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.datetime):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return str(value)
    return str(value)
