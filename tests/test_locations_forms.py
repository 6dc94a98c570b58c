"""Places as Turkish institutions write them: villages and beldes, the NVI register's comma
forms, look-alike names that are different places, townships renamed or split off."""
import pandas as pd
import pytest

from addrmig.fields import COLUMNS
from addrmig.locations import LocationDB, resolve

LEVELS = ["country", "city", "township", "district"]


@pytest.fixture(scope="module")
def db():
    return LocationDB.bundled()


def resolved(db, *places):
    rows = [dict(dict.fromkeys(COLUMNS, ""), **dict(zip(LEVELS, ("Türkiye",) + place))) for place in places]
    result = resolve(pd.DataFrame(rows, index=range(2, len(rows) + 2)).astype(str), db)
    return result, result.tuples


def suggested(line) -> list[str]:
    return [name for name, _ in line["suggestions_district"]]


def test_village_written_as_such_is_its_one_neighbourhood(db):
    result, tuples = resolved(db, ("Erzincan", "Kemah", "Eri̇ç Köyü"))
    assert result.frame.loc[2, "district"] == "Merkez Mah (eriç Köyü)"
    assert tuples.loc[0, "status"] == "normalized"


def test_village_with_several_neighbourhoods_is_a_choice_among_exactly_them(db):
    _, tuples = resolved(db, ("Erzincan", "Kemah", "Cevizlik Köyü"))
    assert tuples.loc[0, "status"] == "ambiguous"
    assert sorted(suggested(tuples.loc[0])) == [
        "Bahçe Mah (cevizlik Köyü)", "Cevizli Mah (cevizlik Köyü)", "Merkez Mah (cevizlik Köyü)"]


def test_every_neighbourhood_of_a_big_village_is_suggested(db):
    _, tuples = resolved(db, ("Bitlis", "Mutki", "Kavakbaşı Köyü"))
    assert tuples.loc[0, "status"] == "ambiguous"
    names = suggested(tuples.loc[0])
    assert len(names) == 7 and all(name.endswith("(kavakbaşı Beldesi)") for name in names)
    assert "Kayabaşı Köyü" not in names


def test_village_of_the_same_name_as_a_neighbourhood_elsewhere_is_not_that_neighbourhood(db):
    # Küçükbağlar is a village of two neighbourhoods; Büyükbağlar Köyü is another village.
    _, tuples = resolved(db, ("Tokat", "Merkez", "Küçükbağlar Köyü"))
    assert tuples.loc[0, "status"] == "ambiguous"
    assert sorted(suggested(tuples.loc[0])) == ["Merkez Mah (küçükbağlar Köyü)", "İnanlı Mah (küçükbağlar Köyü)"]


def test_nvi_belde_form_is_the_neighbourhood_of_that_belde(db):
    result, _ = resolved(db, ("SİVAS", "GEMEREK", "SIZIR BELDESİ, ARPAÖZÜ MAHALLESİ"))
    assert result.frame.loc[2, "district"] == "Arpaözü Mah (sızır Beldesi)"


def test_nvi_village_form_is_the_neighbourhood_of_that_village(db):
    result, _ = resolved(db, ("ERZİNCAN", "KEMAH", "CEVİZLİK KÖYÜ, BAHÇE MAHALLESİ"))
    assert result.frame.loc[2, "district"] == "Bahçe Mah (cevizlik Köyü)"


def test_nvi_belde_form_finds_a_belde_the_database_lists_as_a_village(db):
    result, _ = resolved(db, ("ÇANKIRI", "ORTA", "KALFAT BELDESİ, HACI HASAN MAHALLESİ"))
    assert result.frame.loc[2, "district"] == "Hacı Hasan Mah (kalfat Köyü)"


@pytest.fixture(scope="module")
def neighbours():
    """A small reference: villages whose names are a letter or a word from other real names."""
    places = [("Tokat", "Merkez", name) for name in (
        "Büyükbağlar Köyü", "Yeşilköy Köyü", "Salkonak Mah", "Köme Mah (çavuşlar Köyü)", "Kemerçam Köyü",
        "Topçalı Mah", "Kayabaşı Köyü")] + [("Bitlis", "Mutki", "Kavakbaşı Köyü")]
    return LocationDB.from_frame(pd.DataFrame([("Türkiye",) + p for p in places], columns=LEVELS))


@pytest.mark.parametrize("written, near", [
    ("Küçükbağlar Köyü", "Büyükbağlar Köyü"),  # another prefix word
    ("Yeniköy Köyü", "Yeşilköy Köyü"),  # another prefix word
    ("Konak Mah", "Salkonak Mah"),  # a word dropped
    ("Bölme Köyü", "Köme Mah (çavuşlar Köyü)"),  # another first letter, a neighbourhood for a village
    ("Mercan Köyü", "Kemerçam Köyü"),
    ("Topallı Mah", "Topçalı Mah"),  # two letters in seven
    ("Kavakbaşı Köyü", "Kayabaşı Köyü"),  # a real name, of a village in Bitlis
])
def test_look_alike_name_is_suggested_not_taken(neighbours, written, near):
    result, tuples = resolved(neighbours, ("Tokat", "Merkez", written))
    assert tuples.loc[0, "status"] == "unmatched"
    assert result.frame.loc[2, "district"] == written
    assert near in suggested(tuples.loc[0])


@pytest.mark.parametrize("written, place", [
    ("Büyükbağalr Köyü", "Büyükbağlar Köyü"), ("Yeşilköyy Köyü", "Yeşilköy Köyü"), ("Salkonk Mah", "Salkonak Mah"),
    ("Tpçalı Mah", "Topçalı Mah"), ("Kayabşı Köyü", "Kayabaşı Köyü")])
def test_typo_is_still_fixed(neighbours, written, place):
    result, tuples = resolved(neighbours, ("Tokat", "Merkez", written))
    assert result.frame.loc[2, "district"] == place
    assert tuples.loc[0, "status"] == "fuzzy"


def test_real_name_one_letter_from_the_written_one_is_not_taken(db):
    # "Boztepe" is a place name of its own (in other provinces), not a typo of "Göztepe".
    _, tuples = resolved(db, ("İstanbul", "Kadıköy", "Boztepe Mah"))
    assert tuples.loc[0, "status"] == "unmatched"
    assert "Göztepe Mah" in suggested(tuples.loc[0])


def test_space_typed_inside_the_kind_word_is_read_as_the_kind_word(db):
    result, _ = resolved(db, ("Erzincan", "Kemah", "MerkezM ah (eriç Köyü)"))
    assert result.frame.loc[2, "district"] == "Merkez Mah (eriç Köyü)"


def test_township_that_no_longer_holds_the_district_gives_way_to_the_one_that_does(db):
    result, tuples = resolved(db, ("Artvin", "Hopa", "Sarp Köyü"))
    assert result.frame.loc[2, ["township", "district"]].tolist() == ["Kemalpaşa", "Sarp Köyü"]
    assert "Kemalpaşa" in tuples.loc[0, "note"]


def test_district_found_in_two_other_townships_stays_with_the_written_one(db):
    result, tuples = resolved(db, ("İstanbul", "Ümraniye", "15 Temmuz Mah"))
    assert result.frame.loc[2, "township"] == "Ümraniye"
    assert tuples.loc[0, "place_district"] == ""


def test_same_name_in_a_township_of_another_postal_area_is_another_village(db):
    # Gümüşhacıköy (057xx) has a "Nizamlar Mah"; Taşova (058xx) is no part of it.
    result, tuples = resolved(db, ("Amasya", "Taşova", "Nizamlar Mah."))
    assert result.frame.loc[2, "township"] == "Taşova"
    assert tuples.loc[0, "place_district"] == ""
