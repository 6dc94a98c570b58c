"""The command line on a file with one free-text address column and one full-name column."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from addrmig.cli import main

SMALL = Path(__file__).parent / "fixtures" / "freetext_small.csv"


def test_inspect_says_what_the_address_text_and_the_full_name_fill(capsys):
    assert main(["inspect", str(SMALL)]) == 0
    out = capsys.readouterr().out
    assert "adres" in out and "(address text → city, township, district)" in out
    assert "(full name → first and last name)" in out
    assert "missing required fields:  -" in out
    assert "filled from ad_soyad:  first_name, last_name" in out


def test_fix_fills_the_places_the_text_names_in_the_databases_spelling_and_keeps_the_text(tmp_path, capsys):
    out, review = tmp_path / "out.csv", tmp_path / "review.csv"
    assert main(["fix", str(SMALL), "-o", str(out), "--review", str(review)]) == 1  # some rows stay open
    fixed = pd.read_csv(out, dtype=str, keep_default_na=False)
    source = pd.read_csv(SMALL, dtype=str, keep_default_na=False)
    assert fixed["line"].tolist() == source["adres"].tolist()
    assert fixed.loc[0, ["country", "city", "township", "district"]].tolist() == [
        "Türkiye", "İzmir", "Çeşme", "16 Eylül Mah"]
    assert fixed.loc[3, ["city", "township", "district"]].tolist() == ["İstanbul", "Kadıköy", "Caferağa Mah"]
    assert fixed.loc[0, ["first_name", "last_name"]].tolist() == ["Ayşe Nur", "Yılmaz"]
    printed = capsys.readouterr().out
    assert "address text: 10 rows have no place columns; their address text names city and township in 7" in printed


def test_the_review_lists_each_open_address_text_with_its_candidates(tmp_path):
    out, review = tmp_path / "out.csv", tmp_path / "review.csv"
    main(["fix", str(SMALL), "-o", str(out), "--review", str(review)])
    listed = pd.read_csv(review, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert "source_text" in listed.columns
    aksu = listed[listed["source_text"].str.endswith("Aksu")].iloc[0]
    assert aksu["status"] == "missing"
    assert aksu["note"] == "the address text does not settle the place: 2 places fit; read: aksu"
    assert {aksu["suggestion_1"], aksu["suggestion_2"]} == {"Antalya / Aksu", "Isparta / Aksu"}
    karaman = listed[listed["source_text"].str.endswith("Karaman")].iloc[0]
    assert karaman["city"] == "Karaman" and karaman["level"] == "township"
    assert listed[listed["source_text"].str.startswith("Atatürk Cad.")].iloc[0]["note"] == (
        "the address text names no place")


def test_a_file_with_place_columns_is_not_read_from_its_text(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("user,email,first_name,last_name,line,country,city,township\n"
                      "C1,a@example.com,Ali,Veli,Kültür Mah. Beşiktaş/İstanbul,Türkiye,İzmir,Konak\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    main(["fix", str(source), "-o", str(out)])
    assert pd.read_csv(out, dtype=str).loc[0, ["city", "township"]].tolist() == ["İzmir", "Konak"]


def test_validate_says_what_fix_would_read_from_the_text(tmp_path, capsys):
    copy = tmp_path / "in.csv"
    shutil.copy(SMALL, copy)
    assert main(["validate", str(copy)]) == 1
    printed = capsys.readouterr().out
    assert "city: 10 required errors" in printed
    assert "address text: 10 rows have no place columns" in printed and "(addrmig fix fills them)" in printed
