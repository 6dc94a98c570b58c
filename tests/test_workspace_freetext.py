"""The app's session object on a file whose places are in one free-text address column."""
from __future__ import annotations

from pathlib import Path

import pytest

from addrmig.locations.db import LocationDB
from addrmig.pipeline import load
from addrmig.workspace import Workspace

SMALL = Path(__file__).parent / "fixtures" / "freetext_small.csv"


@pytest.fixture
def ws() -> Workspace:
    data = SMALL.read_bytes()
    ws = Workspace()
    ws.set_loaded(SMALL.name, data, load(data, SMALL.name))
    ws.set_locations("bundled", LocationDB.bundled())
    return ws


def test_resolving_the_places_first_reads_them_from_the_text_as_one_undoable_edit(ws):
    assert (ws.frame["city"] == "").all()
    resolution = ws.resolve_places(db=ws.location_db)
    labels = [edit.label for edit in ws.edits]
    assert labels[0] == "places read from the address text"
    assert ws.frame.loc[2, ["city", "township", "district"]].tolist() == ["İzmir", "Çeşme", "16 Eylül Mah"]
    assert resolution.summary()["exact"] == 7
    while ws.edits:
        ws.undo()
    assert (ws.frame["city"] == "").all()


def test_an_undone_reading_stays_undone(ws):
    ws.resolve_places(db=ws.location_db)
    while ws.edits:
        ws.undo()
    ws.resolve_places(db=ws.location_db)
    assert (ws.frame["city"] == "").all()


def test_what_was_read_is_listed_text_by_text_and_the_open_ones_apart(ws):
    ws.resolve_places(db=ws.location_db)
    every = ws.text_readings()
    assert len(every) == 10 and set(every["status"]) == {"found", "ambiguous", "none"}
    open_ = ws.text_readings(only_open=True)
    assert len(open_) == 3 and (open_["status"] != "found").all()
    aksu = open_[open_["text"].str.endswith("Aksu")].iloc[0]
    assert aksu["suggestions"] == "Antalya / Aksu; Isparta / Aksu"


def test_the_review_leaves_the_open_texts_to_their_own_list(ws):
    resolution = ws.resolve_places(db=ws.location_db)
    assert len(resolution.unresolved()) >= 1
    assert ws.review(resolution).empty


def test_a_place_chosen_for_an_address_text_is_written_into_its_rows(ws):
    ws.resolve_places(db=ws.location_db)
    text = ws.frame.loc[7, "line"]
    edit = ws.choose_text_places({text: ("Türkiye", "Isparta", "Aksu", "")})
    assert edit.label == "places chosen for address texts"
    assert ws.frame.loc[7, ["country", "city", "township"]].tolist() == ["Türkiye", "Isparta", "Aksu"]
    resolution = ws.resolve_places(db=ws.location_db)
    assert resolution.row_status[7] == "exact"
    ws.undo()
    assert ws.frame.loc[7, "city"] == ""


def test_a_file_with_place_columns_reads_nothing_from_the_text():
    data = (Path(__file__).parent / "fixtures" / "addresses_small.csv").read_bytes()
    ws = Workspace()
    ws.set_loaded("small.csv", data, load(data, "small.csv"))
    ws.set_locations("bundled", LocationDB.bundled())
    ws.resolve_places(db=ws.location_db)
    assert ws.text_places is None
    assert "places read from the address text" not in [edit.label for edit in ws.edits]
