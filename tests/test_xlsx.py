"""The XLSX files addrmig writes (``addrmig.io.xlsx``) read back as exactly the CSV's values in
calamine, openpyxl and (where it is installed) LibreOffice: text cells only, formulas inert.

openpyxl reads a cell's XML as it is and leaves the ST_Xstring escapes (``_x000D_`` for a
carriage return, ``_x005F_`` for an underscore starting such a pattern) to its caller:
``openpyxl_rows`` decodes them as Excel, LibreOffice and calamine do. XML cannot hold the
C0 control characters other than tab, line feed and carriage return, nor U+FFFE/U+FFFF:
the expected values are the CSV's without them.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import python_calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from addrmig.fields import COLUMNS
from addrmig.io import save_table, write_table
from addrmig.io.xlsx import BOLD, RED, Workbook, column_letter
from addrmig.report_files import write_report_xlsx
from addrmig.validation import validate

AWKWARD = ["007", "+90 532 000 00 00", "00000000000000000012", "12345678901234567890", "1e5", "1.0", "TRUE",
           "=1+1", '=HYPERLINK("http://x.example","y")', "@SUM(A1)", "-2+3", "+cmd", "\t=x", "'quoted",
           "İstanbul Çağlayan Şişli ğüöı", "a\x01b", "x\ufffey", "_x0041_", "_x005F_", "a_x00e9_b", "", " ", "   ",
           "\t", "\n", " lead", "trail ", "a\rb", "\r", "a\r\nb", "a\nb", "a&b<c>d]]>", '"', "😀", "\u202e", "\u00a0"]
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def frame_of(values: list[str], columns: int = len(COLUMNS)) -> pd.DataFrame:
    """A frame holding every value in every column, shifted a row per column; a last row
    with a value in each column keeps the sheet's size."""
    names = list(COLUMNS)[:columns]
    rows = [[values[(r + c) % len(values)] for c in range(columns)] for r in range(len(values))]
    return pd.DataFrame(rows + [["end"] * columns], columns=names, dtype="str")


def trimmed(rows: list[list[str]]) -> list[list[str]]:
    """Rows without empty cells at their ends, and without empty rows at the end."""
    rows = [list(row) for row in rows]
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def csv_rows(frame: pd.DataFrame) -> list[list[str]]:
    """The CSV file's values, as a CSV reader gives them, less what XML cannot hold."""
    reader = csv.reader(io.StringIO(write_table(frame, "csv").decode("utf-8"), newline=""))
    return trimmed([[XML_ILLEGAL.sub("", v) for v in row] for row in reader])


def calamine_rows(data: bytes, sheet: int = 0, text_only: bool = True) -> list[list[str]]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = book.get_sheet_by_index(sheet).to_python(skip_empty_area=False)
    for row in rows:
        assert all(isinstance(v, str) for v in row) or not text_only, row  # text cells, never numbers
    return trimmed(rows)


def openpyxl_rows(data: bytes, sheet: int = 0) -> list[list[str]]:
    book = load_workbook(io.BytesIO(data))
    rows = []
    for row in book.worksheets[sheet].iter_rows():
        for cell in row:
            assert cell.data_type in ("s", "n") and not isinstance(cell.value, (int, float)), cell
        rows.append(["" if c.value is None else XSTRING_ESCAPE.sub(lambda m: chr(int(m[1], 16)), c.value)
                     for c in row])
    return trimmed(rows)


def libreoffice_rows(data: bytes, folder: Path) -> list[list[str]]:
    """The first sheet as LibreOffice saves it to CSV (UTF-8, every field as shown in the cell)."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    source = folder / "book.xlsx"
    source.write_bytes(data)
    subprocess.run([office, "--headless", "--norestore", f"-env:UserInstallation=file://{folder}/profile",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,false,false,false,false",
                    "--outdir", str(folder), str(source)], check=True, capture_output=True, timeout=180)
    with open(folder / "book.csv", encoding="utf-8", newline="") as handle:
        return trimmed(list(csv.reader(handle)))


# --- the corrected file -----------------------------------------------------------------------------------

def test_corrected_xlsx_reads_back_in_calamine_as_the_csv_reads():
    frame = frame_of(AWKWARD)
    assert calamine_rows(write_table(frame, "xlsx")) == csv_rows(frame)


def test_corrected_xlsx_reads_back_in_openpyxl_as_the_csv_reads():
    frame = frame_of(AWKWARD)
    assert openpyxl_rows(write_table(frame, "xlsx")) == csv_rows(frame)


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
def test_corrected_xlsx_reads_back_in_libreoffice_as_the_csv_reads(tmp_path):
    frame = frame_of(AWKWARD)
    # LibreOffice's cells break lines with "\n" only: it keeps a lone "\r" but makes "\r\n" one "\n".
    expected = [[v.replace("\r\n", "\n") for v in row] for row in csv_rows(frame)]
    assert libreoffice_rows(write_table(frame, "xlsx"), tmp_path) == expected


texts = st.one_of(st.sampled_from(AWKWARD), st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
                  st.lists(st.sampled_from(AWKWARD + ["_x", "x", "0", "_"]), max_size=4).map("".join))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(texts, min_size=3, max_size=3), min_size=1, max_size=8))
def test_any_corrected_xlsx_reads_back_in_calamine_and_openpyxl_as_the_csv_reads(rows):
    frame = pd.DataFrame(rows + [["end"] * 3], columns=["user", "line", "extra"], dtype="str")
    data = write_table(frame, "xlsx")
    assert calamine_rows(data) == openpyxl_rows(data) == csv_rows(frame)


def test_corrected_xlsx_holds_no_formula_and_no_number():
    data = write_table(frame_of(AWKWARD), "xlsx")
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<v>" not in sheet
    assert len(re.findall(r"<c ", sheet)) == len(re.findall(r't="inlineStr"', sheet))


def test_a_table_of_object_values_is_written_as_their_text():
    frame = pd.DataFrame({"user": ["C1", None, 7], "line": [np.nan, "x", 1.5]}, dtype=object)
    assert calamine_rows(write_table(frame, "xlsx")) == [["user", "line"], ["C1"], ["", "x"], ["7", "1.5"]]


def test_an_empty_table_is_a_header_row():
    frame = pd.DataFrame({c: [] for c in COLUMNS}, dtype="str")
    assert calamine_rows(write_table(frame, "xlsx")) == [list(COLUMNS)]


class Unseekable(io.RawIOBase):
    """A pipe-like binary stream: it takes bytes and cannot go back."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data) -> int:
        self.data += bytes(data)
        return len(data)


def test_a_table_saved_to_a_stream_that_cannot_seek_has_the_same_cells(tmp_path):
    frame = frame_of(AWKWARD)
    stream = Unseekable()
    save_table(frame, stream, "xlsx")
    assert zipfile.ZipFile(io.BytesIO(bytes(stream.data))).testzip() is None
    assert calamine_rows(bytes(stream.data)) == openpyxl_rows(bytes(stream.data)) == csv_rows(frame)


def test_the_same_table_gives_the_same_bytes(tmp_path):
    frame = frame_of(AWKWARD)
    save_table(frame, tmp_path / "out.xlsx", "xlsx")
    assert (tmp_path / "out.xlsx").read_bytes() == write_table(frame, "xlsx")


def test_every_member_of_the_archive_passes_its_checksum():
    book = zipfile.ZipFile(io.BytesIO(write_table(frame_of(AWKWARD), "xlsx")))
    assert book.testzip() is None
    assert {"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/styles.xml"} <= set(
        book.namelist())


def test_a_sheet_written_with_zip64_sizes_reads_back(monkeypatch):
    import addrmig.io.write as writing

    monkeypatch.setattr(writing, "_ZIP64_FROM", 0)
    frame = frame_of(AWKWARD)
    data = write_table(frame, "xlsx")
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml").extra  # the ZIP64 field
    assert calamine_rows(data) == openpyxl_rows(data) == csv_rows(frame)


def test_a_table_written_in_several_blocks_equals_one_written_at_once(monkeypatch):
    import addrmig.io.write as writing

    frame = frame_of(AWKWARD)
    whole = write_table(frame, "xlsx")
    monkeypatch.setattr(writing, "XLSX_CHUNK_ROWS", 7)
    assert calamine_rows(write_table(frame, "xlsx")) == calamine_rows(whole)


# --- the writer ---------------------------------------------------------------------------------------------

def book_of(write) -> bytes:
    out = io.BytesIO()
    with Workbook(out) as book:
        write(book)
    return out.getvalue()


def test_column_letters_run_past_z():
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_rows_of_a_block_must_ascend_after_the_rows_written():
    def write(book):
        with book.sheet("s") as sheet:
            sheet.append(["a"])
            with pytest.raises(ValueError):
                sheet.write_rows(np.array([1]), [pa.array(["x"], type=pa.large_string())])
            with pytest.raises(ValueError):
                sheet.write_rows(np.array([3, 3]), [pa.array(["x", "y"], type=pa.large_string())])
    book_of(write)


def test_whole_numbers_are_number_cells_and_styles_reach_their_cells():
    def write(book):
        with book.sheet("s") as sheet:
            sheet.append(["name", "count"], BOLD)
            sheet.write_rows(np.array([2, 4]), [pa.array(["a", ""], type=pa.large_string()), np.array([5, 7])],
                             [np.array([RED, RED], dtype=np.int8), None])
    sheet = load_workbook(io.BytesIO(book_of(write))).active
    assert sheet["A1"].font.b and sheet["B1"].font.b and not sheet["A2"].font.b
    assert sheet["B2"].value == 5 and sheet["B4"].value == 7 and sheet["A3"].value is None
    assert sheet["A2"].fill.fgColor.rgb == "00FFC7CE" and sheet["A4"].fill.fgColor.rgb == "00FFC7CE"
    assert sheet["A4"].value is None  # an empty styled cell


def test_sheet_names_and_order_are_kept():
    def write(book):
        for name in ("Addresses", "Failures & more", "Summary"):
            with book.sheet(name) as sheet:
                sheet.append([name])
    assert load_workbook(io.BytesIO(book_of(write))).sheetnames == ["Addresses", "Failures & more", "Summary"]


# --- the error report and the review list -------------------------------------------------------------------

GOOD = {"user": "C1", "email": "ali@example.com", "phone_number": "05321234567", "first_name": "Ali",
        "last_name": "Yılmaz", "title": "Ev", "line": "Atatürk Cad. No:1", "tax_office": "", "tax_no": "",
        "country": "Türkiye", "city": "İstanbul", "township": "Kadıköy", "district": "Caferağa Mah",
        "company_name": ""}


def test_report_with_more_comments_than_one_block_of_shapes_opens_with_each(tmp_path):
    frame = pd.DataFrame([{**GOOD, "email": f"bad{i}"} for i in range(1500)], dtype="str")
    frame.index = pd.RangeIndex(2, 1502)
    data = write_report_xlsx(frame, validate(frame), comment_limit=1200)
    sheet = load_workbook(io.BytesIO(data))["Addresses"]
    assert sum(1 for row in sheet.iter_rows() for c in row if c.comment is not None) == 1200
    vml = zipfile.ZipFile(io.BytesIO(data)).read("xl/drawings/vmlDrawing1.vml").decode()
    assert 'data="1,2"' in vml and vml.count("<v:shape ") == 1200


def test_report_values_read_back_in_calamine_as_the_report_rule_gives_them():
    from addrmig.io.sanitise import xlsx_text

    values = [v for v in AWKWARD if "\r" not in v]  # XML reads a carriage return as a line feed, as before
    frame = pd.DataFrame([{**GOOD, "line": v} for v in values], dtype="str")
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    rows = calamine_rows(write_report_xlsx(frame, validate(frame)), text_only=False)
    assert [row[0] for row in rows[1:]] == [float(n) for n in frame.index]  # the row numbers are numbers
    # as before, a literal "_x0041_" is not escaped in the report (a reader decodes it), and the
    # writer drops what XML cannot hold (U+FFFE here)
    expected = [XSTRING_ESCAPE.sub(lambda m: chr(int(m[1], 16)), XML_ILLEGAL.sub("", xlsx_text(v, report=True)))
                for v in values]
    assert [row[7] if len(row) > 7 else "" for row in rows[1:]] == expected


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
def test_report_opens_in_libreoffice(tmp_path):
    frame = pd.DataFrame([{**GOOD, "email": "a@b"}, GOOD], dtype="str")
    frame.index = pd.RangeIndex(2, 4)
    rows = libreoffice_rows(write_report_xlsx(frame, validate(frame)), tmp_path)
    assert rows[0] == ["row", *COLUMNS] and rows[1][:3] == ["2", "C1", "a@b"]
