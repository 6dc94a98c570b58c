"""LocationDB: bundled, from a frame, from a file."""
import pandas as pd
import pytest

from addrmig.errors import LocationDBError
from addrmig.locations import LocationDB


def test_bundled_database_has_every_turkish_level():
    db = LocationDB.bundled()
    assert db.levels == ("country", "city", "township", "district")
    assert db.frame["city"].nunique() == 81
    assert len(db.index.districts) == 73305


def test_from_frame_accepts_a_prefix_of_the_hierarchy_and_any_header_case():
    db = LocationDB.from_frame(pd.DataFrame({"Country": ["TÜRKİYE", "TÜRKİYE"], " CITY ": ["İSTANBUL", "ANKARA"]}),
                               source="test")
    assert db.levels == ("country", "city")
    assert sorted(db.index.cities["name"]) == ["ANKARA", "İSTANBUL"]


def test_from_frame_without_country_column_says_what_is_missing():
    with pytest.raises(LocationDBError, match="country"):
        LocationDB.from_frame(pd.DataFrame({"city": ["Ankara"]}), source="test")


def test_from_file_reads_a_csv_reference(tmp_path):
    path = tmp_path / "ref.csv"
    path.write_text("country,city,township,district\nTÜRKİYE,İSTANBUL,ÜSKÜDAR,AHMEDİYE MAH\n", encoding="utf-8")
    db = LocationDB.from_file(path)
    assert db.frame.iloc[0].tolist() == ["TÜRKİYE", "İSTANBUL", "ÜSKÜDAR", "AHMEDİYE MAH"]


def test_from_file_that_does_not_exist_is_a_location_db_error(tmp_path):
    with pytest.raises(LocationDBError, match="does not exist"):
        LocationDB.from_file(tmp_path / "nope.csv")
