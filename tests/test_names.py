"""A full-name column: recognised by the mapping, split into first and last name."""
from __future__ import annotations

import pandas as pd
import pytest

from addrmig.columns import map_columns
from addrmig.names import split_full_names
from addrmig.pipeline import load
from addrmig.validation import validate


def split(*names: str) -> list[tuple[str, str]]:
    found = split_full_names(pd.Series(names, dtype="str"))
    return list(zip(found["first_name"], found["last_name"]))


def test_the_last_word_is_the_last_name_and_all_before_it_the_first():
    assert split("Ayşe Nur Yılmaz", "Mehmet Ali Demir", "Ali Veli") == [
        ("Ayşe Nur", "Yılmaz"), ("Mehmet Ali", "Demir"), ("Ali", "Veli")]


def test_letters_and_case_are_kept_as_written():
    assert split("İSMAİL IŞIK", "şule öztürk") == [("İSMAİL", "IŞIK"), ("şule", "öztürk")]


def test_a_one_word_name_is_all_first_name():
    assert split("uğur") == [("uğur", "")]


def test_spaces_are_tidied_the_no_break_kind_too():
    assert split("  Ali \u00a0 Veli\t", "") == [("Ali", "Veli"), ("", "")]


def test_surname_first_with_a_comma():
    assert split("YILMAZ, Ayşe Nur") == [("Ayşe Nur", "YILMAZ")]


def test_missing_names_give_empty_values_and_the_index_is_kept():
    found = split_full_names(pd.Series(["Ali Veli", None], index=[7, 9]))
    assert list(found.index) == [7, 9] and found.loc[9].tolist() == ["", ""]


@pytest.mark.parametrize("header", ["ad_soyad", "Ad Soyad", "Adı Soyadı", "Müşteri Adı", "isim soyisim", "Full Name"])
def test_full_name_headers_are_recognised(header):
    assert map_columns([header, "adres"]).mapping[header] == "full_name"


@pytest.mark.parametrize("header", ["name", "isim", "Name", "İsim"])
def test_a_column_called_just_name_is_the_full_name_when_no_last_name_column_exists(header):
    assert map_columns([header, "email"]).mapping[header] == "full_name"


def test_beside_a_last_name_column_a_column_called_name_is_the_first_name():
    assert map_columns(["isim", "soyisim"]).mapping == {"isim": "first_name", "soyisim": "last_name"}
    assert map_columns(["Name", "Surname"]).mapping == {"Name": "first_name", "Surname": "last_name"}


def test_ad_alone_stays_the_first_name():
    assert map_columns(["Ad", "email"]).mapping["Ad"] == "first_name"


def test_a_column_chosen_by_hand_is_never_renamed():
    assert map_columns(["isim"], overrides={"isim": "first_name"}).mapping == {"isim": "first_name"}


def test_first_and_last_name_come_from_the_full_name_and_are_not_missing():
    mapping = map_columns(["musteri_no", "ad_soyad", "eposta", "adres"])
    assert mapping.derived["first_name"] == "ad_soyad" and mapping.derived["last_name"] == "ad_soyad"
    assert "first_name" not in mapping.missing_required and "last_name" not in mapping.missing_required
    assert mapping.fills("ad_soyad") == "full name → first and last name"
    assert mapping.fills("eposta") == ""


def test_loading_splits_the_full_name_and_a_one_word_name_is_an_error_in_the_checks():
    loaded = load("musteri_no,ad_soyad,eposta,adres\nM1,Ayşe Nur Yılmaz,a@example.com,X\nM2,uğur,b@example.com,Y\n"
                  .encode(), "in.csv")
    assert loaded.frame.loc[2, ["first_name", "last_name"]].tolist() == ["Ayşe Nur", "Yılmaz"]
    assert loaded.frame.loc[3, ["first_name", "last_name"]].tolist() == ["uğur", ""]
    failures = validate(loaded.frame).failures
    assert ((failures["row"] == 3) & (failures["column"] == "last_name") & (failures["severity"] == "error")).any()
    assert not ((failures["row"] == 2) & failures["column"].isin(["first_name", "last_name"])).any()


def test_a_file_with_its_own_last_name_column_only_gets_the_first_name_from_the_full_name():
    loaded = load("ad_soyad,soyad\nAyşe Nur Yılmaz,YILMAZ\n".encode(), "in.csv")
    assert loaded.frame.loc[2, ["first_name", "last_name"]].tolist() == ["Ayşe Nur", "YILMAZ"]
