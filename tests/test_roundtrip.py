"""write_table then read_table gives back every value unchanged, in every format.

XLSX cannot hold the control characters XML 1.0 forbids (U+0000–U+0008, U+000B,
U+000C, U+000E–U+001F, U+FFFE, U+FFFF): write_table drops them, so the XLSX
property draws text without them. CSV and JSON carry everything except NUL,
which read_table refuses in CSV as the mark of a binary file, and surrogates,
which are not text.
"""
from __future__ import annotations

import csv

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addrmig.fields import COLUMNS
from addrmig.io import read_table, write_table

XML_ILLEGAL = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))] + ["\ufffe", "\uffff"]

tricky = st.sampled_from(["", " ", "007", "+90 532 000 00 00", "00000000000000000012345678901234567890",
                          '"', '""', ",", ";", "\t", "|", "\n", "\r\n", "\r", " padded ", "=1+1", "@x", "-1",
                          "1.0", "1e5", "null", "NaN", "None", "TRUE", "İı", "sep=;", "\ufeff", "😀", "\u202e"])


def text(exclude: list[str]) -> st.SearchStrategy[str]:
    letters = st.characters(exclude_categories=("Cs",), exclude_characters=exclude)
    return st.one_of(tricky, st.text(letters, max_size=30), st.lists(st.one_of(tricky, st.text(letters, max_size=5)),
                                                                     max_size=5).map("".join))


def frames(exclude: list[str]) -> st.SearchStrategy[pd.DataFrame]:
    row = st.fixed_dictionaries({c: text(exclude) for c in COLUMNS})
    return st.lists(row, min_size=1, max_size=6).map(lambda rows: pd.DataFrame(rows, columns=list(COLUMNS),
                                                                              dtype="str"))


def round_trip(frame: pd.DataFrame, fmt: str, **kwargs) -> pd.DataFrame:
    table = read_table(write_table(frame, fmt, **kwargs), f"out.{fmt}")
    return table.frame.reset_index(drop=True)


def same(frame: pd.DataFrame, again: pd.DataFrame) -> bool:
    # a row of nothing but empty cells is dropped on reading, as it carries no address
    kept = frame[(frame != "").any(axis=1)].reset_index(drop=True)
    assert list(again.columns) == list(COLUMNS)
    assert again.to_dict("records") == kept.to_dict("records")
    return True


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(frames(exclude=["\x00"]))
def test_csv_round_trip_keeps_every_value(frame):
    assert same(frame, round_trip(frame, "csv"))


@SETTINGS
@given(frames(exclude=["\x00"]))
def test_csv_with_bom_round_trip_keeps_every_value(frame):
    assert same(frame, round_trip(frame, "csv", bom=True))


@SETTINGS
@given(frames(exclude=[]))
def test_json_round_trip_keeps_every_value(frame):
    assert same(frame, round_trip(frame, "json"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(exclude=XML_ILLEGAL))
def test_xlsx_round_trip_keeps_every_value(frame):
    assert same(frame, round_trip(frame, "xlsx"))


def test_xlsx_drops_characters_xml_cannot_hold():
    frame = pd.DataFrame([dict.fromkeys(COLUMNS, "a\x01b\x0bc")], dtype="str")
    assert round_trip(frame, "xlsx").loc[0, "user"] == "abc"


def test_xlsx_keeps_blank_values_carriage_returns_and_literal_escapes():
    values = [" ", "\t", "a\r\nb", "\r", "_x0041_", "_x005F_", " a ", "\n"]
    frame = pd.DataFrame([{c: values[i % len(values)] for i, c in enumerate(COLUMNS)}], dtype="str")
    assert round_trip(frame, "xlsx").loc[0].tolist() == frame.loc[0].tolist()


@SETTINGS
@given(frames(exclude=[]))
def test_csv_written_column_wise_is_byte_for_byte_what_the_csv_module_writes(frame):
    # the Arrow writer takes every frame without "\r"; a frame with one is quoted throughout
    lone_cr = frame.apply(lambda column: column.str.contains("\r", regex=False)).to_numpy().any()
    expected = frame.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_ALL if lone_cr else csv.QUOTE_MINIMAL)
    assert write_table(frame, "csv") == expected.encode("utf-8")


def test_csv_of_a_sliced_object_frame_is_what_the_csv_module_writes():
    frame = pd.DataFrame({"a": ["x", 'q"uote', "c,omma", "new\nline", ""] * 3,
                          "b": ["", "ş", "İ", None, "e"] * 3}, dtype=object).iloc[4:11]
    assert write_table(frame, "csv") == frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
