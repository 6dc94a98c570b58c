"""The Akinon rules: each check on small hand-made columns, and the Pandera declaration."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addrmig import schema
from addrmig.fields import COLUMNS
from addrmig.validation import validate

FIXTURES = Path(__file__).parent / "fixtures"

GOOD = {"user": "C1", "email": "ali@example.com", "phone_number": "05321234567", "first_name": "Ali",
        "last_name": "Yılmaz", "title": "Ev", "line": "Atatürk Cad. No:1", "tax_office": "", "tax_no": "",
        "country": "Türkiye", "city": "İstanbul", "township": "Kadıköy", "district": "Caferağa Mah",
        "company_name": ""}


def rows(*changes: dict[str, str]) -> pd.DataFrame:
    """An address frame of one good row per ``changes`` dict, the dict's values put in."""
    frame = pd.DataFrame([{**GOOD, "user": f"C{i}", **change} for i, change in enumerate(changes, 1)],
                         columns=list(COLUMNS), dtype="str")
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def fails(check, *values: str, **kwargs) -> list[bool]:
    return [bool(x) for x in check(pd.Series(list(values), dtype="str"), **kwargs)]


# --- required -------------------------------------------------------------------------

def test_empty_value_is_blank():
    assert fails(schema.blank, "", "x") == [True, False]


def test_whitespace_only_value_is_blank():
    assert fails(schema.blank, "   ", "\t", "\u00a0", " a ") == [True, True, True, False]


# --- max length -----------------------------------------------------------------------

def test_length_counts_turkish_letters_as_one_character():
    assert fails(schema.too_long, "ş" * 128, "ş" * 129, "a" * 128, limit=128) == [False, True, False]


def test_255_characters_fit_and_256_do_not():
    assert fails(schema.too_long, "x" * 255, "x" * 256, limit=255) == [False, True]


# --- e-mail ---------------------------------------------------------------------------

def test_email_without_dot_in_domain_is_invalid():
    assert fails(schema.bad_email, "a@b") == [True]


def test_email_without_at_is_invalid():
    assert fails(schema.bad_email, "mustafa.ozdemir2example.com") == [True]


def test_ordinary_emails_are_valid():
    assert fails(schema.bad_email, "ali.veli@example.com", "a+tag@mail.example.com.tr", "X_Y@EXAMPLE.ORG") == \
        [False, False, False]


def test_email_with_turkish_letters_in_domain_is_valid():
    assert fails(schema.bad_email, "info@çiçekçi.com.tr") == [False]


def test_email_with_space_or_two_ats_is_invalid():
    assert fails(schema.bad_email, "ali veli@example.com", "a@@example.com", "a@example..com") == [True, True, True]


def test_empty_optional_email_check_leaves_blank_to_required():
    assert fails(schema.bad_email, "", "  ") == [False, False]


# --- phone ----------------------------------------------------------------------------

def test_phone_with_plus_parentheses_spaces_and_dashes_is_plausible():
    assert fails(schema.bad_phone, "+90 (532) 123-45-67", "0532 123 45 67", "5321234567") == [False, False, False]


def test_phone_with_two_digits_is_not_plausible():
    assert fails(schema.bad_phone, "12") == [True]


def test_a_digit_string_is_judged_as_a_number_not_by_its_length():
    # 15 digits with no country code: no valid number; +44 and a real UK mobile: valid.
    assert fails(schema.bad_phone, "1234567890123456", "123456789012345", "+44 7911 123456") == [True, True, False]


def test_a_turkish_number_with_an_unused_area_code_is_not_valid():
    assert fails(schema.bad_phone, "0999 123 45 67", "0212 123 45 67") == [True, False]


def test_phone_with_an_inner_plus_or_in_scientific_notation_is_not_valid():
    assert fails(schema.bad_phone, "0532+1234567", "5.32123E+09") == [True, True]


def test_letters_in_a_phone_are_read_as_a_keypad_would_like_libphonenumber_does():
    assert fails(schema.bad_phone, "0532 ABC 45 67", "0532 ABC 45") == [False, True]


def test_empty_phone_is_fine():
    assert fails(schema.bad_phone, "", " ") == [False, False]


# --- digits ---------------------------------------------------------------------------

def test_tax_no_with_letters_or_dashes_is_not_digits():
    assert fails(schema.not_digits, "0123456789", "12-34", "TR123", "", "٣٤") == [False, True, True, False, True]


# --- control characters -----------------------------------------------------------------

def test_line_break_or_tab_inside_value_is_a_control_character():
    assert fails(schema.control_chars, "a\nb", "a\r\nb", "a\tb", "Çiçek Sok.") == [True, True, True, False]


def test_unicode_line_separator_and_nel_are_control_characters():
    assert fails(schema.control_chars, "a\u2028b", "a\u2029b", "a\u0085b", "a\x7fb", "a\x00b") == [True] * 5


def test_turkish_letters_are_not_control_characters():
    # ğ (C4 9F), ş (C5 9F), Ç (C3 87) share bytes with separators' tails.
    assert fails(schema.control_chars, "ğışçöüİĞŞÇÖÜ", "…–’“”", "\u00a0") == [False, False, False]


# --- whitespace -----------------------------------------------------------------------

def test_leading_or_trailing_space_is_outer_whitespace():
    assert fails(schema.outer_whitespace, " Kadıköy", "Kadıköy ", "Kadı köy", "") == [True, True, False, False]


def test_non_breaking_and_ideographic_spaces_count_as_whitespace():
    assert fails(schema.outer_whitespace, "İstanbul\u00a0", "\u3000x", "\ufeffx", "x\u200b") == [True] * 4


def test_value_ending_in_turkish_letter_is_not_whitespace():
    assert fails(schema.outer_whitespace, "Çerkeş", "Beşiktaş", "Ağrı", "Kağ") == [False] * 4


# --- formula --------------------------------------------------------------------------

def test_values_starting_like_a_formula_are_flagged():
    assert fails(schema.formula_like, '=HYPERLINK("x")', "+1+1", "-2", "@SUM(A1)", "a=b") == \
        [True, True, True, True, False]


def test_plausible_phone_starting_with_plus_is_not_a_formula():
    assert fails(schema.formula_like, "+905321234567", "+90 (532) 123-45-67", phone=True) == [False, False]


def test_formula_in_phone_column_is_still_flagged():
    assert fails(schema.formula_like, "=1+1", "+CMD|x", "-", phone=True) == [True, True, True]


# --- duplicates -------------------------------------------------------------------------

def test_same_address_in_other_turkish_case_is_a_duplicate():
    frame = rows({"user": "C1", "city": "İSTANBUL", "township": "KADIKÖY", "line": "ATATÜRK CAD. NO:1"},
                 {"user": "c1", "city": "istanbul", "township": "kadıköy", "line": "atatürk cad. no:1"})
    mask, first = schema.duplicates(frame)
    assert mask.tolist() == [False, True] and first.tolist() == [0, 0]


def test_dotless_and_dotted_i_are_different_letters():
    frame = rows({"user": "C1", "city": "ISPARTA"}, {"user": "C1", "city": "isparta"},
                 {"user": "C1", "city": "ısparta"})
    assert schema.duplicates(frame)[0].tolist() == [False, False, True]


def test_spaces_around_values_do_not_hide_a_duplicate():
    frame = rows({"user": "C1"}, {"user": " C1 ", "district": "Caferağa Mah  "})
    assert schema.duplicates(frame)[0].tolist() == [False, True]


def test_different_line_or_user_is_not_a_duplicate():
    frame = rows({"user": "C1"}, {"user": "C2"}, {"user": "C1", "line": "Atatürk Cad. No:2"})
    assert not schema.duplicates(frame)[0].any()


def test_blank_addresses_are_not_duplicates():
    blank = dict.fromkeys(schema.DUPLICATE_KEY, "")
    assert not schema.duplicates(rows(blank, blank))[0].any()


def test_third_copy_points_at_the_first():
    frame = rows({"user": "C1"}, {"user": "C9"}, {"user": "C1"}, {"user": "C1"})
    mask, first = schema.duplicates(frame)
    assert mask.tolist() == [False, False, True, True] and first[[2, 3]].tolist() == [0, 0]


# --- values the reader may hand over ------------------------------------------------------

def test_checks_accept_object_dtype_and_many_arrow_chunks():
    values = pd.Series(["a@b", " x@example.com"] * 3, dtype=object)
    chunked = pd.Series(pd.arrays.ArrowExtensionArray(
        schema.pa_arrow.chunked_array([["a@b"], [" x@example.com", "a@b"], [" x@example.com"] * 3])))
    assert fails(schema.bad_email, *values) == [True, False] * 3
    assert schema.bad_email(values).tolist() == [True, False] * 3
    assert schema.outer_whitespace(chunked).tolist() == [False, True, False, True, True, True]


# --- the Pandera declaration ------------------------------------------------------------

def test_schema_declares_every_field_in_order_and_nothing_else():
    declared = schema.build_schema()
    assert list(declared.columns) == list(COLUMNS)
    assert declared.strict is True and declared.ordered is True


def test_schema_checks_carry_the_stable_codes():
    declared = schema.build_schema()
    assert [c.name for c in declared.columns["email"].checks] == \
        ["required", "max_length", "email", "control_chars", "whitespace", "formula", "cell_error"]
    assert [c.name for c in declared.columns["title"].checks] == \
        ["max_length", "control_chars", "whitespace", "formula", "cell_error"]
    assert [c.name for c in declared.checks] == ["duplicate"]


def test_schema_passes_a_frame_with_only_warnings_and_warns():
    frame = rows({"city": " İstanbul"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        schema.build_schema().validate(frame, lazy=True)
    assert any(issubclass(w.category, pa.errors.SchemaWarning) for w in caught)


def test_schema_rejects_a_frame_without_a_column():
    with pytest.raises(pa.errors.SchemaErrors):
        schema.build_schema().validate(rows({}).drop(columns=["city"]), lazy=True)


def _hostile_dev_frame() -> pd.DataFrame:
    """The dev sample plus one of every problem the sample lacks."""
    frame = pd.read_csv(FIXTURES / "addresses_dev.csv", dtype=str, keep_default_na=False)
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    frame.loc[10, "phone_number"] = "12"
    frame.loc[11, "phone_number"] = "=1+1"
    frame.loc[12, "phone_number"] = "+90 (532) 123-45-67"
    frame.loc[13, "tax_no"] = "12A"
    frame.loc[14, "line"] = "Gül Sok.\nNo:1"
    frame.loc[15, "last_name"] = "   "
    frame.loc[16, "company_name"] = "@firma"
    frame.loc[17] = frame.loc[2]
    frame.loc[18] = frame.loc[3].str.upper()
    return frame


def test_pandera_schema_and_fast_path_agree():
    frame = _hostile_dev_frame()
    try:
        schema.build_schema(warnings_as_errors=True).validate(frame, lazy=True)
        cases = pd.DataFrame(columns=["index", "column", "check", "schema_context"])
    except pa.errors.SchemaErrors as error:
        cases = error.failure_cases
    per_column = cases[cases["schema_context"] == "Column"]
    by_pandera = set(zip(per_column["index"].astype(int), per_column["column"], per_column["check"]))
    by_pandera |= {(int(i), "line", "duplicate") for i in
                   cases.loc[cases["schema_context"] == "DataFrameSchema", "index"]}
    report = validate(frame)
    ours = set(zip(report.failures["row"].astype(int), report.failures["column"].astype(str),
                   report.failures["check"].astype(str)))
    assert ours == by_pandera
    assert {c for _, _, c in ours} == {"required", "max_length", "email", "phone", "digits", "control_chars",
                                       "whitespace", "formula", "duplicate"}


def test_checks_answer_numpy_masks_of_the_column_length():
    values = pd.Series(["", "x"] * 5, dtype="str")
    for rule in schema.column_rules():
        mask = rule.fails(values)
        assert isinstance(mask, np.ndarray) and mask.dtype == bool and len(mask) == 10


# --- the byte-level shortcuts agree with plain Python on any text --------------------------

ALPHABET = ("a", "Z", "I", "İ", "ı", "ş", "ğ", "Ç", "ü", "0", "9", "+", "-", "=", "@", ".", " ", "\t", "\n",
            "\r", "\x00", "\x7f", "\u0085", "\u00a0", "\u2007", "\u2028", "\u3000", "\ufeff", "…", "’", "€")


def _reference(value: str) -> dict[str, bool]:
    stripped = value.strip(schema.WHITESPACE)
    return {"blank": stripped == "", "whitespace": value != stripped,
            "control": any(c in schema.CONTROL for c in value),
            "formula": value[:1] in schema.FORMULA_PREFIXES, "long": len(value) > 5}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(ALPHABET), max_size=8), min_size=1, max_size=40),
       st.integers(min_value=1, max_value=5))
def test_byte_level_checks_match_a_plain_python_reference(values, chunks):
    # Spread the values over several Arrow chunks, as a concatenated frame would be.
    size = -(-len(values) // chunks)
    arrow = schema.pa_arrow.chunked_array([values[i:i + size] for i in range(0, len(values), size)],
                                          type=schema.pa_arrow.large_string())
    expected = [_reference(v) for v in values]
    assert schema.blank(arrow).tolist() == [e["blank"] for e in expected]
    assert schema.outer_whitespace(arrow).tolist() == [e["whitespace"] for e in expected]
    assert schema.control_chars(arrow).tolist() == [e["control"] for e in expected]
    assert schema.formula_like(arrow).tolist() == [e["formula"] for e in expected]
    assert schema.too_long(arrow, 5).tolist() == [e["long"] for e in expected]
    positions = np.flatnonzero([e["blank"] for e in expected])
    assert schema.take(arrow, positions).to_pylist() == [values[i] for i in positions]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(*[st.sampled_from(["", "a", "A", " a", "I", "ı", "İ", "i", "ş", "Ş\u00a0"])] * 5),
                min_size=1, max_size=30))
def test_duplicates_match_a_plain_python_reference(records):
    from addrmig.text import tr_lower
    frame = pd.DataFrame(records, columns=list(schema.DUPLICATE_KEY), dtype="str")
    seen: dict[tuple, int] = {}
    expected_mask, expected_first = [], []
    for position, record in enumerate(records):
        key = tuple(tr_lower(v.strip(schema.WHITESPACE)) for v in record)
        first = seen.setdefault(key, position)
        expected_mask.append(first != position and any(key))
        expected_first.append(first)
    mask, first = schema.duplicates(frame)
    assert mask.tolist() == expected_mask
    assert [f for f, m in zip(first.tolist(), expected_mask) if m] == \
        [f for f, m in zip(expected_first, expected_mask) if m]
