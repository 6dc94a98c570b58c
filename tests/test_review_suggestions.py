"""What the Places page offers for a place it could not match: every candidate of an
ambiguous place, no suggestion with nothing behind it, the best one with its reason, the
cascading pickers' options, and how many rows each choice applies to."""
from __future__ import annotations

import pandas as pd
import pytest

from addrmig.locations.db import LocationDB
from addrmig.locations.resolver import resolve
from addrmig.locations.review import review_items
from addrmig.locations.suggesting import (
    best_suggestion,
    candidates,
    cities,
    countries,
    country_of,
    districts,
    rows_changed,
    townships,
)

LEVELS = ["country", "city", "township", "district"]
KUMLU = ("Türkiye", "Atlantis", "Dursunbey", "Kumlu Mh.")
GOTHAM = ("Türkiye", "Gotham", "Banaz", "Kukurt Mah.")
MERKEZ = ("Türkiye", "Kütahya", "Merkez", "Merkez Mh.")
NO_CITY = ("Türkiye", "", "Merkez", "")
NOWHERE = ("Türkiye", "Xyzzy", "", "")
WRITTEN = [KUMLU, GOTHAM, MERKEZ, NO_CITY, NOWHERE, KUMLU, ("türkiye", " ATLANTIS ", "dursunbey", "KUMLU MH."),
           ("Türkiye", "Atlantis", "Tirebolu", "")]


@pytest.fixture(scope="module")
def db():
    return LocationDB.bundled()


@pytest.fixture(scope="module")
def resolution(db):
    return resolve(pd.DataFrame(WRITTEN, columns=LEVELS), db)


@pytest.fixture(scope="module")
def items(resolution):
    return review_items(resolution)


def line(items: pd.DataFrame, written: tuple) -> pd.Series:
    for _, item in items.iterrows():
        if tuple(item[LEVELS]) == written:
            return item
    raise AssertionError(f"{written} is not on the review list")


def test_every_place_an_ambiguous_name_fits_is_offered(items, db):
    offered = {s.place for s in candidates(line(items, MERKEZ), db)}
    every = {("Türkiye", "Kütahya", "Merkez", name) for name in districts(db, "Kütahya", "Merkez")
             if name.startswith("Merkez Mah")}
    assert len(every) >= 2 and every <= offered


def test_a_township_written_without_its_city_offers_every_city_holding_one_so_named(items, db):
    offered = {s.place for s in candidates(line(items, NO_CITY), db)}
    holding = {("Türkiye", city, "Merkez", "") for city in cities(db) if "Merkez" in townships(db, city)}
    assert len(holding) > 40 and offered == holding


def test_a_place_found_by_the_names_below_an_unknown_city_is_offered_with_its_reason(items, db):
    best = best_suggestion(line(items, GOTHAM), db)
    assert best.place[:3] == ("Türkiye", "Uşak", "Banaz") and best.place[3].startswith("Kükürt Mah")
    assert "Banaz" in best.reason and "Kukurt Mah." in best.reason


def test_no_suggestion_without_anything_behind_it(items, db):
    for _, item in items.iterrows():
        for suggestion in candidates(item, db):
            assert suggestion.score > 0 or " found " in suggestion.reason  # a score of 0: the names written fit it
    assert candidates(line(items, NOWHERE), db) == []
    assert best_suggestion(line(items, NOWHERE), db) is None


def test_the_best_suggestion_comes_with_the_reason_it_is_offered(items, db):
    best = best_suggestion(line(items, KUMLU), db)
    assert best.place == ("Türkiye", "Balıkesir", "Dursunbey", "Kumlu Mah")
    assert best.reason == "the township “Dursunbey” and the district “Kumlu Mh.” are found there"


def test_when_several_fit_equally_the_best_suggestion_says_so(items, db):
    assert best_suggestion(line(items, NO_CITY), db).reason.startswith("one of 51 places that fit equally")


def test_candidates_are_never_repeated(items, db):
    for _, item in items.iterrows():
        places = [s.place for s in candidates(item, db)]
        assert len(places) == len(set(places))


def test_the_cascading_options_come_from_the_reference(db):
    assert countries(db) == ["Türkiye"]
    assert len(cities(db)) == 81 and cities(db)[:2] == ["Adana", "Adıyaman"]
    assert "Banaz" in townships(db, "Uşak") and "Banaz" not in townships(db, "Ankara")
    assert any(name.startswith("Kükürt Mah") for name in districts(db, "Uşak", "Banaz"))
    assert townships(db, "") == [] and districts(db, "Uşak", "") == []
    assert country_of(db, "Uşak") == "Türkiye"


def test_a_choice_applies_to_the_rows_written_that_way_case_and_spaces_aside(resolution):
    counts = rows_changed(resolution, {KUMLU: ("Türkiye", "Balıkesir", "Dursunbey", "Kumlu Mah"),
                                       MERKEZ: ("Türkiye", "Kütahya", "Merkez", "")})
    assert counts == {KUMLU: 3, MERKEZ: 1}
    assert rows_changed(resolution, {}) == {}


def test_review_lines_differing_only_in_case_letters_or_spaces_are_one_line_with_all_their_rows():
    import pandas as pd

    from addrmig.fields import COLUMNS
    from addrmig.locations import LocationDB, resolve
    from addrmig.locations.review import review_items

    written = [("Türkiye", "Atlantis", "Dursunbey", "Kumlu Mh."), ("Türkiye", "ATLANTİS", "DURSUNBEY", "KUMLU MH. "),
               ("Türkiye", "Atlantis", "Dursunbey", "Kumlu Mh."), ("Türkiye", "Gotham", "Dursunbey", "Kumlu Mh."),
               ("Turkiye", "atlantis", "dursunbey", "kumlu-mh")]
    frame = pd.DataFrame([dict(dict.fromkeys(COLUMNS, "x"), **dict(zip(["country", "city", "township", "district"], w)))
                          for w in written], dtype="str")
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    items = review_items(resolve(frame, LocationDB.bundled()))
    assert items[["city", "rows", "spellings"]].values.tolist() == [["Atlantis", 4, 3], ["Gotham", 1, 1]]
    assert items["examples"].tolist() == [(2, 3, 4), (5,)]
