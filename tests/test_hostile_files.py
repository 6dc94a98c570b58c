"""Broken and hostile files: each is read correctly or refused with a clear message, quickly.

Every file is generated here in tmp_path; nothing bulky is committed. A read
that would hang or blow up memory fails through pytest-timeout (10 s) or the
tracemalloc ceiling rather than through a timing assertion.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from hostile import (
    CORPUS,
    CSV,
    HEADER,
    ROW,
    billion_laughs,
    far_cell_xlsx,
    formula_xlsx,
    mutated,
    replace_member,
    write,
    xlsx,
    zip_with_bomb,
)

from addrmig.cli import main
from addrmig.errors import FileTooLarge, UnreadableFile
from addrmig.io import read_table
from addrmig.limits import Limits
from addrmig.pipeline import load

pytestmark = pytest.mark.timeout(10)

ROOT = Path(__file__).resolve().parents[1]
#: Python-side allocations a refused or small read may make (numpy arrays are traced too).
MEMORY_CEILING = 200 * 1024 * 1024


def refused(path: Path, error=UnreadableFile, **kwargs) -> str:
    """The message of the expected refusal, after checking memory stayed modest."""
    tracemalloc.start()
    try:
        with pytest.raises(error) as caught:
            read_table(path, **kwargs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_CEILING
    message = str(caught.value)
    assert path.name in message
    assert "Traceback" not in message
    return message


# ------------------------------------------------------------------ refused, with a reason


def test_empty_file_is_refused_as_empty(tmp_path):
    assert "is empty" in refused(write(tmp_path, "empty.csv", b""))


def test_blank_lines_only_file_is_refused_as_having_no_rows(tmp_path):
    assert "no rows" in refused(write(tmp_path, "blank.csv", b"\n\r\n\n"))


def test_random_bytes_csv_is_refused_as_not_text(tmp_path):
    data = bytes(range(256)) * 20 + os.urandom(4096)
    assert "not a text table" in refused(write(tmp_path, "random.csv", data))


def test_random_bytes_xlsx_is_refused_as_not_a_workbook(tmp_path):
    assert "not a valid .xlsx workbook" in refused(write(tmp_path, "random.xlsx", b"\x13\x07" + os.urandom(4096)))


def test_png_renamed_xlsx_is_named_as_an_image(tmp_path):
    data = b"\x89PNG\r\n\x1a\n" + os.urandom(2048)
    assert "PNG image" in refused(write(tmp_path, "photo.xlsx", data))


def test_truncated_xlsx_is_refused_as_damaged(tmp_path):
    data = xlsx([HEADER, ROW])
    assert "damaged or truncated" in refused(write(tmp_path, "cut.xlsx", data[: len(data) * 2 // 3]))


def test_zip_bomb_xlsx_is_refused_before_inflating(tmp_path):
    bomb = zip_with_bomb(xlsx([HEADER, ROW]), "xl/worksheets/sheet1.xml", 1100 * 1024 * 1024)
    assert len(bomb) < 2 * 1024 * 1024
    message = refused(write(tmp_path, "bomb.xlsx", bomb), FileTooLarge)
    assert "uncompressed size" in message and "ADDRMIG_MAX_INFLATED_BYTES" in message


def test_highly_compressed_workbook_is_refused_by_its_ratio(tmp_path):
    bomb = zip_with_bomb(xlsx([HEADER, ROW]), "xl/worksheets/sheet1.xml", 300 * 1024 * 1024)
    message = refused(write(tmp_path, "dense.xlsx", bomb), FileTooLarge)
    assert "compression ratio" in message and "ADDRMIG_MAX_COMPRESSION_RATIO" in message


def test_billion_laughs_in_sheet_xml_is_refused(tmp_path):
    data = replace_member(xlsx([HEADER, ROW]), "xl/worksheets/sheet1.xml", billion_laughs)
    assert "document type declaration" in refused(write(tmp_path, "laughs.xlsx", data))


def test_json_object_is_refused_and_the_list_inside_is_pointed_out(tmp_path):
    message = refused(write(tmp_path, "wrapped.json", b'{"addresses": [{"user": "C1"}]}'))
    assert "JSON object" in message and "'addresses'" in message


def test_json_with_nested_value_names_the_row_and_field(tmp_path):
    data = b'[{"user": "C1"}, {"user": "C2", "address": {"city": "Izmir"}}]'
    message = refused(write(tmp_path, "nested.json", data))
    assert "item 2" in message and "'address'" in message


def test_json_list_of_lists_names_the_row(tmp_path):
    assert "item 1 is a JSON list" in refused(write(tmp_path, "rows.json", b'[["C1", "a@b.c"]]'))


def test_broken_json_names_line_and_column(tmp_path):
    message = refused(write(tmp_path, "broken.json", b'[\n {"user": "C1",,}\n]'))
    assert "not valid JSON" in message and "line 2" in message


def test_broken_ndjson_line_is_named(tmp_path):
    data = b'{"user": "C1"}\n{"user": "C2"\n'
    assert "line 2" in refused(write(tmp_path, "rows.ndjson", data))


def test_ragged_rows_are_read_and_listed_by_row_number(tmp_path):
    data = CSV + b"C2,x,y\n" + CSV.split(b"\n")[1] + b"\nC3,a,b,c,d,e,f,g,h,i\n"
    table = read_table(write(tmp_path, "ragged.csv", data))
    assert list(table.frame.index) == [2, 3, 4, 5]
    assert [(p.row, p.fields, p.expected) for p in table.row_problems] == [(3, 3, 8), (5, 10, 8)]
    assert "has 3 fields where the header has 8" in table.row_problems[0].message


def test_a_long_row_keeps_its_extra_fields_joined_onto_the_last_column(tmp_path):
    table = read_table(write(tmp_path, "ragged.csv", CSV + b"C3,a,b,c,d,e,f,g,h,i\n"))
    assert table.frame.loc[3, "township"] == "g,h,i"
    assert table.frame.loc[3, "user"] == "C3"
    assert "a value probably contains the delimiter" in table.row_problems[0].message


def test_a_short_row_is_padded_with_empty_values(tmp_path):
    table = read_table(write(tmp_path, "ragged.csv", CSV + b"C2,x,y\n"))
    assert table.frame.loc[3].tolist() == ["C2", "x", "y", "", "", "", "", ""]


def test_trailing_empty_fields_are_not_a_ragged_row(tmp_path):
    table = read_table(write(tmp_path, "trailing.csv", CSV + ",".join(ROW).encode() + b",,\n"))
    assert table.row_problems == [] and table.frame.loc[3, "township"] == "Kadıköy"


def test_ragged_row_after_a_quoted_line_break_is_named_by_its_row(tmp_path):
    data = CSV + b'C2,a@b.c,Ali,Veli,"Sok 1\nKat 2",T,I,K\nC3,x\n'
    table = read_table(write(tmp_path, "ragged.csv", data))
    assert [p.row for p in table.row_problems] == [4]


def test_unclosed_quote_names_the_row_where_it_starts(tmp_path):
    data = CSV + b'C2,"a@b.c,Ali,Veli,Sok,T,I,K\n' + CSV.split(b"\n")[1] + b"\n"
    message = refused(write(tmp_path, "quote.csv", data))
    assert "row 3" in message and "never closed" in message


def test_nul_bytes_are_refused_naming_the_line(tmp_path):
    data = CSV + b"C2,a\x00b,x,y,z,t,u,v\n"
    message = refused(write(tmp_path, "nul.csv", data))
    assert "NUL" in message and "line 3" in message


def test_ten_megabyte_field_is_refused_by_the_field_limit(tmp_path):
    data = CSV + b"C2,a@b.c," + b"x" * 10_000_000 + b",V,S,T,I,K\n"
    message = refused(write(tmp_path, "huge.csv", data), FileTooLarge)
    assert "row 3" in message and "'first_name'" in message and "ADDRMIG_MAX_FIELD_CHARS" in message


def test_ten_megabyte_field_is_read_when_the_limit_allows_it(tmp_path):
    data = CSV + b"C2,a@b.c," + b"x" * 10_000_000 + b",V,S,T,I,K\n"
    table = read_table(write(tmp_path, "huge.csv", data), limits=Limits(max_field_chars=20_000_000))
    assert len(table.frame.loc[3, "first_name"]) == 10_000_000


def test_ten_thousand_columns_are_refused_by_the_column_limit(tmp_path):
    header = ",".join(f"c{i}" for i in range(10_000))
    data = (header + "\n" + ",".join("v" for _ in range(10_000)) + "\n").encode()
    message = refused(write(tmp_path, "wide.csv", data), FileTooLarge)
    assert "10,000 columns" in message and "ADDRMIG_MAX_COLUMNS" in message


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = write(tmp_path, "big.csv", CSV * 100)
    message = refused(path, FileTooLarge, limits=Limits(max_file_bytes=1000))
    assert "ADDRMIG_MAX_FILE_BYTES" in message


def test_rows_over_the_row_limit_are_refused(tmp_path):
    path = write(tmp_path, "long.csv", CSV + CSV.split(b"\n", 1)[1] * 20)
    assert "ADDRMIG_MAX_ROWS" in refused(path, FileTooLarge, limits=Limits(max_rows=10))


# ------------------------------------------------------------------ read correctly


def test_mixed_encodings_read_the_cp1254_line_as_turkish(tmp_path):
    odd = "C2,a@b.c,Şule,Çelik,Sok,Türkiye,İzmir,Buca\n".encode("cp1254")
    table = read_table(write(tmp_path, "mixed.csv", CSV + odd))
    assert table.frame.loc[3, "first_name"] == "Şule"
    assert table.frame.loc[2, "city"] == "İstanbul"
    assert any("line 3" in note.lower() for note in table.notes)


def test_mixed_encodings_on_one_line_keep_the_utf8_letters(tmp_path):
    line = b"C2,a@b.c," + "Şule".encode("cp1254") + ",Gürsoy,Sok,Türkiye,İzmir,Buca\n".encode()
    table = read_table(write(tmp_path, "mixed.csv", CSV + line))
    assert table.frame.loc[3, ["first_name", "last_name", "city"]].tolist() == ["Şule", "Gürsoy", "İzmir"]


def test_emoji_rtl_combining_marks_and_bidi_overrides_are_read_intact(tmp_path):
    values = ["C1", "a@b.c", "😀 Ali", "\u202eVeli\u202c", "שלום مرحبا", "Türkiye", "e\u0301\u0327", "Kadıköy"]
    data = (",".join(HEADER) + "\n" + ",".join(values) + "\n").encode()
    assert read_table(write(tmp_path, "unicode.csv", data)).frame.loc[2].tolist() == values


def test_formula_like_cells_are_read_as_written(tmp_path):
    values = ["C1", "=1+1", '=HYPERLINK("http://x")', "+90 532", "-2", "@SUM(A1)", "İstanbul", "Kadıköy"]
    data = (",".join(HEADER) + "\n" + ",".join(f'"{v}"' if '"' not in v else '"' + v.replace('"', '""') + '"'
                                               for v in values) + "\n").encode()
    assert read_table(write(tmp_path, "formula.csv", data)).frame.loc[2].tolist() == values


def test_formula_like_cells_in_xlsx_are_read_as_written(tmp_path):
    assert read_table(write(tmp_path, "formula.xlsx", formula_xlsx())).frame.loc[2, "line"] == "=1+1"


def test_notes_sheet_before_the_data_sheet_is_skipped(tmp_path):
    table = read_table(write(tmp_path, "two.xlsx", xlsx([HEADER, ROW], notes_first=True)))
    assert table.sheet == "Data" and table.sheets == ["Notes", "Data"]
    assert table.frame.loc[2].tolist() == ROW
    assert any("'Notes'" in note for note in table.notes)


def test_chosen_sheet_is_read_even_without_address_columns(tmp_path):
    table = read_table(write(tmp_path, "two.xlsx", xlsx([HEADER, ROW], notes_first=True)), sheet="Notes")
    assert table.sheet == "Notes"


def test_title_rows_above_the_header_are_skipped_and_rows_keep_their_numbers(tmp_path):
    data = b"Address export\nGenerated 2024-01-01,by admin\n\n" + CSV
    table = read_table(write(tmp_path, "titled.csv", data))
    assert table.header_row == 4
    assert list(table.frame.columns) == HEADER
    assert table.frame.index.tolist() == [5]


def test_title_rows_above_the_header_in_xlsx_are_skipped(tmp_path):
    table = read_table(write(tmp_path, "titled.xlsx", xlsx([["Address export"], [], HEADER, ROW])))
    assert table.header_row == 3 and table.frame.index.tolist() == [4]


def test_excel_sep_line_sets_the_delimiter_and_is_not_a_row(tmp_path):
    data = b"sep=;\n" + CSV.replace(b",", b";")
    table = read_table(write(tmp_path, "sep.csv", data))
    assert table.delimiter == ";" and table.header_row == 1
    assert table.frame.loc[2].tolist() == ROW


def test_crlf_and_quoted_line_breaks_are_kept_inside_values(tmp_path):
    data = CSV.replace(b"\n", b"\r\n") + b'C2,a@b.c,Ali,Veli,"Sok 1\r\nKat 2",T,I,K\r\n'
    table = read_table(write(tmp_path, "crlf.csv", data))
    assert table.frame.loc[3, "line"] == "Sok 1\r\nKat 2"
    assert table.frame.loc[2, "township"] == "Kadıköy"


def test_blank_lines_are_ignored_without_shifting_row_numbers(tmp_path):
    data = CSV + b"\n" + CSV.split(b"\n")[1] + b"\n"
    assert read_table(write(tmp_path, "gaps.csv", data)).frame.index.tolist() == [2, 4]


def test_lone_quote_inside_a_value_is_read_as_written(tmp_path):
    data = CSV + b'C2,a@b.c,Ali,Veli,Sok 5" No:3,T,I,K\n'
    assert read_table(write(tmp_path, "inch.csv", data)).frame.loc[3, "line"] == 'Sok 5" No:3'


def test_duplicate_and_blank_headers_are_made_unique(tmp_path):
    data = b"user,email,,email\nC1,a@b.c,x,d@e.f\n"
    assert list(read_table(write(tmp_path, "dup.csv", data)).frame.columns) == ["user", "email", "column_3",
                                                                             "email (2)"]


def test_xlsx_named_csv_is_read_as_a_workbook(tmp_path):
    table = read_table(write(tmp_path, "really.csv", xlsx([HEADER, ROW])))
    assert table.format == "xlsx" and table.frame.loc[2].tolist() == ROW


# ------------------------------------------------------------------ the CLI on hostile files


def run_inspect(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "addrmig", "inspect", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("name, data", [
    ("empty.csv", b""),
    ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(512)),
    ("wrapped.json", b'{"addresses": []}'),
    ("quote.csv", CSV + b'C2,"a@b.c,Ali,Veli,Sok,T,I,K\n'),
])
def test_cli_inspect_refuses_a_hostile_file_with_exit_2_and_one_short_reason(tmp_path, name, data):
    result = run_inspect(write(tmp_path, name, data))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert 0 < len(result.stderr.strip().splitlines()) <= 2
    assert name in result.stderr


@pytest.mark.timeout(30)
def test_cli_inspect_refuses_a_zip_bomb_with_exit_2(tmp_path):
    bomb = zip_with_bomb(xlsx([HEADER, ROW]), "xl/worksheets/sheet1.xml", 1100 * 1024 * 1024)
    result = run_inspect(write(tmp_path, "bomb.xlsx", bomb))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "ADDRMIG_MAX_INFLATED_BYTES" in result.stderr


def test_load_of_a_hostile_file_raises_the_same_error(tmp_path):
    with pytest.raises(UnreadableFile, match="PNG image"):
        load(write(tmp_path, "photo.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(512)))


# ------------------------------------------------------------------ readers that would crash the process


def test_xls_that_makes_the_reader_abort_is_refused_and_the_process_survives(tmp_path):
    data = mutated(ROOT / "tests" / "fixtures" / "addresses_small_numbers.xls", 25)
    assert "could not be read as XLS" in refused(write(tmp_path, "broken.xls", data))


def test_xlsx_with_one_cell_far_away_is_refused_before_the_reader_allocates_its_grid(tmp_path):
    message = refused(write(tmp_path, "far.xlsx", far_cell_xlsx("SX900000")), FileTooLarge)
    assert "ADDRMIG_MAX_CELLS" in message


def test_xlsx_with_a_cell_in_column_xfd_is_refused_by_the_column_limit(tmp_path):
    assert "ADDRMIG_MAX_COLUMNS" in refused(write(tmp_path, "wide.xlsx", far_cell_xlsx("XFD2")), FileTooLarge)


def test_xlsx_with_a_cell_past_the_row_limit_is_refused(tmp_path):
    path = write(tmp_path, "long.xlsx", far_cell_xlsx("H5000"))
    assert "ADDRMIG_MAX_ROWS" in refused(path, FileTooLarge, limits=Limits(max_rows=1000))


@pytest.mark.parametrize("name, seed", [("addresses_small_numbers.xls", 25)])
def test_cli_inspect_on_an_aborting_xls_exits_2_without_a_crash_report(tmp_path, name, seed):
    result = run_inspect(write(tmp_path, "broken.xls", mutated(ROOT / "tests" / "fixtures" / name, seed)))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "panicked" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


# ------------------------------------------------------------------ the whole corpus through the CLI


@pytest.mark.parametrize("case", CORPUS, ids=[case.id for case in CORPUS])
def test_cli_inspect_reads_or_refuses_every_hostile_input_in_one_short_message(tmp_path, capsys, case):
    code = main(["inspect", str(write(tmp_path, case.name, case.build()))])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if case.refusal is None:
        assert code in (0, 1)  # 1: read, but a required field has no column
        assert f"rows:        {case.rows:,}" in out
    else:
        assert code == 2
        assert case.name in err and case.refusal in err
        assert len(err.strip().splitlines()) <= 2


def test_cli_limit_raised_through_its_environment_variable_lets_the_file_in(tmp_path):
    path = write(tmp_path, "wide.csv", next(c for c in CORPUS if c.id == "ten_thousand_columns").build())
    env = dict(os.environ, ADDRMIG_MAX_COLUMNS="20000")
    result = subprocess.run([sys.executable, "-m", "addrmig", "inspect", str(path)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode in (0, 1) and "rows:        1" in result.stdout


def test_cli_limit_lowered_through_its_environment_variable_refuses_and_names_it(tmp_path):
    env = dict(os.environ, ADDRMIG_MAX_ROWS="1")
    path = write(tmp_path, "two.csv", CSV + CSV.split(b"\n", 1)[1])
    result = subprocess.run([sys.executable, "-m", "addrmig", "inspect", str(path)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "limit of 1 rows" in result.stderr and "ADDRMIG_MAX_ROWS" in result.stderr


def test_cli_limit_set_to_nonsense_is_refused_naming_the_variable(tmp_path):
    env = dict(os.environ, ADDRMIG_MAX_ROWS="lots")
    result = subprocess.run([sys.executable, "-m", "addrmig", "inspect", str(write(tmp_path, "a.csv", CSV))],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "ADDRMIG_MAX_ROWS='lots'" in result.stderr
