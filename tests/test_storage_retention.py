"""Copies of sent files are kept for the retention period, then deleted without anyone asking; the
history keeps their sha256, size and row count, and says when the copy went.

Every test runs on sqlite and on PostgreSQL (the ``database_url`` fixture)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

import addrmig.storage.database
from addrmig.errors import BadArguments, CopyDeleted
from addrmig.history import History
from addrmig.storage.database import close_database, utcnow
from addrmig.storage.models import Blob, BlobChunk
from addrmig.storage.retention import purge
from addrmig.storage.settings import database_url

pytestmark = pytest.mark.usefixtures("database_url")
URL = "https://shop.example.com"
DATA = b"user,email\nC1,a@b.co\nC2,c@d.co\n"


def stored_files(history: History) -> int:
    with history.database.reading() as session:
        return session.scalar(select(func.count()).select_from(Blob))


def test_a_copy_is_kept_for_30_days_by_default():
    sent = History().begin(URL, 1, "a.csv", DATA, 2)
    kept = datetime.fromisoformat(sent.copy_kept_until) - datetime.fromisoformat(sent.submitted_at)
    assert kept == timedelta(days=30) and sent.copy_available


def test_after_the_retention_period_the_copy_is_deleted_and_the_history_keeps_what_identifies_it():
    history = History()
    sent = history.begin(URL, 1, "a.csv", DATA, 2)
    assert purge(history.database, now=utcnow() + timedelta(days=29)).copies == 0
    done = purge(history.database, now=utcnow() + timedelta(days=31))
    assert (done.copies, done.files) == (1, 1) and stored_files(history) == 0
    left = history.get(sent.id)
    assert not left.copy_available and (left.sha256, left.size, left.rows) == (sent.sha256, len(DATA), 2)
    with pytest.raises(CopyDeleted, match=r"kept for 30 days, and this one was deleted on \d{4}-\d\d-\d\d \d\d:\d\d UTC"
                                          r".*sha256 \(" + sent.sha256):
        history.file_bytes(left)
    with history.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(BlobChunk)) == 0


def test_the_period_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("ADDRMIG_SENT_RETENTION_DAYS", "2")
    sent = History().begin(URL, 1, "a.csv", DATA, 2)
    kept = datetime.fromisoformat(sent.copy_kept_until) - datetime.fromisoformat(sent.submitted_at)
    assert kept == timedelta(days=2)
    monkeypatch.setenv("ADDRMIG_SENT_RETENTION_DAYS", "thirty")
    with pytest.raises(BadArguments, match="ADDRMIG_SENT_RETENTION_DAYS must be a number of days above 0"):
        History().begin(URL, 2, "a.csv", DATA, 2)


def test_bytes_sent_twice_stay_while_one_of_the_sends_still_keeps_them(monkeypatch):
    history = History()
    monkeypatch.setenv("ADDRMIG_SENT_RETENTION_DAYS", "1")
    early = history.begin(URL, 1, "a.csv", DATA, 2)
    monkeypatch.setenv("ADDRMIG_SENT_RETENTION_DAYS", "30")
    later = history.begin(URL, 2, "a.csv", DATA, 2)
    assert stored_files(history) == 1  # one copy of the bytes for both
    assert purge(history.database, now=utcnow() + timedelta(days=2)).copies == 1
    assert history.file_bytes(history.get(later.id)) == DATA
    with pytest.raises(CopyDeleted):
        history.file_bytes(history.get(early.id))


def test_an_expired_copy_is_refused_even_before_the_purge_came(monkeypatch):
    monkeypatch.setenv("ADDRMIG_SENT_RETENTION_DAYS", "0.000002")  # 0.17 s
    history = History()
    sent = history.begin(URL, 1, "a.csv", DATA, 2)
    time.sleep(0.3)
    with pytest.raises(CopyDeleted, match="deleted on"):
        history.file_bytes(sent)
    assert not history.get(sent.id).copy_available


def test_the_purge_runs_by_itself_when_a_store_is_opened(monkeypatch):
    monkeypatch.setenv("ADDRMIG_SENT_RETENTION_DAYS", "0.000002")
    History().begin(URL, 1, "a.csv", DATA, 2)
    time.sleep(0.3)
    close_database(database_url())  # as a process starting later
    assert stored_files(History()) == 0


def test_a_long_running_server_purges_as_its_stores_are_used(monkeypatch):
    monkeypatch.setattr(addrmig.storage.database, "PURGE_EVERY", timedelta(0))  # instead of ten minutes
    monkeypatch.setenv("ADDRMIG_SENT_RETENTION_DAYS", "0.000002")
    history = History()  # opened once, as the app keeps it
    history.begin(URL, 1, "a.csv", DATA, 2)
    time.sleep(0.3)
    history.list()
    assert stored_files(history) == 0
