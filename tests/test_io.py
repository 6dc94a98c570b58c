"""read_table / write_table / load on the sample files merchants' tools write."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from addrmig.fields import COLUMNS
from addrmig.io import read_table, write_table
from addrmig.pipeline import load

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = FIXTURES / "addresses_small.expected.csv"
EXPECTED_NUMBERS = FIXTURES / "addresses_small_numbers.expected.csv"
SAMPLES = sorted(p.name for p in FIXTURES.glob("addresses_small*") if "expected" not in p.name)


def expected_for(name: str) -> pd.DataFrame:
    path = EXPECTED_NUMBERS if "_numbers" in name else EXPECTED
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_every_sample_format_is_present():
    assert len(SAMPLES) == 12


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_file_loads_to_the_expected_address_frame(name):
    loaded = load(FIXTURES / name)
    expected = expected_for(name)
    got = loaded.frame.reset_index(drop=True)
    assert list(got.columns) == list(expected.columns) == list(COLUMNS)
    assert got.to_dict("list") == expected.to_dict("list")
    assert not loaded.mapping.missing_required


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_file_index_is_the_spreadsheet_row(name):
    loaded = load(FIXTURES / name)
    first = 1 if name.endswith(("json", "ndjson")) else 2
    assert list(loaded.frame.index) == list(range(first, first + 79))


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_file_values_are_all_python_str(name):
    frame = load(FIXTURES / name).frame
    assert all(type(v) is str for column in frame.columns for v in frame[column])


def test_cp1254_semicolon_file_reads_like_utf8():
    table = read_table(FIXTURES / "addresses_small_excel_tr.csv")
    assert (table.encoding, table.delimiter, table.format) == ("cp1254", ";", "csv")
    utf8 = read_table(FIXTURES / "addresses_small.csv")
    assert table.frame.equals(utf8.frame)


def test_utf16_tsv_is_detected():
    table = read_table(FIXTURES / "addresses_small_utf16.tsv")
    assert (table.encoding, table.delimiter, table.format) == ("utf-16", "\t", "tsv")


def test_bom_csv_reports_utf8_sig_and_clean_first_header():
    table = read_table(FIXTURES / "addresses_small_bom.csv")
    assert table.encoding == "utf-8-sig"
    assert table.frame.columns[0] == "user"


def test_bytes_source_uses_name_for_the_format():
    data = (FIXTURES / "addresses_small.ndjson").read_bytes()
    assert read_table(data, "export.ndjson").format == "ndjson"


def test_binary_stream_source_reads_like_the_path():
    with open(FIXTURES / "addresses_small_text.xlsx", "rb") as stream:
        table = read_table(stream)
    assert table.name == "addresses_small_text.xlsx"
    assert table.frame.equals(read_table(FIXTURES / "addresses_small_text.xlsx").frame)


def test_workbook_reports_sheets_and_header_row():
    table = read_table(FIXTURES / "addresses_small_text.ods")
    assert table.format == "ods"
    assert table.sheets == ["addresses_small_text"]
    assert table.sheet == "addresses_small_text"
    assert table.header_row == 1


def test_numbers_workbook_loses_no_digits_and_gains_no_decimal_point():
    frame = load(FIXTURES / "addresses_small_numbers.xlsx").frame
    assert not frame["phone_number"].str.contains(r"\.0$").any()
    assert frame.loc[3, "phone_number"] == "5337406812"


def test_leading_zeros_and_spaces_are_kept_in_csv():
    data = b'user,phone_number,city\n007,+90 0532 000 00 00,"  Gumushane  "\n'
    frame = read_table(data, "x.csv").frame
    assert frame.loc[2].tolist() == ["007", "+90 0532 000 00 00", "  Gumushane  "]


def test_json_numbers_become_their_text():
    data = b'[{"user": 1, "tax_no": 12345678901234567890, "phone_number": 5.0, "x": 1.5, "b": true, "n": null}]'
    frame = read_table(data, "x.json").frame
    assert frame.loc[1].tolist() == ["1", "12345678901234567890", "5", "1.5", "true", ""]


def test_csv_writer_output_matches_expected_bytes():
    frame = load(FIXTURES / "addresses_small_excel_tr.csv").frame
    assert write_table(frame, "csv") == EXPECTED.read_bytes()


def test_csv_writer_bom_adds_only_the_bom():
    frame = load(FIXTURES / "addresses_small.csv").frame
    assert write_table(frame, "csv", bom=True) == b"\xef\xbb\xbf" + EXPECTED.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_written_sample_reads_back_identical(fmt):
    frame = load(FIXTURES / "addresses_small.csv").frame
    again = load(write_table(frame, fmt), f"out.{fmt}").frame
    assert again.reset_index(drop=True).equals(frame.reset_index(drop=True))


def test_json_writer_uses_null_for_empty_optional_fields_only():
    import json
    frame = pd.DataFrame([dict.fromkeys(COLUMNS, "")], dtype="str")
    row = json.loads(write_table(frame, "json"))[0]
    assert row["phone_number"] is None and row["district"] is None
    assert row["user"] == "" and row["email"] == ""


def test_xlsx_writer_keeps_formula_like_values_as_text():
    from openpyxl import load_workbook
    frame = pd.DataFrame([dict.fromkeys(COLUMNS, "")], dtype="str")
    frame.loc[0, "line"] = "=HYPERLINK(\"http://x\",\"y\")"
    book = load_workbook(io.BytesIO(write_table(frame, "xlsx")))
    cell = book.active.cell(row=2, column=COLUMNS.index("line") + 1)
    assert cell.data_type == "s"
    assert cell.value == "=HYPERLINK(\"http://x\",\"y\")"


# ------------------------------------------------------------------ limits


def test_limits_come_from_environment_variables_with_units():
    from addrmig.limits import MB, Limits
    limits = Limits.from_env({"ADDRMIG_MAX_FILE_BYTES": "500MB", "ADDRMIG_MAX_ROWS": "5_000_000"})
    assert limits.max_file_bytes == 500 * MB and limits.max_rows == 5_000_000
    assert limits.max_columns == Limits().max_columns


def test_a_bad_limit_environment_variable_is_named():
    from addrmig.errors import BadArguments
    from addrmig.limits import Limits
    with pytest.raises(BadArguments, match="ADDRMIG_MAX_ROWS"):
        Limits.from_env({"ADDRMIG_MAX_ROWS": "lots"})


def test_read_table_honours_limits_from_the_environment(tmp_path, monkeypatch):
    from addrmig.errors import FileTooLarge
    monkeypatch.setenv("ADDRMIG_MAX_COLUMNS", "3")
    with pytest.raises(FileTooLarge, match="limit of 3 columns"):
        read_table(FIXTURES / "addresses_small.csv")


# ------------------------------------------------------------------ overrides


def test_header_row_override_reads_from_that_row():
    data = b"a,b\nuser,email\nC1,x@y.z\n"
    table = read_table(data, "x.csv", header_row=2)
    assert list(table.frame.columns) == ["user", "email"] and table.frame.index.tolist() == [3]


def test_delimiter_override_wins_over_detection():
    table = read_table(b"user;email,x\nC1;a,b\n", "x.csv", delimiter=";")
    assert list(table.frame.columns) == ["user", "email,x"]


def test_encoding_override_is_used():
    data = "user,city\nC1,İzmir\n".encode("iso-8859-9")
    assert read_table(data, "x.csv", encoding="iso-8859-9").frame.loc[2, "city"] == "İzmir"


def test_sheet_override_must_name_an_existing_sheet():
    from addrmig.errors import BadArguments
    with pytest.raises(BadArguments, match="addresses_small_text"):
        read_table(FIXTURES / "addresses_small_text.xlsx", sheet="Sayfa1")


def test_load_applies_column_overrides():
    loaded = load(FIXTURES / "addresses_small_tr_headers.csv", overrides={"Notlar": "title", "Adres Başlığı": None})
    assert loaded.frame["title"].iloc[0] == "eski sistem"
    assert "Adres Başlığı" in loaded.mapping.unknown


def _big_tricky_frame(rows: int = 30_000) -> pd.DataFrame:
    # over the size from which plain CSV goes to Arrow's reader: quotes, commas, line breaks
    # inside values, Turkish letters, numbers with leading zeros, empty cells
    values = ['Gül Sok. No:5, D:3', 'say "merhaba"', "two\nlines", "", "007", "İĞÜŞÖÇ ığüşöç", "=1+1",
              " padded ", "NaN", "null"]
    return pd.DataFrame({c: [values[(i * (k + 1)) % len(values)] + f" {i}" * (k % 2) for i in range(rows)]
                         for k, c in enumerate(COLUMNS)}, dtype="str")


def test_big_plain_csv_reads_back_every_value():
    frame = _big_tricky_frame()
    data = write_table(frame, "csv")
    assert len(data) > 4 * 1024 * 1024
    table = read_table(data, "big.csv")
    assert table.frame.index[0] == 2 and table.frame.index[-1] == len(frame) + 1
    assert table.frame.reset_index(drop=True).equals(frame)


def test_big_crlf_csv_with_bom_reads_back_every_value():
    frame = _big_tricky_frame()
    data = b"\xef\xbb\xbf" + frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8")
    table = read_table(data, "big.csv")
    assert list(table.frame.columns) == list(COLUMNS)
    assert table.frame.reset_index(drop=True).equals(frame)


def test_big_csv_with_a_blank_line_keeps_spreadsheet_row_numbers():
    frame = _big_tricky_frame()
    text = write_table(frame, "csv")
    cut = text.index(b"\n", len(text) // 2) + 1
    table = read_table(text[:cut] + b"\n" + text[cut:], "big.csv")
    assert len(table.frame) == len(frame)
    assert table.frame.index[-1] == len(frame) + 2  # the blank line is a row of its own


def test_big_csv_with_a_short_row_names_it():
    frame = _big_tricky_frame()
    one_line = frame.apply(lambda column: column.str.replace("\n", " ", regex=False))
    lines = write_table(one_line, "csv").split(b"\n")
    lines[20_000] = lines[20_000].rsplit(b",", 1)[0]
    table = read_table(b"\n".join(lines), "big.csv")
    assert [p.row for p in table.row_problems] == [20001]
    assert len(table.frame) == len(frame)
