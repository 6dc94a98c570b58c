"""Who sees which submission: its owner, and whoever proved a token for its connection; a sandbox
rehearsal only its owner. The guard holds across owners without showing one owner's record to another.

Every test runs on sqlite and on PostgreSQL (the ``database_url`` fixture)."""
from __future__ import annotations

import pytest

from addrmig.akinon.client import AkinonClient
from addrmig.akinon.flow import submit
from addrmig.errors import AlreadySubmitted, BadArguments
from addrmig.history import History
from addrmig.storage import Viewer, akinon_scope, sandbox_scope

pytestmark = pytest.mark.usefixtures("database_url")
URL = "https://shop.example.com"
SHOP = akinon_scope(URL, 1)
ALICE, BOB = Viewer("user:alice@example.com"), Viewer("user:bob@example.com")
DATA = b"user,email\nC1,a@b.co\n"


def test_a_scope_names_the_installation_and_channel_whatever_the_spelling_of_the_url():
    assert akinon_scope("HTTPS://Shop.Example.com/", " 1") == "akinon:https://shop.example.com#1"
    assert akinon_scope("https://shop.example.com/api/", 2) == "akinon:https://shop.example.com/api#2"
    with pytest.raises(BadArguments):
        akinon_scope("shop.example.com", 1)


def test_an_owner_sees_its_own_submissions_and_nobody_else_does():
    alice = History(viewer=ALICE)
    mine = alice.started(alice.begin(URL, 1, "a.csv", DATA, 1).id, "m-1")
    alice.add_sample(mine.id, 1, 0, 1)
    bob = alice.seen_by(BOB)
    assert [s.id for s in alice.list()] == [mine.id] and alice.get(mine.id).owner == ALICE.owner
    assert bob.list() == [] and bob.by_migration("m-1") is None
    for look in (lambda: bob.get(mine.id), lambda: bob.samples(mine.id), lambda: bob.file_bytes(mine),
                 lambda: bob.add_sample(mine.id, 1, 0, 1), lambda: bob.failed(mine.id, "no")):
        with pytest.raises(KeyError):
            look()
    assert History().list() == []  # the command line's user is one more owner


def test_a_viewer_that_proved_a_token_for_a_connection_sees_all_of_its_submissions_and_only_those():
    alice = History(viewer=ALICE)
    shop = alice.begin(URL, 1, "a.csv", DATA, 1)
    alice.begin(URL, 2, "a.csv", DATA, 1)  # another channel
    bob = alice.seen_by(BOB.proving([SHOP]))
    assert [s.id for s in bob.list()] == [shop.id]
    assert bob.file_bytes(shop) == DATA and bob.get(shop.id).owner == ALICE.owner


def test_a_sandbox_rehearsal_is_seen_by_its_owner_only_even_by_a_viewer_claiming_its_scope():
    alice = History(viewer=ALICE)
    rehearsal = alice.begin("http://127.0.0.1:9", 1, "a.csv", DATA, 1, scope=sandbox_scope(ALICE.owner))
    assert rehearsal.scope == "sandbox:user:alice@example.com"
    assert alice.seen_by(BOB.proving([rehearsal.scope, SHOP])).list() == []
    assert [s.id for s in alice.list()] == [rehearsal.id]


def test_the_same_file_rehearsed_by_two_owners_in_the_sandbox_is_two_rehearsals(sandbox):
    client = AkinonClient(sandbox.url, sandbox.token)
    for viewer in (ALICE, BOB):
        history = History(viewer=viewer)
        submit(client, history, 1, DATA, "a.csv", 1, scope=sandbox_scope(viewer.owner))
        with pytest.raises(AlreadySubmitted):
            submit(client, history, 1, DATA, "a.csv", 1, scope=sandbox_scope(viewer.owner))
    assert len(sandbox.state.migrations) == 2


def test_the_guard_refuses_another_owner_without_showing_it_the_earlier_submission():
    History(viewer=ALICE).begin(URL, 1, "a.csv", DATA, 1)
    with pytest.raises(AlreadySubmitted, match="from another account") as caught:
        History(viewer=BOB).begin(URL + "/", 1, "b.csv", DATA, 1)
    assert caught.value.earlier is None and "a.csv" not in str(caught.value)


def test_the_guard_names_the_earlier_submission_to_a_viewer_that_proved_the_connection():
    first = History(viewer=ALICE).begin(URL, 1, "a.csv", DATA, 1)
    with pytest.raises(AlreadySubmitted, match="a.csv was sent") as caught:
        History(viewer=BOB.proving([SHOP])).begin(URL, 1, "b.csv", DATA, 1)
    assert caught.value.earlier.id == first.id


def test_a_viewer_needs_an_owner():
    with pytest.raises(BadArguments):
        Viewer(" ")
