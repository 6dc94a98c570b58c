"""The place memory in the database: each owner's choices and rules apart from every other owner's,
the ``corrections.sqlite`` of the version before the database carried over once (as ``local``'s),
the schema revision that adds it keeping what a database held, and a workspace's own memory
deleted with it.

Every test runs on sqlite and on PostgreSQL (the ``database_url`` fixture)."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, inspect, select, text

from addrmig.cli import main
from addrmig.errors import StorageError
from addrmig.history import History
from addrmig.locations.corrections import CHOICE_COLUMNS, Corrections
from addrmig.storage import WorkspaceStore
from addrmig.storage.database import Database, close_database, open_database
from addrmig.storage.migrate import config, current, head, upgrade
from addrmig.storage.models import LegacyImport, PlaceChoice, PlaceRule
from addrmig.storage.settings import database_url as current_url
from addrmig.storage.visibility import LOCAL

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("database_url")
ALI, EVE = "user:ali@shop.com", "user:eve@else.com"
RULE = {"level": "city", "country": "Türkiye", "city": "", "township": "", "written": "Atlantis", "place": "Giresun"}
WRITTEN = ("Türkiye", "Atlantis", "Dursunbey", "Kumlu Mh.")
PLACE = ("Türkiye", "Balıkesir", "Dursunbey", "Kumlu Mah")

#: The schema of addrmig/locations/corrections.py before the database, verbatim.
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS corrections (
    level TEXT NOT NULL, country TEXT NOT NULL, city TEXT NOT NULL, township TEXT NOT NULL,
    written TEXT NOT NULL, written_key TEXT NOT NULL, place TEXT NOT NULL, updated REAL NOT NULL,
    PRIMARY KEY (level, country, city, township, written_key));
CREATE TABLE IF NOT EXISTS choices (
    country TEXT NOT NULL, city TEXT NOT NULL, township TEXT NOT NULL, district TEXT NOT NULL,
    written_key TEXT NOT NULL PRIMARY KEY, place_country TEXT NOT NULL, place_city TEXT NOT NULL,
    place_township TEXT NOT NULL, place_district TEXT NOT NULL, updated REAL NOT NULL);
"""
MARCH = datetime(2024, 3, 1, 10, 0, tzinfo=timezone.utc).timestamp()


def choice(written: tuple = WRITTEN, place: tuple = PLACE) -> pd.DataFrame:
    return pd.DataFrame([written + place], columns=list(CHOICE_COLUMNS))


@pytest.fixture
def old_memory() -> Path:
    """The data dir of the version before the database with its corrections.sqlite: three rules
    (the newest written last) and two choices, and rows that meant nothing there either."""
    folder = Path(os.environ["ADDRMIG_DATA_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(folder / "corrections.sqlite")) as db, db:
        db.executescript(OLD_SCHEMA)
        db.executemany("INSERT INTO corrections VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            ("city", "Türkiye", "", "", "Atlantis", "atlantis", "Giresun", MARCH + 30),
            ("township", "Türkiye", "Giresun", "", "Tireboly", "tireboly", "Tirebolu", MARCH),
            ("district", "Türkiye", "Giresun", "Görele", "Güney Mah.", "guneymah", "Güney Mah (soğukpınar Köyü)",
             MARCH + 60),
            ("street", "Türkiye", "", "", "Cadde", "cadde", "Cadde", MARCH)])  # never a level
        db.executemany("INSERT INTO choices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            (*WRITTEN, "turkiye\x1fatlantis\x1fdursunbey\x1fkumlumh", *PLACE, MARCH + 10),
            ("Türkiye", "Atlantis", "Tirebolu", "", "turkiye\x1fatlantis\x1ftirebolu\x1f", "Türkiye", "Giresun",
             "Tirebolu", "", MARCH + 20),
            ("Türkiye", "X", "", "", "turkiye\x1fx\x1f\x1f", "", "", "", "", MARCH)])  # no place
    return folder


# ---------------------------------------------------------------------------------------------- owners
def test_one_owners_choices_and_rules_are_never_another_owners():
    ali, eve = Corrections(owner=ALI), Corrections(owner=EVE)
    ali.save_choices(choice())
    ali.save([RULE])
    assert eve.load_choices().empty and eve.load().empty
    assert Corrections(owner=LOCAL).load_choices().empty and Corrections(owner=LOCAL).load().empty
    eve.save_choices(choice(place=("Türkiye", "Balıkesir", "Dursunbey", "Karagöz Mah")))
    eve.save([dict(RULE, place="Rize")])
    assert tuple(ali.load_choices().iloc[0]) == WRITTEN + PLACE  # eve's pick for the same place changed nothing
    assert ali.load()["place"].tolist() == ["Giresun"] and eve.load()["place"].tolist() == ["Rize"]
    eve.clear()
    assert eve.load_choices().empty and eve.load().empty
    assert len(ali.load_choices()) == 1 and len(ali.load()) == 1
    assert len(Corrections(owner=ALI).load_choices()) == 1  # the same owner in another session sees them


def test_a_batch_of_choices_with_one_written_place_twice_keeps_the_last():
    store = Corrections(owner=ALI)
    other = ("Türkiye", "Balıkesir", "Dursunbey", "Karagöz Mah")
    batch = pd.concat([choice(), choice(written=("türkiye", "ATLANTİS", "dursunbey", "kumlu mh"), place=other)])
    assert store.save_choices(batch) == 2
    assert [tuple(row) for row in store.load_choices().itertuples(index=False)] == [
        ("türkiye", "ATLANTİS", "dursunbey", "kumlu mh") + other]


# ---------------------------------------------------------------------------------------------- carry-over
def test_the_old_memory_comes_over_as_the_command_lines_newest_first_with_its_times(old_memory):
    local = Corrections(owner=LOCAL)
    assert local.load()[["level", "written", "place"]].values.tolist() == [
        ["district", "Güney Mah.", "Güney Mah (soğukpınar Köyü)"], ["city", "Atlantis", "Giresun"],
        ["township", "Tireboly", "Tirebolu"]]
    assert [tuple(row) for row in local.load_choices().itertuples(index=False)] == [
        ("Türkiye", "Atlantis", "Tirebolu", "", "Türkiye", "Giresun", "Tirebolu", ""), WRITTEN + PLACE]
    with open_database().reading() as session:
        times = session.scalars(select(PlaceRule.updated_at).order_by(PlaceRule.updated_at)).all()
        imported = session.get(LegacyImport, str(old_memory / "corrections.sqlite"))
    assert times[0] == datetime(2024, 3, 1, 10, 0, tzinfo=timezone.utc)
    assert (imported.choices, imported.rules, imported.submissions) == (2, 3, 0)
    assert Corrections(owner=ALI).load().empty and Corrections(owner=ALI).load_choices().empty


def test_the_old_memory_is_carried_over_once(old_memory):
    Corrections(owner=LOCAL).clear()  # carried over, then forgotten by its owner
    assert upgrade(open_database(), again=True).carried == ()
    close_database(current_url())  # as a new process would
    assert Corrections(owner=LOCAL).load().empty


def test_processes_opening_the_database_together_carry_it_over_once(old_memory):
    opener = ("from addrmig.locations.corrections import Corrections; "
              "print(len(Corrections(owner='local').load()), len(Corrections(owner='local').load_choices()))")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    openers = [subprocess.Popen([sys.executable, "-c", opener], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(3)]
    said = [p.communicate(timeout=60) for p in openers]
    assert [out.strip() for out, _ in said] == ["3 2"] * 3, said
    with open_database().reading() as session:
        assert len(session.scalars(select(LegacyImport.source)).all()) == 1


def test_what_the_command_line_remembered_in_the_database_stays_over_an_old_copy(old_memory, tmp_path):
    url = current_url()
    elsewhere = open_database(url, tmp_path / "elsewhere")  # opened first without the old file
    Corrections(elsewhere, owner=LOCAL).save([dict(RULE, place="Rize")])
    close_database(url)
    local = Corrections(owner=LOCAL)  # now with the old file in the data dir
    assert local.load().set_index("written")["place"].to_dict() == {
        "Atlantis": "Rize", "Tireboly": "Tirebolu", "Güney Mah.": "Güney Mah (soğukpınar Köyü)"}
    with open_database().reading() as session:
        assert session.get(LegacyImport, str(old_memory / "corrections.sqlite")).rules == 2


def test_it_comes_over_beside_the_old_history_each_recorded(old_memory):
    with closing(sqlite3.connect(old_memory / "history.sqlite3")) as db, db:
        db.execute("CREATE TABLE submissions (id INTEGER PRIMARY KEY)")  # a history that never got its samples
    done = upgrade(Database(current_url()), again=True)  # the first upgrade of this database
    assert [(carried.kind, carried.submissions, carried.choices, carried.rules) for carried in done.carried] == [
        ("history", 0, 0, 0), ("place choices and rules", 0, 2, 3)]
    with open_database().reading() as session:
        assert sorted(Path(source).name for source in session.scalars(select(LegacyImport.source))) == [
            "corrections.sqlite", "history.sqlite3"]
    assert len(Corrections(owner=LOCAL).load()) == 3 and History().list() == []


def test_an_old_memory_that_cannot_be_read_is_named_with_what_to_do():
    folder = Path(os.environ["ADDRMIG_DATA_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corrections.sqlite").write_bytes(b"not a database at all, " * 100)
    with pytest.raises(StorageError, match="earlier place choices .*corrections.sqlite cannot be read.*move the file"):
        Corrections(owner=LOCAL)


def test_db_upgrade_carries_it_over_and_says_what_it_did(old_memory, capsys):
    assert main(["db", "status"]) == 1
    assert f"place choices and rules to carry over: {old_memory / 'corrections.sqlite'}" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"schema:   {head()} (was empty)" in out
    assert f"carried over from {old_memory / 'corrections.sqlite'}: 2 place choices, 3 rules" in out
    assert main(["db", "upgrade"]) == 0
    assert "carried over" not in capsys.readouterr().out
    assert main(["db", "status"]) == 0
    assert "to carry over" not in capsys.readouterr().out
    assert len(Corrections(owner=LOCAL).load()) == 3


# ---------------------------------------------------------------------------------------------- schema
def test_a_database_at_0002_is_upgraded_to_0003_with_what_it_held():
    from alembic import command

    url = current_url()
    engine = create_engine(url)
    with engine.begin() as connection:  # a database the version before made, with a submission and a carry-over
        command.upgrade(config(connection), "0002")
        connection.execute(text(
            "INSERT INTO submissions (id, owner, scope, base_url, channel_id, migration_key, migration_id, filename, "
            "sha256, size, rows, status, message, submitted_at, finished_at, processed, errors, total) VALUES "
            "(4, 'local', 'akinon:https://shop.example.com#1', 'https://shop.example.com', '1', 'address', 'm-4', "
            "'a.csv', 'abc', 120, 3, 'finished', '', '2026-11-01 10:00:00', '2026-11-01 10:05:00', 3, 0, 3)"))
        connection.execute(text(
            "INSERT INTO submission_parts (submission_id, number, first_row, rows, header_size, body_start, body_end, "
            "size, sha256, status, migration_id, processed, errors, total, message) VALUES "
            "(4, 1, 1, 3, 0, 0, 120, 120, 'abc', 'finished', 'm-4', 3, 0, 3, '')"))
        connection.execute(text("INSERT INTO legacy_imports (source, imported_at, submissions, samples, files) "
                                "VALUES ('/old/history.sqlite3', '2026-11-20 09:00:00', 1, 0, 0)"))
        assert not inspect(connection).has_table("place_choices")
    engine.dispose()
    history = History()  # opening it upgrades the database
    assert current(history.database) == head() == "0003"
    assert (history.get(4).filename, history.get(4).migration_id, len(history.parts(4))) == ("a.csv", "m-4", 1)
    with history.database.reading() as session:
        before = session.get(LegacyImport, "/old/history.sqlite3")
        assert (before.submissions, before.choices, before.rules) == (1, 0, 0)
    Corrections(history.database, owner=LOCAL).save([RULE])
    assert Corrections(history.database, owner=LOCAL).load()["place"].tolist() == ["Giresun"]


def test_0003_can_be_taken_back_to_0002():
    from alembic import command

    database = open_database()
    Corrections(database, owner=ALI).save([RULE])
    with database.connection() as connection:
        command.downgrade(config(connection), "0002")
        assert not inspect(connection).has_table("place_rules")
        assert "choices" not in {column["name"] for column in inspect(connection).get_columns("legacy_imports")}
    close_database(database.url)


# ---------------------------------------------------------------------------------------------- workspaces
def test_a_workspaces_own_memory_goes_with_it_a_signed_in_users_stays():
    store = WorkspaceStore(ttl=timedelta(hours=1))
    anonymous = store.create()
    signed_in = store.create(ALI)
    deleted = store.create()
    for owner in (f"workspace:{anonymous}", ALI, f"workspace:{deleted}"):
        Corrections(store.database, owner=owner).save_choices(choice())
        Corrections(store.database, owner=owner).save([RULE])
    assert store.delete(deleted, f"workspace:{deleted}")
    assert Corrections(store.database, owner=f"workspace:{deleted}").load_choices().empty
    assert len(Corrections(store.database, owner=f"workspace:{anonymous}").load_choices()) == 1
    assert store.purge_expired(datetime.now(timezone.utc) + timedelta(hours=2)) == 2
    with store.database.reading() as session:
        assert set(session.scalars(select(PlaceChoice.owner))) == set(session.scalars(select(PlaceRule.owner))) == {ALI}
    assert signed_in
