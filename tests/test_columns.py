"""map_columns, apply_mapping and header-row detection."""
from __future__ import annotations

import pandas as pd
import pytest

from addrmig.columns import apply_mapping, find_header, map_columns
from addrmig.errors import BadArguments
from addrmig.fields import COLUMNS, REQUIRED


def test_exact_field_names_map_with_full_confidence():
    mapping = map_columns(COLUMNS)
    assert mapping.mapping == {c: c for c in COLUMNS}
    assert set(mapping.confidence.values()) == {100}
    assert set(mapping.method.values()) == {"exact"}
    assert mapping.unknown == [] and mapping.missing_required == []


def test_case_accents_and_punctuation_are_ignored():
    mapping = map_columns(["USER", "E-Mail", "Phone Number", "FIRST_NAME", "Last Name", "LINE",
                           "Country", "CİTY", "Township"])
    assert mapping.mapping["Phone Number"] == "phone_number"
    assert mapping.mapping["FIRST_NAME"] == "first_name"
    assert mapping.mapping["CİTY"] == "city"
    assert mapping.method["Phone Number"] == "folded"


def test_turkish_headers_map_through_synonyms():
    mapping = map_columns(["Müşteri Kodu", "E-posta", "AD", "SOYAD", "Açık Adres", "ÜLKE", "İL", "İLÇE",
                           "Mahalle", "Vergi No"])
    assert mapping.by_field == {"user": "Müşteri Kodu", "email": "E-posta", "first_name": "AD",
                                "last_name": "SOYAD", "line": "Açık Adres", "country": "ÜLKE", "city": "İL",
                                "township": "İLÇE", "district": "Mahalle", "tax_no": "Vergi No"}
    assert all(mapping.method[h] == "synonym" for h in mapping.mapping)


def test_omnitron_customer_code_means_user():
    assert map_columns(["customer_code"]).mapping == {"customer_code": "user"}


def test_typo_maps_fuzzily_with_lower_confidence():
    mapping = map_columns(["Adress Line", "Telefno"])
    assert mapping.mapping == {"Adress Line": "line", "Telefno": "phone_number"}
    assert mapping.method["Adress Line"] == "fuzzy"
    assert 60 <= mapping.confidence["Adress Line"] < 90


def test_unrelated_columns_are_unknown():
    mapping = map_columns(["user", "Notlar", "Sipariş Tarihi", "Username", "Status", "Kimlik No"])
    assert mapping.unknown == ["Notlar", "Sipariş Tarihi", "Username", "Status", "Kimlik No"]


def test_each_field_gets_one_column_and_the_best_wins():
    mapping = map_columns(["Telefon", "phone_number"])
    assert mapping.mapping == {"phone_number": "phone_number"}
    assert mapping.unknown == ["Telefon"]


def test_missing_required_fields_are_listed_in_field_order():
    mapping = map_columns(["email", "city"])
    assert mapping.missing_required == [f for f in REQUIRED if f not in ("email", "city")]


def test_override_maps_a_column_and_frees_its_old_choice():
    mapping = map_columns(["Kod", "Cari"], overrides={"Cari": "user"})
    assert mapping.mapping == {"Cari": "user"}
    assert mapping.method["Cari"] == "override"
    assert mapping.unknown == ["Kod"]


def test_override_to_none_ignores_a_column():
    mapping = map_columns(["user", "email"], overrides={"email": None})
    assert mapping.mapping == {"user": "user"}
    assert "email" in mapping.missing_required


def test_override_to_an_unknown_field_is_refused():
    with pytest.raises(BadArguments, match="not an Akinon address field"):
        map_columns(["x"], overrides={"x": "zipcode"})


def test_override_of_a_column_not_in_the_file_is_refused():
    with pytest.raises(BadArguments, match="not in the file"):
        map_columns(["x"], overrides={"y": "user"})


def test_apply_mapping_gives_exactly_the_field_columns_and_keeps_the_index():
    frame = pd.DataFrame({"E-posta": ["a@b.c", "d@e.f"], "Notlar": ["x", "y"]}, index=[5, 9], dtype="str")
    result = apply_mapping(frame, map_columns(frame.columns))
    assert list(result.columns) == list(COLUMNS)
    assert list(result.index) == [5, 9]
    assert result["email"].tolist() == ["a@b.c", "d@e.f"]
    assert result["user"].tolist() == ["", ""]
    assert all(type(v) is str for c in result.columns for v in result[c])


def test_header_row_below_title_rows_is_found():
    rows = [["Adres listesi"], ["Tarih: 2024-05-01", ""], [], ["user", "email", "first_name", "city"],
            ["C1", "a@b.c", "Ali", "İzmir"]]
    guess = find_header(rows)
    assert (guess.index, guess.score) == (3, 4)
    assert "Rows 1–3 above the header (row 4)" in guess.note and "Adres listesi" in guess.note


def test_header_row_defaults_to_the_first_filled_row():
    guess = find_header([[""], ["a", "b"], ["c", "d"]])
    assert (guess.index, guess.score, guess.note) == (1, 0, "")


def test_a_lone_synonym_in_a_data_row_does_not_make_it_the_header():
    rows = [["State", "Code", "Total"], ["ALABAMA", "AL", "7738"], ["ILLINOIS", "IL", "13522"]]
    assert find_header(rows).index == 0


def test_rows_above_that_hold_data_are_never_left_out_on_a_guess():
    rows = [["a", "b", "c"], ["1", "2", "3"], ["user", "email", "city"], ["C1", "x@y.z", "İzmir"]]
    guess = find_header(rows)
    assert guess.index == 0 and "Row 3 names address fields too" in guess.note


def test_comment_lines_above_the_header_are_left_out():
    rows = [["#one:line one"], ["#two", "with a comma"], ["S", "X", "E"], ["13876", "1", "1"], ["11608", "1", "3"]]
    assert find_header(rows).index == 2


def test_a_title_above_column_names_without_address_fields_is_left_out_when_numbers_follow():
    rows = [[""] * 3, ["Number of students by state", "", ""], ["State", "Students", "Year"],
            ["ALABAMA", "7738", "2010"], ["ALASKA", "1781", "2010"]]
    assert find_header(rows).index == 2
