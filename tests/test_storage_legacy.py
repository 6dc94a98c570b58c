"""The history kept before the database (``history.sqlite3`` and ``sent/<sha256>`` in the data dir,
written here with that version's own schema) is carried over whole, once.

Every test runs on sqlite and on PostgreSQL (the ``database_url`` fixture)."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from addrmig.cli import main
from addrmig.errors import AlreadySubmitted, CopyDeleted
from addrmig.history import History
from addrmig.storage.database import close_database, open_database
from addrmig.storage.migrate import head, upgrade
from addrmig.storage.settings import database_url as current_url

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("database_url")

#: The schema of addrmig/history.py before the database, verbatim.
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base_url TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    migration_key TEXT NOT NULL DEFAULT 'address',
    migration_id TEXT,
    filename TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    rows INTEGER,
    status TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL,
    finished_at TEXT,
    processed INTEGER,
    errors INTEGER,
    total INTEGER
);
CREATE INDEX IF NOT EXISTS submissions_file ON submissions (base_url, channel_id, sha256);
CREATE INDEX IF NOT EXISTS submissions_migration ON submissions (migration_id);
CREATE TABLE IF NOT EXISTS samples (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    at TEXT NOT NULL,
    processed INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    total INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_submission ON samples (submission_id);
"""
URL = "https://shop.example.com"
FINISHED = b"user,email\nC1,a@b.co\nC2,c@d.co\n"
FAILED = b"user,email\nC3,e@f.co\n"
NO_COPY = b"user,email\nC4,g@h.co\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def old_history() -> Path:
    """The data dir of the version before the database: three submissions (finished with its progress,
    failed, uncertain with its copy lost) and the copies it kept."""
    folder = Path(os.environ["ADDRMIG_DATA_DIR"])
    (folder / "sent").mkdir(parents=True)
    for data in (FINISHED, FAILED):
        (folder / "sent" / sha(data)).write_bytes(data)
    with closing(sqlite3.connect(folder / "history.sqlite3")) as db, db:
        db.executescript(OLD_SCHEMA)
        rows = [(3, URL, "1", "m-fin", "shop.csv", sha(FINISHED), len(FINISHED), 2, "finished", "",
                 "2024-03-01T10:00:00.000+00:00", "2024-03-01T10:05:00.250+00:00", 2, 1, 2),
                (7, URL + "/", "1", None, "bad.csv", sha(FAILED), len(FAILED), 1, "failed", "HTTP 401",
                 "2024-03-02T09:00:00.000+00:00", None, None, None, None),
                (9, URL, "2", None, "lost.csv", sha(NO_COPY), len(NO_COPY), 1, "uncertain", "no answer",
                 "2024-03-03T08:00:00.000+00:00", None, None, None, None)]
        db.executemany("INSERT INTO submissions (id, base_url, channel_id, migration_id, filename, sha256, size, "
                       "rows, status, message, submitted_at, finished_at, processed, errors, total) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO samples VALUES (?, ?, ?, ?, ?)",
                       [(3, "2024-03-01T10:01:00.000+00:00", 0, 0, 2), (3, "2024-03-01T10:03:00.000+00:00", 1, 0, 2),
                        (3, "2024-03-01T10:05:00.250+00:00", 2, 1, 2)])
    return folder


def test_every_submission_comes_over_with_its_id_fields_and_progress(old_history):
    history = History()
    listed = history.list()
    assert [s.id for s in listed] == [9, 7, 3]
    done = history.get(3)
    assert (done.base_url, done.channel_id, done.migration_id, done.filename, done.status) == \
        (URL, "1", "m-fin", "shop.csv", "finished")
    assert (done.sha256, done.size, done.rows, done.processed, done.errors, done.total) == \
        (sha(FINISHED), len(FINISHED), 2, 2, 1, 2)
    assert (done.submitted_at, done.finished_at) == ("2024-03-01T10:00:00.000+00:00", "2024-03-01T10:05:00.250+00:00")
    assert [(s.at, s.processed) for s in history.samples(3)] == [
        ("2024-03-01T10:01:00.000+00:00", 0), ("2024-03-01T10:03:00.000+00:00", 1),
        ("2024-03-01T10:05:00.250+00:00", 2)]
    assert history.get(7).message == "HTTP 401" and history.get(9).status == "uncertain"
    assert {s.owner for s in listed} == {"local"}
    assert history.get(3).scope == "akinon:https://shop.example.com#1"
    [whole] = history.parts(3)  # one part each: the whole file, as it was sent
    assert (whole.migration_id, whole.status, whole.size, whole.processed, whole.errors) == \
        ("m-fin", "finished", len(FINISHED), 2, 1)
    assert [len(history.parts(n)) for n in (7, 9)] == [1, 1] and history.get(9).parts_uncertain == 1


def test_the_copies_come_over_byte_for_byte_and_a_lost_one_says_so(old_history):
    history = History()
    assert history.file_bytes(history.get(3)) == FINISHED
    assert history.file_bytes(history.get(7)) == FAILED
    with pytest.raises(CopyDeleted, match="No copy of lost.csv was kept.*sha256"):
        history.file_bytes(history.get(9))


def test_what_blocked_a_resend_before_still_blocks_it(old_history):
    history = History()
    with pytest.raises(AlreadySubmitted, match="m-fin") as caught:
        history.begin(URL, 1, "again.csv", FINISHED, 2)
    assert caught.value.earlier.id == 3
    with pytest.raises(AlreadySubmitted, match="uncertain"):
        history.begin(URL, 2, "again.csv", NO_COPY, 1)
    assert history.begin(URL, 1, "retry.csv", FAILED, 1).status == "sending"  # it had failed


def test_new_submissions_are_numbered_after_the_carried_ones(old_history):
    assert History().begin(URL, 5, "new.csv", b"user\nC9\n", 1).id == 10


def test_it_is_carried_over_once_even_by_processes_opening_the_database_together(old_history):
    opener = "from addrmig.history import History; print(len(History().list()))"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    openers = [subprocess.Popen([sys.executable, "-c", opener], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(3)]
    said = [p.communicate(timeout=60) for p in openers]
    assert [out.strip() for out, _ in said] == ["3"] * 3, said
    assert upgrade(open_database(), again=True).carried == ()
    assert len(History().list()) == 3 and len(History().samples(3)) == 3


def test_into_a_database_that_has_submissions_the_old_ones_get_new_ids(old_history, tmp_path):
    url = current_url()  # the test's database; opened first from another data dir, without the old history
    newer = History(tmp_path / "elsewhere", url=url).begin(URL, 3, "newer.csv", b"user\nC8\n", 1)
    close_database(url)  # as a new process would
    history = History()
    by_name = {s.filename: s for s in history.list()}
    assert len(by_name) == 4 and by_name["newer.csv"].id == newer.id
    assert [s.processed for s in history.samples(by_name["shop.csv"].id)] == [0, 1, 2]


def test_db_upgrade_carries_it_over_and_says_what_it_did(old_history, capsys):
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"schema:   {head()} (was empty)" in out
    assert f"carried over from {old_history / 'history.sqlite3'}: 3 submissions, 3 progress readings, 2 file copies" \
        in out
    assert main(["db", "upgrade"]) == 0
    assert "carried over" not in capsys.readouterr().out
    assert main(["db", "status"]) == 0


def test_db_status_says_an_upgrade_is_due_and_exits_1(old_history, capsys):
    assert main(["db", "status"]) == 1
    assert f"history to carry over: {old_history / 'history.sqlite3'}" in capsys.readouterr().out
