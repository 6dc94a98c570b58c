"""Many users at once: concurrent submissions from threads keep the sandbox, the history
store and the corrections store consistent; cached file results are bounded."""
from __future__ import annotations

import threading
import traceback
from pathlib import Path

import pytest

from addrmig.akinon.client import AkinonClient
from addrmig.akinon.flow import submit, wait
from addrmig.errors import AlreadySubmitted
from addrmig.history import History
from addrmig.locations.corrections import Corrections
from addrmig.storage.visibility import LOCAL

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_CSV = (FIXTURES / "addresses_small.csv").read_bytes()
THREADS = 6


def run_threads(target, count: int = THREADS) -> list[str]:
    """Run ``target(n)`` in ``count`` threads started together; the traceback of any exception raised."""
    barrier, problems = threading.Barrier(count), []

    def body(n: int) -> None:
        barrier.wait()
        try:
            target(n)
        except Exception as error:  # noqa: BLE001 - a thread's exception would otherwise vanish
            problems.append("".join(traceback.format_exception(error)))

    threads = [threading.Thread(target=body, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return problems


def file_of(n: int) -> bytes:
    """The small sample with the first data line made unique, so each thread sends another file."""
    head, first, rest = SMALL_CSV.split(b"\n", 2)
    return b"\n".join([head, first.replace(b",", f"{n},".encode(), 1), rest])


def test_concurrent_submissions_of_different_files_each_get_their_own_migration(make_sandbox, tmp_path):
    server = make_sandbox(rows_per_second=20000)
    finals = {}

    def send_and_wait(n: int) -> None:
        client = AkinonClient(server.url, server.token)
        history = History(tmp_path)  # a connection per user, as in separate sessions
        submission = submit(client, history, 1, file_of(n), f"shop{n}.csv", 79)
        finals[n] = wait(client, history, submission, poll_interval=0.02)

    assert run_threads(send_and_wait) == []
    history = History(tmp_path)
    listed = history.list()
    assert len(listed) == THREADS == len(server.state.migrations)
    assert {s.migration_id for s in listed} == set(server.state.migrations) == {f.migration_id for f in finals.values()}
    assert {s.filename for s in listed} == {f"shop{n}.csv" for n in range(THREADS)}
    assert {(s.status, s.processed, s.total) for s in listed} == {("finished", 79, 79)}
    for submission in listed:
        assert history.samples(submission.id)[-1].processed == 79


def test_concurrent_submissions_of_one_file_start_one_migration_only(make_sandbox, tmp_path):
    server = make_sandbox(rows_per_second=20000)
    outcomes = []

    def send(n: int) -> None:
        try:
            submit(AkinonClient(server.url, server.token), History(tmp_path), 1, SMALL_CSV, "same.csv", 79)
            outcomes.append("sent")
        except AlreadySubmitted:
            outcomes.append("refused")

    problems = run_threads(send)
    assert problems == []
    assert sorted(outcomes) == ["refused"] * (THREADS - 1) + ["sent"]
    assert len(server.state.migrations) == 1 and len(History(tmp_path).list()) == 1


@pytest.mark.usefixtures("database_url")
def test_corrections_saved_and_read_by_many_users_at_once_are_all_kept_each_to_its_owner():
    def remember(n: int) -> None:
        store = Corrections(owner=f"user:u{n}@shop.com")
        shared = Corrections(owner=LOCAL)
        for k in range(10):
            store.save([{"level": "district", "country": "Türkiye", "city": "Giresun", "township": "Görele",
                         "written": f"place{k}", "place": f"Place {n}-{k}"}])
            shared.save([{"level": "district", "country": "Türkiye", "city": "Giresun", "township": "Görele",
                          "written": f"user{n} place{k}", "place": f"Place {n}-{k}"}])
            assert len(store.load()) == k + 1

    assert run_threads(remember) == []
    saved = Corrections(owner=LOCAL).load()
    assert len(saved) == THREADS * 10
    assert set(saved["place"]) == {f"Place {n}-{k}" for n in range(THREADS) for k in range(10)}
    for n in range(THREADS):
        assert set(Corrections(owner=f"user:u{n}@shop.com").load()["place"]) == {f"Place {n}-{k}" for k in range(10)}


def test_parsed_files_and_reports_are_kept_per_session_and_bounded():
    """A file's parsed rows and check reports live in its session's state (so they go when the
    session ends), the latest few only; another session holds none of them."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parent.parent
    small = root / "tests" / "fixtures" / "addresses_small.csv"
    at = AppTest.from_file(str(root / "app.py"), default_timeout=60)
    at.run()
    at.file_uploader(key="upload_file").upload(small.name, small.read_bytes(), "text/csv")
    at.run()
    at.switch_page("pages/check.py").run()
    for _ in range(3):  # three edits: three more versions checked
        ws = at.session_state["workspace"]
        ws.edit_cells({(ws.frame.index[0], "title"): f"T{ws.version}"})
        at.run()
    assert not at.exception
    assert len(at.session_state["loaded_files"]) == 1
    # The edits' reports are brought up to date from the first (addrmig.rechecking): one full check.
    assert len(at.session_state["check_reports"]) == 1
    from addrmig.pipeline import load

    for n in range(3):  # three other files: checked in full, the latest two kept
        data = small.read_bytes().replace(b"Office", f"Office{n}".encode(), 1)
        ws.set_loaded(f"other{n}.csv", data, load(data, f"other{n}.csv"))
        at.run()
    assert not at.exception
    assert len(at.session_state["check_reports"]) == 2
    other = AppTest.from_file(str(root / "app.py"), default_timeout=60)
    other.run()
    # another session has memos of its own (empty), not this one's
    for slot in ("loaded_files", "check_reports"):
        assert slot not in other.session_state or not other.session_state[slot]
