"""Saving a choice re-decides only the rows written as it names: the outcome is exactly what a
run over the whole file with the same choices gives (frame, statuses, summary, review list,
respelt cells)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from addrmig.locations.db import LocationDB
from addrmig.locations.resolver import apply_choices, resolve
from addrmig.locations.resolver.patching import rows_written_as, set_rows
from addrmig.locations.review import place_options, review_items, written_key
from addrmig.pipeline import load

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def db():
    return LocationDB.bundled()


@pytest.fixture(scope="module")
def frame():
    loaded = load(FIXTURES / "addresses_dev.csv").frame
    # A few places written with spaces around them and in other cases, so that the tuples
    # a choice names are several writings of one place.
    extra = loaded.head(40).copy()
    extra["city"] = " " + extra["city"].str.upper() + " "
    out = pd.concat([loaded, extra])
    out.index = range(2, len(out) + 2)
    return out


@pytest.fixture(scope="module")
def first(frame, db):
    return resolve(frame, db)


def assert_same(fast, full) -> None:
    pd.testing.assert_frame_equal(fast.frame, full.frame)
    pd.testing.assert_series_equal(fast.row_status, full.row_status)
    assert fast.summary() == full.summary()
    pd.testing.assert_frame_equal(review_items(fast), review_items(full))
    pd.testing.assert_frame_equal(fast.unresolved(), full.unresolved())
    pd.testing.assert_frame_equal(fast.changes, full.changes)
    assert fast.respelt_cells() == full.respelt_cells()


def some_choices(resolution, count: int, skip: int = 0) -> dict:
    items = review_items(resolution)
    choices = {}
    for _, item in items.iloc[skip:].iterrows():
        options = place_options(item)
        if options:
            choices[written_key(item)] = options[-1][0]
        if len(choices) == count:
            break
    assert len(choices) == count
    return choices


def test_a_saved_choice_gives_what_a_full_run_gives(first, frame, db):
    choices = some_choices(first, 5)
    fast = apply_choices(first, choices)
    full = resolve(frame, db, choices=choices)
    assert_same(fast, full)
    assert 0 < len(fast.patched_rows) < len(frame)


def test_choices_saved_one_after_another_give_what_a_full_run_with_all_gives(first, frame, db):
    one, two = some_choices(first, 3), some_choices(first, 3, skip=10)
    fast = apply_choices(apply_choices(first, one), two)
    full = resolve(frame, db, choices={**one, **two})
    assert_same(fast, full)


def test_a_choice_replacing_an_earlier_one_gives_what_a_full_run_gives(first, frame, db):
    items = review_items(first)
    item = next(item for _, item in items.iterrows() if len(place_options(item)) > 1)
    written = written_key(item)
    (a, _), (b, _) = place_options(item)[:2]
    fast = apply_choices(apply_choices(first, {written: a}), {written: b})
    full = resolve(frame, db, choices=pd.DataFrame(
        [written + b, written + a], columns=["country", "city", "township", "district",
                                             "place_country", "place_city", "place_township", "place_district"]))
    assert_same(fast, full)


def test_a_choice_for_a_resolved_place_respells_only_its_rows(first, frame, db):
    # Every writing of the first row's place (case and spaces aside) is moved to another place.
    written = tuple(frame.iloc[0][["country", "city", "township", "district"]])
    other = tuple(first.frame.iloc[1][["country", "city", "township", "district"]])
    fast = apply_choices(first, {written: other})
    full = resolve(frame, db, choices={written: other})
    assert_same(fast, full)
    assert 40 > len(fast.patched_rows) >= 2  # the row and its copy written in capitals with spaces


def test_the_rows_a_choice_names_are_those_written_that_way_case_and_spaces_aside():
    frame = pd.DataFrame({"country": ["Türkiye", "TÜRKİYE", "Türkiye", None],
                          "city": ["Ankara", " ankara ", "Ankara", "Ankara"],
                          "township": ["Çankaya", "ÇANKAYA", "Keçiören", "Çankaya"],
                          "district": ["", "", "", ""]})
    key = ("turkiye", "ankara", "cankaya", "")
    assert rows_written_as(frame, [key]).tolist() == [0, 1]
    assert rows_written_as(frame, []).tolist() == []
    assert rows_written_as(frame, [("", "ankara", "cankaya", "")]).tolist() == [3]
    assert np.issubdtype(rows_written_as(frame, [key]).dtype, np.integer)


def test_setting_a_few_values_keeps_the_column_and_leaves_the_original_as_it_was():
    column = pd.Series(pd.array([f"v{k}" for k in range(1000)], dtype="str"), index=range(2, 1002), name="city")
    out = set_rows(column, np.array([0, 5, 999]), np.array(["a", "b", "c"], dtype=object))
    assert out.dtype == column.dtype and out.index.equals(column.index) and out.name == "city"
    assert out.iloc[[0, 1, 5, 6, 999]].tolist() == ["a", "v1", "b", "v6", "c"]
    assert column.iloc[[0, 5, 999]].tolist() == ["v0", "v5", "v999"]
    plain = pd.Series(["x", "y", "z"], dtype=object)
    assert set_rows(plain, np.array([1]), np.array(["Y"], dtype=object)).tolist() == ["x", "Y", "z"]


def test_a_choice_for_rows_with_nothing_respelt_yet_gives_what_a_full_run_gives(db):
    frame = pd.DataFrame({"country": ["Türkiye", "Türkiye", "Türkiye"], "city": ["Atlantis", "Giresun", "Giresun"],
                          "township": ["TIREBOLU", "TIREBOLU", "Görele"], "district": ["", "", ""]},
                         index=[2, 3, 4])
    first = resolve(frame, db)
    assert first.changes["written"].tolist() == ["TIREBOLU"]  # the Giresun row's, not the Atlantis row's
    choice = {("Türkiye", "Atlantis", "TIREBOLU", ""): ("Türkiye", "Giresun", "Tirebolu", "")}
    assert_same(apply_choices(first, choice), resolve(frame, db, choices=choice))


def test_on_a_file_resolved_in_parts_a_saved_choice_gives_what_a_full_run_gives(frame, db, monkeypatch):
    from addrmig.locations.resolver import PARALLEL_MIN_ROWS, resolving

    # Parts by rows: the file repeats few places, which would otherwise make one part of it.
    monkeypatch.setattr(resolving, "PLACES_PER_PART", 1)
    big = pd.concat([frame] * (PARALLEL_MIN_ROWS // len(frame) + 1))
    big.index = range(2, len(big) + 2)
    first = resolve(big, db)
    assert len(first.change_parts) > 1  # resolved in parts, merged
    choices = some_choices(first, 4)
    assert_same(apply_choices(first, choices), resolve(big, db, choices=choices))
