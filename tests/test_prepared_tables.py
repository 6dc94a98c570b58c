"""The bundled database's tables kept on disk between runs (addrmig.locations.prepared): read
back they match what is built, and a cache that is damaged, stale, shared or turned off is
never trusted, only rebuilt."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from addrmig.locations import LocationDB
from addrmig.locations.db import Index
from addrmig.locations.prepared import _digest, cache_dir, prepare_tables
from addrmig.locations.resolver import resolve

ROOT = Path(__file__).resolve().parents[1]
FRAME = pd.DataFrame({
    "country": ["Türkiye", "TURKIYE", "Türkiye", "Türkiye"],
    "city": ["İSTANBUL", "Izmir", "Ankara", "Atlantis"],
    "township": ["Sisli", "KONAK", "Çankaya", "Nowhere"],
    "district": ["Merkez Mah.", "Alsancak Mahallesi", "Kızılay Mah", "Kumlu Mh."],
})


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ADDRMIG_CACHE_DIR", str(folder))
    return folder


def _tables_file(folder: Path) -> Path:
    return folder / f"prepared-{_digest()}.pickle"


def _resolved(db: LocationDB) -> pd.DataFrame:
    result = resolve(FRAME, db)
    return result.frame.assign(status=result.row_status.astype(str).to_numpy())


def test_tables_read_from_the_cache_resolve_as_the_tables_built(cache):
    built = LocationDB.bundled()
    prepare_tables(built)
    kept = _tables_file(cache)
    assert kept.is_file()
    assert kept.stat().st_mode & 0o077 == 0  # this user's alone
    read = LocationDB.bundled()
    prepare_tables(read)
    assert read.extra["_index"] is not built.extra["_index"]  # read from the file, not shared
    assert read.extra["_lookup"][0] is read.extra["_index"]  # the lookups know their index
    pd.testing.assert_frame_equal(_resolved(read), _resolved(built))


def test_a_damaged_cache_file_is_rebuilt_and_written_again(cache):
    cache.mkdir(mode=0o700)
    kept = _tables_file(cache)
    kept.write_bytes(b"not a pickle at all")
    kept.chmod(0o600)
    db = LocationDB.bundled()
    prepare_tables(db)
    assert isinstance(db.extra["_index"], Index)
    assert isinstance(pickle.loads(kept.read_bytes())["_index"], Index)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="file owners and modes are POSIX")
@pytest.mark.parametrize("shared", ["file", "folder"])
def test_a_cache_others_can_write_to_is_never_read(cache, shared):
    cache.mkdir(mode=0o700)
    kept = _tables_file(cache)
    kept.write_bytes(pickle.dumps({"_index": "planted", "_lookup": "planted"}))
    kept.chmod(0o600)
    (kept if shared == "file" else cache).chmod(0o666 if shared == "file" else 0o777)
    db = LocationDB.bundled()
    prepare_tables(db)
    assert isinstance(db.extra["_index"], Index)
    assert db.extra["_lookup"] != "planted"


def test_files_of_another_digest_and_those_a_stopped_run_left_are_removed_when_the_tables_are_written(cache):
    cache.mkdir(mode=0o700)
    stale = cache / "prepared-0000.pickle"
    stale.write_bytes(pickle.dumps({"_index": None}))
    other = cache / "notes.txt"
    other.write_text("kept")
    left, writing = cache / ".tmp-left", cache / ".tmp-writing"  # a stopped run's; another run's now
    left.write_bytes(b"half")
    os.utime(left, (0, 0))
    writing.write_bytes(b"half")
    prepare_tables(LocationDB.bundled())
    assert not stale.exists() and not left.exists()
    assert other.read_text() == "kept" and writing.exists()
    assert _tables_file(cache).is_file()


def test_no_cache_when_turned_off_or_for_a_reference_of_the_users_own(cache, monkeypatch):
    custom = LocationDB.from_frame(FRAME)
    prepare_tables(custom)
    assert "_lookup" in custom.extra
    assert not cache.exists()
    monkeypatch.setenv("ADDRMIG_CACHE_DIR", "off")
    assert cache_dir() is None
    db = LocationDB.bundled()
    prepare_tables(db)
    assert "_lookup" in db.extra
    assert not cache.exists()


def test_fix_writes_the_same_file_with_the_tables_built_and_read_back(cache, tmp_path):
    source = tmp_path / "in.csv"
    FRAME.assign(user="u1", line="Cad. 1").to_csv(source, index=False)
    outputs = []
    for run in range(2):
        out = tmp_path / f"out{run}.csv"
        done = subprocess.run([sys.executable, "-m", "addrmig", "fix", str(source), "-o", str(out)], cwd=ROOT,
                              capture_output=True, text=True, env={**os.environ, "ADDRMIG_CACHE_DIR": str(cache)})
        assert done.returncode in (0, 1), done.stderr
        assert "Traceback" not in done.stderr
        outputs.append(out.read_bytes())
        assert _tables_file(cache).is_file()
    assert outputs[0] == outputs[1]
    assert "İstanbul".encode() in outputs[0]
