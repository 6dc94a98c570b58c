"""Columns that help fill the Akinon fields but are never sent: postcode, full name."""
from __future__ import annotations

from addrmig.columns import map_columns
from addrmig.fields import COLUMNS
from addrmig.io import read_table, write_table
from addrmig.pipeline import load

FILE = ("musteri_no,ad_soyad,eposta,adres,il,ilce,posta_kodu\n"
        "M1,Ayşe Nur Yılmaz,a@example.com,Gül Sok. 3,İzmir,Konak,35250\n").encode()


def test_postcode_and_full_name_columns_are_recognised():
    mapping = map_columns(["musteri_no", "Ad Soyad", "Posta Kodu", "PK"]).mapping
    assert mapping["Ad Soyad"] == "full_name"
    assert mapping["Posta Kodu"] == "postcode"
    assert "PK" not in mapping  # one column per field: the first, more certain one wins


def test_auxiliary_values_are_kept_beside_the_address_frame_and_never_written_out():
    loaded = load(FILE, "in.csv")
    assert list(loaded.frame.columns) == list(COLUMNS)
    assert loaded.auxiliary.loc[2, "postcode"] == "35250"
    assert loaded.auxiliary.loc[2, "full_name"] == "Ayşe Nur Yılmaz"
    written = read_table(write_table(loaded.frame, "csv"), "out.csv").frame
    assert "postcode" not in written.columns and "full_name" not in written.columns


def test_a_file_without_auxiliary_columns_has_an_empty_auxiliary_frame_with_the_same_index():
    loaded = load(b"user,email\nU1,a@example.com\nU2,b@example.com\n", "in.csv")
    assert loaded.auxiliary.columns.empty and list(loaded.auxiliary.index) == [2, 3]
