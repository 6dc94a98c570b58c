"""The cell-by-cell changes of an edit and the fingerprint the session's content key is made of."""
from __future__ import annotations

import hashlib

import pandas as pd

from addrmig.edits import cell_changes, digest_changes
from addrmig.locations.keys import district_key, district_keys, remember_district_keys


def frame(cities: list[str | None], index: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"city": cities, "township": ["Şişli"] * len(cities)}, index=pd.Index(index), dtype="str")


def test_cell_changes_lists_each_changed_cell_once_and_keeps_text_in_arrow():
    old = frame(["ISTANBUL", "İzmir", "Ankara"], [2, 3, 5])
    new = frame(["İstanbul", "İzmir", "ANKARA"], [2, 3, 5])
    changes = cell_changes(old, new, ["city", "township"])
    assert changes.values.tolist() == [[2, "city", "ISTANBUL", "İstanbul"], [5, "city", "Ankara", "ANKARA"]]
    assert isinstance(changes["after"].dtype, pd.StringDtype)


def test_cell_changes_of_a_frame_with_fewer_rows_or_missing_values_keep_the_old_values_there():
    old = frame(["ISTANBUL", "İzmir", "Ankara"], [2, 3, 5])
    new = frame(["İstanbul", None], [5, 2])  # in another order, row 3 absent, a missing value
    changes = cell_changes(old, new, ["city"])
    assert changes.values.tolist() == [[5, "city", "Ankara", "İstanbul"]]
    assert cell_changes(old, old, ["city", "township"]).empty


def key(changes: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    digest_changes(digest, changes)
    return digest.hexdigest()


def test_the_fingerprint_of_changes_differs_whenever_a_change_differs_and_not_with_their_layout():
    changes = cell_changes(frame(["ISTANBUL", "İzmir", "Ankara"], [2, 3, 5]),
                           frame(["İstanbul", "izmir", "ANKARA"], [2, 3, 5]), ["city"])
    assert key(changes) == key(changes.copy()) == key(pd.concat([changes.iloc[:1], changes.iloc[1:]]))
    assert key(changes.iloc[1:]) == key(changes.iloc[1:].reset_index(drop=True))
    moved = changes.copy()
    moved.loc[0, "before"], moved.loc[0, "after"] = "ISTANBU", "Lİstanbul"  # same letters, split elsewhere
    shifted = changes.assign(row=changes["row"] + 1)
    renamed = changes.assign(column="township")
    assert len({key(changes), key(moved), key(shifted), key(renamed), key(changes.iloc[:2])}) == 5


def test_district_keys_remembered_in_one_pass_are_those_of_each_name_alone():
    names = ["Kumlu Mh.", "ÇAKIRHÜYÜK BELDESİ, ABIMISTIK MAHALLESİ", "Merkez Mah (eriç Köyü)", "", "Kumlu Mh."]
    remembered = remember_district_keys(names)
    for name in names:
        alone = district_keys(pd.Series([name], dtype="str")).iloc[0].to_dict()
        assert dict(remembered[name]) == alone == district_key(name)
    district_key(names[0])["base"] = "changed"  # a caller's copy: the remembered keys stay
    assert district_key(names[0])["base"] == "kumlu"
