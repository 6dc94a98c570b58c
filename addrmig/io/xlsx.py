"""XLSX written as a stream, for every workbook addrmig makes (the corrected file, the error
report, the review list): rows go into the sheet's XML a block at a time, built column by
column in Arrow, and out through ``addrmig.io.zipstream``.

Every text cell is an inline string (``t="inlineStr"``): a value starting with "=" stays
text, and "007", "+90 532…" or a 20-digit number are never read as numbers. The writer
only escapes what XML needs (``&``, ``<``, ``>``) and drops what XML cannot hold; the
values themselves are made spreadsheet-safe before, by ``addrmig.io.sanitise``.
Measured against openpyxl (write-only), XlsxWriter (``constant_memory``) and PyExcelerate
by ``benchmarks/bench_xlsx.py``.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from addrmig.io.zipstream import ZipStream

#: Cell styles (indexes into ``cellXfs`` of the styles part).
PLAIN, BOLD, RED, AMBER = 0, 1, 2, 3
#: The text a person reads when they hover over a commented cell is shown in a box of this size.
_COMMENT_BOX = "width:144pt;height:79pt"

_TEXT = pa.large_string()
_SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLE_ATTRIBUTE = ("", ' s="1"', ' s="2"', ' s="3"')

#: Bytes after which a value needs a closer look: "&", "<", ">" (escaped), and the first
#: byte of the characters XML cannot hold: C0 controls other than tab, line feed and
#: carriage return, and U+FFFE/U+FFFF (UTF-8 EF BF BE/BF).
_LOOK = np.zeros(256, dtype=bool)
_LOOK[[*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), ord("&"), ord("<"), ord(">"), 0xEF]] = True
#: XML white space: a value that starts or ends with it needs ``xml:space="preserve"``.
_XML_SPACE = np.zeros(256, dtype=bool)
_XML_SPACE[[0x20, 0x09, 0x0A, 0x0D]] = True
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})

_STYLES = (_HEADER + f'<styleSheet xmlns="{_SPREADSHEET}">'
           '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
           '<fills count="4"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
           '<fill><patternFill patternType="solid"><fgColor rgb="00FFC7CE"/><bgColor indexed="64"/></patternFill></fill>'
           '<fill><patternFill patternType="solid"><fgColor rgb="00FFE699"/><bgColor indexed="64"/></patternFill></fill>'
           '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
           '<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1"/>'
           '<xf numFmtId="0" fontId="0" fillId="3" borderId="0" xfId="0" applyFill="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def column_letter(index: int) -> str:
    """The spreadsheet's name of the 0-based column ``index``: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def text_array(values) -> pa.Array:
    """``values`` (a pandas Series of text, an Arrow array or a list of str) as one Arrow
    ``large_string`` array, missing values as ""."""
    if isinstance(values, pa.ChunkedArray):
        array = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    elif isinstance(values, pa.Array):
        array = values
    else:
        backing = getattr(getattr(values, "array", None), "_pa_array", None)
        array = backing if backing is not None else pa.array(values, type=_TEXT, from_pandas=True)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if array.type != _TEXT:
        array = array.cast(_TEXT)
    return array.fill_null("") if array.null_count else array


def _bytes_of(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, data) of a large_string array, as numpy views of its buffers."""
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[array.offset:array.offset + len(array) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    return offsets, data


def _xml_text(array: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(the values as XML character data, per value: it starts or ends with XML white
    space). Only the values holding a byte of ``_LOOK`` are changed, one by one."""
    offsets, data = _bytes_of(array)
    lengths = np.diff(offsets)
    filled = lengths > 0
    edges = np.zeros(len(array), dtype=bool)
    if filled.any():
        edges[filled] = (_XML_SPACE[data[offsets[:-1][filled]]] | _XML_SPACE[data[offsets[1:][filled] - 1]])
    found = np.flatnonzero(_LOOK[data[offsets[0]:offsets[-1]]]) if len(data) else np.zeros(0, np.int64)
    if not len(found):
        return array, edges
    positions = np.unique(np.searchsorted(offsets, found + offsets[0], side="right") - 1)
    before = array.take(pa.array(positions)).to_pylist()
    after = [_NOT_XML.sub("", value).translate(_ESCAPES) for value in before]
    mask = np.zeros(len(array), dtype=bool)
    mask[positions] = True
    array = pc.replace_with_mask(array, pa.array(mask), pa.array(after, type=_TEXT))
    kept = [value.strip(" \t\n\r") != value if value else False for value in after]
    edges[positions] = kept
    return array, edges


def _escape(value: str) -> str:
    return _NOT_XML.sub("", value).translate(_ESCAPES)


def _scalar(text: str) -> pa.Scalar:
    return pa.scalar(text, _TEXT)


class Sheet:
    """One worksheet being written: rows in ascending order, by ``append`` (one row of
    Python values) or ``write_rows`` (a block of rows, column by column)."""

    def __init__(self, write, number: int) -> None:
        self._write = write
        self.number = number
        #: The 1-based spreadsheet row the next ``append`` writes to.
        self.next_row = 1
        self.comments: list[tuple[int, int, str]] = []

    def skip_to(self, row: int) -> None:
        """Leave the rows before 1-based ``row`` empty: the next row written is ``row``."""
        if row < self.next_row:
            raise ValueError("rows must ascend, after the rows already written")
        self.next_row = row

    def append(self, values: Sequence[object], style: int | Sequence[int] = PLAIN) -> None:
        """One row at ``next_row``: str values as text cells, int values as numbers,
        None or "" as no cell; ``style`` for every cell of the row, or one per cell.
        ``append([])`` leaves the row empty."""
        row = self.next_row
        styles = [style] * len(values) if isinstance(style, int) else list(style)
        cells = []
        for index, (value, cell_style) in enumerate(zip(values, styles)):
            if value is None or value == "":
                continue
            start = f'<c r="{column_letter(index)}{row}"{_STYLE_ATTRIBUTE[cell_style]}'
            if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
                cells.append(f"{start}><v>{int(value)}</v></c>")
            else:
                text = str(value)
                space = ' xml:space="preserve"' if text != text.strip(" \t\n\r") else ""
                cells.append(f'{start} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>')
        if cells:
            self._write(f'<row r="{row}">{"".join(cells)}</row>'.encode())
        self.next_row = row + 1

    def write_rows(self, rows: np.ndarray, columns: Sequence[pa.Array | np.ndarray],
                   styles: Sequence[np.ndarray | None] | None = None) -> None:
        """A block of rows: ``rows`` their 1-based numbers (ascending, from ``next_row`` on),
        ``columns`` one per spreadsheet column from A: text (an Arrow ``large_string``
        array, "" for no cell) or whole numbers (a numpy integer array). ``styles``, per
        column, None or a per-row array of styles; a styled empty value is an empty styled cell."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return
        if rows[0] < self.next_row or (len(rows) > 1 and (np.diff(rows) <= 0).any()):
            raise ValueError("rows must ascend, after the rows already written")
        numbers = pc.cast(pa.array(rows), _TEXT)
        parts: list[pa.Array | pa.Scalar] = [_scalar('<row r="'), numbers, _scalar('">')]
        for index, values in enumerate(columns):
            style = styles[index] if styles is not None else None
            parts += self._cells(column_letter(index), numbers, values, style)
        parts.append(_scalar("</row>"))
        xml = pc.binary_join_element_wise(*parts, _scalar(""))
        offsets, data = _bytes_of(xml)
        self._write(memoryview(data)[int(offsets[0]):int(offsets[-1])])
        self.next_row = int(rows[-1]) + 1

    @staticmethod
    def _cells(letter: str, numbers: pa.Array, values: pa.Array | np.ndarray,
               style: np.ndarray | None) -> list[pa.Array | pa.Scalar]:
        """The parts of one column's cells, for the row join: empty where there is no cell."""
        if isinstance(values, np.ndarray):
            text = pc.cast(pa.array(values.astype(np.int64)), _TEXT)
            kinds, empty = np.full(len(values), 3, dtype=np.int8), np.zeros(len(values), dtype=bool)
        else:
            text, edges = _xml_text(values)
            empty = pc.equal(pc.binary_length(text), 0).to_numpy(zero_copy_only=False)
            kinds = np.where(empty, 2, edges.astype(np.int8))
        styled = style if style is not None else np.zeros(len(kinds), dtype=np.int8)
        skip = empty & (styled == PLAIN)
        # kind 0: text, 1: text to keep the white space of, 2: an empty styled cell, 3: a number
        openers = pa.array([f'"{s} t="inlineStr"><is><t>' for s in _STYLE_ATTRIBUTE]
                           + [f'"{s} t="inlineStr"><is><t xml:space="preserve">' for s in _STYLE_ATTRIBUTE]
                           + [f'"{s}/>' for s in _STYLE_ATTRIBUTE] + [f'"{s}><v>' for s in _STYLE_ATTRIBUTE],
                           type=_TEXT)
        closers = pa.array(["</t></is></c>", "</t></is></c>", "", "</v></c>"], type=_TEXT)
        codes = kinds.astype(np.int64) * 4 + styled
        if (codes == codes[0]).all():
            opener, closer = _scalar(openers[int(codes[0])].as_py()), _scalar(closers[int(kinds[0])].as_py())
        else:
            opener, closer = openers.take(pa.array(codes)), closers.take(pa.array(kinds.astype(np.int64)))
        start: pa.Array | pa.Scalar = _scalar(f'<c r="{letter}')
        reference: pa.Array | pa.Scalar = numbers
        if skip.all():
            return []
        if skip.any():
            keep = pa.array(~skip)
            start = pc.if_else(keep, start, _scalar(""))
            reference = pc.if_else(keep, numbers, _scalar(""))
            opener = pc.if_else(keep, opener, _scalar(""))
            closer = pc.if_else(keep, closer, _scalar(""))
        return [start, reference, opener, text, closer]

    def comment(self, row: int, column: int, text: str) -> None:
        """A note on the cell at 1-based ``row`` and 0-based ``column``, shown on hover."""
        self.comments.append((row, column, text))


class Workbook:
    """An XLSX workbook written to ``out`` (a binary file object) as it is made: sheets one
    after another (``with book.sheet(name) as sheet:``), then ``close()``. Use it as a
    context manager to close it."""

    def __init__(self, out: BinaryIO) -> None:
        self._zip = ZipStream(out)
        self._sheets: list[tuple[str, bool]] = []  # (name, has comments)
        self._shape_block = 1  # the next free block of 1024 comment shape ids

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()

    @contextmanager
    def sheet(self, name: str, *, large: bool = False) -> Iterator[Sheet]:
        """A new sheet called ``name``, written while the block runs. ``large`` when its XML
        may reach 4 GiB."""
        number = len(self._sheets) + 1
        with self._zip.member(f"xl/worksheets/sheet{number}.xml", large=large) as write:
            write((_HEADER + f'<worksheet xmlns="{_SPREADSHEET}" xmlns:r="{_RELATIONSHIPS}"><sheetData>').encode())
            sheet = Sheet(write, number)
            yield sheet
            write(b"</sheetData>" + (b'<legacyDrawing r:id="rId1"/>' if sheet.comments else b"") + b"</worksheet>")
        self._sheets.append((name, bool(sheet.comments)))
        if sheet.comments:
            self._write_comments(sheet)

    def _write_comments(self, sheet: Sheet) -> None:
        number = sheet.number
        listed = "".join(f'<comment ref="{column_letter(column)}{row}" authorId="0"><text><t xml:space="preserve">'
                         f"{_escape(text)}</t></text></comment>" for row, column, text in sheet.comments)
        self._zip.add(f"xl/comments{number}.xml", (
            _HEADER + f'<comments xmlns="{_SPREADSHEET}"><authors><author>addrmig</author></authors>'
            f"<commentList>{listed}</commentList></comments>").encode())
        # The legacy drawing (VML) Excel draws the comment boxes from: shape ids come in
        # blocks of 1024, each block named in the idmap.
        first_block, count = self._shape_block, len(sheet.comments) // 1024 + 1
        self._shape_block += count
        blocks = ",".join(str(first_block + k) for k in range(count))
        shapes = "".join(
            f'<v:shape id="_x0000_s{first_block * 1024 + k + 1}" type="#_x0000_t202" style="position:absolute;'
            f'margin-left:59.25pt;margin-top:1.5pt;{_COMMENT_BOX};z-index:{k + 1};visibility:hidden" '
            'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{column + 1}, 15, {max(row - 2, 0)}, 10, {column + 3}, 15, {max(row - 2, 0) + 4}, 4</x:Anchor>"
            f"<x:AutoFill>False</x:AutoFill><x:Row>{row - 1}</x:Row><x:Column>{column}</x:Column></x:ClientData>"
            "</v:shape>" for k, (row, column, _) in enumerate(sheet.comments))
        self._zip.add(f"xl/drawings/vmlDrawing{number}.vml", (
            '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel">'
            f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{blocks}"/></o:shapelayout>'
            '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
            '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
            f"{shapes}</xml>").encode())
        self._zip.add(f"xl/worksheets/_rels/sheet{number}.xml.rels", (
            _HEADER + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/vmlDrawing" Target="../drawings/vmlDrawing{number}.vml"/>'
            f'<Relationship Id="rId2" Type="{_RELATIONSHIPS}/comments" Target="../comments{number}.xml"/>'
            "</Relationships>").encode())

    def close(self) -> None:
        """Write the parts that list the sheets, and the archive's directory."""
        if not self._sheets:
            raise ValueError("a workbook needs at least one sheet")
        attribute = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
        sheets = "".join(f'<sheet name="{name.translate(attribute)}" sheetId="{n}" r:id="rId{n}"/>'
                         for n, (name, _) in enumerate(self._sheets, 1))
        self._zip.add("xl/workbook.xml", (
            _HEADER + f'<workbook xmlns="{_SPREADSHEET}" xmlns:r="{_RELATIONSHIPS}">'
            f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>").encode())
        count = len(self._sheets)
        links = "".join(f'<Relationship Id="rId{n}" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                        for n in range(1, count + 1))
        self._zip.add("xl/_rels/workbook.xml.rels", (
            _HEADER + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">{links}'
            f'<Relationship Id="rId{count + 1}" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
            "</Relationships>").encode())
        self._zip.add("xl/styles.xml", _STYLES.encode())
        self._zip.add("docProps/app.xml", (
            _HEADER + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>addrmig</Application></Properties>").encode())
        self._zip.add("docProps/core.xml", (
            _HEADER + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>addrmig</dc:creator>'
            "</cp:coreProperties>").encode())
        self._zip.add("_rels/.rels", (
            _HEADER + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_RELATIONSHIPS}/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>").encode())
        kind = "application/vnd.openxmlformats-officedocument"
        overrides = [("/xl/workbook.xml", f"{kind}.spreadsheetml.sheet.main+xml"),
                     ("/xl/styles.xml", f"{kind}.spreadsheetml.styles+xml"),
                     ("/docProps/app.xml", f"{kind}.extended-properties+xml"),
                     ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml")]
        for n, (_, commented) in enumerate(self._sheets, 1):
            overrides.append((f"/xl/worksheets/sheet{n}.xml", f"{kind}.spreadsheetml.worksheet+xml"))
            if commented:
                overrides.append((f"/xl/comments{n}.xml", f"{kind}.spreadsheetml.comments+xml"))
        self._zip.add("[Content_Types].xml", (
            _HEADER + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Default Extension="vml" ContentType="{kind}.vmlDrawing"/>'
            + "".join(f'<Override PartName="{part}" ContentType="{content}"/>' for part, content in overrides)
            + "</Types>").encode())
        self._zip.close()
