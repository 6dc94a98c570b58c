"""Corrections memory: one owner's rules in the database, newest first, CSV import.

Every test runs on sqlite and on PostgreSQL (the ``database_url`` fixture); owners apart,
the carry-over of the old file and the schema are in test_storage_memory.py."""
import threading

import pandas as pd
import pytest

from addrmig.errors import BadArguments
from addrmig.locations.corrections import Corrections
from addrmig.storage.visibility import LOCAL

pytestmark = pytest.mark.usefixtures("database_url")
RECORD = {"level": "district", "country": "Türkiye", "city": "Giresun", "township": "Görele",
          "written": "Güney Mah.", "place": "Güney Mah (soğukpınar Köyü)"}


def test_the_memory_is_in_the_database_under_its_owner():
    store = Corrections(owner="user:ali@shop.com")
    assert store.owner == "user:ali@shop.com" and "user:ali@shop.com" in repr(store)
    with pytest.raises(BadArguments, match="needs an owner"):
        Corrections(owner=" ")


def test_saved_choice_is_loaded_back():
    store = Corrections(owner=LOCAL)
    store.save([RECORD])
    assert store.load().iloc[0].to_dict() == RECORD


def test_later_choice_for_the_same_value_replaces_the_earlier():
    store = Corrections(owner=LOCAL)
    store.save([RECORD])
    store.save([dict(RECORD, written="GÜNEY MAH.", place="Güney Mah (yeşilköy Köyü)")])
    loaded = store.load()
    assert len(loaded) == 1 and loaded.loc[0, "place"] == "Güney Mah (yeşilköy Köyü)"


def test_csv_without_place_column_is_refused_with_the_expected_columns(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("level,written\ncity,Atlantis\n", encoding="utf-8")
    with pytest.raises(BadArguments, match="place"):
        Corrections(owner=LOCAL).import_csv(path)


def test_rules_come_back_newest_first_and_a_batch_keeps_its_order():
    store = Corrections(owner=LOCAL)
    store.save([dict(RECORD, written="first"), dict(RECORD, written="second")])
    store.save([dict(RECORD, written="third")])
    store.save([dict(RECORD, written="FIRST", place="again")])  # the same written value: replaced, now newest
    assert store.load()[["written", "place"]].values.tolist() == [
        ["FIRST", "again"], ["third", RECORD["place"]], ["second", RECORD["place"]]]


def test_rows_without_a_written_value_a_place_or_a_known_level_are_not_kept():
    store = Corrections(owner=LOCAL)
    assert store.save([dict(RECORD, level="Street"), dict(RECORD, written=" "), dict(RECORD, place=""),
                       dict(RECORD, level="DISTRICT")]) == 1
    assert store.load()["level"].tolist() == ["district"]


def test_several_threads_can_save_at_once():
    store = Corrections(owner=LOCAL)
    threads = [threading.Thread(target=store.save, args=([dict(RECORD, written=f"w{k}")],)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.load()) == 8


def test_two_users_saving_the_same_rule_at_once_both_succeed_and_one_wins():
    stores = [Corrections(owner=LOCAL) for _ in range(6)]
    problems = []

    def save(k: int) -> None:
        try:
            stores[k].save([dict(RECORD, place=f"Place {k}")])
        except Exception as error:  # any failure is the finding
            problems.append(error)

    threads = [threading.Thread(target=save, args=(k,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    [place] = Corrections(owner=LOCAL).load()["place"].tolist()
    assert place in {f"Place {k}" for k in range(6)}


def test_choices_become_corrections_that_a_later_file_uses():
    from addrmig.fields import COLUMNS
    from addrmig.locations import LocationDB, choices_to_corrections, resolve

    db = LocationDB.bundled()
    frame = pd.DataFrame([dict(dict.fromkeys(COLUMNS, ""), country="Türkiye", city="Giresun", township="Görele",
                               district="Güney Mah.")], index=[2])
    place = ("Türkiye", "Giresun", "Görele", "Güney Mah (soğukpınar Köyü)")
    store = Corrections(owner=LOCAL)
    store.save(choices_to_corrections({("Türkiye", "Giresun", "Görele", "Güney Mah."): place}))
    again = resolve(frame.assign(district="GÜNEY MAH."), db, corrections=store.load())
    assert again.frame.loc[2, "district"] == "Güney Mah (soğukpınar Köyü)"
