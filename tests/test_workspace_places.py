"""The session's place choices: a pick changes only its written place, a generalisation is
previewed before it is applied, conflicts are listed, and sessions never share picks."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from addrmig.fields import COLUMNS
from addrmig.locations.corrections import Corrections
from addrmig.locations.db import LocationDB
from addrmig.pipeline import load
from addrmig.storage.visibility import LOCAL
from addrmig.workspace import Workspace

LEVELS = ["country", "city", "township", "district"]
KUMLU = ("Türkiye", "Atlantis", "Dursunbey", "Kumlu Mh.")
BALIKESIR_KUMLU = ("Türkiye", "Balıkesir", "Dursunbey", "Kumlu Mah")
TIREBOLU = ("Türkiye", "Atlantis", "Tirebolu", "")
WRITTEN = [KUMLU, TIREBOLU, TIREBOLU, ("Türkiye", "Atlantis", "Görele", "Güney Mah."), KUMLU]


def file_bytes() -> bytes:
    rows = [dict(dict.fromkeys(COLUMNS, "x"), email=f"u{k}@example.com", **dict(zip(LEVELS, place)))
            for k, place in enumerate(WRITTEN)]
    buffer = io.StringIO()
    pd.DataFrame(rows, columns=list(COLUMNS)).to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def session(memory: Corrections | None = None) -> Workspace:
    ws = Workspace()
    ws.memory = memory
    data = file_bytes()
    ws.set_loaded("atlantis.csv", data, load(data, "atlantis.csv"))
    ws.resolve_places(db=LocationDB.bundled(), corrections=ws.corrections())
    return ws


def places(ws: Workspace) -> list[tuple]:
    return [tuple(row) for row in ws.frame[LEVELS].itertuples(index=False, name=None)]


@pytest.fixture(scope="module")
def db():
    return LocationDB.bundled()


def test_a_pick_changes_only_the_rows_written_as_it_was(db):
    ws = session()
    edit = ws.choose_places({KUMLU: BALIKESIR_KUMLU})
    assert places(ws) == [BALIKESIR_KUMLU, TIREBOLU, TIREBOLU, WRITTEN[3], BALIKESIR_KUMLU]
    assert sorted(set(edit.changes["row"])) == [2, 6]
    assert ws.corrections() is None  # a pick is not a rule


def test_a_generalisation_is_shown_before_it_is_applied_and_then_changes_just_those_rows(db):
    ws = session()
    ws.choose_places({KUMLU: BALIKESIR_KUMLU})
    before = places(ws)
    preview = ws.preview_generalisation(KUMLU, BALIKESIR_KUMLU, "city")
    assert places(ws) == before
    assert preview[["township", "rows"]].values.tolist() == [["Tirebolu", 2], ["Görele", 1]]
    edit = ws.generalise_choice(KUMLU, BALIKESIR_KUMLU, "city")
    assert sorted(set(edit.changes["row"])) == [3, 4, 5]
    assert [place[1] for place in places(ws)] == ["Balıkesir"] * 5
    assert ws.corrections()[["level", "written", "place"]].values.tolist() == [["city", "Atlantis", "Balıkesir"]]


def test_a_pick_against_a_rule_holds_for_its_written_place_and_is_listed(db):
    ws = session()
    ws.choose_places({KUMLU: BALIKESIR_KUMLU})
    ws.generalise_choice(KUMLU, BALIKESIR_KUMLU, "city")
    giresun = ("Türkiye", "Giresun", "Tirebolu", "")
    ws.choose_places({TIREBOLU: giresun})
    assert places(ws)[1] == giresun
    conflicts = ws.place_conflicts()
    assert conflicts[["township", "chosen"]].values.tolist() == [["Tirebolu", giresun]]


def test_two_sessions_do_not_share_picks(db):
    first, second = session(), session()
    first.choose_places({KUMLU: BALIKESIR_KUMLU})
    third = session()
    assert places(second)[0] == places(third)[0] == KUMLU
    assert Corrections(owner=LOCAL).load_choices().empty and Corrections(owner=LOCAL).load().empty  # nothing stored


@pytest.mark.usefixtures("database_url")
def test_picks_and_rules_are_remembered_in_their_owners_memory_only(db):
    mine = Corrections(owner="user:ali@shop.com")
    ws = session(mine)
    ws.choose_places({KUMLU: BALIKESIR_KUMLU})
    ws.generalise_choice(TIREBOLU, ("Türkiye", "Giresun", "Tirebolu", ""), "city")
    again = session(Corrections(owner="user:ali@shop.com"))  # the same user, another session
    assert places(again)[0] == BALIKESIR_KUMLU and places(again)[1][1] == "Giresun"
    for other in ("user:eve@else.com", "workspace:abcdefghijklmnopqrstuvwx", LOCAL):
        assert places(session(Corrections(owner=other)))[:2] == [KUMLU, TIREBOLU]


def test_a_pick_holds_for_the_session_when_the_memory_cannot_be_written(tmp_path, db):
    from addrmig.errors import StorageError
    from addrmig.storage.database import Database
    from addrmig.storage.migrate import upgrade

    path = tmp_path / "gone.sqlite3"
    database = Database(f"sqlite:///{path}")
    upgrade(database, tmp_path)
    ws = session(Corrections(database, owner="user:ali@shop.com"))
    for leftover in tmp_path.glob("gone.sqlite3*"):
        leftover.unlink()  # the database went away under the running app
    with pytest.raises(StorageError, match="could not be used"):
        ws.choose_places({KUMLU: BALIKESIR_KUMLU})
    assert places(ws)[0] == BALIKESIR_KUMLU and places(ws)[1] == TIREBOLU
