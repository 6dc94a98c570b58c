"""A workspace saved on the server comes back as it was: file, edits (with undo), choices, settings."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from addrmig.persistence import edits_bytes, edits_from, file_bytes, fingerprint, restore, save
from addrmig.pipeline import load
from addrmig.storage.database import open_database
from addrmig.storage.workspaces import WorkspaceStore
from addrmig.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"


def loader(data: bytes, name: str, options: dict):
    return load(data, name, **options)


@pytest.fixture
def store(database_url, tmp_path) -> WorkspaceStore:
    return WorkspaceStore(open_database(database_url, tmp_path))


def worked_on(store: WorkspaceStore) -> Workspace:
    data = (FIXTURES / "addresses_small.csv").read_bytes()
    ws = Workspace()
    ws.id = store.create()
    ws.owner = f"workspace:{ws.id}"
    ws.set_loaded("addresses_small.csv", data, loader(data, "addresses_small.csv", {}), {})
    ws.apply_trim()
    ws.edit_cells({(5, "email"): "fixed@example.com"})
    ws.session_corrections = pd.DataFrame([{"level": "city", "country": "Türkiye", "city": "", "township": "",
                                            "written": "Atlantis", "place": "Balıkesir"}])
    ws.session_choices = pd.DataFrame([{"country": "Türkiye", "city": "Atlantis", "township": "Dursunbey",
                                        "district": "Kumlu Mh.", "place_country": "Türkiye", "place_city": "Balıkesir",
                                        "place_township": "Dursunbey", "place_district": "Kumlu Mah"}])
    ws.connection.mode, ws.connection.url, ws.connection.channel_id = "akinon", "https://shop.example.com", "7"
    ws.connection.token = "never-kept-token"
    ws.language = "tr"
    return ws


def test_a_saved_workspace_comes_back_with_its_file_edits_choices_and_settings(store):
    ws = worked_on(store)
    save(ws, store, with_file=True)
    assert ws.file_bytes is None  # the store has them: the session does not hold them twice
    assert file_bytes(ws, store) == (FIXTURES / "addresses_small.csv").read_bytes()
    back = restore(store.load(ws.id, ws.owner), store, loader).workspace
    assert back.file_bytes is None and file_bytes(back, store) == file_bytes(ws, store)
    assert back.frame.equals(ws.frame) and back.version == ws.version
    assert back.content_key() == ws.content_key()
    assert [e.label for e in back.edits] == [e.label for e in ws.edits]
    assert back.session_corrections.equals(ws.session_corrections)
    assert back.session_choices.equals(ws.session_choices)
    assert (back.connection.mode, back.connection.url, back.connection.channel_id) == ("akinon", "https://shop.example.com", "7")
    assert back.connection.token == "" and back.language == "tr"
    assert fingerprint(back) == fingerprint(ws)
    back.undo()  # the edit log came back whole: undo still works
    assert back.frame.at[5, "email"] != "fixed@example.com"


def test_the_token_is_in_nothing_the_store_keeps(store):
    ws = worked_on(store)
    save(ws, store, with_file=True)
    stored = store.load(ws.id, ws.owner)
    kept = repr(stored.state).encode() + stored.edits + (store.file_bytes(ws.id, ws.owner) or b"")
    assert b"never-kept-token" not in kept


def test_the_edit_log_survives_its_byte_form_exactly():
    frame_changes = pd.DataFrame({"row": [2, 3], "column": ["city", "email"], "before": [" İzmir", None],
                                  "after": ["İzmir", "a@b.co"]})
    from addrmig.workspace import Edit
    back = edits_from(edits_bytes([Edit("trimmed spaces", frame_changes)]), ["trimmed spaces"])
    assert back[0].label == "trimmed spaces"
    assert back[0].changes["after"].tolist() == ["İzmir", "a@b.co"] and back[0].changes["row"].tolist() == [2, 3]
    assert back[0].changes["before"].tolist()[0] == " İzmir"


def test_another_owner_cannot_load_the_workspace(store):
    ws = worked_on(store)
    save(ws, store, with_file=True)
    assert store.load(ws.id, "workspace:someone-else") is None
