"""Workbook archives checked before any spreadsheet parser sees them: zip bombs (declared
size, compression ratio), XML entity tricks (a DOCTYPE in any XML part), and XLSX sheets
whose used range would make the reader allocate a huge grid."""
from __future__ import annotations

import codecs
import io
import re
import zipfile
import zlib

from addrmig.errors import FileTooLarge, UnreadableFile
from addrmig.i18n import _
from addrmig.io.cell_errors import may_hold_error_cell
from addrmig.io.table import HEADER_SCAN, Reading

#: A workbook member whose declared expansion is above this is checked for its ratio.
_RATIO_FLOOR = 8 * 1024 * 1024
#: How far into an XML part a DOCTYPE may hide (it must precede the root element).
_PROLOG_BYTES = 64 * 1024
_XML_TRICK = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
#: A worksheet part, wherever the package keeps it (xl/worksheets/ as Excel writes, or elsewhere).
_WORKSHEET_PART = re.compile(r"(^|[/\\])(worksheets[/\\])?[^/\\]*sheet[^/\\]*\.xml$", re.IGNORECASE)
#: A cell that holds something: its start tag is not self-closing (``<c r="XFD1" s="3"/>`` is
#: formatting only). Attribute values of a cell never hold "/" or ">".
_VALUE_CELL = re.compile(rb"<(?:\w+:)?c\b[^>/]*?\br=\"([A-Z]{1,3})(\d+)\"[^>/]*>")


def check_archive(data: bytes, kind: str, reading: Reading) -> set[str]:
    """Refuse zip bombs and XML entity tricks before any spreadsheet parser sees the file.

    Returns the worksheet parts of an XLSX holding error cells (``cell_errors`` reads them):
    the scan of each sheet's used range sees every cell anyway."""
    label, limits = reading.label, reading.limits
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnreadableFile(_("{label} is a damaged or truncated workbook ({error}). Export it again.").format(label=label, error=error)) from None
    with_errors: set[str] = set()
    with archive:
        infos = archive.infolist()
        total = sum(info.file_size for info in infos)
        if total > limits.max_inflated_bytes:
            raise limits.exceeded("max_inflated_bytes", total, _("of {label}").format(label=label))
        for info in infos:
            if info.file_size > _RATIO_FLOOR:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > limits.max_compression_ratio:
                    raise limits.exceeded("max_compression_ratio", ratio, _("of {label} (part {part})").format(label=label, part=info.filename))
        for info in infos:
            if kind == "xlsx" and _WORKSHEET_PART.search(info.filename) and _check_sheet_bounds(archive, info, reading):
                with_errors.add(info.filename)
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with archive.open(info) as member:
                    prolog = member.read(_PROLOG_BYTES)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError,
                    zlib.error) as error:
                raise UnreadableFile(_("{label} is damaged or truncated (part {filename}: {error}). Export it again, or open and "
                                       "save it in Excel/LibreOffice.").format(label=label, filename=info.filename, error=error)) from None
            if prolog.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                prolog = prolog.decode("utf-16", errors="ignore").encode("utf-8")
            if _XML_TRICK.search(prolog) or (len(prolog) == _PROLOG_BYTES and not _has_root(prolog)):
                raise UnreadableFile(_("{label} contains an XML document type declaration (part {filename}). Spreadsheet programs "
                                       "never write one; it is a known trick to make readers expand entities without end, so "
                                       "addrmig refuses the file. Open it in Excel/LibreOffice, save a new copy, and try that.").format(label=label, filename=info.filename))
    return with_errors


def _check_sheet_bounds(archive: zipfile.ZipFile, info: zipfile.ZipInfo, reading: Reading) -> bool:
    """Refuse a worksheet whose used range (from A1 to the last cell holding a value) would make
    the reader allocate a huge grid. Cells that are only formatted (LibreOffice and gnumeric
    style whole rows and columns out to AMJ or XFD) do not count: readers skip them. Returns
    whether the sheet may hold an error cell (``t="e"``)."""
    label, limits = reading.label, reading.limits
    last_row, last_column, tail = 0, 1, b""
    errors = False
    where = _("of {label} (sheet part {part})").format(label=label, part=info.filename)
    try:
        with archive.open(info) as member:
            while True:
                chunk = member.read(4 * 1024 * 1024)
                if not chunk:
                    break
                text = tail + chunk
                tail = text[-256:]
                errors = errors or may_hold_error_cell(text)
                for letters, row in _VALUE_CELL.findall(text):
                    last_row = max(last_row, int(row))
                    if len(letters) > 1:
                        last_column = max(last_column, _column_number(letters))
                if last_row > limits.max_rows + HEADER_SCAN + 1:
                    raise limits.exceeded("max_rows", last_row, where)
                if last_column > limits.max_columns + 100:
                    raise limits.exceeded("max_columns", last_column, where)
                if last_row * last_column > limits.max_cells:
                    raise limits.exceeded("max_cells", last_row * last_column, where)
    except FileTooLarge:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, zlib.error) as error:
        raise UnreadableFile(_("{label} is damaged or truncated (part {filename}: {error}). Export it again, or open and "
                               "save it in Excel/LibreOffice.").format(label=label, filename=info.filename, error=error)) from None
    return errors


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _has_root(prolog: bytes) -> bool:
    """Whether an element starts within the prolog (so no DOCTYPE can follow)."""
    return re.search(rb"<[A-Za-z_]", prolog) is not None
