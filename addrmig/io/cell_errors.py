"""Error cells of XLSX and ODS workbooks (``#N/A``, ``#DIV/0!``, ``Err:502`` …) and ODS cells of a
value type calamine does not know (or of none), read from the workbook's XML.

python-calamine gives an error cell as "" (it has no way to return the error), so a city
filled by a failed lookup would look missing and a row of error cells would vanish. The
sheets holding such cells are found while the archive is checked anyway (XLSX: a ``t="e"``
cell in the sheet part) or by one scan of ``content.xml`` (ODS); only those are parsed here,
and their text is put into calamine's grid, where the ``cell_error`` check finds it. (XLS
error cells are read by xlrd in ``sheet_child``.)
"""
from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import unescape

_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class ErrorCell:
    """Text shown in a block of cells (0-based ``row``/``column``, ``rows`` x ``columns``: ODS
    repeats a cell or row instead of writing it again) that calamine reads as empty."""

    row: int
    column: int
    text: str
    rows: int = 1
    columns: int = 1


#: Sheet name -> its error cells.
ErrorCells = dict[str, list[ErrorCell]]


def put_error_cells(rows: list[list[Any]], cells: Iterable[ErrorCell], max_rows: int, max_columns: int) -> None:
    """Write ``cells`` into the grid ``rows`` (from A1), growing it for a cell past its end (up to
    ``max_rows`` x ``max_columns``); a repeated block is cut at the grid's edge, so a repeat
    count cannot blow the grid up."""
    cells = list(cells)
    for cell in cells:
        if cell.rows == cell.columns == 1 and cell.row < max_rows and cell.column < max_columns:
            rows.extend([] for _ in range(cell.row + 1 - len(rows)))
            row = rows[cell.row]
            row.extend("" for _ in range(cell.column + 1 - len(row)))
            row[cell.column] = cell.text
    width = max((len(r) for r in rows), default=0)
    for cell in cells:
        if cell.rows == cell.columns == 1:
            continue
        for row in rows[cell.row:cell.row + cell.rows]:
            row.extend("" for _ in range(min(cell.column + cell.columns, width) - len(row)))
            for column in range(cell.column, min(cell.column + cell.columns, width)):
                row[column] = cell.text


# ----------------------------------------------------------------- XLSX

def may_hold_error_cell(sheet_xml: bytes) -> bool:
    """Whether a piece of a worksheet part may hold an error cell (a type attribute ``t="e"``).
    A plain search (about 1 GB/s; a false "yes" only costs a parse); the single-quoted form is
    looked for only in a part whose attributes are single-quoted, as few writers make them."""
    if b't="e"' in sheet_xml:
        return True
    return b"='" in sheet_xml[:65536] and b"t='e'" in sheet_xml


#: An error cell with content (a self-closing one shows nothing): its attributes and content.
_XLSX_ERROR_CELL = re.compile(rb"<((?:\w+:)?)c\s(?=[^>]*\bt\s*=\s*[\"']e[\"'])([^>]*?)(?<!/)>(.*?)</\1c\s*>", re.DOTALL)
_XLSX_REFERENCE = re.compile(rb"\br\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d+)[\"']")
_XLSX_VALUE = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>([^<]*)</(?:\w+:)?v\s*>")


def xlsx_error_cells(data: bytes, parts: Iterable[str]) -> ErrorCells:
    """The error cells of the worksheet ``parts`` (archive member names) of an XLSX, by sheet name."""
    parts = set(parts)
    found: ErrorCells = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for sheet, part in _xlsx_sheet_parts(archive).items():
            if part in parts:
                found[sheet] = _xlsx_part_errors(archive, part)
    return found


def _xlsx_sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> archive member of its worksheet, from the workbook part and its relationships."""
    members = {_normal(name): name for name in archive.namelist()}
    workbook = members.get("xl/workbook.xml") or next(
        (name for key, name in members.items() if key.endswith("workbook.xml")), None)
    if workbook is None:
        return {}
    folder, base = posixpath.split(_normal(workbook))
    rels = members.get(_normal(posixpath.join(folder, "_rels", base + ".rels")))
    if rels is None:
        return {}
    targets = {}
    for element in ElementTree.fromstring(archive.read(rels)).iter():
        if _local(element.tag) == "Relationship" and element.get("Id") and element.get("Target"):
            target = element.get("Target", "").replace("\\", "/")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            targets[element.get("Id")] = members.get(_normal(posixpath.normpath(path)))
    sheets = {}
    for element in ElementTree.fromstring(archive.read(workbook)).iter():
        if _local(element.tag) != "sheet":
            continue
        rid = next((value for key, value in element.attrib.items() if _local(key) == "id"), None)
        if element.get("name") is not None and targets.get(rid):
            sheets[element.get("name")] = targets[rid]
    return sheets


def _xlsx_part_errors(archive: zipfile.ZipFile, part: str) -> list[ErrorCell]:
    """The error cells of one worksheet part: a scan for ``t="e"`` cells, which name their
    position (``r``) as every writer does; a full parse when one does not."""
    cells: list[ErrorCell] = []
    tail = b""
    with archive.open(part) as member:
        while True:
            chunk = member.read(_CHUNK)
            text, cut = tail + chunk, len(tail + chunk)
            if chunk:
                cut = text.rfind(b"row>") + 4  # after a row's tag: no cell straddles the cut
                if cut < 4:
                    tail = text
                    continue
            for attributes, content in _error_cells_in(text, cut):
                where = _XLSX_REFERENCE.search(attributes)
                value = _XLSX_VALUE.search(content)
                if where is None:
                    return _xlsx_parsed_errors(archive, part)
                if value is None or not value.group(1).strip():
                    continue
                cells.append(ErrorCell(int(where.group(2)) - 1, _column_index(where.group(1)),
                                       unescape(value.group(1).decode("utf-8", "replace"))))
            if not chunk:
                return cells
            tail = text[cut:]


def _error_cells_in(text: bytes, end: int) -> Iterable[tuple[bytes, bytes]]:
    """(attributes, content) of the error cells starting before ``end``: each ``t="e"`` found
    by a plain search, the cell around it matched from its "<" (a regex run over the whole
    sheet would try every tag)."""
    for mark in (b't="e"', b"t='e'"):
        start = 0
        while (hit := text.find(mark, start, end)) >= 0:
            found = _XLSX_ERROR_CELL.match(text, text.rfind(b"<", 0, hit))
            if found and found.start(2) <= hit < found.end(2):
                yield found.group(2), found.group(3)
                start = found.end()
            else:
                start = hit + 1


def _xlsx_parsed_errors(archive: zipfile.ZipFile, part: str) -> list[ErrorCell]:
    """The error cells of a worksheet part whose cells may not name their position: a row
    without ``r`` follows the one before, a cell without ``r`` the cell before it."""
    cells: list[ErrorCell] = []
    row = column = -1
    with archive.open(part) as member:
        for event, element in ElementTree.iterparse(member, events=("start", "end")):
            tag = _local(element.tag)
            if event == "start" and tag == "row":
                row = int(element.get("r")) - 1 if (element.get("r") or "").isdigit() else row + 1
                column = -1
            elif event == "end" and tag == "c":
                where = _XLSX_REFERENCE.search(f'r="{element.get("r", "")}"'.encode())
                column = _column_index(where.group(1)) if where else column + 1
                if element.get("t") == "e":
                    value = next((child.text for child in element if _local(child.tag) == "v"), None)
                    if value and value.strip():
                        cells.append(ErrorCell(int(where.group(2)) - 1 if where else row, column, value))
                element.clear()
            elif event == "end" and tag == "row":
                element.clear()
    return cells


def _column_index(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number - 1


def _normal(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").lower()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# ----------------------------------------------------------------- ODS

#: What sends an ODS to the parse, each searched for on its own (a literal start is fast to find):
#: an error cell, a value type calamine does not know, a text cell without a value type.
_ODS_MARKS = (re.compile(rb"value-type=\"error\""),
              re.compile(rb"office:value-type=\"(?!(?:float|percentage|currency|date|time|boolean|string|void)\")"),
              re.compile(rb"<table:table-cell(?:\s+(?!office:value-type)[\w:.-]+=\"[^\"]*\")*\s*>\s*<text:p"))
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
#: The value types calamine reads ("void": an empty cell). A cell of another type, an error (which
#: LibreOffice writes as an empty string with ``calcext:value-type="error"``) or a cell without a
#: value type shows its text in LibreOffice; calamine reads them as empty.
_ODS_KNOWN = frozenset({"float", "percentage", "currency", "date", "time", "boolean", "string", "void"})


def ods_error_cells(data: bytes) -> ErrorCells:
    """The cells of an ODS that show text calamine does not read (errors, unknown value types,
    text without a value type), by sheet name; nothing (after one scan of ``content.xml``) when
    there are none."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "content.xml" not in archive.namelist() or not _ods_marked(archive):
            return {}
        with archive.open("content.xml") as member:
            found = _ods_rows_scanned(member)
        if found is None:  # tables inside cells: rows are counted by a full parse
            with archive.open("content.xml") as member:
                found = _ods_parsed(member)
        return {name: cells for name, cells in found.items() if cells}


def _ods_marked(archive: zipfile.ZipFile) -> bool:
    """Whether ``content.xml`` holds a mark. A match in the last bytes read is not trusted (the
    value type after ``office:value-type="`` may not have been read yet): the next read, which
    repeats those bytes, decides."""
    tail = b""
    with archive.open("content.xml") as member:
        while True:
            chunk = member.read(_CHUNK)
            text = tail + chunk
            trusted = len(text) if not chunk else len(text) - 64
            if any((found := mark.search(text)) is not None and found.start() < trusted for mark in _ODS_MARKS):
                return True
            if not chunk:
                return False
            tail = text[-4096:]


_ODS_TOKEN = re.compile(rb"<table:table(?=[\s>/])([^>]*)>|</table:table>|<table:table-row(?=[\s>/])([^>]*)>"
                        rb"|</table:table-row>")
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="(\d+)"')
_ODS_NAMESPACES = re.compile(rb'xmlns:[\w.-]+="[^"]*"')
_ODS_ROOT = re.compile(rb"<(?![?!])[^>]*>")


def _ods_rows_scanned(member: Any) -> ErrorCells | None:
    """The cells to show, found without parsing the whole document: rows are counted from their
    tags, and only a row holding a mark is parsed. None for a document this cannot follow (tables
    inside cells, namespaces declared below the root)."""
    found: ErrorCells = {}
    sheet: str | None = None
    row = 0
    tail, namespaces, root = b"", b"", None
    while True:
        chunk = member.read(_CHUNK)
        text = tail + chunk
        if root is None:
            root = _ODS_ROOT.search(text)  # the document's first tag, once all of it has been read
            namespaces = b" ".join(_ODS_NAMESPACES.findall(root.group(0))) if root else b""
        cut = len(text) if not chunk else text.rfind(b"</table:table-row>") + len(b"</table:table-row>")
        if chunk and cut < len(b"</table:table-row>"):
            tail = text
            continue
        marks = sorted(m.start() for mark in _ODS_MARKS for m in mark.finditer(text, 0, cut))
        opened = None
        for token in _ODS_TOKEN.finditer(text, 0, cut):
            tag = token.group(0)
            if tag.startswith(b"<table:table-row"):
                if sheet is None:
                    continue
                if opened is not None:
                    return None  # a row inside a row: a table inside a cell
                repeat = _ODS_ROWS.search(token.group(2))
                count = max(int(repeat.group(1)), 1) if repeat else 1
                if tag.endswith(b"/>"):
                    row += count
                else:
                    opened = (token.start(), count)
            elif tag == b"</table:table-row>":
                if opened is None:
                    continue
                start, count = opened
                at = bisect_left(marks, start)
                if at < len(marks) and marks[at] < token.end():
                    try:
                        element = ElementTree.fromstring(b"<w " + namespaces + b">" + text[start:token.end()] + b"</w>")
                    except ElementTree.ParseError:
                        return None  # namespaces declared below the root, say: the full parse reads it
                    found.setdefault(sheet, []).extend(_row_cells(element[0], row, count))
                row += count
                opened = None
            elif tag.startswith(b"<table:table"):
                if sheet is not None:
                    return None
                name = _ODS_NAME.search(token.group(1))
                sheet, row = html.unescape(name.group(1).decode("utf-8")) if name else "", 0
                if tag.endswith(b"/>"):
                    sheet = None
            else:
                sheet = None
        if not chunk:
            return found
        tail = text[cut:]


def _ods_parsed(member: Any) -> ErrorCells:
    """The cells to show, from a full parse of ``content.xml`` (rows of tables inside cells skipped)."""
    found: ErrorCells = {}
    sheet: str | None = None
    nested = 0  # depth of tables inside cells (sub-tables), whose rows are not the sheet's
    row = 0
    table, table_row = f"{{{_TABLE}}}table", f"{{{_TABLE}}}table-row"
    for event, element in ElementTree.iterparse(member, events=("start", "end")):
        tag = element.tag
        if tag == table:
            if event == "start":
                if sheet is None:
                    sheet, row = element.get(f"{{{_TABLE}}}name", ""), 0
                else:
                    nested += 1
            elif nested:
                nested -= 1
            else:
                sheet = None
                element.clear()
        elif tag == table_row and event == "end" and sheet is not None and not nested:
            count = _repeat(element, "number-rows-repeated")
            found.setdefault(sheet, []).extend(_row_cells(element, row, count))
            row += count
            element.clear()
    return found


def _row_cells(element: ElementTree.Element, row: int, rows: int) -> list[ErrorCell]:
    """The cells of a table row (repeated ``rows`` times) whose text LibreOffice shows and calamine does not."""
    cells = []
    column = 0
    cell, covered = f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"
    for child in element:
        if child.tag not in (cell, covered):
            continue
        repeat = _repeat(child, "number-columns-repeated")
        kind = child.get(f"{{{_OFFICE}}}value-type")
        shown = child.get("{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}value-type")
        if shown == "error" or (kind not in _ODS_KNOWN and (kind is not None or child.tag == cell)):
            text = "\n".join(_paragraph_text(p) for p in child if p.tag == f"{{{_TEXT}}}p")
            if text:
                cells.append(ErrorCell(row, column, text, rows, repeat))
        column += repeat
    return cells


def _repeat(element: ElementTree.Element, attribute: str) -> int:
    value = element.get(f"{{{_TABLE}}}{attribute}", "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    """A text:p's text as shown: ``text:s`` is spaces, ``text:tab`` a tab, ``text:line-break`` a line
    break. Walked with a stack, so a crafted file nesting spans deeply cannot exhaust recursion."""
    out: list[str] = []
    stack: list[tuple[ElementTree.Element, bool]] = [(paragraph, False)]
    while stack:
        element, done = stack.pop()
        if done:
            if element is not paragraph and element.tail:
                out.append(element.tail)
            continue
        if element.tag == f"{{{_TEXT}}}s":
            count = element.get(f"{{{_TEXT}}}c", "1")
            out.append(" " * (min(int(count), 10_000) if count.isdigit() else 1))
        elif element.tag == f"{{{_TEXT}}}tab":
            out.append("\t")
        elif element.tag == f"{{{_TEXT}}}line-break":
            out.append("\n")
        elif element.text:
            out.append(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    return "".join(out)
