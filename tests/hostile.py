"""Generators of broken and hostile input files, shared by the CLI/library and the app tests.

Nothing bulky is committed: every file is built in memory here. ``CORPUS`` lists
one case per hostile input of issue 8 with what a correct outcome looks like, so
the library tests (test_hostile_files.py) and the app tests (test_app_hostile.py)
walk the same files.
"""
from __future__ import annotations

import io
import os
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

HEADER = ["user", "email", "first_name", "last_name", "line", "country", "city", "township"]
ROW = ["C1", "a@b.c", "Ali", "Veli", "Sok 1", "Türkiye", "İstanbul", "Kadıköy"]
CSV = (",".join(HEADER) + "\n" + ",".join(ROW) + "\n").encode()
#: The bidi / RTL / emoji / combining row of the Unicode case.
UNICODE_ROW = ["C1", "a@b.c", "😀 Ali", "\u202eVeli\u202c", "שלום مرحبا", "Türkiye", "e\u0301\u0327", "Kadıköy"]
#: The formula-like row of the formula case.
FORMULA_ROW = ["C1", "=1+1", '=HYPERLINK("http://x")', "+90 532", "-2", "@SUM(A1)", "İstanbul", "Kadıköy"]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    """``data`` written to ``tmp_path/name``; returns the path."""
    path = tmp_path / name
    path.write_bytes(data)
    return path


def xlsx(rows: list[list[str]], notes_first: bool = False) -> bytes:
    """A workbook holding ``rows`` (after a 'Notes' sheet when ``notes_first``), as bytes."""
    book = openpyxl.Workbook()
    sheet = book.active
    if notes_first:
        sheet.title = "Notes"
        sheet.append(["Exported from the old shop on Monday"])
        sheet.append(["Do not edit the Data sheet by hand"])
        sheet = book.create_sheet("Data")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def replace_member(workbook: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The zip ``workbook`` with member ``name`` passed through ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, change(data) if info.filename == name else data)
    return out.getvalue()


def zip_with_bomb(workbook: bytes, name: str, inflated: int) -> bytes:
    """The workbook with member ``name`` replaced by ``inflated`` bytes of spaces, deflated.

    Deflate output repeats after a full flush, so the bomb is built by repeating one
    compressed block instead of compressing a gigabyte; the zip is laid out by hand.
    The CRC is left 0: a reader that checks it has already inflated everything.
    """
    members = []
    with zipfile.ZipFile(io.BytesIO(workbook)) as src:
        for info in src.infolist():
            if info.filename == name:
                continue
            data = src.read(info)
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append((info.filename, packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)))
    block = 1024 * 1024
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(b'<?xml version="1.0"?><worksheet><sheetData>') + packer.flush(zlib.Z_FULL_FLUSH)
    packed_block = packer.compress(b" " * block) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.compress(b"</sheetData></worksheet>") + packer.flush()
    count = inflated // block
    body = head + packed_block * count + tail
    members.append((name, body, 0, 44 + count * block + 24))
    out, central = io.BytesIO(), io.BytesIO()
    for filename, packed, crc, size in members:
        encoded = filename.encode()
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(packed), size, len(encoded), 0))
        out.write(encoded + packed)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(packed), size,
                                  len(encoded), 0, 0, 0, 0, 0, offset))
        central.write(encoded)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central.getvalue()), start, 0))
    return out.getvalue()


def billion_laughs(data: bytes) -> bytes:
    """Sheet XML with a nine-level entity expansion declared and used in one cell."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol;" if n == 1 else f"&lol{n - 1};") * 10}">' for n in range(1, 10))
    doctype = f"<!DOCTYPE worksheet [{entities}]>".encode()
    at = data.index(b"<worksheet")
    return data[:at] + doctype + data[at:].replace(b"<sheetData>", b"<sheetData><row r=\"9\"><c r=\"A9\" t=\"inlineStr\"><is><t>&lol9;</t></is></c></row>", 1)


def far_cell_xlsx(reference: str) -> bytes:
    """A small workbook whose last cell claims to sit at ``reference`` (e.g. ``XFD2``)."""
    return replace_member(xlsx([HEADER, ROW]), "xl/worksheets/sheet1.xml",
                          lambda xml: xml.replace(b'r="H2"', f'r="{reference}"'.encode()))


def mutated(path: Path, seed: int) -> bytes:
    """The file with a few bytes changed, reproducibly (seed 25 of the XLS sample makes calamine abort)."""
    rng = random.Random(seed)
    data = bytearray(path.read_bytes())
    for _ in range(rng.randint(1, 20)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def csv_line(values: list[str]) -> str:
    """One CSV line with every value quoted (quotes doubled)."""
    return ",".join('"' + v.replace('"', '""') + '"' for v in values)


def formula_xlsx() -> bytes:
    """A workbook whose 'line' cell holds the text ``=1+1`` (a string cell, not a formula)."""
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(ROW[:4] + ["=1+1"] + ROW[5:])
    book.active["E2"].data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------- the corpus
@dataclass(frozen=True)
class Case:
    """One hostile input: a file name, how to build its bytes, and what a correct outcome is.

    ``refusal`` is a fragment the refusal message must hold (None: the file must be read);
    ``rows`` the number of data rows a correct read gives.
    """

    id: str
    name: str
    build: Callable[[], bytes]
    refusal: str | None = None
    rows: int = 1


CORPUS: list[Case] = [
    Case("empty", "empty.csv", lambda: b"", refusal="is empty"),
    Case("random_bytes", "random.csv", lambda: bytes(range(256)) * 20 + os.urandom(4096), refusal="not a text table"),
    Case("random_xlsx", "random.xlsx", lambda: b"\x13\x07" + os.urandom(4096), refusal="not a valid .xlsx workbook"),
    Case("picture", "photo.xlsx", lambda: b"\x89PNG\r\n\x1a\n" + os.urandom(2048), refusal="PNG image"),
    Case("truncated_xlsx", "cut.xlsx", lambda: (lambda d: d[: len(d) * 2 // 3])(xlsx([HEADER, ROW])),
         refusal="damaged or truncated"),
    Case("zip_bomb", "bomb.xlsx",
         lambda: zip_with_bomb(xlsx([HEADER, ROW]), "xl/worksheets/sheet1.xml", 1100 * 1024 * 1024),
         refusal="ADDRMIG_MAX_INFLATED_BYTES"),
    Case("entity_expansion", "laughs.xlsx",
         lambda: replace_member(xlsx([HEADER, ROW]), "xl/worksheets/sheet1.xml", billion_laughs),
         refusal="document type declaration"),
    Case("json_object", "wrapped.json", lambda: b'{"addresses": [{"user": "C1"}]}', refusal="JSON object"),
    Case("json_nested", "nested.json", lambda: b'[{"user": "C1"}, {"user": "C2", "address": {"city": "Izmir"}}]',
         refusal="item 2"),
    Case("not_json", "broken.json", lambda: b'[\n {"user": "C1",,}\n]', refusal="line 2"),
    Case("ragged_rows", "ragged.csv", lambda: CSV + b"C2,x,y\n", rows=2),
    Case("unclosed_quote", "quote.csv", lambda: CSV + b'C2,"a@b.c,Ali,Veli,Sok,T,I,K\n' + CSV.split(b"\n")[1] + b"\n",
         refusal="never closed"),
    Case("nul_bytes", "nul.csv", lambda: CSV + b"C2,a\x00b,x,y,z,t,u,v\n", refusal="NUL"),
    Case("mixed_encodings", "mixed.csv",
         lambda: CSV + "C2,a@b.c,Şule,Çelik,Sok,Türkiye,İzmir,Buca\n".encode("cp1254"), rows=2),
    Case("ten_mb_field", "huge.csv", lambda: CSV + b"C2,a@b.c," + b"x" * 10_000_000 + b",V,S,T,I,K\n",
         refusal="ADDRMIG_MAX_FIELD_CHARS"),
    Case("ten_thousand_columns", "wide.csv",
         lambda: (",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("v" for _ in range(10_000)) + "\n").encode(),
         refusal="ADDRMIG_MAX_COLUMNS"),
    Case("unicode", "unicode.csv", lambda: (",".join(HEADER) + "\n" + ",".join(UNICODE_ROW) + "\n").encode()),
    Case("formula_csv", "formula.csv", lambda: (",".join(HEADER) + "\n" + csv_line(FORMULA_ROW) + "\n").encode()),
    Case("formula_xlsx", "formula.xlsx", formula_xlsx),
    # openpyxl writes a "#N/A" value as an error cell (t="e"): a row of failed formulas stays a row
    Case("error_cells_row", "errors.xlsx", lambda: xlsx([HEADER, ROW, ["#N/A", "#REF!"] * (len(HEADER) // 2)]),
         rows=2),
    Case("notes_sheet_first", "two.xlsx", lambda: xlsx([HEADER, ROW], notes_first=True)),
    Case("title_rows", "titled.csv", lambda: b"Address export\nGenerated 2024-01-01,by admin\n\n" + CSV),
    Case("sep_line", "sep.csv", lambda: b"sep=;\n" + CSV.replace(b",", b";")),
]
