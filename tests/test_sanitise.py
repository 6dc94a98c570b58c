"""Spreadsheet-safe text: one set of rules for the corrected file, the error report and the review list."""
from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from addrmig.io import read_table, write_table
from addrmig.io.sanitise import FORMULA_PREFIXES, NEUTRALISED_STARTS, neutralise, xlsx_text, xlsx_texts
from addrmig.locations.review import write_review

AWKWARD = ["plain", "=1+1", "\tx", "\rx", "a\x01b", "\x0b=x", "_x0041_", "a\rb", "   ", "x\ufffey", "", "-"]


def test_neutralise_covers_the_formula_prefixes_and_tab_and_carriage_return():
    assert set(FORMULA_PREFIXES) < set(NEUTRALISED_STARTS)
    assert neutralise(pd.Series(["=1", "+1", "-1", "@x", "\tx", "\rx", "ok", ""])).tolist() == [
        "'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "ok", ""]


def test_corrected_file_text_drops_what_xml_cannot_hold_and_escapes_what_parsers_change():
    assert xlsx_text("a\x01b\ufffec") == "abc"
    assert xlsx_text("_x0041_") == "_x005F_x0041_"
    assert xlsx_text("a\rb") == "a_x000D_b"
    assert xlsx_text("  ") == "  "  # kept by xml:space="preserve", which every reader honours
    assert xlsx_text("=1+1") == "=1+1"  # kept as written; the writer stores it as a text cell


def test_report_text_shows_control_characters_and_neutralises_formulas_but_escapes_nothing_else():
    assert xlsx_text("a\x01b", report=True) == "a\\x01b"
    assert xlsx_text("=1+1", report=True) == "'=1+1"
    assert xlsx_text("\x0b=x", report=True) == "\\x0b=x"
    assert xlsx_text("_x0041_", report=True) == "_x0041_"
    assert xlsx_text("a\rb", report=True) == "a\rb"


@pytest.mark.parametrize("report", [False, True])
def test_texts_of_a_column_equal_the_text_of_each_value(report):
    values = pa.array(AWKWARD + [" \u00a0", "\u3000", "x\u00a0", "_x", "a_x00e9_b"], type=pa.large_string())
    assert xlsx_texts(values, report=report).to_pylist() == [xlsx_text(v, report=report) for v in values.to_pylist()]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(AWKWARD), st.text(max_size=12)), max_size=20), st.booleans(),
       st.integers(0, 3))
def test_texts_of_any_column_or_slice_of_it_equal_the_text_of_each_value(values, report, start):
    array = pa.array(["pad"] * 3 + values, type=pa.large_string()).slice(start)  # a slice starts inside its buffer
    assert xlsx_texts(array, report=report).to_pylist() == [xlsx_text(v, report=report) for v in array.to_pylist()]


def test_corrected_xlsx_reads_back_exactly_as_written():
    frame = pd.DataFrame({"user": [v.replace("\x01", "").replace("\x0b", "").replace("\ufffe", "") or "u"
                                   for v in AWKWARD], "line": "x"}, dtype="str")
    back = read_table(write_table(frame, "xlsx"), "out.xlsx").frame
    assert back["user"].tolist() == frame["user"].tolist()


def test_review_xlsx_with_a_control_character_shows_it_instead_of_failing():
    table = pd.DataFrame({"city": ["Ank\x01ara", "=x"], "rows": [1, 2]})
    book = load_workbook(io.BytesIO(write_review(table, "xlsx")))
    assert [c.value for c in book.active["A"]][1:] == ["Ank\\x01ara", "'=x"]
