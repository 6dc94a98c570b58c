"""The user's choices: each changes only the written place it was made for; generalising one
is a separate action that shows its rows first; conflicts are listed, never dropped."""
import pandas as pd
import pytest

from addrmig.fields import COLUMNS
from addrmig.locations import LocationDB, resolve
from addrmig.locations.corrections import Corrections
from addrmig.locations.resolver import (
    apply_choices,
    choice_conflicts,
    generalisation,
    generalise,
    generalise_preview,
)
from addrmig.storage.visibility import LOCAL

LEVELS = ["country", "city", "township", "district"]
KUMLU = ("Türkiye", "Atlantis", "Dursunbey", "Kumlu Mh.")
BALIKESIR_KUMLU = ("Türkiye", "Balıkesir", "Dursunbey", "Kumlu Mah")
# Rows of a file whose city is garbage: the same "Atlantis" stands for places in several cities.
WRITTEN = [KUMLU, ("Türkiye", "Atlantis", "Tirebolu", ""), ("Türkiye", "ATLANTİS", "Görele", "Güney Mah."),
           ("Türkiye", "atlantis", "Dursunbey", "Kumlu Mh."), ("Türkiye", "Atlantis", "Tirebolu", "")]


@pytest.fixture(scope="module")
def db():
    return LocationDB.bundled()


@pytest.fixture(scope="module")
def first(db):
    rows = [dict(dict.fromkeys(COLUMNS, ""), **dict(zip(LEVELS, place))) for place in WRITTEN]
    return resolve(pd.DataFrame(rows, index=range(2, len(rows) + 2)).astype(str), db)


def places(resolution):
    return [tuple(row) for row in resolution.frame[LEVELS].itertuples(index=False, name=None)]


def test_garbage_city_is_left_for_the_user(first):
    assert set(first.row_status) == {"unmatched"}


def test_a_pick_changes_only_the_written_place_it_was_made_for(first):
    chosen = apply_choices(first, {KUMLU: BALIKESIR_KUMLU})
    after = places(chosen)
    # Row 2 and row 5 write the same place (case aside); the other "Atlantis" rows stay as they were.
    assert after[0] == after[3] == BALIKESIR_KUMLU
    assert after[1] == after[4] == WRITTEN[1] and after[2] == WRITTEN[2]
    assert chosen.row_status.tolist() == ["normalized", "unmatched", "unmatched", "normalized", "unmatched"]
    assert "your choice" in chosen.tuples.loc[0, "note"]


def test_a_pick_is_remembered_as_its_written_place_not_as_a_rule(first):
    chosen = apply_choices(first, {KUMLU: BALIKESIR_KUMLU})
    assert chosen.corrections is None
    assert chosen.choices[LEVELS].values.tolist() == [list(KUMLU)]


def test_a_generalisation_lists_the_rows_it_would_change_before_changing_them(first):
    chosen = apply_choices(first, {KUMLU: BALIKESIR_KUMLU})
    preview = generalise_preview(chosen, "city", KUMLU, BALIKESIR_KUMLU)
    # The picked place is already Balıkesir; the two other written places would become Balıkesir's.
    assert preview[["city", "township", "rows"]].values.tolist() == [["Atlantis", "Tirebolu", 2], ["ATLANTİS", "Görele", 1]]
    assert [after[1] for after in preview["after"]] == ["Balıkesir", "Balıkesir"]
    assert places(chosen)[1] == WRITTEN[1]  # nothing changed yet


def test_applying_the_generalisation_changes_exactly_the_rows_it_listed(first):
    chosen = apply_choices(first, {KUMLU: BALIKESIR_KUMLU})
    preview = generalise_preview(chosen, "city", KUMLU, BALIKESIR_KUMLU)
    general = generalise(chosen, "city", KUMLU, BALIKESIR_KUMLU)
    changed = [i for i, (a, b) in enumerate(zip(places(chosen), places(general))) if a != b]
    assert len(changed) == int(preview["rows"].sum()) == 3
    assert generalisation("city", KUMLU, BALIKESIR_KUMLU).to_dict("records") == [
        {"level": "city", "country": "Türkiye", "city": "", "township": "", "written": "Atlantis", "place": "Balıkesir"}]


def test_a_pick_holds_against_a_rule_and_the_conflict_is_listed(first):
    ruled = generalise(first, "city", KUMLU, BALIKESIR_KUMLU)
    giresun = ("Türkiye", "Giresun", "Tirebolu", "")
    chosen = apply_choices(ruled, {WRITTEN[1]: giresun})
    assert places(chosen)[1] == giresun and places(chosen)[0] == BALIKESIR_KUMLU
    conflicts = choice_conflicts(chosen)
    assert len(conflicts) == 1
    line = conflicts.iloc[0]
    assert line["chosen"] == giresun and line["other"][1] == "Balıkesir" and "Atlantis" in line["reason"]


def test_a_later_pick_for_the_same_written_place_replaces_the_earlier_and_says_so(first):
    chosen = apply_choices(first, {KUMLU: BALIKESIR_KUMLU})
    other = ("Türkiye", "Balıkesir", "Dursunbey", "Karagöz Mah")
    again = apply_choices(chosen, {("Türkiye", "ATLANTIS", "DURSUNBEY", "KUMLU MH"): other})
    assert places(again)[0] == other
    conflicts = choice_conflicts(again)
    assert conflicts[["chosen", "other"]].values.tolist() == [[other, BALIKESIR_KUMLU]]
    assert "replaced" in conflicts.loc[0, "reason"]


def test_no_conflicts_is_an_empty_list(first):
    assert choice_conflicts(apply_choices(first, {KUMLU: BALIKESIR_KUMLU})).empty


@pytest.mark.usefixtures("database_url")
def test_choices_are_stored_apart_from_rules_and_a_later_one_replaces_the_earlier():
    store = Corrections(owner=LOCAL)
    store.save_choices(pd.DataFrame([KUMLU + BALIKESIR_KUMLU], columns=list(LEVELS) + [f"place_{lv}" for lv in LEVELS]))
    other = ("Türkiye", "Balıkesir", "Dursunbey", "Karagöz Mah")
    store.save_choices(pd.DataFrame([("Türkiye", "ATLANTİS", "Dursunbey", "kumlu mh") + other],
                                    columns=list(LEVELS) + [f"place_{lv}" for lv in LEVELS]))
    loaded = store.load_choices()
    assert len(loaded) == 1 and tuple(loaded.iloc[0, 4:]) == other
    assert store.load().empty
    store.clear()
    assert store.load_choices().empty


def test_stored_choices_apply_to_a_later_file(db, first):
    store = Corrections(owner=LOCAL)
    store.save_choices(apply_choices(first, {KUMLU: BALIKESIR_KUMLU}).choices)
    later = resolve(first.original, db, choices=store.load_choices())
    assert places(later)[0] == BALIKESIR_KUMLU and places(later)[1] == WRITTEN[1]


def test_places_matched_ahead_are_not_taken_once_another_session_saved_a_pick(db, first):
    """The places of a big file are matched ahead from the picks there were then; a pick saved
    meanwhile in another of the user's sessions makes the Places page match them afresh, with it."""
    from addrmig.pipeline import load
    from addrmig.workspace import Workspace

    data = first.original.to_csv(index=False).encode("utf-8")
    runs = []

    def counted(frame, db, **kwargs):
        runs.append(kwargs.get("choices"))
        return resolve(frame, db, **{k: v for k, v in kwargs.items() if k != "cancel"})

    def workspace() -> Workspace:
        ws = Workspace()
        ws.set_loaded("atlantis.csv", data, load(data, "atlantis.csv"))
        ws.memory = Corrections(owner="someone@example.com")
        return ws

    same = workspace()
    same.resolve_ahead(counted, db)
    same.ahead._thread.join(60)
    taken = same.resolution(counted, db=db, corrections=same.corrections())
    assert len(runs) == 1 and places(taken)[0] == WRITTEN[0]  # the work ahead, taken

    runs.clear()
    ws = workspace()
    ws.resolve_ahead(counted, db)
    ws.ahead._thread.join(60)
    other = Corrections(owner="someone@example.com")  # the same user, in another session
    other.save_choices(apply_choices(first, {KUMLU: BALIKESIR_KUMLU}).choices)
    resolution = ws.resolution(counted, db=db, corrections=ws.corrections())
    assert len(runs) == 2 and runs[0] is None and runs[1] is not None  # matched afresh, with the pick
    assert places(resolution)[0] == BALIKESIR_KUMLU and places(resolution)[1] == WRITTEN[1]
    other.clear()
