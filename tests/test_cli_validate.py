"""``python -m addrmig validate``: summary, exit codes and reports, run as a user would."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from addrmig.fields import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"

GOOD = {"user": "C1", "email": "ali@example.com", "phone_number": "05321234567", "first_name": "Ali",
        "last_name": "Yılmaz", "title": "Ev", "line": "Atatürk Cad. No:1", "tax_office": "", "tax_no": "",
        "country": "Türkiye", "city": "İstanbul", "township": "Kadıköy", "district": "Caferağa Mah",
        "company_name": ""}


def addrmig(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "addrmig", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def write_csv(path: Path, *changes: dict[str, str]) -> Path:
    frame = pd.DataFrame([{**GOOD, "user": f"C{i}", **c} for i, c in enumerate(changes, 1)], columns=list(COLUMNS))
    frame.to_csv(path, index=False)
    return path


def test_clean_file_exits_0_and_says_so(tmp_path):
    result = addrmig("validate", write_csv(tmp_path / "clean.csv", {}, {}))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2 rows checked: 2 without errors, 0 with errors")


def test_warnings_alone_exit_0(tmp_path):
    result = addrmig("validate", write_csv(tmp_path / "spaces.csv", {"line": "Atatürk Cad. No:1  "}))
    assert result.returncode == 0, result.stderr
    assert "line: 1 whitespace warning" in result.stdout
    assert "Akinon would accept every row as it stands." in result.stdout


def test_a_place_akinon_does_not_hold_as_written_is_a_refusal_even_without_errors(tmp_path):
    result = addrmig("validate", write_csv(tmp_path / "place.csv", {}, {"township": "Kadikoy"}))
    assert result.returncode == 1, result.stderr
    assert "Akinon would refuse 1 row as they stand: 0 with a missing or too long value, 1 with a place" in result.stdout


def test_fail_on_refused_lets_problems_akinon_accepts_pass(tmp_path):
    path = write_csv(tmp_path / "email.csv", {"email": "not-an-email"})
    assert addrmig("validate", path).returncode == 1
    result = addrmig("validate", path, "--fail-on", "refused")
    assert result.returncode == 0, result.stdout
    assert "1 more row has problems Akinon accepts but addrmig advises fixing" in result.stdout


def test_a_header_only_file_has_no_address_rows_and_exits_1(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    for command in (["validate", path], ["fix", path, "-o", tmp_path / "out.csv"]):
        result = addrmig(*command)
        assert result.returncode == 1, result.stderr
        assert "no address rows" in result.stdout


def test_dev_sample_exits_1_with_errors_per_column():
    result = addrmig("validate", FIXTURES / "addresses_dev.csv")
    assert result.returncode == 1, result.stderr
    assert "5,000 rows checked: 4,715 without errors, 285 with errors" in result.stdout
    for line in ("user: 28 required errors", "email: 89 email errors", "first_name: 51 required errors",
                 "title: 62 max_length errors", "line: 55 max_length errors, 34 formula warnings"):
        assert line in result.stdout


def test_missing_input_exits_2_without_a_traceback(tmp_path):
    result = addrmig("validate", tmp_path / "nope.csv")
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr


def test_unknown_report_format_exits_2(tmp_path):
    result = addrmig("validate", write_csv(tmp_path / "a.csv", {}), "--report", tmp_path / "r.pdf")
    assert result.returncode == 2 and ".csv or .xlsx" in result.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_report_csv_lists_every_problem(tmp_path):
    source = write_csv(tmp_path / "a.csv", {"email": "a@b"}, {"line": "=1+1"})
    result = addrmig("validate", source, "--report", tmp_path / "problems.csv")
    assert result.returncode == 1, result.stderr
    lines = list(csv.DictReader(io.StringIO((tmp_path / "problems.csv").read_text("utf-8-sig"))))
    assert [(item["row"], item["column"], item["check"], item["value"]) for item in lines] == [
        ("2", "email", "email", "a@b"), ("3", "line", "formula", "'=1+1")]


def test_report_xlsx_highlights_the_users_rows(tmp_path):
    source = write_csv(tmp_path / "a.csv", {}, {"email": "a@b"})
    result = addrmig("validate", source, "--report", tmp_path / "problems.xlsx")
    assert result.returncode == 1, result.stderr
    sheet = load_workbook(tmp_path / "problems.xlsx")["Addresses"]
    assert sheet["C3"].value == "a@b" and sheet["C3"].comment is not None


def test_semicolon_cp1254_file_reads_with_given_encoding():
    result = addrmig("validate", FIXTURES / "addresses_small_excel_tr.csv", "--encoding", "cp1254")
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("79 rows checked")


def test_sheet_option_reads_that_sheet():
    book = load_workbook(FIXTURES / "addresses_small_text.xlsx", read_only=True)
    result = addrmig("validate", FIXTURES / "addresses_small_text.xlsx", "--sheet", book.sheetnames[0])
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("79 rows checked")
