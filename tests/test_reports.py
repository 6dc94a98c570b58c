"""The error reports: CSV (one line per failure) and the highlighted XLSX workbook."""
from __future__ import annotations

import csv
import io

import pandas as pd
from openpyxl import load_workbook

from addrmig.fields import COLUMNS
from addrmig.report_files import write_report_csv, write_report_xlsx
from addrmig.validation import validate

GOOD = {"user": "C1", "email": "ali@example.com", "phone_number": "05321234567", "first_name": "Ali",
        "last_name": "Yılmaz", "title": "Ev", "line": "Atatürk Cad. No:1", "tax_office": "", "tax_no": "",
        "country": "Türkiye", "city": "İstanbul", "township": "Kadıköy", "district": "Caferağa Mah",
        "company_name": ""}
RED, AMBER = "00FFC7CE", "00FFE699"


def rows(*changes: dict[str, str], first_row: int = 2) -> pd.DataFrame:
    frame = pd.DataFrame([{**GOOD, "user": f"C{i}", **change} for i, change in enumerate(changes, 1)],
                         columns=list(COLUMNS), dtype="str")
    frame.index = pd.RangeIndex(first_row, len(frame) + first_row)
    return frame


def read_csv_report(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def workbook(frame: pd.DataFrame, **limits):
    return load_workbook(io.BytesIO(write_report_xlsx(frame, validate(frame), **limits)))


# --- CSV --------------------------------------------------------------------------------

def test_csv_report_has_one_line_per_failure_with_the_documented_columns():
    frame = rows({"email": "a@b", "city": " İstanbul"}, {"title": "t" * 130})
    lines = read_csv_report(write_report_csv(validate(frame)))
    assert [list(line) for line in lines][0] == ["row", "column", "value", "severity", "check", "message"]
    assert [(item["row"], item["column"], item["check"], item["severity"]) for item in lines] == [
        ("2", "email", "email", "error"), ("2", "city", "whitespace", "warning"), ("3", "title", "max_length", "error")]


def test_csv_report_keeps_turkish_letters_and_spaces():
    lines = read_csv_report(write_report_csv(validate(rows({"city": " İĞDIR ", "email": "şule@x"}))))
    assert {item["value"] for item in lines} == {"şule@x", " İĞDIR "}


def test_csv_report_starts_with_a_bom_so_excel_reads_utf8():
    assert write_report_csv(validate(rows({"email": "a@b"}))).startswith(b"\xef\xbb\xbf")


def test_csv_report_neutralises_cells_that_would_run_as_formulas():
    frame = rows({"line": '=HYPERLINK("http://evil.example","click")'}, {"company_name": "@SUM(A1)"},
                 {"title": "-2+3"}, {"tax_office": "+cmd"}, {"last_name": "\tx"}, {"first_name": "\rx"})
    values = [item["value"] for item in read_csv_report(write_report_csv(validate(frame)))]
    risky = [v for v in values if v.lstrip("'")[:1] in ("=", "@", "-", "+", "\t", "\r")]
    assert risky and all(v.startswith("'") for v in risky)
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in values


def test_csv_report_of_a_clean_frame_is_just_the_header():
    assert read_csv_report(write_report_csv(validate(rows({})))) == []


# --- XLSX -------------------------------------------------------------------------------

def test_xlsx_has_addresses_failures_and_summary_sheets():
    assert workbook(rows({"email": "a@b"})).sheetnames == ["Addresses", "Failures", "Summary"]


def test_xlsx_rows_sit_on_the_users_row_numbers():
    sheet = workbook(rows({}, {"email": "a@b"}))["Addresses"]
    assert [c.value for c in sheet[1]] == ["row", *COLUMNS]
    assert sheet["A3"].value == 3 and sheet["C3"].value == "a@b"


def test_xlsx_rows_follow_title_rows_and_skipped_lines():
    frame = rows({}, {"email": "a@b"}, first_row=4)
    frame.index = pd.Index([4, 7])  # header on row 3, blank lines 5-6 skipped by the reader
    sheet = workbook(frame)["Addresses"]
    assert [c.value for c in sheet[3]][:2] == ["row", "user"]
    assert sheet["A4"].value == 4 and sheet["A7"].value == 7 and sheet["C7"].value == "a@b"


def test_xlsx_fills_errors_red_and_warnings_amber_with_the_message_as_comment():
    sheet = workbook(rows({"email": "a@b", "city": " İstanbul"}))["Addresses"]
    email, city, user = sheet["C2"], sheet["L2"], sheet["B2"]
    assert email.fill.fgColor.rgb == RED and "e-mail" in email.comment.text
    assert city.fill.fgColor.rgb == AMBER and "trimming fixes this" in city.comment.text
    assert user.fill.fill_type is None and user.comment is None


def test_xlsx_cell_with_error_and_warning_is_red_and_lists_both():
    cell = workbook(rows({"email": " a@b"}))["Addresses"]["C2"]
    assert cell.fill.fgColor.rgb == RED
    assert cell.comment.text.count("\n") == 1 and "warning:" in cell.comment.text


def test_xlsx_stores_formula_like_values_as_prefixed_text():
    book = workbook(rows({"line": '=HYPERLINK("http://evil.example","click")', "company_name": "@x"}))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert book["Addresses"]["H2"].value == "'=HYPERLINK(\"http://evil.example\",\"click\")"


def test_xlsx_writes_values_with_control_characters():
    sheet = workbook(rows({"line": "Gül Sok.\x01No:1", "title": "a\nb"}))["Addresses"]
    assert sheet["H2"].value == "Gül Sok.\\x01No:1" and sheet["G2"].fill.fgColor.rgb == RED


def test_xlsx_failures_sheet_lists_every_failure():
    frame = rows({"email": "a@b", "city": " x"}, {"title": "t" * 200})
    sheet = workbook(frame)["Failures"]
    listed = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [(r[0], r[1], r[4]) for r in listed] == [(2, "email", "email"), (2, "city", "whitespace"),
                                                   (3, "title", "max_length")]


def test_xlsx_summary_counts_per_column_and_check():
    sheet = workbook(rows({"email": "a@b"}, {"email": "b@c", "city": " x"}))["Summary"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["rows", 2] and values[2][:2] == ["errors", 2]
    assert ["email", "email", 2, 0] in values and ["city", "whitespace", 0, 1] in values


def test_big_xlsx_report_limits_comments_and_says_so():
    frame = rows(*({"email": "a@b"} for _ in range(30)))
    book = workbook(frame, comment_limit=10)
    commented = [c for row in book["Addresses"].iter_rows() for c in row if c.comment is not None]
    assert len(commented) == 10
    notes = [row[0].value for row in book["Summary"].iter_rows() if row[0].value]
    assert any("Only the first 10 failing cells" in str(n) for n in notes)


def test_big_xlsx_report_keeps_only_failing_rows_and_says_so():
    frame = rows(*([{}] * 20 + [{"email": "a@b"}]))
    book = workbook(frame, all_rows_limit=10)
    sheet = book["Addresses"]
    assert [c.value for c in sheet[1]][0] == "row" and sheet["A2"].value == 22 and sheet.max_row == 2
    notes = " ".join(str(row[0].value) for row in book["Summary"].iter_rows() if row[0].value)
    assert "only the 1 rows with a problem" in notes


def test_big_xlsx_report_lists_the_first_failures_and_points_to_the_csv():
    frame = rows(*({"email": "a@b"} for _ in range(12)))
    book = workbook(frame, failure_limit=5)
    assert book["Failures"].max_row == 6
    notes = " ".join(str(row[0].value) for row in book["Summary"].iter_rows() if row[0].value)
    assert "lists the first 5 of 12 failures; the CSV report has them all" in notes


def test_empty_values_of_failing_cells_are_still_highlighted():
    cell = workbook(rows({"first_name": ""}))["Addresses"]["E2"]
    assert cell.value is None and cell.fill.fgColor.rgb == RED and "required" in cell.comment.text
