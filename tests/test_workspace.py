"""The Workspace: the one state object the web app keeps per session (no Streamlit here)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from addrmig.akinon.connection import Connection, check_connection
from addrmig.akinon.flow import progress_figures, samples_frame
from addrmig.akinon.sandbox import Sandbox
from addrmig.errors import AkinonAuthError, AkinonBadResponse, AkinonConnectionError, AkinonNotFound, BadArguments
from addrmig.fields import COLUMNS
from addrmig.formatting import plural
from addrmig.history import Sample
from addrmig.locations.db import LocationDB
from addrmig.locations.review import clear_choices, review_items
from addrmig.paging import PAGE_SIZE, page_count, page_of
from addrmig.pipeline import load as load_bytes
from addrmig.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def small_bytes() -> bytes:
    return (FIXTURES / "addresses_small.csv").read_bytes()


@pytest.fixture
def ws(small_bytes) -> Workspace:
    ws = Workspace()
    ws.set_loaded("addresses_small.csv", small_bytes, load_bytes(small_bytes, "addresses_small.csv"))
    return ws


def test_loaded_file_becomes_an_address_frame_numbered_like_the_spreadsheet(ws):
    assert list(ws.frame.columns) == list(COLUMNS)
    assert ws.frame.index[0] == 2
    assert ws.rows == 79


def test_fresh_workspace_says_every_step_is_waiting():
    steps = Workspace().steps()
    assert [s.key for s in steps] == ["upload", "check", "places", "export", "submit"]
    assert steps[0].text == "no file yet"
    assert all(s.icon == "" for s in steps)


def test_sidebar_shows_row_count_with_thousands_separator():
    data = (FIXTURES / "addresses_dev.csv").read_bytes()
    ws = Workspace()
    ws.set_loaded("dev.csv", data, load_bytes(data, "dev.csv"))
    assert ws.steps()[0].text == "5,000 rows"


def test_edit_cells_changes_only_the_given_cell_and_can_be_undone(ws):
    before = ws.frame.copy()
    edit = ws.edit_cells({(3, "email"): "fixed@example.com"})
    assert ws.frame.at[3, "email"] == "fixed@example.com"
    assert len(edit.changes) == 1
    assert (ws.frame.drop(index=3) == before.drop(index=3)).all().all()
    ws.undo()
    assert ws.frame.equals(before)


def test_edit_to_the_same_value_records_nothing(ws):
    assert ws.edit_cells({(2, "user"): ws.frame.at[2, "user"]}) is None
    assert ws.edits == []


def test_edit_of_unknown_row_is_refused_with_a_sentence(ws):
    with pytest.raises(BadArguments, match="no row 99999"):
        ws.edit_cells({(99999, "user"): "x"})


def test_find_replace_touches_one_column_only(ws):
    ws.edit_cells({(2, "city"): "Istanbul", (2, "township"): "Istanbul"})
    edit = ws.find_replace("city", "Istanbul", "İstanbul")
    assert ws.frame.at[2, "city"] == "İstanbul"
    assert ws.frame.at[2, "township"] == "Istanbul"
    assert set(edit.changes["column"]) == {"city"}


def test_find_replace_whole_cell_leaves_longer_values_alone(ws):
    ws.edit_cells({(2, "title"): "Ev", (3, "title"): "Evim"})
    ws.find_replace("title", "Ev", "Home", whole_cell=True)
    assert ws.frame.at[2, "title"] == "Home"
    assert ws.frame.at[3, "title"] == "Evim"


def test_trim_shows_what_changed_and_undo_restores_the_spaces(ws):
    ws.edit_cells({(2, "first_name"): "  Ayşe "})
    original = ws.frame.copy()
    edit = ws.apply_trim()
    assert ws.frame.at[2, "first_name"] == "Ayşe"
    change = edit.changes[(edit.changes["row"] == 2) & (edit.changes["column"] == "first_name")].iloc[0]
    assert (change["before"], change["after"]) == ("  Ayşe ", "Ayşe")
    ws.undo()
    assert ws.frame.equals(original)


def test_content_key_follows_edits_and_undo(ws):
    first = ws.content_key()
    ws.edit_cells({(2, "user"): "other"})
    assert ws.content_key() != first
    ws.undo()
    assert ws.content_key() == first


def test_report_is_computed_once_per_version(ws):
    calls = []

    def counting_validate(frame):
        from addrmig.validation import validate
        calls.append(1)
        return validate(frame)

    ws.report(counting_validate)
    ws.report(counting_validate)
    assert len(calls) == 1
    ws.edit_cells({(2, "user"): "changed"})
    report = ws.report(counting_validate)
    assert len(calls) == 1  # brought up to date from the report before the edit (rechecking.recheck)
    from addrmig.validation import validate
    assert report.failures.equals(validate(ws.frame).failures)
    ws.set_loaded("again.csv", b"other bytes", ws.loaded)  # a new file: checked in full
    ws.report(counting_validate)
    assert len(calls) == 2


def test_failing_rows_are_the_rows_with_errors_only(ws):
    ws.edit_cells({(5, "email"): "not an email"})
    report = ws.report()
    failing = ws.failing_rows(report)
    assert 5 in failing.index
    assert set(failing.index) == set(report.failures.loc[report.failures["severity"] == "error", "row"])


def test_rows_akinon_would_refuse_are_set_apart_and_rows_it_accepts_are_sent(ws):
    ws.resolve_places(db=LocationDB.bundled())
    ws.edit_cells({(3, "first_name"): ""})            # required: Akinon refuses
    ws.edit_cells({(5, "email"): "not an email"})      # only addrmig objects
    split = ws.export_split(ws.report())
    assert 3 in split.later.index and 5 in split.send.index
    assert len(split.send) + len(split.later) == ws.rows
    assert split.send_refused_rows == 0 and split.send_advisory_rows >= 1
    held = ws.export_split(ws.report(), hold_back_advisory=True)
    assert 5 in held.later.index and held.later_advisory_rows >= 1
    # The split is a mask over the working frame: its counts and pages are the copies' own.
    assert (held.send_count, held.later_count) == (len(held.send), len(held.later))
    assert held.frame is ws.frame
    pd.testing.assert_frame_equal(held.frame.iloc[held.positions(later=True)], held.later)
    pd.testing.assert_frame_equal(held.frame.iloc[held.positions()], held.send)
    pd.testing.assert_frame_equal(held.send_page(1), held.send.iloc[:PAGE_SIZE])
    pd.testing.assert_frame_equal(held.send_page(99), held.send.iloc[-(len(held.send) % PAGE_SIZE or PAGE_SIZE):])


def test_a_place_akinon_does_not_hold_is_refused_until_it_is_matched(ws):
    ws.edit_cells({(3, "city"): "Atlantis", (3, "township"): "Nowhere"})
    split = ws.export_split(ws.report())
    assert 3 in split.later.index and split.unknown_place_rows >= 1
    everything = ws.export_split(ws.report(), hold_back_refused=False)
    assert 3 in everything.send.index and everything.send_refused_rows == split.refused_rows
    assert "Akinon will refuse" in everything.describe_send()


def test_the_refusal_count_follows_akinons_place_rule_on_the_rows_as_they_stand(ws):
    before = ws.verdicts(ws.report()).refused_rows
    ws.resolve_places(db=LocationDB.bundled())  # respells places Akinon would not take as written
    after = ws.verdicts(ws.report()).refused_rows
    assert after < before


def test_export_split_descriptions_count_in_words_a_person_reads(ws):
    ws.edit_cells({(5, "email"): "not an email"})
    split = ws.export_split(ws.report(), hold_back_advisory=True)
    later = split.describe_later()
    assert later.startswith(f"{len(split.later):,} row")
    assert not re.search(r"\b1 rows", later) and not re.search(r"\b1 rows", split.describe_send())


def test_plural_says_one_row_and_many_rows_with_separators():
    assert plural(1, "row") == "1 row"
    assert plural(0, "row") == "0 rows"
    assert plural(12480, "row") == "12,480 rows"
    assert plural(2, "entry", "entries") == "2 entries"


def test_pages_never_hold_more_than_a_page():
    frame = pd.DataFrame({"a": range(1000)})
    assert len(page_of(frame, 3, 50)) == 50
    assert page_of(frame, 999, 50).iloc[0, 0] == 950  # clamped to the last page
    assert page_count(0) == 1


def test_connection_repr_never_shows_the_token():
    conn = Connection(mode="akinon", url="https://x.example", channel_id="3", token="s3cr3t-token-value")
    assert "s3cr3t" not in repr(conn)
    assert conn.ready


def test_resolving_places_writes_the_database_spelling_into_the_frame(ws):
    ws.edit_cells({(2, "city"): "ISTANBUL", (2, "township"): "kadikoy"})
    resolution = ws.resolve_places(db=LocationDB.bundled())
    assert ws.frame.at[2, "city"] == "İstanbul"
    assert ws.frame.at[2, "township"] == "Kadıköy"
    assert ws.resolution_ready and ws.current_resolution() is resolution
    waiting = ws.rows - resolution.summary()["resolved"]
    expected = {0: "every place found", 1: "1 row waits for your choice"}.get(waiting, f"{waiting} rows wait for your choice")
    assert ws.steps()[2].text == expected


def test_clear_choices_never_picks_among_tied_suggestions(ws):
    resolution = ws.resolve_places(db=LocationDB.bundled())
    choices = clear_choices(review_items(resolution), 0)
    for _, item in resolution.unresolved().iterrows():
        scores = [score for _, score in (item["suggestions"] or [])]
        written = tuple(item[level] for level in ("country", "city", "township", "district"))
        if len(scores) > 1 and scores[0] == scores[1]:
            assert written not in choices


def test_progress_figures_give_speed_and_time_left():
    class Sub:
        total, processed, errors, rows = 1000, 400, 3, 1000

    samples = samples_frame([Sample("2026-01-01T00:00:00.000+00:00", 0, 0, 1000),
                             Sample("2026-01-01T00:00:04.000+00:00", 400, 0, 1000)])
    figures = progress_figures(Sub(), samples)
    assert figures.speed == pytest.approx(100.0)
    assert figures.eta == "6 s"
    assert figures.share == pytest.approx(0.4)


# ---------------------------------------------------------------------- test connection
@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox(port=0)
    box.start()
    yield box
    box.stop()


def test_connection_to_akinon_with_the_right_token_says_it_was_accepted(sandbox):
    said = check_connection(Connection(mode="akinon", url=sandbox.url, channel_id="1", token=sandbox.token))
    assert "accepted the token" in said and "channel id (1)" in said


def test_connection_with_a_wrong_token_says_the_token_was_refused(sandbox):
    with pytest.raises(AkinonAuthError, match="refused the API token"):
        check_connection(Connection(mode="akinon", url=sandbox.url, channel_id="1", token="wrong" * 8))


def test_connection_to_a_url_that_answers_404_to_everything_says_it_is_the_wrong_address(sandbox):
    with pytest.raises(AkinonNotFound, match="not the right address"):
        check_connection(Connection(mode="akinon", url=sandbox.url + "/shop/api", channel_id="1",
                                    token=sandbox.token))


def test_connection_to_a_web_page_says_it_is_not_akinons_api(html_server):
    with pytest.raises(AkinonBadResponse, match="not as Akinon's API does"):
        check_connection(Connection(mode="akinon", url=html_server, channel_id="1", token="t" * 40))


def test_connection_to_a_closed_port_says_it_could_not_be_reached():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(AkinonConnectionError, match="could not be reached"):
        check_connection(Connection(mode="akinon", url=f"http://127.0.0.1:{port}", channel_id="1", token="t" * 40))


def test_connection_with_a_channel_that_is_not_a_number_says_where_to_find_it(sandbox):
    with pytest.raises(BadArguments, match="Sales Channels"):
        check_connection(Connection(mode="akinon", url=sandbox.url, channel_id="web", token=sandbox.token))


def test_the_place_rule_is_answered_once_per_version_and_beside_the_checks_for_a_big_file(ws, monkeypatch):
    from addrmig import fixing
    from addrmig.locations import acceptance
    from addrmig.locations.db import shared_bundled
    from addrmig.parallel import can_fork

    expected = acceptance.unknown_places(ws.frame, shared_bundled())
    asked = []
    answer = acceptance.unknown_places
    monkeypatch.setattr(acceptance, "unknown_places", lambda frame, db: asked.append(os.getpid()) or answer(frame, db))
    monkeypatch.setattr(fixing, "PARALLEL_CHECK_ROWS", 1)  # this file counts as big
    monkeypatch.setattr("addrmig.parallel.available_workers", lambda: 2)
    report = ws.report()
    first = ws.verdicts(report)
    assert ws.verdicts(report) is first  # a rerun of the page computes nothing again
    assert (first.unknown_place == expected).all() and first.unknown_place.any()
    # Asked in a forked worker (whose call is not seen here), not in this process.
    assert asked == ([] if can_fork() else [os.getpid()])


def test_a_closed_workspace_holds_nothing_of_its_file(ws):
    ws.report()
    ws.close()
    assert not ws.has_file and ws.frame is None and ws.loaded is None and ws.file_bytes is None
    assert ws.current_resolution() is None and not ws.edits


def test_places_matched_ahead_are_taken_for_the_same_version_and_never_for_an_edited_one(ws):
    import threading

    from addrmig.locations.db import shared_bundled
    from addrmig.locations.resolver import resolve

    db, calls, release = shared_bundled(), [], threading.Event()

    def slow(frame, db, cancel=None, **kwargs):
        calls.append(("ahead" if cancel is not None else "asked", frame["city"].tolist()))
        release.wait(10)
        if cancel is not None and cancel.is_set():
            from addrmig.parallel import Cancelled
            raise Cancelled()
        return resolve(frame, db, **kwargs)

    ws.resolve_ahead(slow, db)
    ws.resolve_ahead(slow, db)  # already under way for this version: not started twice
    told = []
    threading.Timer(0.4, release.set).start()
    taken = ws.resolution(slow, db, progress=lambda done, total: told.append(done / total))
    assert [kind for kind, _ in calls] == ["ahead"] and told[-1] == 1.0
    assert taken is ws.current_resolution() and taken.summary() == resolve(ws.frame, db).summary()

    # An edit after the start: what was matched ahead is for the old frame, so it is dropped
    # (its work cancelled) and the places are matched for the frame as it is now; an undo too.
    release.clear()
    row = ws.frame.index[0]
    ws.edit_cells({(row, "city"): "İzmir"})
    ws.resolve_ahead(slow, db)
    ahead = ws.ahead
    for _ in range(500):  # its thread under way
        if len(calls) == 2:
            break
        threading.Event().wait(0.01)
    ws.edit_cells({(row, "city"): "Ankara"})
    assert ahead.stop.is_set() and ws.ahead is None  # the edit stops it at once
    release.set()
    again = ws.resolution(slow, db)
    assert [kind for kind, _ in calls] == ["ahead", "ahead", "asked"]
    assert calls[-1][1][0] == "Ankara" and again.frame.loc[row, "city"] == "Ankara"
    ws.edit_cells({(row, "city"): "Bursa"})
    ws.resolve_ahead(slow, db)
    ahead = ws.ahead
    ws.undo()
    assert ahead.stop.is_set() and ws.ahead is None


def test_places_are_not_matched_ahead_beside_a_matching_a_page_has_begun(ws):
    """The user may open Places before the Upload page's run (which goes on after the click)
    reaches the work ahead: the page's matching is under way, and a second one beside it would
    take half the cores from it, and its result would never be taken."""
    import threading

    from addrmig.locations.db import shared_bundled
    from addrmig.locations.resolver import resolve

    db, calls, started, release = shared_bundled(), [], threading.Event(), threading.Event()

    def slow(frame, db, cancel=None, **kwargs):
        calls.append("ahead" if cancel is not None else "asked")
        started.set()
        release.wait(10)
        return resolve(frame, db, **kwargs)

    page = threading.Thread(target=lambda: ws.resolution(slow, db))
    page.start()
    assert started.wait(10)
    ws.resolve_ahead(slow, db)
    assert ws.ahead is None
    release.set()
    page.join(30)
    assert calls == ["asked"] and ws.resolution_ready
    ws.resolve_ahead(slow, db)  # done: nothing to start either
    assert ws.ahead is None and calls == ["asked"]


def test_a_check_under_way_is_waited_for_not_done_again_beside_it(ws):
    # Streamlit starts a page's new run beside the run it told to stop, which goes on checking:
    # the new run gets that run's report.
    import threading
    import time

    from addrmig.validation import validate

    calls, started = [], threading.Event()

    def slow(frame):
        calls.append(threading.get_ident())
        started.set()
        time.sleep(0.5)
        return validate(frame)

    reports = {}
    first = threading.Thread(target=lambda: reports.update(first=ws.report(slow)))
    first.start()
    assert started.wait(10)
    reports["second"] = ws.report(slow)
    first.join(10)
    assert len(calls) == 1 and reports["first"] is reports["second"]
    ws.edit_cells({(ws.frame.index[0], "first_name"): "Zeynep"})
    # A new version is checked again (from the report before the edit: rechecking.recheck).
    assert ws.report(slow) is not reports["first"] and len(calls) == 1
