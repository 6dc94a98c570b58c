"""Workbooks as spreadsheet programs show them where calamine falls short: error cells keep their
text (``#N/A``, ``#DIV/0!``, ``Err:502`` …) and are flagged as cell errors, rows of error cells
stay, and XLS text that calamine misreads as single bytes (``T\\x00i\\x00t…``) reads right.

``error_cells.{xlsx,xls,ods}`` were made by LibreOffice from ``error_cells_source.tsv`` (its
formulas evaluated on import, then saved in each format); ``utf16_codepage_1254.xls`` is
``error_cells.xls`` with its CODEPAGE record changed from 1200 to 1254 (so its UTF-16 text
sits under a single-byte code page); ``utf16_biff5.xls`` is written by
``fixtures/build_utf16_biff5.py``.
"""
from __future__ import annotations

import importlib.util
import io
import struct
import zipfile
from pathlib import Path

import pytest

from addrmig.io import read_table
from addrmig.io.cell_errors import ErrorCell, ods_error_cells, put_error_cells, xlsx_error_cells
from addrmig.pipeline import load
from addrmig.validation import validate

FIXTURES = Path(__file__).parent / "fixtures"
WORKBOOKS = ["error_cells.xlsx", "error_cells.xls", "error_cells.ods"]
#: Row 6 of the fixtures: every cell a failed formula.
ERROR_ROW = ["#N/A", "#DIV/0!", "#REF!", "#NAME?", "#NUM!", "#VALUE!", "#N/A", "#DIV/0!", "#N/A", "#DIV/0!",
             "#N/A", "#DIV/0!", "#N/A", "#DIV/0!"]


def _child():
    spec = importlib.util.spec_from_file_location("sheet_child", Path(__file__).parents[1] / "addrmig" / "io" /
                                                  "sheet_child.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", WORKBOOKS)
def test_a_failed_lookup_shows_its_error_instead_of_an_empty_city(name):
    frame = read_table(FIXTURES / name).frame
    assert frame.loc[3, "city"] == "#N/A"
    assert frame.loc[4, "district"] == "#DIV/0!"
    assert frame.loc[5, "township"] == "#VALUE!"
    assert frame.loc[2, "city"] == "İstanbul"  # cells around them as they were


@pytest.mark.parametrize("name", WORKBOOKS)
def test_a_row_of_error_cells_is_kept(name):
    table = read_table(FIXTURES / name)
    assert list(table.frame.index) == [2, 3, 4, 5, 6, 7]
    expected = list(ERROR_ROW)
    if name.endswith(".ods"):
        expected[5] = "Err:502"  # LibreOffice's own code for SQRT(-1); in XLS/XLSX it writes #VALUE!
    assert table.frame.loc[6].tolist() == expected


@pytest.mark.parametrize("name", WORKBOOKS)
def test_error_cells_are_flagged_as_cell_errors(name):
    loaded = load(FIXTURES / name)
    failures = validate(loaded.frame).failures
    flagged = failures[failures["check"] == "cell_error"]
    assert {(3, "city"), (4, "district"), (5, "township")} <= set(zip(flagged["row"], flagged["column"], strict=True))
    assert set(flagged.loc[flagged["row"] == 6, "column"]) == set(loaded.frame.columns)
    assert "holds the spreadsheet error #N/A" in flagged.loc[flagged["row"] == 3, "message"].iloc[0]


def test_a_workbook_without_error_cells_reads_as_before():
    frame = read_table(FIXTURES / "addresses_small_text.xlsx").frame
    assert not frame.apply(lambda column: column.str.startswith("#")).to_numpy().any()


# ----------------------------------------------------------------- XLSX parts as writers write them


def _xlsx(sheet_xml: str) -> bytes:
    """The XLSX error_cells.xlsx with its sheet part replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(FIXTURES / "error_cells.xlsx") as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, sheet_xml.encode() if info.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


SHEET = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{}'
         '</sheetData></worksheet>')


def test_xlsx_error_cells_are_found_by_position_whatever_the_attribute_order():
    data = _xlsx(SHEET.format('<row r="2"><c t="e" r="C2"><f>1/0</f><v>#DIV/0!</v></c><c r="D2" t="e"/></row>'))
    assert xlsx_error_cells(data, {"xl/worksheets/sheet1.xml"}) == {"src": [ErrorCell(1, 2, "#DIV/0!")]}


def test_xlsx_error_cells_without_positions_follow_the_cells_before_them():
    data = _xlsx(SHEET.format('<row><c><v>1</v></c><c t="e"><v>#N/A</v></c></row>'
                              '<row r="5"><c r="B5"><v>2</v></c><c t="e"><v>#REF!</v></c></row>'))
    assert xlsx_error_cells(data, {"xl/worksheets/sheet1.xml"}) == {
        "src": [ErrorCell(0, 1, "#N/A"), ErrorCell(4, 2, "#REF!")]}


def test_xlsx_error_cells_are_found_across_read_chunks(monkeypatch):
    import addrmig.io.cell_errors as cell_errors

    rows = "".join(f'<row r="{r}"><c r="A{r}" t="e"><v>#N/A</v></c></row>' for r in range(1, 400))
    monkeypatch.setattr(cell_errors, "_CHUNK", 97)
    found = xlsx_error_cells(_xlsx(SHEET.format(rows)), {"xl/worksheets/sheet1.xml"})["src"]
    assert [cell.row for cell in found] == list(range(399))


def test_error_cells_past_the_grid_grow_it_and_repeated_ones_stop_at_its_edge():
    rows = [["a", "b"]]
    put_error_cells(rows, [ErrorCell(2, 1, "#N/A"), ErrorCell(0, 0, "#REF!", rows=10 ** 6, columns=10 ** 6)],
                    max_rows=100, max_columns=100)
    assert rows == [["#REF!", "#REF!"], ["#REF!", "#REF!"], ["#REF!", "#REF!"]]


def _ods(rows: str) -> bytes:
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0">'
        f'<office:body><office:spreadsheet><table:table table:name="S">{rows}</table:table></office:spreadsheet>'
        '</office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return out.getvalue()


def test_ods_text_cells_without_a_value_type_are_read_as_libreoffice_shows_them():
    data = _ods('<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell>'
                '<table:table-cell table:style-name="ce1"><text:p>no type</text:p></table:table-cell>'
                '</table:table-row>')
    assert ods_error_cells(data) == {"S": [ErrorCell(0, 1, "no type")]}


def test_an_ods_of_plain_cells_is_not_parsed_again(monkeypatch):
    import addrmig.io.cell_errors as cell_errors

    monkeypatch.setattr(cell_errors, "_ods_parsed", lambda member: pytest.fail("content.xml parsed"))
    data = _ods('<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell>'
                '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
                '<table:table-cell table:number-columns-repeated="3"/></table:table-row>')
    assert ods_error_cells(data) == {}


def test_ods_cells_calamine_skips_are_placed_where_libreoffice_shows_them():
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0">'
        '<office:body><office:spreadsheet><table:table table:name="S">'
        '<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/>'
        '<table:table-cell office:value-type="string" calcext:value-type="error"><text:p>#N/A</text:p>'
        '</table:table-cell></table:table-row>'
        '<table:table-row><table:covered-table-cell/><table:table-cell office:value-type="unknown" '
        'table:number-columns-repeated="2"><text:p>a<text:s text:c="2"/>b</text:p></table:table-cell>'
        '<table:table-cell office:value-type="void"><text:p>hidden</text:p></table:table-cell>'
        '<table:table-cell table:style-name="ce1"><text:p>no type</text:p></table:table-cell>'
        '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    assert ods_error_cells(out.getvalue()) == {
        "S": [ErrorCell(0, 3, "#N/A", rows=2), ErrorCell(2, 1, "a  b", columns=2), ErrorCell(2, 4, "no type")]}


# ----------------------------------------------------------------- UTF-16 text calamine misreads


@pytest.mark.parametrize("name", ["utf16_codepage_1254.xls", "utf16_biff5.xls"])
def test_xls_text_calamine_reads_as_single_bytes_is_read_right(name):
    table = read_table(FIXTURES / name)
    text = "".join(table.frame.columns) + "".join(table.frame.to_numpy().ravel()) + (table.sheet or "")
    assert "\x00" not in text and "\x01" not in text
    assert {"user", "city", "township", "district"} <= set(table.frame.columns)
    assert table.frame.loc[2, "city"] == "İstanbul" and table.frame.loc[2, "township"] == "Kadıköy"


def test_a_biff5_sheet_name_stored_as_utf16_reads_right():
    assert read_table(FIXTURES / "utf16_biff5.xls").sheet == "Müşteriler"


def test_xls_in_utf16_under_a_single_byte_code_page_keeps_its_error_cells():
    assert read_table(FIXTURES / "utf16_codepage_1254.xls").frame.loc[3, "city"] == "#N/A"


@pytest.mark.parametrize(("misread", "text"), [
    ("T\x00i\x00t\x00l\x00e\x00", "Title"),  # BIFF5: each byte read as a character
    ("^\x01e\x00h\x00i\x00r\x00", "Şehir"),  # UTF-16 decoded as Windows-1254
])
def test_utf16_read_as_single_bytes_is_decoded_again_when_xlrd_cannot_read_the_file(misread, text):
    assert _child()._utf16_text(misread) == text


def test_the_error_record_scan_finds_boolerr_and_cached_formula_errors():
    child = _child()
    boolerr = b"\x05\x02\x08\x00" + b"\x01\x00\x02\x00\x0f\x00" + b"\x2a\x01"
    formula = b"\x06\x00\x14\x00" + b"\x01\x00\x02\x00\x0f\x00" + b"\x02\x00\x07\x00\x00\x00\xff\xff" + b"\x00" * 6
    boolean = b"\x05\x02\x08\x00" + b"\x01\x00\x02\x00\x0f\x00" + b"\x01\x00"
    assert child._error_candidates(boolerr) == [0] and child._error_candidates(b"x" + formula) == [1]
    assert child._error_candidates(boolean) == []


def test_an_error_cell_nesting_spans_without_end_is_read_without_exhausting_recursion():
    depth = 50_000
    data = _ods('<table:table-row><table:table-cell calcext:value-type="error"><text:p>'
                + '<text:span>' * depth + '#N/A' + '</text:span>' * depth
                + '<text:s text:c="999999999"/></text:p></table:table-cell></table:table-row>')
    (cell,) = ods_error_cells(data)["S"]
    assert cell.text.startswith("#N/A") and len(cell.text) <= 10_004


def test_ods_rows_are_counted_the_same_by_the_row_scan_and_the_full_parse(monkeypatch):
    import addrmig.io.cell_errors as cell_errors

    data = (FIXTURES / "error_cells.ods").read_bytes()
    scanned = ods_error_cells(data)
    monkeypatch.setattr(cell_errors, "_CHUNK", 101)  # rows cut across many reads
    assert ods_error_cells(data) == scanned
    monkeypatch.setattr(cell_errors, "_ods_rows_scanned", lambda member: None)
    assert ods_error_cells(data) == scanned
    assert [cell.row for cell in scanned["src"]] == [2, 3, 4] + [5] * 14


def test_ods_rows_of_a_table_inside_a_cell_are_not_counted_as_the_sheets():
    data = _ods('<table:table-row><table:table-cell><table:table table:name="inner">'
                '<table:table-row><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row>'
                '</table:table></table:table-cell></table:table-row>'
                '<table:table-row><table:table-cell calcext:value-type="error"><text:p>#N/A</text:p>'
                '</table:table-cell></table:table-row>')
    assert ods_error_cells(data) == {"S": [ErrorCell(1, 0, "#N/A")]}



def _biff(*records: tuple[int, bytes]) -> bytes:
    return b"".join(struct.pack("<HH", kind, len(body)) + body for kind, body in records)


#: The bytes of a BoolErr record holding #N/A in cell B1, as they might also appear inside a text.
LOOKALIKE = b"\x05\x02\x08\x00" + b"\x00\x00\x01\x00\x0f\x00" + b"\x2a\x01"


def _workbook_stream(*sheet_records: tuple[int, bytes]) -> bytes:
    globals_ = _biff((0x0809, b"\x00\x06\x05\x00" + b"\x00" * 4), (0x0085, struct.pack("<IHB", 0, 0, 1) + b"S"),
                     (0x000A, b""))
    sheet = _biff((0x0809, b"\x00\x06\x10\x00" + b"\x00" * 4), *sheet_records)
    start = len(globals_)
    return globals_.replace(struct.pack("<IHB", 0, 0, 1), struct.pack("<IHB", start, 0, 1)) + sheet


def test_xls_bytes_that_look_like_an_error_record_inside_a_text_are_not_an_error_cell():
    label = struct.pack("<HHHH", 0, 0, 15, len(LOOKALIKE)) + LOOKALIKE
    stream = _workbook_stream((0x0204, label), (0x000A, b""))
    out = _child()._xls_repaired(stream, {"sheets": [("S", [["text"]])]}, 10 ** 6, 10 ** 3, 10 ** 8)
    assert out == {"sheets": [("S", [["text"]])]}


def test_xls_error_records_are_put_where_they_stand():
    stream = _workbook_stream((0x0205, LOOKALIKE[4:]), (0x000A, b""))
    out = _child()._xls_repaired(stream, {"sheets": [("S", [["text"]])]}, 10 ** 6, 10 ** 3, 10 ** 8)
    assert out == {"sheets": [("S", [["text", "#N/A"]])]}


def test_xls_error_records_cut_short_leave_the_sheet_as_calamine_read_it():
    stream = _workbook_stream((0x0204, struct.pack("<HHHH", 0, 0, 15, len(LOOKALIKE)) + LOOKALIKE))
    stream += b"\x05\x02\x08\x00\x00\x00"  # a BoolErr whose body the file lost
    out = _child()._xls_repaired(stream, {"sheets": [("S", [["text"]])]}, 10 ** 6, 10 ** 3, 10 ** 8)
    assert out == {"sheets": [("S", [["text"]])]}


def test_an_ods_read_in_pieces_is_not_taken_for_marked_where_a_piece_ends_inside_a_value_type(monkeypatch):
    import addrmig.io.cell_errors as cell_errors

    rows = "".join('<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p>'
                   '</table:table-cell></table:table-row>' for _ in range(200))
    data = _ods(rows)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read("content.xml")
    cut = content.index(b'office:value-type="') + len(b'office:value-type="')
    monkeypatch.setattr(cell_errors, "_CHUNK", cut)  # the first piece ends right after the attribute's quote
    monkeypatch.setattr(cell_errors, "_ods_rows_scanned", lambda member: pytest.fail("content.xml scanned"))
    assert ods_error_cells(data) == {}
