"""Corrections memory: sqlite in the data dir, newest first, CSV import."""
import threading

import pandas as pd
import pytest

from addrmig.errors import BadArguments
from addrmig.locations.corrections import Corrections, default_path

RECORD = {"level": "district", "country": "Türkiye", "city": "Giresun", "township": "Görele",
          "written": "Güney Mah.", "place": "Güney Mah (soğukpınar Köyü)"}


def test_store_lives_in_addrmig_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ADDRMIG_DATA_DIR", str(tmp_path))
    assert default_path() == tmp_path / "corrections.sqlite"


def test_saved_choice_is_loaded_back(tmp_path):
    store = Corrections(tmp_path / "c.sqlite")
    store.save([RECORD])
    assert store.load().iloc[0].to_dict() == RECORD


def test_later_choice_for_the_same_value_replaces_the_earlier(tmp_path):
    store = Corrections(tmp_path / "c.sqlite")
    store.save([RECORD])
    store.save([dict(RECORD, written="GÜNEY MAH.", place="Güney Mah (yeşilköy Köyü)")])
    loaded = store.load()
    assert len(loaded) == 1 and loaded.loc[0, "place"] == "Güney Mah (yeşilköy Köyü)"


def test_csv_without_place_column_is_refused_with_the_expected_columns(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("level,written\ncity,Atlantis\n", encoding="utf-8")
    with pytest.raises(BadArguments, match="place"):
        Corrections(tmp_path / "c.sqlite").import_csv(path)


def test_several_threads_can_save_at_once(tmp_path):
    store = Corrections(tmp_path / "c.sqlite")
    threads = [threading.Thread(target=store.save, args=([dict(RECORD, written=f"w{k}")],)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.load()) == 8


def test_choices_become_corrections_that_a_later_file_uses(tmp_path):
    from addrmig.fields import COLUMNS
    from addrmig.locations import LocationDB, choices_to_corrections, resolve

    db = LocationDB.bundled()
    frame = pd.DataFrame([dict(dict.fromkeys(COLUMNS, ""), country="Türkiye", city="Giresun", township="Görele",
                               district="Güney Mah.")], index=[2])
    place = ("Türkiye", "Giresun", "Görele", "Güney Mah (soğukpınar Köyü)")
    store = Corrections(tmp_path / "c.sqlite")
    store.save(choices_to_corrections({("Türkiye", "Giresun", "Görele", "Güney Mah."): place}))
    again = resolve(frame.assign(district="GÜNEY MAH."), db, corrections=store.load())
    assert again.frame.loc[2, "district"] == "Güney Mah (soğukpınar Köyü)"
