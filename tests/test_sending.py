"""Sending a file in parts, against the sandbox: each part its own migration, the whole's progress,
a 413 cut smaller, an interrupted send continued without sending anything twice."""
from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from addrmig.akinon.client import AkinonClient
from addrmig.akinon.flow import resume, submit, wait
from addrmig.errors import AkinonTimeout, AkinonTooLarge, AlreadySubmitted, BadArguments
from addrmig.fields import COLUMNS
from addrmig.history import History
from addrmig.parts import PartLimits, plan_parts
from addrmig.storage.database import utcnow
from addrmig.storage.models import PartRecord

ROW = {"user": "C1", "email": "a@b.co", "first_name": "Ayşe", "last_name": "Işık", "line": "Gül Sok. 1, D:3",
       "country": "TÜRKİYE", "city": "İSTANBUL", "township": "ÜSKÜDAR", "district": "ALTUNİZADE MAH"}
BY_ROWS = PartLimits(max_rows=20)


def addresses(count: int = 100, bad_every: int = 7) -> bytes:
    """``count`` rows, users C0…; every ``bad_every``-th has a township the sandbox refuses."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(dict(ROW, user=f"C{n}", township="Atlantis" if n % bad_every == 0 else "ÜSKÜDAR")
                     for n in range(count))
    return out.getvalue().encode()


def users_sent(server) -> list[str]:
    """Every row's user, over all migrations the sandbox started, in the order they started."""
    return [user for m in server.state.migrations.values() for user in m.frame["user"]]


def every_row_once(server, count: int = 100) -> bool:
    return sorted(users_sent(server), key=lambda u: int(u[1:])) == [f"C{n}" for n in range(count)]


class Interrupting(AkinonClient):
    """A client whose ``stop_at``-th start is interrupted (Ctrl-C) before its bytes leave."""

    def __init__(self, *args, stop_at: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.starts, self.stop_at = 0, stop_at

    def start_migration(self, *args, **kwargs) -> str:
        self.starts += 1
        if self.starts == self.stop_at:
            raise KeyboardInterrupt
        return super().start_migration(*args, **kwargs)


@pytest.fixture
def instant(make_sandbox):
    return make_sandbox(rows_per_second=None)


def test_a_big_file_goes_in_parts_each_its_own_migration_in_order(instant, tmp_path):
    history = History(tmp_path)
    submission = submit(AkinonClient(instant.url, instant.token), history, 1, addresses(), "big.csv", limits=BY_ROWS)
    assert (submission.parts, submission.parts_started, submission.status, submission.rows) == (5, 5, "started", 100)
    parts = history.parts(submission.id)
    started = list(instant.state.migrations.values())
    assert [p.migration_id for p in parts] == [m.id for m in started]
    assert [m.filename for m in started] == [f"big.part{n:03d}.csv" for n in range(1, 6)]
    assert [list(m.frame["user"]) for m in started] == [[f"C{n}" for n in range(k, k + 20)] for k in range(0, 100, 20)]
    assert [(p.first_row, p.rows) for p in parts] == [(1, 20), (21, 20), (41, 20), (61, 20), (81, 20)]


def test_progress_of_the_whole_is_the_parts_summed_and_each_part_keeps_its_refusals(instant, tmp_path):
    history = History(tmp_path)
    client = AkinonClient(instant.url, instant.token)
    seen = []
    final = wait(client, history, submit(client, history, 1, addresses(), "big.csv", limits=BY_ROWS), 0.01,
                 on_sample=seen.append)
    assert (final.status, final.processed, final.errors, final.total) == ("finished", 100, 15, 100)
    assert [p.errors for p in history.parts(final.id)] == [3, 3, 3, 3, 3]  # users C0, C7, C14 | C21, C28, C35 | …
    assert (seen[-1].processed, seen[-1].errors) == (100, 15) and len(history.samples(final.id)) == len(seen)


def test_a_small_file_still_goes_whole_as_one_migration(instant, tmp_path):
    history = History(tmp_path)
    data = addresses(40)
    submission = submit(AkinonClient(instant.url, instant.token), history, 1, data, "small.csv")
    [migration] = instant.state.migrations.values()
    assert submission.parts == 1 and submission.migration_id == migration.id
    assert migration.filename == "small.csv" and migration.size == len(data)


def test_a_413_halves_the_part_size_and_carries_on(make_sandbox, tmp_path):
    server = make_sandbox(rows_per_second=None, max_upload_bytes=2_600)
    history = History(tmp_path)
    submission = submit(AkinonClient(server.url, server.token), history, 1, addresses(), "big.csv",
                        limits=PartLimits(max_bytes=9_000))
    assert submission.status == "started" and every_row_once(server)
    assert submission.part_bytes < 2_600 and "HTTP 413" in submission.message
    assert all(m.size < 2_600 for m in server.state.migrations.values())
    assert [p.number for p in history.parts(submission.id)] == list(range(1, submission.parts + 1))


def test_a_413_for_a_part_that_cannot_be_cut_smaller_fails_and_lets_the_file_be_sent_again(make_sandbox, tmp_path):
    server = make_sandbox(rows_per_second=None, max_upload_bytes=100)
    history = History(tmp_path)
    with pytest.raises(AkinonTooLarge, match="cannot be cut smaller"):
        submit(AkinonClient(server.url, server.token), history, 1, addresses(10), "big.csv")
    [failed] = history.list()
    assert failed.status == "failed" and not server.state.migrations
    history.begin(server.url, 1, "big.csv", addresses(10), 10)  # nothing reached the server: no guard holds it


def test_stopping_between_parts_leaves_the_rest_for_resume_which_sends_only_them(instant, tmp_path):
    history = History(tmp_path)
    client = AkinonClient(instant.url, instant.token)
    started = []
    stopped = submit(client, history, 1, addresses(), "big.csv", limits=BY_ROWS,
                     on_part=lambda event: started.append(event) if event.kind == "started" else None,
                     should_stop=lambda: len(started) == 2)
    assert stopped.interrupted and (stopped.parts_started, stopped.parts_unsent) == (2, 3)
    assert len(instant.state.migrations) == 2
    with pytest.raises(AlreadySubmitted, match=rf"--resume {stopped.id}") as caught:
        submit(client, history, 1, addresses(), "big.csv", limits=BY_ROWS)
    assert caught.value.earlier.id == stopped.id and caught.value.earlier.interrupted
    done = resume(client, history, stopped.id)  # from the copy the history kept
    assert (done.status, done.parts_started) == ("started", 5) and every_row_once(instant)
    assert wait(client, history, done, 0.01).status == "finished"


def test_a_part_interrupted_while_sending_is_uncertain_and_only_the_users_word_sends_it_again(instant, tmp_path):
    history = History(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        submit(Interrupting(instant.url, instant.token, stop_at=3), history, 1, addresses(), "big.csv",
               limits=BY_ROWS)
    [submission] = history.list()
    assert submission.status == "uncertain" and [p.state for p in history.parts(submission.id)] == \
        ["started", "started", "uncertain", "waiting", "waiting"]
    client = AkinonClient(instant.url, instant.token)
    after = resume(client, history, submission.id, addresses())
    assert (after.parts_started, after.parts_uncertain, after.status) == (4, 1, "uncertain")
    assert len(instant.state.migrations) == 4  # part 3 was left alone
    assert resume(client, history, submission.id).parts_uncertain == 1  # still, without the word
    confirmed = resume(client, history, submission.id, force_uncertain=True)  # "Omnitron shows it did not start"
    assert (confirmed.status, confirmed.parts_started) == ("started", 5) and every_row_once(instant)


class PageLeft(BaseException):
    """What Streamlit raises in a script whose page was closed or clicked elsewhere (a BaseException)."""


def test_a_page_left_while_it_is_told_of_the_next_part_leaves_that_part_unsent_not_uncertain(instant, tmp_path):
    history = History(tmp_path)
    told = []

    def on_part(event) -> None:
        told.append(event.kind)
        if told.count("sending") == 3:
            raise PageLeft

    with pytest.raises(PageLeft):
        submit(AkinonClient(instant.url, instant.token), history, 1, addresses(), "big.csv", limits=BY_ROWS,
               on_part=on_part)
    [submission] = history.list()
    assert submission.interrupted and [p.state for p in history.parts(submission.id)] == \
        ["started", "started", "waiting", "waiting", "waiting"]
    assert resume(AkinonClient(instant.url, instant.token), history, submission.id).parts_started == 5
    assert every_row_once(instant)


def test_a_lost_answer_to_a_part_leaves_it_uncertain_and_the_file_blocked(make_sandbox, tmp_path):
    server = make_sandbox(rows_per_second=None, start_fail_rate=1.0, faults=("stall",), stall_seconds=1)
    history = History(tmp_path)
    client = AkinonClient(server.url, server.token, timeout=(5, 0.3))
    with pytest.raises(AkinonTimeout):
        submit(client, history, 1, addresses(), "big.csv", limits=BY_ROWS)
    [submission] = history.list()
    assert (submission.status, submission.parts_uncertain, submission.parts_unsent) == ("uncertain", 1, 4)
    assert "MAY have started" in history.parts(submission.id)[0].message
    with pytest.raises(AlreadySubmitted):
        submit(client, history, 1, addresses(), "big.csv", limits=BY_ROWS)


def test_resume_wants_the_same_file_and_refuses_a_submission_that_never_reached_the_server(instant, tmp_path):
    history = History(tmp_path)
    client = AkinonClient(instant.url, instant.token)
    stopped = submit(client, history, 1, addresses(), "big.csv", limits=BY_ROWS, should_stop=lambda: True)
    with pytest.raises(BadArguments, match="not the file of submission"):
        resume(client, history, stopped.id, addresses(99))
    failed = history.begin(instant.url, 1, "other.csv", addresses(10), 10)
    history.failed(failed.id, "refused")
    with pytest.raises(BadArguments, match="nothing to continue"):
        resume(client, history, failed.id)


def test_the_parts_with_errors_come_back_as_one_file_with_the_header_once(tmp_path):
    history = History(tmp_path)
    data = addresses(60)
    submission = history.begin("https://shop.example.com", 1, "a.csv", data, None,
                               parts=plan_parts(data, "a.csv", BY_ROWS), limits=BY_ROWS)
    two = history.parts_file(submission, [2])
    assert two.startswith(b"user,email") and two.count(b"\n") == 21 and b"\nC20," in two
    both = history.parts_file(submission, [1, 3])
    assert both.count(b"user,email") == 1 and both.count(b"\n") == 41 and b"\nC20," not in both


@pytest.mark.usefixtures("database_url")
def test_two_senders_continuing_one_submission_never_send_a_part_twice(instant, tmp_path):
    history = History(tmp_path)
    data = addresses(120)
    submission = history.begin(instant.url, 1, "big.csv", data, None, parts=plan_parts(data, "big.csv", BY_ROWS),
                               limits=BY_ROWS)
    barrier = threading.Barrier(2)
    errors = []

    def sender() -> None:
        barrier.wait()
        try:
            resume(AkinonClient(instant.url, instant.token), History(tmp_path), submission.id)
        except Exception as error:  # noqa: BLE001 - a thread's exception would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and every_row_once(instant, 120) and len(instant.state.migrations) == 6
    assert history.get(submission.id).parts_started == 6


@pytest.mark.usefixtures("database_url")
def test_a_part_left_sending_past_the_stale_time_counts_as_uncertain(tmp_path):
    history = History(tmp_path)
    data = addresses(60)
    submission = history.begin("https://shop.example.com", 1, "a.csv", data, None,
                               parts=plan_parts(data, "a.csv", BY_ROWS), limits=BY_ROWS)
    assert history.claim(submission.id, 1) is not None
    assert history.claim(submission.id, 1) is None  # a second sender does not get it
    assert history.get(submission.id).parts_sending == 1
    with history.database.writing() as session:  # the sender was killed eleven minutes ago
        session.execute(update(PartRecord).where(PartRecord.submission_id == submission.id)
                        .values(sending_at=utcnow() - timedelta(minutes=11)))
    now = history.get(submission.id)
    assert (now.parts_sending, now.parts_uncertain) == (0, 1) and history.parts(submission.id)[0].state == "uncertain"
    assert history.claim(submission.id, 1) is None
    assert history.claim(submission.id, 1, uncertain_too=True).status == "sending"
