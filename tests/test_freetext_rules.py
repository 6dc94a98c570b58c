"""Places read from a free-text address: one rule per test, on addresses written the ways people write them."""
from __future__ import annotations

import pandas as pd
import pytest

from addrmig.locations.db import LocationDB
from addrmig.locations.freetext import places_from_text
from addrmig.locations.freetext.deciding import Decider
from addrmig.locations.freetext.filling import source_words
from addrmig.locations.freetext.gazetteer import gazetteer_for
from addrmig.locations.freetext.places import COLUMNS, reading_values
from addrmig.locations.freetext.reading import Reader, fold_text, fold_token
from benchmarks.freetext_synth import freetext_sample


@pytest.fixture(scope="module")
def db() -> LocationDB:
    return LocationDB.bundled()


def read(db: LocationDB, *texts: str) -> pd.DataFrame:
    return places_from_text(pd.Series(texts, index=range(2, len(texts) + 2)), db).astype(str)


def place(db: LocationDB, text: str) -> tuple[str, str, str]:
    found = read(db, text).iloc[0]
    return found["city"], found["township"], found["district"]


# ---------------------------------------------------------------- where places stand
def test_township_and_city_at_the_end_after_a_slash(db):
    assert place(db, "16 Eylül Mah. İnkılap Cad. 2001 Sok. No:9/D Çeşme/İzmir") == ("İzmir", "Çeşme", "16 Eylül Mah")


def test_city_and_township_at_the_start_in_capitals(db):
    assert place(db, "İSTANBUL KADIKÖY CAFERAĞA MAH. MODA CAD. NO 5") == ("İstanbul", "Kadıköy", "Caferağa Mah")


def test_postcode_before_township_and_city(db):
    assert place(db, "Kosova Mah. Pınarbaşı Blv. No: 94 35270 Konak/İzmir") == ("İzmir", "Konak", "Kosova Mah")


def test_places_between_dashes_commas_and_semicolons(db):
    expected = ("Bursa", "Yıldırım", "Piremir Mah")
    assert place(db, "Bağdat Cad. No:174, Piremir Mah., Yıldırım, Bursa") == expected
    assert place(db, "Piremir Mahallesi - Bağdat Cad. No 174 - Yıldırım - Bursa") == expected
    assert place(db, "Piremir Mh.; Bağdat Cd. No 174; Yıldırım; Bursa") == expected


def test_labelled_fields_and_il_ilce_words(db):
    assert place(db, "Mahalle: Kültür Mah. Adres: Gül Sok. No 3 İlçe: Beşiktaş İl: İstanbul") == (
        "İstanbul", "Beşiktaş", "Kültür Mah")
    assert place(db, "İstanbul ili Beşiktaş ilçesi Kültür mahallesi Gül sokak no 3") == (
        "İstanbul", "Beşiktaş", "Kültür Mah")


def test_a_marketplace_line_names_the_neighbourhood_bare_before_its_township(db):
    assert place(db, "694 Sk No : 66 Daire : 6 MUSTAFA KEMAL BUCA İzmir") == ("İzmir", "Buca", "Mustafa Kemal Mah")


# ---------------------------------------------------------------- case and letters
@pytest.mark.parametrize("text", [
    "Kültür Mahallesi Gül Sokak No:5 Beşiktaş/İstanbul",
    "KÜLTÜR MAHALLESİ GÜL SOKAK NO:5 BEŞİKTAŞ/İSTANBUL",
    "KÜLTÜR MAHALLESI GÜL SOKAK NO:5 BEŞIKTAŞ/ISTANBUL",  # str.upper
    "kültür mahallesi gül sokak no:5 beşiktaş/i̇stanbul",  # str.lower's i̇
    "Kultur Mah. Gul Sok. No:5 Besiktas/Istanbul",
])
def test_any_case_with_or_without_turkish_letters_reads_the_same(db, text):
    assert place(db, text) == ("İstanbul", "Beşiktaş", "Kültür Mah")


def test_folding_keeps_separators_and_joins_dashed_names():
    assert fold_token("Kadıköy/İstanbul") == ("kadikoy", ",", "istanbul")
    assert fold_token("No:5") == ("no", ",", "5")
    assert fold_token("Evka-2") == ("evka", "2")
    assert fold_text("Bodrum - Muğla") == "bodrum , mugla"


# ---------------------------------------------------------------- streets named after places
def test_a_street_named_after_a_place_is_not_that_place(db):
    assert place(db, "Kültür Mah. İstanbul Cad. Ankara Sok. No 5 Çeşme/İzmir") == ("İzmir", "Çeşme", "")
    found = read(db, "İstanbul Cad. No 5 Ankara Sok. Bağdat Cad. Kadıköy Apt.").iloc[0]
    assert found["status"] == "none" and found["city"] == ""


def test_a_building_named_after_a_place_is_not_that_place(db):
    found = read(db, "Marmara İş Hanı No 5 Bağdat Sitesi B Blok").iloc[0]
    assert (found["status"], found["township"]) == ("none", "")


# ---------------------------------------------------------------- names several places share
def test_a_township_name_several_cities_share_is_no_township_without_its_city(db):
    for text in ("İstiklal Sokak Gül Apt. No: 54 Daire:25 Aksu", "Stadyum Sok. No 3 Merkez", "Gül Sok. 5 Yenişehir"):
        found = read(db, text).iloc[0]
        assert found["status"] == "ambiguous" and found["township"] == "" and found["city"] == ""
        assert found["suggestions"].count(";") >= 1  # the candidates, for the user


def test_the_city_settles_a_shared_township_name(db):
    assert place(db, "Gül Sok. 5 Yenişehir Mersin")[:2] == ("Mersin", "Yenişehir")
    assert place(db, "Stadyum Sok. No 3 Merkez / Kars")[:2] == ("Kars", "Merkez")


def test_a_postcode_is_evidence_for_the_city(db):
    assert place(db, "Seyran Mah. Malatya Cad. No 153 Zemin Kat 44080 Yeşilyurt") == ("Malatya", "Yeşilyurt", "Seyran Mah")


def test_the_neighbourhood_settles_a_shared_township_name_when_only_one_holds_it(db):
    assert place(db, "Ballık Köyü Merkez Mahallesi Fatih Cad. No:82 15422 Altınyayla")[:2] == ("Burdur", "Altınyayla")


def test_a_city_with_a_neighbourhood_several_of_its_townships_have_fills_the_city_only(db):
    found = read(db, "Gülpazar Mah. Kadıköy Caddesi Gazi Sokak No 53 Daire 17, Karaman").iloc[0]
    assert (found["status"], found["city"], found["township"]) == ("ambiguous", "Karaman", "")
    assert "Karaman / Ermenek" in found["suggestions"]


def test_names_that_contradict_each_other_fill_nothing(db):
    found = read(db, "Kültür Mah. No 5 Beşiktaş / Ankara").iloc[0]
    assert found["status"] == "conflicting" and found["city"] == "" and found["township"] == ""


def test_no_place_named_is_said_so(db):
    found = read(db, "Atatürk Cad. No:12 D:3").iloc[0]
    assert found["status"] == "none" and found["city"] == "" and found["evidence"] == ""


# ---------------------------------------------------------------- villages and neighbourhoods
def test_a_village_is_its_own_district(db):
    assert place(db, "Hıcıp Köyü NO:180 Korgun/Çankırı") == ("Çankırı", "Korgun", "Hıcıp Köyü")


def test_a_neighbourhood_in_the_village_written_beside_it(db):
    assert place(db, "Değirmentepe Köyü, Delihüseyin Mah. No 10 Gölyaka, Düzce") == (
        "Düzce", "Gölyaka", "Delihüseyin Mah (değirmentepe Köyü)")
    assert place(db, "Delihüseyin Mah. (Değirmentepe Köyü) No 10 Gölyaka/Düzce")[2] == (
        "Delihüseyin Mah (değirmentepe Köyü)")


def test_a_neighbourhood_several_villages_have_leaves_the_district_blank(db):
    # Bayburt's Merkez has several "Merkez Mah (… Köyü)"; the township is still found.
    city, township, district = place(db, "Merkez Mah. Okul Sok. No 3 Merkez / Bayburt")
    assert (city, township) == ("Bayburt", "Merkez")
    assert district in ("", "Merkez Mah")


def test_a_name_that_is_exactly_one_district_beats_its_village_namesakes(db):
    assert place(db, "Bağlar mahallesi Gül Sok. No 5 Merkez Muş") == ("Muş", "Merkez", "Bağlar Mah")


# ---------------------------------------------------------------- typos
def test_a_mistyped_township_is_found_among_the_named_citys_townships(db):
    assert place(db, "Lahna mahallesi cumhuriyet sokağı no:48d haayrabolu tekirdağ") == (
        "Tekirdağ", "Hayrabolu", "Lahna Mah")


def test_a_mistyped_city_is_found_among_the_cities_of_the_township_named(db):
    assert place(db, "Bıçakçı Köyü No: 84/C K:12 D:28 Merkez/Baatman")[:2] == ("Batman", "Merkez")


def test_a_mistyped_neighbourhood_is_found_among_the_townships_districts(db):
    assert place(db, "Tutllu Mahallesi Okul Caddesi No: 19 Oltu / Erzurum") == ("Erzurum", "Oltu", "Tutlu Mah")


def test_a_word_that_only_looks_like_a_place_fills_nothing(db):
    # "kapalı" looks like the township Kapaklı, and Bahçelievler Mah is in hundreds of townships.
    found = read(db, "Bahçelievler Mah Bahçelievler caddesi Bergama belediyesi kapalı yüzme havuzu").iloc[0]
    assert found["township"] == ""


# ---------------------------------------------------------------- what the answer says
def test_places_are_in_the_databases_spelling_and_the_evidence_in_the_texts_words(db):
    text = "kültür mah. gül sok. no:5 BEŞİKTAŞ / istanbul"
    found = read(db, text).iloc[0]
    assert (found["country"], found["city"], found["township"]) == ("Türkiye", "İstanbul", "Beşiktaş")
    assert found["evidence"] == "kultur mah · besiktas · istanbul"
    assert source_words(text, found["evidence"]) == "kültür mah · BEŞİKTAŞ · istanbul"


def test_the_answer_keeps_the_index_and_reads_each_distinct_text_once(db):
    texts = pd.Series(["Hıcıp Köyü Korgun/Çankırı"] * 3 + [""], index=[10, 11, 12, 13])
    found = places_from_text(texts, db)
    assert list(found.index) == [10, 11, 12, 13] and list(found.columns) == list(COLUMNS)
    assert found["township"].astype(str).tolist() == ["Korgun"] * 3 + [""]


def test_a_postcode_column_is_read_as_if_written_in_the_text(db):
    texts = pd.Series(["Gül Sok. No 153 Yeşilyurt"])
    assert places_from_text(texts, db)["township"].astype(str)[0] == ""
    found = places_from_text(texts, db, postcodes=pd.Series(["44080"]))
    assert found["city"].astype(str)[0] == "Malatya"


def test_the_array_path_answers_as_the_reader_and_decider_do_one_text_at_a_time(db):
    """The texts read with array operations (:mod:`.simple`, :mod:`.texts`) come out as
    :meth:`Reader.read` and :meth:`Decider.decide` read them one by one."""
    frame, _ = freetext_sample(db, 3000, seed=99)
    texts = pd.concat([frame["adres"], pd.Series(["Evka4 Mah Barbaros Cad No 3", "İbiş Ağalar E-24 Karayolu Üzeri "
                                                  "MAH (Dervişli Köyü) - Merkez - Osmaniye", "", "Kat 2"])],
                      ignore_index=True)
    fast = places_from_text(texts, db).astype(str)
    gazetteer = gazetteer_for(db)
    reader, decider = Reader(gazetteer), Decider(gazetteer)
    slow = pd.DataFrame([reading_values(decider.decide(reader.read(fold_text(t))), gazetteer) for t in texts],
                        columns=list(COLUMNS))
    assert fast.equals(slow)


def test_sharing_the_work_between_processes_gives_the_same_answer(db, monkeypatch):
    from addrmig.locations.freetext import places

    monkeypatch.setattr(places, "PARALLEL_MIN_TEXTS", 200)
    frame, _ = freetext_sample(db, 1000, seed=5)
    alone = places_from_text(frame["adres"], db).astype(str)
    shared = places_from_text(frame["adres"], db, workers=2).astype(str)
    assert alone.equals(shared)


def test_rows_to_read_are_those_with_every_place_blank_and_a_line():
    from addrmig.locations.freetext.filling import rows_to_read

    frame = pd.DataFrame({"city": ["", " ", "Ankara", None, "", "\u00a0", ""],
                          "township": ["", "\t", "", "", "Çankaya", "", ""],
                          "district": ["", "", "", "", "", " ", ""],
                          "line": ["Kızılay Mah. Ankara", " x ", "Kızılay", "Gül Sok.", "Gül Sok.", "Bir Sok.", "  "]},
                         dtype="str")
    assert rows_to_read(frame).tolist() == [True, True, False, True, False, True, False]
    assert rows_to_read(frame.iloc[:0]).tolist() == []
    assert rows_to_read(frame.iloc[[2, 4]]).tolist() == [False, False]  # no row in question after the city
