"""The Places page in Turkish (``?lang=tr``) leaves no English sentence of its own on the page — the
reference chooser, the summary and its tables, a card with its suggestion and candidates, the
"Another place…" pickers, a rule's preview, the places read from an address text — and is in
English by default."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest
from test_app_i18n_pages import app, english_in, strings, upload

ROOT = Path(__file__).resolve().parent.parent
FREETEXT = ROOT / "tests" / "fixtures" / "freetext_small.csv"
#: The Places page's own files, and the library texts shown on it (the review reasons, the statuses).
SOURCES = ["pages/locations.py", "pages/_review_places.py", "pages/_text_places.py",
           "addrmig/locations/suggesting.py", "addrmig/locations/resolver/statuses.py",
           "addrmig/locations/freetext/filling.py"]


def shown(at: AppTest) -> list[str]:
    """The page's texts (``strings``) and the text cells of its tables (kept as Arrow data, which
    ``strings`` does not read)."""
    cells = [str(value) for frame in at.dataframe for column in frame.value.columns
             for value in frame.value[column].tolist() if isinstance(value, str)]
    return strings(at) + cells


def english_left(at: AppTest) -> list[str]:
    return english_in(shown(at), SOURCES)


def places_page(language: str | None = None, path: Path | None = None) -> AppTest:
    at = app(language)
    if path is None:
        upload(at)
    else:
        at.file_uploader(key="upload_file").upload(path.name, path.read_bytes(), "text/csv")
        at.run()
        assert not at.exception
    at.switch_page("pages/locations.py").run()
    assert not at.exception
    return at


def card_box(at: AppTest):
    """The first review card's place picker."""
    return next(box for box in at.selectbox if str(box.key).startswith("pick_"))


def table_with(at: AppTest, column: str):
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def test_the_places_page_in_turkish_from_the_summary_to_a_rule_preview_leaves_no_english_sentence():
    at = places_page("tr")
    assert at.title[0].value == "3. Yerler"
    assert not english_left(at), english_left(at)
    assert at.radio(key="ref_choice").value == "bundled"
    assert at.radio(key="ref_choice").options[0] == "Yerleşik Türkiye veritabanı (81 il, 973 ilçe, 73.305 mahalle/köy)"
    assert {m.label for m in at.metric} == {"Satır", "Bulunan yerler", "Sizi bekleyen satırlar"}
    assert "yazıldığı gibi bulundu" in table_with(at, "place")["place"].tolist()
    assert any(e.label.startswith("Dosyanızda yazımı düzeltilen adlar (") for e in at.expander)
    assert "city (il)" in table_with(at, "column")["column"].tolist()
    text = "\n".join(shown(at))
    assert "Karar verilecek yerler" in text and "1 yazılan yer (1 satırda) kesin olarak eşleştirilemedi" in text
    assert "1 satır (ör. satır 80) — bulunamadı" in text
    assert ("Öneri: **Giresun › Tirebolu › Ahmetçalı Mah \\(ışıklı Köyü\\)** — “TIREBOLU” adlı ilçe ve "
            "“AHMETÇALI MAH \\(IŞIKLI KÖYÜ\\)” adlı mahalle/köy orada bulunuyor") in text

    # a candidate picked: how many rows it changes, the saving table, a rule and its preview
    box = card_box(at)
    assert box.options[0] == "— yazıldığı gibi bırak —" and box.options[-1] == "Başka bir yer…"
    box.set_value(1).run()
    assert not at.exception
    text = "\n".join(shown(at))
    assert "Kaydedince 1 satır değişecek: tam olarak böyle yazılmış olanlar." in text
    assert "Kaydedince **1** satır değişecek:" in text
    assert at.button(key="save_choices").label == "Seçimlerimi kaydet (1)"
    line = box.key.rsplit("_", 1)[1]
    version = at.session_state["workspace"].version
    rule = at.radio(key=f"gen_level_{version}_{line}")
    assert rule.label == "Hangi ad" and rule.value == "city"
    assert rule.format_func("city") == "il: “Atlantis” → Giresun"
    assert not english_left(at), english_left(at)
    show = at.button(key=f"gen_show_{version}_{line}")
    assert show.label == "“Atlantis” yazımının değiştireceği satırları göster"
    show.click().run()
    assert not at.exception
    preview = table_with(at, "after")
    assert preview["status"].tolist() == ["eşleşmedi → yazımı düzeltildi"]
    assert "“Atlantis” diye yazılan her il **Giresun** olur: 1 yazılan yer, 1 satır." in "\n".join(shown(at))
    assert at.button(key=f"gen_apply_{version}_{line}").label == "Bu 1 satıra uygula"
    assert not english_left(at), english_left(at)

    # "Another place…": the city, township and district pickers
    box = card_box(at)
    box.set_value(len(box.options) - 1).run()
    assert not at.exception
    city = at.selectbox(key=f"city_{version}_{line}")
    assert (city.label, city.placeholder) == ("İl", "Bir il bulmak için yazın")
    city.set_value("Trabzon").run()
    township = at.selectbox(key=f"township_{version}_{line}_Trabzon")
    assert (township.label, township.placeholder) == ("İlçe", "Bir ilçe bulmak için yazın")
    township.set_value("Akçaabat").run()
    district = at.selectbox(key=f"district_{version}_{line}_Trabzon_Akçaabat")
    assert (district.label, district.placeholder) == ("Mahalle/köy", "Bir mahalle/köy bulmak için yazın (isteğe bağlı)")
    district.set_value("Yıldızlı Mah").run()
    assert not at.exception
    assert not english_left(at), english_left(at)

    # saved: every place found
    at.button(key="save_choices").click().run()
    assert not at.exception
    assert "Her yer bulundu. 🎉" in [s.value for s in at.success]
    assert not english_left(at), english_left(at)


def test_the_places_read_from_the_address_text_are_told_in_turkish():
    at = places_page("tr", FREETEXT)
    text = "\n".join(shown(at))
    assert "Adres metninden okunan yerler" in text
    assert "il ve ilçe **7** satırda bulundu" in text
    assert "yeri kesinleştirmiyor" in text
    picks = [box for box in at.selectbox if str(box.key).startswith("text_pick_")]
    assert picks and all(box.options[0] == "— olduğu gibi bırak —" for box in picks)
    assert "bulundu" in table_with(at, "words")["status"].tolist()
    assert at.button(key="save_text_places").label == "Bu yerleri kaydet (0)"
    assert not english_left(at), english_left(at)


def test_the_places_page_is_in_english_by_default():
    at = places_page()
    assert at.title[0].value == "3. Places"
    assert at.radio(key="ref_choice").options[0] == ("The built-in Türkiye database (81 cities, 973 townships, "
                                                     "73,305 districts)")
    assert {m.label for m in at.metric} == {"Rows", "Places found", "Rows waiting for you"}
    assert "found exactly as written" in table_with(at, "place")["place"].tolist()
    text = "\n".join(shown(at))
    assert "1 written place (in 1 row) could not be matched for sure." in text
    assert "the township “TIREBOLU” and the district “AHMETÇALI MAH \\(IŞIKLI KÖYÜ\\)” are found there" in text
    box = card_box(at)
    assert box.options[-1] == "Another place…"
    box.set_value(1).run()
    line = box.key.rsplit("_", 1)[1]
    version = at.session_state["workspace"].version
    assert at.radio(key=f"gen_level_{version}_{line}").format_func("city") == "city: “Atlantis” → Giresun"
    at.button(key=f"gen_show_{version}_{line}").click().run()
    assert not at.exception
    assert table_with(at, "after")["status"].tolist() == ["unmatched → normalized"]
    assert at.button(key=f"gen_apply_{version}_{line}").label == "Apply to this 1 row"
    assert "yazılan" not in "\n".join(shown(at))
