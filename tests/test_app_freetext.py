"""The app on a file with one free-text address column and one full-name column (AppTest, headless)."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "fixtures" / "freetext_small.csv"


def uploaded() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.file_uploader(key="upload_file").upload(SMALL.name, SMALL.read_bytes(), "text/csv")
    at.run()
    assert not at.exception
    return at


def shown(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "info", "success", "warning", "error", "caption", "subheader")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_the_mapping_says_what_the_address_text_and_the_full_name_fill():
    at = uploaded()
    mapping = at.dataframe[0].value
    fills = dict(zip(mapping["column"], mapping["fills"]))
    assert fills["adres"] == "address text → city, township, district"
    assert fills["ad_soyad"] == "full name → first and last name"
    assert fills["eposta"] == ""
    assert "No column was found for these required fields" not in shown(at)


def test_the_places_page_shows_what_was_read_from_the_text_and_lets_the_open_ones_be_chosen():
    at = uploaded()
    at.switch_page("pages/locations.py").run()
    assert not at.exception
    text = shown(at)
    assert "Places read from the address text" in text
    assert "city and township found in **7**" in text
    assert "do not settle the place" in text and "Aksu" in text
    picks = [box for box in at.selectbox if box.key and box.key.startswith("text_pick_")]
    assert len(picks) == 3
    aksu = next(box for box in picks if any("Isparta" in str(option) for option in box.options))
    aksu.set_value(next(i for i, option in enumerate(aksu.options) if "Isparta" in str(option))).run()
    at.button(key="save_text_places").click().run()
    assert not at.exception
    picks = [box for box in at.selectbox if box.key and box.key.startswith("text_pick_")]
    assert len(picks) == 2
