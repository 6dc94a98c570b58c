"""resolve(): hierarchical matching on distinct tuples, statuses, suggestions, choices."""
import pandas as pd
import pytest

from addrmig.fields import COLUMNS
from addrmig.locations import LocationDB, apply_choices, resolve


@pytest.fixture(scope="module")
def db():
    return LocationDB.bundled()


def frame_of(*places):
    rows = []
    for place in places:
        row = dict.fromkeys(COLUMNS, "")
        row.update(zip(("country", "city", "township", "district"), place))
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS), index=range(2, len(rows) + 2)).astype(str)


def one(db, place):
    result = resolve(frame_of(place), db)
    return result, result.tuples.iloc[0]


def test_exact_place_is_exact_and_unchanged(db):
    result, t = one(db, ("Türkiye", "İstanbul", "Kadıköy", "Caferağa Mah"))
    assert t["status"] == "exact"
    assert result.frame.loc[2, "district"] == "Caferağa Mah"


def test_upper_case_ascii_and_suffix_variants_resolve_to_database_spelling(db):
    result, t = one(db, ("TURKEY", "ISTANBUL", "KADIKOY", "CAFERAGA MAHALLESI"))
    assert t["status"] == "normalized"
    assert result.frame.loc[2, ["country", "city", "township", "district"]].tolist() == [
        "Türkiye", "İstanbul", "Kadıköy", "Caferağa Mah"]


@pytest.mark.parametrize("alias, city", [("Afyon", "Afyonkarahisar"), ("K.Maraş", "Kahramanmaraş"),
                                         ("Urfa", "Şanlıurfa"), ("Antep", "Gaziantep"), ("İçel", "Mersin")])
def test_former_city_names_resolve(db, alias, city):
    township = db.frame.loc[db.frame["city"] == city, "township"].iloc[0]
    result, t = one(db, ("Türkiye", alias, township, ""))
    assert result.frame.loc[2, "city"] == city


@pytest.mark.parametrize("country", ["Turkey", "TR", "TUR", "TÜRKİYE", "türkiye", "Turkiye"])
def test_country_aliases_resolve_to_turkiye(db, country):
    result, _ = one(db, (country, "Ankara", "Çankaya", ""))
    assert result.frame.loc[2, "country"] == "Türkiye"


def test_misspelt_city_is_recovered_through_its_unique_township(db):
    result, t = one(db, ("Türkiye", "Bipecik", "Pazaryeri", ""))
    assert result.frame.loc[2, "city"] == "Bilecik"
    assert t["status"] == "fuzzy"


def test_garbage_city_is_not_guessed_from_its_township_but_suggested(db):
    result, t = one(db, ("Türkiye", "Atlantis", "Tirebolu", ""))
    assert t["status"] == "unmatched"
    assert result.frame.loc[2, "city"] == "Atlantis"
    assert t["suggestions_city"][0][0] == "Giresun"


def test_township_of_another_city_is_flagged_not_moved(db):
    result, t = one(db, ("Türkiye", "Ankara", "Kadıköy", "Caferağa Mah"))
    assert t["status"] == "unmatched"
    assert "İstanbul" in t["note"]
    assert result.frame.loc[2, "township"] == "Kadıköy"


def test_district_of_one_other_township_of_the_city_names_that_township(db):
    # Caferağa Mah is in Kadıköy, not in Üsküdar: the township is taken from the district, and said so.
    result, t = one(db, ("Türkiye", "İstanbul", "Üsküdar", "Caferağa Mah"))
    assert result.frame.loc[2, ["township", "district"]].tolist() == ["Kadıköy", "Caferağa Mah"]
    assert t["status"] == "fuzzy" and "Kadıköy" in t["note"]


def test_typo_in_district_is_fixed_when_clearly_ahead(db):
    result, t = one(db, ("Türkiye", "İstanbul", "Kadıköy", "Cafreağa Mah"))
    assert t["status"] == "fuzzy"
    assert result.frame.loc[2, "district"] == "Caferağa Mah"


def test_name_shared_by_several_villages_is_ambiguous_with_suggestions(db):
    # Görele has several "Güney Mah (… Köyü)" and no plain "Güney Mah".
    result, t = one(db, ("Türkiye", "Giresun", "Görele", "Güney Mah."))
    assert t["status"] == "ambiguous"
    assert result.frame.loc[2, "district"] == "Güney Mah."
    assert len(t["suggestions"]) == 3


def test_dropped_village_part_is_recovered_when_unique(db):
    result, _ = one(db, ("Türkiye", "Kars", "Kağızman", "Demirkapı Mah"))
    assert result.frame.loc[2, "district"] == "Demirkapı Mah (kuloğlu Köyü)"


def test_township_and_district_in_each_others_columns_are_recognised(db):
    result, t = one(db, ("Türkiye", "İstanbul", "Caferağa Mah", "Kadıköy"))
    assert result.frame.loc[2, ["township", "district"]].tolist() == ["Kadıköy", "Caferağa Mah"]
    assert "each other" in t["note"]


def test_empty_city_is_missing(db):
    _, t = one(db, ("Türkiye", "", "Kadıköy", "Caferağa Mah"))
    assert t["status"] == "missing"


def test_rows_with_the_same_written_place_share_one_tuple(db):
    frame = frame_of(*[("Türkiye", "ISTANBUL", "KADIKOY", "Caferağa Mah")] * 4,
                     ("Türkiye", "Ankara", "Çankaya", ""))
    result = resolve(frame, db)
    assert len(result.tuples) == 2
    assert result.tuples["rows"].tolist() == [4, 1]
    assert result.tuples["examples"].iloc[0] == (2, 3, 4)


def test_resolution_keeps_the_index_and_leaves_the_input_untouched(db):
    frame = frame_of(("Türkiye", "ISTANBUL", "KADIKOY", ""))
    frame.index = [7]
    before = frame.copy()
    result = resolve(frame, db)
    assert list(result.frame.index) == [7] and list(result.row_status.index) == [7]
    pd.testing.assert_frame_equal(frame, before)


def test_changes_count_rows_per_respelt_value(db):
    frame = frame_of(*[("Türkiye", "ISTANBUL", "Kadıköy", "")] * 3)
    changes = resolve(frame, db).changes
    row = changes[changes["column"] == "city"].iloc[0]
    assert (row["written"], row["place"], row["rows"]) == ("ISTANBUL", "İstanbul", 3)


def test_summary_counts_rows_per_status(db):
    frame = frame_of(("Türkiye", "İstanbul", "Kadıköy", "Caferağa Mah"), ("Türkiye", "Atlantis", "X", ""))
    summary = resolve(frame, db).summary()
    assert summary["exact"] == 1 and summary["unmatched"] == 1 and summary["resolved_share"] == 0.5


def test_user_choice_resolves_an_ambiguous_tuple(db):
    written = ("Türkiye", "Giresun", "Görele", "Güney Mah.")
    first = resolve(frame_of(written), db)
    place = first.tuples["suggestions"].iloc[0][1][0]
    chosen = apply_choices(first, {written: place})
    assert chosen.frame.loc[2, ["country", "city", "township", "district"]].tolist() == list(place)
    assert chosen.row_status.loc[2] in ("normalized", "exact")


def test_corrections_apply_to_a_value_under_its_parent(db):
    corrections = pd.DataFrame([{"level": "city", "country": "Türkiye", "city": "", "township": "",
                                 "written": "Atlantis", "place": "Giresun"}])
    result = resolve(frame_of(("Türkiye", "atlantis", "Tirebolu", "")), db, corrections=corrections)
    assert result.frame.loc[2, "city"] == "Giresun"


def test_a_shallow_reference_resolves_only_its_levels():
    db = LocationDB.from_frame(pd.DataFrame({"country": ["TÜRKİYE"] * 2, "city": ["İSTANBUL", "ANKARA"]}))
    result = resolve(frame_of(("Turkey", "istanbul", "Kadıköy", "x")), db)
    assert result.frame.loc[2, ["country", "city", "township"]].tolist() == ["TÜRKİYE", "İSTANBUL", "Kadıköy"]
    assert result.row_status.loc[2] == "normalized"


def test_output_uses_the_reference_spelling_in_upper_case(db):
    upper = LocationDB.from_frame(pd.DataFrame({"country": ["TÜRKİYE"], "city": ["İSTANBUL"],
                                                "township": ["ÜSKÜDAR"], "district": ["AHMEDİYE MAH"]}))
    result = resolve(frame_of(("Türkiye", "Istanbul", "uskudar", "Ahmediye Mahallesi")), upper)
    assert result.frame.loc[2, ["city", "township", "district"]].tolist() == ["İSTANBUL", "ÜSKÜDAR", "AHMEDİYE MAH"]


def test_a_common_name_written_without_its_village_is_a_choice_with_the_towns_first():
    villages = ["Akköy", "Çamlıca", "Yeniyurt", "Tavak"]
    districts = ["Merkez Mah", *[f"Merkez Mah ({v.lower()} Köyü)" for v in villages],
                 "Cami Mah", "Cami Mah (çamlıca Köyü)"]
    db = LocationDB.from_frame(pd.DataFrame({"country": "Türkiye", "city": "Düzce", "township": "Kaynaşlı",
                                             "district": districts}))
    result = resolve(frame_of(("Türkiye", "Düzce", "Kaynaşlı", "MERKEZ MAH."),
                              ("Türkiye", "Düzce", "Kaynaşlı", "Merkez Mah"),
                              ("Türkiye", "Düzce", "Kaynaşlı", "CAMİ MAH.")), db)
    common, exact, rare = (result.tuples.set_index("district").loc[name] for name in
                           ("MERKEZ MAH.", "Merkez Mah", "CAMİ MAH."))
    # Four villages have a "Merkez Mah" too: the name alone is any of five places.
    assert common["status"] == "ambiguous" and result.frame.loc[2, "district"] == "MERKEZ MAH."
    assert [place[-1] for place, _score in common["suggestions"]] == districts[:5]
    # Written exactly as the database writes the town's: the town's.
    assert exact["status"] == "exact" and result.frame.loc[3, "district"] == "Merkez Mah"
    # One village namesake: the town's neighbourhood, as before.
    assert rare["status"] == "normalized" and result.frame.loc[4, "district"] == "Cami Mah"
