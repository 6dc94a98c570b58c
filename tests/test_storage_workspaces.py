"""Workspaces kept on the server: given back to their owner only, until they expire; then deleted with
their files. Big uploads go in chunks, once per content.

Every test runs on sqlite and on PostgreSQL (the ``database_url`` fixture)."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from addrmig.errors import BadArguments, WorkspaceGone
from addrmig.storage import WorkspaceStore
from addrmig.storage.blobs import CHUNK_SIZE
from addrmig.storage.models import Blob, BlobChunk

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("database_url")
OWNER = "user:alice@example.com"
STATE = {"reading": {"sheet": "Addresses", "encoding": "cp1254"}, "choices": [["Gumushane", "Gümüşhane"]]}
UPLOAD = "user;email\nC1;a@b.co\n".encode("cp1254")


def count(store: WorkspaceStore, model: type) -> int:
    with store.database.reading() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_new_workspace_has_an_unguessable_id_and_owns_itself_without_an_owner():
    store = WorkspaceStore()
    ids = {store.create() for _ in range(20)}
    assert len(ids) == 20 and all(len(i) >= 32 for i in ids)
    one = ids.pop()
    assert store.load(one, f"workspace:{one}").state == {}


def test_what_was_saved_is_what_is_loaded():
    store = WorkspaceStore()
    workspace = store.create(OWNER)
    store.save(workspace, OWNER, state=STATE, edits=b"\x00edit log\xff", file_name="shop.csv", file_bytes=UPLOAD)
    loaded = store.load(workspace, OWNER)
    assert (loaded.state, loaded.edits, loaded.file_name, loaded.file_size) == (STATE, b"\x00edit log\xff",
                                                                                "shop.csv", len(UPLOAD))
    assert store.file_bytes(workspace, OWNER) == UPLOAD == b"".join(store.file_chunks(workspace, OWNER))
    store.save(workspace, OWNER, state={"step": 3}, edits=b"")  # the file stays when none is given
    assert store.file_bytes(workspace, OWNER) == UPLOAD and store.load(workspace, OWNER).edits == b""


def test_a_workspace_is_not_there_for_another_owner_nor_under_a_wrong_id():
    store = WorkspaceStore()
    workspace = store.create(OWNER)
    store.save(workspace, OWNER, state=STATE, edits=b"", file_bytes=UPLOAD)
    assert store.load(workspace, "user:bob@example.com") is None
    assert store.file_bytes(workspace, "user:bob@example.com") is None
    assert store.load("x" * 32, OWNER) is None and store.load("../../etc", OWNER) is None
    with pytest.raises(WorkspaceGone):
        store.save(workspace, "user:bob@example.com", state={}, edits=b"")
    assert not store.delete(workspace, "user:bob@example.com") and store.touch(workspace, "user:bob@example.com") is None


def test_the_state_must_be_plain_json():
    store = WorkspaceStore()
    with pytest.raises(BadArguments, match="plain JSON"):
        store.save(store.create(OWNER), OWNER, state={"when": object()}, edits=b"")


def test_an_expired_workspace_is_gone_and_the_purge_deletes_it_with_its_files():
    store = WorkspaceStore(ttl=timedelta(seconds=0.5))
    workspace = store.create(OWNER)
    store.save(workspace, OWNER, state=STATE, edits=b"edits", file_bytes=UPLOAD)
    assert count(store, Blob) == 2
    time.sleep(0.7)
    assert store.load(workspace, OWNER) is None and store.touch(workspace, OWNER) is None
    with pytest.raises(WorkspaceGone, match="deleted .* hours after their last use"):
        store.save(workspace, OWNER, state={}, edits=b"")
    assert store.purge_expired() == 1
    assert (count(store, Blob), count(store, BlobChunk)) == (0, 0)


def test_use_pushes_the_expiry_back(monkeypatch):
    # About 3.6 s, and three touches 1.3 s apart (3.9 s) outlive it; each has 2.3 s to spare on a busy
    # machine (with a 1.1 s time to live and touches 0.5 s apart, one came too late under the suite's load).
    monkeypatch.setenv("ADDRMIG_WORKSPACE_TTL_HOURS", "0.001")
    store = WorkspaceStore()
    workspace = store.create(OWNER)
    for _ in range(3):
        time.sleep(1.3)
        assert store.touch(workspace, OWNER) is not None
    assert store.load(workspace, OWNER) is not None


def test_the_time_to_live_is_24_hours_unless_the_environment_says_otherwise(monkeypatch):
    assert WorkspaceStore().ttl == timedelta(hours=24)
    monkeypatch.setenv("ADDRMIG_WORKSPACE_TTL_HOURS", "2")
    store = WorkspaceStore()
    loaded = store.load(store.create(OWNER), OWNER)
    assert loaded.expires_at - loaded.updated_at == timedelta(hours=2)


def test_an_upload_is_stored_once_and_deleted_with_its_last_workspace():
    store = WorkspaceStore()
    first, second = store.create(OWNER), store.create("user:bob@example.com")
    store.save(first, OWNER, state={}, edits=b"", file_bytes=UPLOAD)
    store.save(second, "user:bob@example.com", state={}, edits=b"", file_bytes=UPLOAD)
    assert count(store, Blob) == 1
    assert store.delete(first, OWNER)
    assert store.file_bytes(second, "user:bob@example.com") == UPLOAD
    store.save(second, "user:bob@example.com", state={}, edits=b"", file_name="new.csv", file_bytes=b"other\n")
    assert count(store, Blob) == 1 and store.load(second, "user:bob@example.com").file_name == "new.csv"


@pytest.mark.timeout(300)
def test_a_50_mb_upload_goes_in_chunks_and_comes_back_whole_without_a_second_copy_in_memory():
    store = WorkspaceStore()
    workspace = store.create(OWNER)
    upload = os.urandom(50 * 1024 * 1024)
    tracemalloc.start()
    try:
        store.save(workspace, OWNER, state={}, edits=b"", file_name="big.csv", file_bytes=upload)
        saving = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        assert all(len(piece) <= CHUNK_SIZE for piece in store.file_chunks(workspace, OWNER))
        streaming = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert saving < 5 * CHUNK_SIZE and streaming < 5 * CHUNK_SIZE, (saving, streaming)  # not the file size
    assert count(store, BlobChunk) == -(-len(upload) // CHUNK_SIZE)
    assert store.file_bytes(workspace, OWNER) == upload
    from_file = store.create(OWNER)  # from a file object too, read a chunk at a time
    store.save(from_file, OWNER, state={}, edits=b"", file_bytes=io.BytesIO(upload))
    assert count(store, Blob) == 1 and store.load(from_file, OWNER).file_size == len(upload)


def test_a_file_that_changes_while_it_is_stored_is_not_kept_and_the_workspace_keeps_its_own():
    """A file object is read twice (its digest, then its chunks): one that changed in between
    is refused, nothing of it kept; bytes, which cannot change, are read once."""
    from addrmig.errors import StorageError

    class Changing(io.BytesIO):
        """Other bytes from the second reading on (a file another program was still writing)."""

        def seek(self, *args):
            self.getbuffer()[:5] = b"later"
            return super().seek(*args)

    store = WorkspaceStore()
    workspace = store.create(OWNER)
    store.save(workspace, OWNER, state={}, edits=b"", file_name="first.csv", file_bytes=UPLOAD)
    with pytest.raises(StorageError, match="changed while it was being stored"):
        store.save(workspace, OWNER, state={}, edits=b"", file_name="second.csv",
                   file_bytes=Changing(b"first" + b"x" * CHUNK_SIZE))
    assert store.file_bytes(workspace, OWNER) == UPLOAD and store.load(workspace, OWNER).file_name == "first.csv"
    assert count(store, Blob) == 1 and count(store, BlobChunk) == 1


def test_a_workspace_started_in_one_process_continues_in_another():
    store = WorkspaceStore()
    workspace = store.create(OWNER)
    store.save(workspace, OWNER, state=STATE, edits=b"log", file_name="shop.csv", file_bytes=UPLOAD)
    other = ("import json, sys; from addrmig.storage import WorkspaceStore; s = WorkspaceStore(); "
             "w = s.load(sys.argv[1], sys.argv[2]); "
             "print(json.dumps([w.state, w.file_name, s.file_bytes(w.id, w.owner).decode('cp1254')]))")
    result = subprocess.run([sys.executable, "-c", other, workspace, OWNER], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            capture_output=True, text=True, timeout=60)
    assert json.loads(result.stdout) == [STATE, "shop.csv", UPLOAD.decode("cp1254")], result.stderr
