"""Formula injection: cells starting with = + - @ tab or CR.

Every report a person opens in a spreadsheet (validation CSV/XLSX, the places review
CSV/XLSX, the app's downloads) neutralises them with a leading apostrophe; the
corrected XLSX keeps the user's value as a text cell (never a formula); the
corrected CSV keeps the user's value unchanged and the check flags it.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from addrmig.cli import main
from addrmig.fields import COLUMNS
from addrmig.io import read_table, write_table
from addrmig.report_files import write_report_csv, write_report_xlsx
from addrmig.validation import validate

ROOT = Path(__file__).resolve().parent.parent
RISKY = ["=1+1", '=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]
STARTS = ("=", "+", "-", "@", "\t", "\r")
GOOD = {"user": "C1", "email": "a@b.co", "first_name": "Ali", "last_name": "Veli", "line": "Sok 1",
        "country": "Türkiye", "city": "İstanbul", "township": "Kadıköy", "district": "Caferağa Mah"}


def risky_frame(column: str = "company_name") -> pd.DataFrame:
    rows = [{**dict.fromkeys(COLUMNS, ""), **GOOD, "user": f"C{n}", column: value} for n, value in enumerate(RISKY)]
    frame = pd.DataFrame(rows, columns=list(COLUMNS), dtype="str")
    frame.index = pd.RangeIndex(2, len(rows) + 2)
    return frame


def risky_json(tmp_path: Path, column: str = "company_name") -> Path:
    """The risky values in a JSON input, so tab and CR reach the reader exactly as written."""
    path = tmp_path / "risky.json"
    path.write_text(json.dumps(risky_frame(column).to_dict("records"), ensure_ascii=False), encoding="utf-8")
    return path


def assert_csv_neutralised(data: bytes) -> list[str]:
    cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row]
    assert not [cell for cell in cells if cell.startswith(STARTS)]
    return cells


def assert_xlsx_neutralised(data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c for c in cells if c.data_type == "f"]
    values = [c.value for c in cells if isinstance(c.value, str)]
    assert not [v for v in values if v.startswith(STARTS)]
    return values


# ------------------------------------------------------------------ validation reports


def test_validation_csv_report_neutralises_every_dangerous_start():
    cells = assert_csv_neutralised(write_report_csv(validate(risky_frame())))
    assert {"'" + value for value in RISKY} <= set(cells)


def test_validation_xlsx_report_neutralises_every_dangerous_start_and_holds_no_formula():
    frame = risky_frame()
    values = assert_xlsx_neutralised(write_report_xlsx(frame, validate(frame)))
    assert "'=1+1" in values and "'@SUM(A1)" in values and "'-2+3" in values


# ------------------------------------------------------------------ the places review (fix --review)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_places_review_neutralises_every_dangerous_start(tmp_path, suffix):
    review = tmp_path / f"review.{suffix}"
    assert main(["fix", str(risky_json(tmp_path, "city")), "-o", str(tmp_path / "out.csv"),
                 "--review", str(review)]) == 1
    data = review.read_bytes()
    cells = assert_xlsx_neutralised(data) if suffix == "xlsx" else assert_csv_neutralised(data)
    assert "'=1+1" in cells and "'@SUM(A1)" in cells


# ------------------------------------------------------------------ the corrected file


def test_corrected_xlsx_keeps_each_risky_value_as_a_text_cell(tmp_path):
    book = load_workbook(io.BytesIO(write_table(risky_frame(), "xlsx")))
    sheet = book.worksheets[0]
    column = list(COLUMNS).index("company_name") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, len(RISKY) + 2)]
    assert [c.data_type for c in cells] == ["s"] * len(RISKY)
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert list(read_table(write_table(risky_frame(), "xlsx"), "x.xlsx").frame["company_name"]) == RISKY


def test_cli_convert_to_xlsx_writes_risky_values_as_text_cells(tmp_path):
    out = tmp_path / "out.xlsx"
    assert main(["convert", str(risky_json(tmp_path)), "-o", str(out)]) == 0
    sheet = load_workbook(out).worksheets[0]
    column = list(COLUMNS).index("company_name") + 1
    assert {sheet.cell(row=r, column=column).data_type for r in range(2, len(RISKY) + 2)} == {"s"}


def test_corrected_csv_keeps_the_users_value_and_validate_flags_each_one(tmp_path, capsys):
    out, report = tmp_path / "out.csv", tmp_path / "report.csv"
    assert main(["convert", str(risky_json(tmp_path)), "-o", str(out)]) == 0
    assert read_table(out).frame["company_name"].tolist() == RISKY
    main(["validate", str(out), "--report", str(report)])
    flagged = {(int(line["row"]), line["column"]) for line in csv.DictReader(
        io.StringIO(report.read_text(encoding="utf-8-sig"), newline=""))}
    assert {(row, "company_name") for row in range(2, len(RISKY) + 2)} <= flagged


def test_check_flags_each_risky_start_as_formula_or_control_character():
    failures = validate(risky_frame()).failures
    checks = failures[failures["column"] == "company_name"].groupby("row")["check"].apply(set)
    assert all(checks.loc[row] & {"formula", "control_chars"} for row in range(2, len(RISKY) + 2))
    assert checks.loc[2] >= {"formula"}


# ------------------------------------------------------------------ the app's downloads


def test_app_downloads_of_a_file_with_formulas_are_neutralised_or_text_cells(tmp_path):
    """The Check and Export pages build their downloads with these calls on the session's frame."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.file_uploader(key="upload_file").upload("risky.json", risky_json(tmp_path).read_bytes(), "application/json")
    at.run()
    at.switch_page("pages/check.py").run()
    at.switch_page("pages/export.py").run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Download") for label in labels)
    ws = at.session_state["workspace"]
    report = ws.report()
    assert_csv_neutralised(write_report_csv(report))
    assert_xlsx_neutralised(write_report_xlsx(ws.frame, report))
    split = ws.export_split(report)
    good, bad = split.send, split.later
    for part in (good, bad):
        sheet = load_workbook(io.BytesIO(write_table(part, "xlsx"))).worksheets[0]
        assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert sorted(ws.frame["company_name"]) == sorted(RISKY)
