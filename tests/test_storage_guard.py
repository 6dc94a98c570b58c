"""The duplicate-send guard is the database's: a second holder of the same file's guard is refused by
a primary key, so two threads, processes or replicas sending one file at once start one migration.

Every test runs on sqlite and on PostgreSQL (the ``database_url`` fixture)."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

import addrmig.history
from addrmig.errors import AlreadySubmitted
from addrmig.history import History
from addrmig.storage.models import SendGuard

ROOT = Path(__file__).resolve().parents[1]
SMALL_CSV = (ROOT / "tests" / "fixtures" / "addresses_small.csv").read_bytes()
URL = "https://shop.example.com"
pytestmark = pytest.mark.usefixtures("database_url")

SENDER = """
import sys
from addrmig.akinon.client import AkinonClient
from addrmig.akinon.flow import submit
from addrmig.errors import AlreadySubmitted
from addrmig.history import History

url, token, path = sys.argv[1:4]
data = open(path, "rb").read()
history, client = History(), AkinonClient(url, token)
print("ready", flush=True)
sys.stdin.readline()
try:
    print("sent", submit(client, history, 1, data, "same.csv", 79).id, flush=True)
except AlreadySubmitted as error:
    print("refused", error.earlier.id, flush=True)
"""


def test_the_database_refuses_a_second_guard_for_the_same_file():
    history = History()
    first = history.begin(URL, 1, "a.csv", SMALL_CSV, 79)
    second = history.begin(URL, 1, "a.csv", SMALL_CSV, 79, force=True)
    with pytest.raises(IntegrityError), history.database.writing() as session:
        session.execute(insert(SendGuard).values(scope=first.scope, migration_key="address", sha256=first.sha256,
                                                 submission_id=second.id, created_at=datetime.now(timezone.utc)))


def test_a_sender_that_passed_the_check_at_the_same_moment_is_stopped_by_the_constraint(monkeypatch):
    """Two senders both find no earlier send; the database lets one of them record it."""
    history = History()
    first = history.started(history.begin(URL, 1, "a.csv", SMALL_CSV, 79).id, "m-1")
    real = addrmig.history._guard_holder
    calls = []

    def not_yet_committed(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)  # the check saw nothing; afterwards the truth

    monkeypatch.setattr(addrmig.history, "_guard_holder", not_yet_committed)
    with pytest.raises(AlreadySubmitted, match="m-1") as caught:
        history.begin(URL, 1, "renamed.csv", SMALL_CSV, 79)
    assert caught.value.earlier.id == first.id
    assert [s.id for s in history.list()] == [first.id]


def test_a_failed_send_lets_a_forced_send_that_still_blocks_hold_the_guard():
    history = History()
    first = history.begin(URL, 1, "a.csv", SMALL_CSV, 79)
    forced = history.started(history.begin(URL, 1, "a.csv", SMALL_CSV, 79, force=True).id, "m-2")
    history.failed(first.id, "refused")
    with pytest.raises(AlreadySubmitted) as caught:
        history.begin(URL, 1, "a.csv", SMALL_CSV, 79)
    assert caught.value.earlier.id == forced.id


def test_a_forced_send_takes_a_free_guard_so_later_sends_are_refused():
    history = History()
    history.failed(history.begin(URL, 1, "a.csv", SMALL_CSV, 79).id, "refused")
    forced = history.begin(URL, 1, "a.csv", SMALL_CSV, 79, force=True)
    with pytest.raises(AlreadySubmitted) as caught:
        history.begin(URL, 1, "a.csv", SMALL_CSV, 79)
    assert caught.value.earlier.id == forced.id


def test_the_guard_is_per_kind_of_migration():
    history = History()
    history.begin(URL, 1, "a.csv", SMALL_CSV, 79)
    assert history.begin(URL, 1, "a.csv", SMALL_CSV, 79, migration_key="user").status == "sending"


@pytest.mark.timeout(180)
def test_processes_sending_the_same_file_at_once_start_exactly_one_migration(sandbox, tmp_path):
    path = tmp_path / "same.csv"
    path.write_bytes(SMALL_CSV)
    History()  # the schema exists before the race: the race is about the send
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    senders = [subprocess.Popen([sys.executable, "-c", SENDER, sandbox.url, sandbox.token, str(path)], cwd=ROOT,
                                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(3)]
    try:
        assert [sender.stdout.readline().strip() for sender in senders] == ["ready"] * 3
        for sender in senders:  # go, all at once
            sender.stdin.write("go\n")
            sender.stdin.flush()
        said = [sender.communicate(timeout=90) for sender in senders]
    finally:
        for sender in senders:
            sender.kill()
    outcomes = sorted(out.split() for out, _ in said)
    assert [o[0] for o in outcomes] == ["refused", "refused", "sent"], said
    sent_id = outcomes[2][1]
    assert outcomes[0][1] == outcomes[1][1] == sent_id  # the refusals name the one that went
    assert len(sandbox.state.migrations) == 1
    assert [str(s.id) for s in History().list()] == [sent_id]
