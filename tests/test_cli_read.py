"""``python -m addrmig inspect`` and ``convert`` run as a user runs them."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from addrmig.fields import COLUMNS
from addrmig.io import read_table

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXPECTED = FIXTURES / "addresses_small.expected.csv"
EXPECTED_NUMBERS = FIXTURES / "addresses_small_numbers.expected.csv"
SAMPLES = sorted(p.name for p in FIXTURES.glob("addresses_small*") if "expected" not in p.name)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "addrmig", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("name", SAMPLES)
def test_convert_to_csv_gives_the_expected_file_byte_for_byte(tmp_path, name):
    output = tmp_path / "out.csv"
    result = cli("convert", str(FIXTURES / name), "-o", str(output))
    assert result.returncode == 0, result.stderr
    expected = EXPECTED_NUMBERS if "_numbers" in name else EXPECTED
    assert output.read_bytes() == expected.read_bytes()


def test_convert_with_bom_adds_only_the_bom(tmp_path):
    output = tmp_path / "out.csv"
    assert cli("convert", str(FIXTURES / "addresses_small_excel_tr.csv"), "-o", str(output), "--bom").returncode == 0
    assert output.read_bytes() == b"\xef\xbb\xbf" + EXPECTED.read_bytes()


def test_convert_to_xlsx_reads_back_as_the_expected_rows(tmp_path):
    output = tmp_path / "out.xlsx"
    assert cli("convert", str(FIXTURES / "addresses_small.json"), "-o", str(output)).returncode == 0
    expected = pd.read_csv(EXPECTED, dtype=str, keep_default_na=False)
    assert read_table(output).frame.reset_index(drop=True).equals(expected)


def test_convert_to_json_writes_akinon_field_names_and_nulls(tmp_path):
    output = tmp_path / "out.json"
    assert cli("convert", str(FIXTURES / "addresses_small_tr_headers.csv"), "-o", str(output)).returncode == 0
    rows = json.loads(output.read_text(encoding="utf-8"))
    assert len(rows) == 79 and list(rows[0]) == list(COLUMNS)
    assert rows[0]["phone_number"] is None and rows[0]["user"] == "C4279348"


def test_convert_with_missing_required_columns_writes_them_empty_and_exits_1(tmp_path):
    source = tmp_path / "partial.csv"
    source.write_text("email,Ad\na@b.c,Ali\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    result = cli("convert", str(source), "-o", str(output))
    assert result.returncode == 1
    assert "user" in result.stderr and "Traceback" not in result.stderr
    frame = pd.read_csv(output, dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(COLUMNS)
    assert frame.loc[0, "email"] == "a@b.c" and frame.loc[0, "user"] == ""


def test_convert_to_an_unknown_extension_exits_2(tmp_path):
    result = cli("convert", str(FIXTURES / "addresses_small.csv"), "-o", str(tmp_path / "out.txt"))
    assert result.returncode == 2
    assert ".csv, .xlsx or .json" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out.txt").exists()


def test_convert_of_a_missing_file_exits_2_with_the_path(tmp_path):
    result = cli("convert", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "out.csv"))
    assert result.returncode == 2
    assert "nope.csv" in result.stderr and "Traceback" not in result.stderr


def test_inspect_prints_what_was_detected_and_the_mapping():
    result = cli("inspect", str(FIXTURES / "addresses_small_excel_tr.csv"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in ("format:      csv", "encoding:    cp1254", "delimiter:   ;", "header row:  1", "rows:        79"):
        assert expected in out
    assert re.search(r"^  user +->  user +100% exact$", out, re.MULTILINE)


def test_inspect_shows_confidence_unknown_columns_and_sheets():
    result = cli("inspect", str(FIXTURES / "addresses_small_tr_headers.csv"))
    assert result.returncode == 0
    assert re.search(r"^  Müşteri Kodu +->  user +90% synonym$", result.stdout, re.MULTILINE)
    assert "unknown columns:          Notlar" in result.stdout
    sheets = cli("inspect", str(FIXTURES / "addresses_small_text.xlsx")).stdout
    assert "sheets: addresses_small_text" in sheets


def test_inspect_with_missing_required_fields_exits_1_and_names_them(tmp_path):
    source = tmp_path / "partial.csv"
    source.write_text("email,Ad\na@b.c,Ali\n", encoding="utf-8")
    result = cli("inspect", str(source))
    assert result.returncode == 1
    assert "missing required fields:  user, last_name, line, country, city, township" in result.stdout


def test_inspect_with_a_wrong_sheet_name_exits_2_and_lists_the_sheets():
    result = cli("inspect", str(FIXTURES / "addresses_small_text.ods"), "--sheet", "Nope")
    assert result.returncode == 2
    assert "addresses_small_text" in result.stderr and "Traceback" not in result.stderr


def test_inspect_with_a_forced_wrong_encoding_exits_2():
    result = cli("inspect", str(FIXTURES / "addresses_small_excel_tr.csv"), "--encoding", "utf-8")
    assert result.returncode == 2
    assert "line 2" in result.stderr and "Traceback" not in result.stderr
