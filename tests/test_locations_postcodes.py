"""A postcode column: it settles what the written names alone cannot, and is never sent."""
import pandas as pd
import pytest

from addrmig.fields import COLUMNS
from addrmig.locations import LocationDB, resolve
from addrmig.locations.postcodes import normalised_postcodes

LEVELS = ["country", "city", "township", "district"]


@pytest.fixture(scope="module")
def db():
    return LocationDB.bundled()


def resolved(db, rows):
    """``rows``: (city, township, district, postcode)."""
    frame = pd.DataFrame([dict(dict.fromkeys(COLUMNS, ""), **dict(zip(LEVELS, ("Türkiye",) + row[:3]))) for row in rows],
                         index=range(2, len(rows) + 2)).astype(str)
    postcodes = pd.Series([row[3] for row in rows], index=frame.index)
    return resolve(frame, db, postcodes=postcodes)


def test_postcodes_are_read_as_five_digits():
    assert normalised_postcodes(pd.Series(["05220", "5220", "5220.0", " 34 100", "", "PK 12", "123456"])).tolist() == [
        "05220", "05220", "05220", "34100", "", "", ""]


def test_bundled_database_keeps_each_districts_postcode(db):
    districts = db.index.districts
    assert districts.loc[districts["name"] == "Fındıklı Mah (direkli Köyü)", "postcode"].tolist() == ["05220"]


def test_postcode_settles_a_name_that_is_also_a_village_neighbourhoods(db):
    # "Fındıklı Mah" is a neighbourhood of the town and one of the village Direkli.
    result = resolved(db, [("Amasya", "Merkez", "Fındıklı Mah.", "05220"), ("Amasya", "Merkez", "Fındıklı Mah.", "05100"),
                           ("Amasya", "Merkez", "Fındıklı Mah.", "")])
    assert result.frame["district"].tolist() == ["Fındıklı Mah (direkli Köyü)", "Fındıklı Mah", "Fındıklı Mah"]
    assert "05220" in result.tuples.loc[0, "note"]


def test_postcode_that_rules_out_the_plain_name_leaves_the_choice_among_those_it_fits(db):
    result = resolved(db, [("Rize", "Ardeşen", "Cami Mah.", "53480")])
    line = result.tuples.iloc[0]
    assert line["status"] == "ambiguous"
    assert {name for name, _ in line["suggestions_district"]} == {
        "Cami Mah (bayırcık Köyü)", "Cami Mah (duygulu Köyü)", "Cami Mah (küçükköy Köyü)", "Cami Mah (pınarlı Köyü)",
        "Cami Mah (seslikaya Köyü)", "Cami Mah (yamaçdere Köyü)", "Cami Mah (yavuz Köyü)", "Cami Mah (yeniköy Köyü)",
        "Cami Mah (şenyamaç Köyü)"}


def test_postcode_names_the_township_a_district_is_in_now(db):
    # Aksaray's Merkez and Sultanhanı both have a "Zafer Mah"; 68190 is Sultanhanı's.
    result = resolved(db, [("Aksaray", "Merkez", "Zafer Mah.", "68190"), ("Aksaray", "Merkez", "Zafer Mah.", "68010")])
    assert result.frame[["township", "district"]].values.tolist() == [["Sultanhanı", "Zafer Mah"], ["Merkez", "Zafer Mah"]]


def test_postcode_of_another_city_does_not_win_over_the_written_city(db):
    result = resolved(db, [("Aksaray", "Merkez", "Zafer Mah.", "06690")])
    assert result.frame.loc[2, ["city", "township", "district"]].tolist() == ["Aksaray", "Merkez", "Zafer Mah"]
    assert "06690" in result.tuples.loc[0, "note"] and "not used" in result.tuples.loc[0, "note"]


def test_village_neighbourhoods_sharing_one_postcode_stay_a_choice(db):
    result = resolved(db, [("Erzincan", "Kemah", "Cevizlik Köyü", "24402")])
    assert result.tuples.loc[0, "status"] == "ambiguous"


def test_tuples_and_review_lines_carry_the_postcode(db):
    from addrmig.locations.review import review_table

    result = resolved(db, [("Rize", "Ardeşen", "Cami Mah.", "53480")])
    assert result.tuples.loc[0, "postcode"] == "53480"
    assert review_table(result).loc[0, "postcode"] == "53480"


def test_fix_reads_a_postcode_column_to_settle_places_and_does_not_write_it(tmp_path):
    from addrmig.fixing import fix_file

    source = tmp_path / "in.csv"
    rows = [dict(dict.fromkeys(COLUMNS, "x"), country="Türkiye", city="Amasya", township="Merkez",
                 district="Fındıklı Mah.", email="a@example.com", posta_kodu="05220")]
    pd.DataFrame(rows).to_csv(source, index=False)
    outcome = fix_file(source, tmp_path / "out.csv", "csv", LocationDB.bundled())
    written = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert written.loc[0, "district"] == "Fındıklı Mah (direkli Köyü)"
    assert "posta_kodu" not in written.columns and "postcode" not in written.columns
    assert outcome.resolution.row_status.iloc[0] == "normalized"
