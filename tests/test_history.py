"""The submission history: what was sent where, its progress, and no double sends.

Every test runs on sqlite and on PostgreSQL (the ``database_url`` fixture)."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from addrmig.akinon.client import AkinonClient
from addrmig.akinon.flow import submit, wait
from addrmig.errors import AkinonAuthError, AkinonTimeout, AlreadySubmitted
from addrmig.history import History

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_CSV = (FIXTURES / "addresses_small.csv").read_bytes()
URL = "https://shop.example.com"
pytestmark = pytest.mark.usefixtures("database_url")  # each test once on sqlite, once on PostgreSQL


def test_same_file_to_same_url_and_channel_is_refused_naming_the_earlier_submission(tmp_path):
    history = History(tmp_path)
    first = history.begin(URL, 1, "a.csv", SMALL_CSV, 79)
    history.started(first.id, "m-123")
    with pytest.raises(AlreadySubmitted, match=r"m-123.*--force") as caught:
        history.begin(URL + "/", "1", "renamed.csv", SMALL_CSV, 79)
    assert first.submitted_at[:19].replace("T", " ") in str(caught.value)


def test_same_file_to_another_channel_is_accepted(tmp_path):
    history = History(tmp_path)
    history.begin(URL, 1, "a.csv", SMALL_CSV, 79)
    assert history.begin(URL, 2, "a.csv", SMALL_CSV, 79).channel_id == "2"


def test_forced_resend_is_recorded_as_a_second_submission(tmp_path):
    history = History(tmp_path)
    history.begin(URL, 1, "a.csv", SMALL_CSV, 79)
    history.begin(URL, 1, "a.csv", SMALL_CSV, 79, force=True)
    assert len(history.list()) == 2


def test_failed_send_does_not_block_sending_again(tmp_path):
    history = History(tmp_path)
    history.failed(history.begin(URL, 1, "a.csv", SMALL_CSV, 79).id, "refused")
    assert history.begin(URL, 1, "a.csv", SMALL_CSV, 79).status == "sending"


def test_send_that_may_have_started_blocks_sending_again(tmp_path):
    history = History(tmp_path)
    history.failed(history.begin(URL, 1, "a.csv", SMALL_CSV, 79).id, "no answer", uncertain=True)
    with pytest.raises(AlreadySubmitted, match="uncertain"):
        history.begin(URL, 1, "a.csv", SMALL_CSV, 79)


def test_copy_of_the_file_is_kept_byte_exact(tmp_path):
    history = History(tmp_path)
    data = b"\xef\xbb\xbfuser;email\r\nC1;\xfe\r\n"
    submission = history.begin(URL, 1, "odd.csv", data, 1)
    assert history.file_bytes(submission) == data
    assert submission.copy_available and submission.size == len(data)


def test_samples_are_kept_in_order_and_the_finish_time_is_set(tmp_path):
    history = History(tmp_path)
    submission = history.started(history.begin(URL, 1, "a.csv", SMALL_CSV, 79).id, "m-1")
    history.add_sample(submission.id, 10, 1, 79)
    assert history.get(submission.id).finished_at is None
    done = history.add_sample(submission.id, 79, 4, 79)
    assert [s.processed for s in history.samples(submission.id)] == [10, 79]
    assert (done.status, done.processed, done.errors, done.total) == ("finished", 79, 4, 79)
    assert done.finished_at is not None


def test_without_a_database_url_the_history_is_an_sqlite_file_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("ADDRMIG_DATABASE_URL", raising=False)
    monkeypatch.setenv("ADDRMIG_DATA_DIR", str(tmp_path / "here"))
    History().begin(URL, 1, "a.csv", SMALL_CSV, 79)
    assert (tmp_path / "here" / "addrmig.sqlite3").is_file()


def test_sqlite_store_uses_wal_so_readers_do_not_block_writers(tmp_path, monkeypatch):
    monkeypatch.delenv("ADDRMIG_DATABASE_URL", raising=False)
    History(tmp_path)
    with sqlite3.connect(tmp_path / "addrmig.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_concurrent_sends_of_one_file_from_threads_admit_exactly_one(tmp_path):
    history = History(tmp_path)
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        barrier.wait()
        try:
            History(tmp_path).begin(URL, 1, "a.csv", SMALL_CSV, 79)
            outcomes.append("sent")
        except AlreadySubmitted:
            outcomes.append("refused")
        except Exception as error:  # noqa: BLE001 - a thread's exception would otherwise vanish
            outcomes.append(repr(error))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["sent"]
    assert len(history.list()) == 1


def test_concurrent_samples_from_threads_are_all_recorded(tmp_path):
    history = History(tmp_path)
    submission = history.started(history.begin(URL, 1, "a.csv", SMALL_CSV, 79).id, "m-1")

    def record(start: int) -> None:
        for processed in range(start, start + 20):
            history.add_sample(submission.id, processed, 0, 1000)

    threads = [threading.Thread(target=record, args=(n * 20,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(s.processed for s in history.samples(submission.id)) == list(range(120))


def test_submit_and_wait_record_the_whole_migration(sandbox, tmp_path):
    history = History(tmp_path)
    client = AkinonClient(sandbox.url, sandbox.token)
    seen = []
    submission = submit(client, history, 1, SMALL_CSV, "addresses_small.csv", 79)
    final = wait(client, history, submission, poll_interval=0.01, on_sample=seen.append)
    assert final.status == "finished" and final.migration_id == submission.migration_id
    assert (final.processed, final.total) == (79, 79) and final.errors == seen[-1].errors
    assert len(history.samples(final.id)) == len(seen)


def test_submit_twice_is_refused_before_sending(sandbox, tmp_path):
    history = History(tmp_path)
    client = AkinonClient(sandbox.url, sandbox.token)
    submit(client, history, 1, SMALL_CSV, "a.csv", 79)
    with pytest.raises(AlreadySubmitted):
        submit(client, history, 1, SMALL_CSV, "a.csv", 79)
    assert len(sandbox.state.migrations) == 1


def test_refused_token_leaves_a_failed_submission_that_can_be_retried(sandbox, tmp_path):
    history = History(tmp_path)
    with pytest.raises(AkinonAuthError):
        submit(AkinonClient(sandbox.url, "wrong"), history, 1, SMALL_CSV, "a.csv", 79)
    assert history.list()[0].status == "failed"
    assert submit(AkinonClient(sandbox.url, sandbox.token), history, 1, SMALL_CSV, "a.csv", 79).status == "started"


def test_lost_answer_to_a_start_is_recorded_as_uncertain(make_sandbox, tmp_path):
    server = make_sandbox(start_fail_rate=1.0, faults=("stall",), stall_seconds=2)
    history = History(tmp_path)
    with pytest.raises(AkinonTimeout):
        submit(AkinonClient(server.url, server.token, timeout=(5, 0.3)), history, 1, SMALL_CSV, "a.csv", 79)
    assert history.list()[0].status == "uncertain" and "MAY have started" in history.list()[0].message


def test_wait_stops_after_the_time_given_leaving_the_migration_running(make_sandbox, tmp_path):
    server = make_sandbox(rows_per_second=1)
    history = History(tmp_path)
    client = AkinonClient(server.url, server.token)
    submission = submit(client, history, 1, SMALL_CSV, "a.csv", 79)
    assert wait(client, history, submission, poll_interval=0.05, stop_after=0.2).status == "started"
