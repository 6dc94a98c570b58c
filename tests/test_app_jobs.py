"""Big downloads in the app: built in a worker process into the session's folder on disk, shown
with their progress, then downloaded from that file (ADDRMIG_WORKER_ROWS makes the small
fixture count as big here)."""
from __future__ import annotations

import os
import time

import pytest
from streamlit.testing.v1 import AppTest
from test_app_pages import metrics, new_app, upload

from addrmig.io import read_table, write_table


@pytest.fixture(autouse=True)
def _every_file_is_big(monkeypatch):
    monkeypatch.setenv("ADDRMIG_WORKER_ROWS", "10")


def app_with_file() -> AppTest:
    return upload(new_app())  # addresses_small.csv


def download_labels(at: AppTest) -> list[str]:
    return [button.label for button in at.get("download_button")]


def test_an_export_is_prepared_in_a_worker_written_to_disk_and_downloaded_from_there():
    at = app_with_file()
    at.switch_page("pages/export.py").run()
    at.radio(key="export_format").set_value("xlsx").run()
    prepare = at.button(key="export_good_prepare")
    assert prepare.label.startswith("Prepare: Download ") and prepare.label.endswith(" rows as XLSX")
    assert not any(label.endswith("as XLSX") for label in download_labels(at))  # nothing built yet
    prepare.click().run()
    assert not at.exception
    assert any(label.endswith("rows as XLSX") for label in download_labels(at))
    assert any(caption.value.startswith("Built in ") for caption in at.caption)

    folder = at.session_state["job_folder"]
    job = folder.current("export_good", next(iter(folder.jobs.values()))[0])
    assert job.process is not None and job.process.pid != os.getpid()  # a worker process built it
    assert job.path.parent.parent == folder.path and job.path.name == "addresses_small_akinon.xlsx"
    assert str(folder.path).startswith(os.environ["ADDRMIG_DATA_DIR"])  # on the server's disk
    ws = at.session_state["workspace"]
    split = ws.export_split(ws.report())
    assert read_table(job.path).frame.to_numpy().tolist() == \
        read_table(write_table(split.send, "xlsx"), name="x.xlsx").frame.to_numpy().tolist()

    at.run()  # moving around the page builds nothing again
    assert folder.current("export_good", next(iter(folder.jobs.values()))[0]) is job
    at.radio(key="export_format").set_value("csv").run()
    assert at.button(key="export_good_prepare").label.endswith(" rows as CSV")  # another file, on request


def test_the_error_report_is_prepared_the_same_way():
    at = app_with_file()
    at.switch_page("pages/check.py").run()
    at.button(key="report_xlsx_prepare").click().run()
    assert not at.exception
    assert "Download your rows with problems highlighted (Excel)" in download_labels(at)
    folder = at.session_state["job_folder"]
    (_, job), = folder.jobs.values()
    assert job.path.name == "addresses_small_problems.xlsx" and job.path.stat().st_size > 0
    assert "Prepare: Download the report (CSV)" in [button.label for button in at.button]


def test_a_session_that_goes_on_keeps_its_workspace_while_ended_sessions_are_watched():
    # The watch over ended sessions runs every 2 s; a session it cannot tell has ended (here:
    # no server runtime) keeps everything.
    at = app_with_file()
    ws = at.session_state["workspace"]
    time.sleep(2.5)
    at.run()
    assert not at.exception
    assert at.session_state["workspace"] is ws and ws.has_file and ws.rows == 79


def test_the_file_is_read_again_with_other_settings_after_the_session_let_go_of_its_bytes():
    from addrmig.persistence import save
    from pages._session import store

    at = app_with_file()
    ws = at.session_state["workspace"]
    save(ws, store(), with_file=True)  # as the app does at the end of a run that changed the file
    assert ws.file_bytes is None  # saved on the server: the session no longer holds the upload twice
    at.number_input(key="opt_header_row").set_value(2)
    at.button(key="reread").click().run()
    assert not at.exception
    assert ws.loaded.table.header_row == 2 and ws.rows == 78  # read again, from the server's copy


def test_a_big_files_checks_and_places_are_done_from_the_upload_on_and_the_next_pages_take_them():
    at = app_with_file()
    ws = at.session_state["workspace"]
    assert ws.report_ready  # checked by the Upload page once it was drawn
    checked = ws.report()
    ahead = ws.ahead
    assert ahead is not None and ahead.key[0] == ws.version  # started as the file was read
    matched = ahead.take(ahead.key)
    assert matched is not None and matched.summary()["rows"] == ws.rows
    at.switch_page("pages/check.py").run()
    assert not at.exception and at.metric and ws.report() is checked  # shown, not checked again
    assert ws.ahead is ahead  # moving to another page does not start it again
    at.switch_page("pages/locations.py").run()
    assert not at.exception and ws.ahead is None
    assert ws.current_resolution() is matched  # taken, not matched again
    assert "Places found" in metrics(at)  # the page shows the places it took



def test_back_on_the_upload_page_after_an_edit_nothing_is_worked_ahead_again(monkeypatch):
    """The work ahead is for the file just read: once the places are written (an edit), a visit
    back to the Upload page neither checks the new version nor matches its places there; the
    page that shows them does, when the user goes to it."""
    from addrmig.workspace import Workspace

    at = app_with_file()
    ws = at.session_state["workspace"]
    at.switch_page("pages/locations.py").run()
    assert not at.exception and ws.edits  # the places written into the file
    asked = []
    report, resolve_ahead = Workspace.report, Workspace.resolve_ahead
    monkeypatch.setattr(Workspace, "report", lambda self, *a, **k: asked.append("report") or report(self, *a, **k))
    monkeypatch.setattr(Workspace, "resolve_ahead",
                        lambda self, *a, **k: asked.append("ahead") or resolve_ahead(self, *a, **k))
    at.switch_page("pages/upload.py").run()
    assert not at.exception and asked == [] and ws.ahead is None
    at.switch_page("pages/check.py").run()
    assert not at.exception and "report" in asked and at.metric  # the Check page checks the new version

def test_a_big_files_bytes_go_to_the_servers_store_before_its_places_are_matched_ahead(monkeypatch):
    # Saved by the Upload page itself: a click to the next page cuts a run short before app.py's
    # end (where the workspace is saved otherwise), and place workers forked while the workspace
    # still held the bytes would keep them until they end.
    from addrmig.workspace import Workspace

    held_when_started = []
    start = Workspace.resolve_ahead

    def noting(self, *args, **kwargs):
        held_when_started.append(self.file_bytes)
        return start(self, *args, **kwargs)

    monkeypatch.setattr(Workspace, "resolve_ahead", noting)
    at = app_with_file()
    ws = at.session_state["workspace"]
    assert held_when_started == [None] and ws.ahead is not None
    assert ws.saved_state[1] == ws.file_sha  # the store has them
    at.button(key="reread").click().run()  # read again, from the store's copy
    assert not at.exception and ws.rows == 79 and ws.file_name == "addresses_small.csv"


def test_an_ended_sessions_workspace_and_memos_are_let_go_even_if_its_state_is_kept():
    # Streamlit may keep an ended session's state a while: the file as read and its checks,
    # memoised there by the pages, go with the workspace when the session ends.
    from addrmig.jobs import EndedSessions
    from pages._session import _SessionHoldings

    at = app_with_file()
    at.switch_page("pages/check.py").run()
    state, ws = at.session_state, at.session_state["workspace"]
    memos = [state["loaded_files"], state["check_reports"]]
    assert all(memos) and ws.has_file
    holdings = _SessionHoldings(ws, memos)
    ended: set[str] = set()
    watch = EndedSessions(lambda session: session in ended)
    watch.watch("s", holdings)
    assert watch.sweep() == [] and all(memos)  # not ended: nothing let go
    ended.add("s")
    assert watch.sweep() == ["s"]
    assert not any(memos) and not ws.has_file
