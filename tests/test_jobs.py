"""Heavy work in a worker process (addrmig.jobs): the file is written to disk by another
process, progress and failures come back, and a session's files go with it."""
from __future__ import annotations

import gc
import os
import time
import weakref
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from addrmig import jobs
from addrmig.errors import BadArguments
from addrmig.io import read_table, write_table
from addrmig.jobs import DONE, FAILED, Job, JobFolder, report_file, sweep, table_file
from addrmig.pipeline import load
from addrmig.validation import validate

FIXTURES = Path(__file__).resolve().parent / "fixtures"
needs_fork = pytest.mark.skipif(not jobs._can_fork(), reason="worker processes are forked on Linux only")


@pytest.fixture
def frame() -> pd.DataFrame:
    return load((FIXTURES / "addresses_small.csv").read_bytes(), "addresses_small.csv").frame


def pid_and_progress(path: Path, progress) -> None:
    """A build that says which process ran it, reporting progress on the way."""
    for step in range(4):
        progress(step, 4)
        time.sleep(0.05)
    path.write_text(str(os.getpid()))


@needs_fork
def test_the_file_is_built_by_another_process_and_written_to_disk(tmp_path):
    job = Job(pid_and_progress, tmp_path / "out.txt")
    state = job.wait(60)
    assert state.state == DONE and state.share == 1.0 and state.message is None
    assert state.path == tmp_path / "out.txt"
    worker = int(state.path.read_text())
    assert worker != os.getpid()
    assert job.process is not None and job.process.pid == worker and job.process.exitcode == 0
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # nothing half-written left beside it


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_an_export_built_in_a_worker_is_the_file_write_table_makes(tmp_path, frame, fmt):
    state = Job(table_file(frame, fmt), tmp_path / f"out.{fmt}").wait(120)
    assert state.state == DONE
    assert state.path.read_bytes() == write_table(frame, fmt) or fmt == "xlsx"
    back = read_table(state.path).frame
    assert back.to_numpy().tolist() == write_table_frame(frame, fmt).to_numpy().tolist()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_some_rows_of_a_frame_are_written_as_a_copy_of_them_would_be(tmp_path, frame, fmt):
    rows = np.flatnonzero(np.arange(len(frame)) % 3 == 1)
    state = Job(table_file(frame, fmt, rows=rows), tmp_path / f"out.{fmt}").wait(120)
    assert state.state == DONE
    expected = frame.iloc[rows]
    assert state.path.read_bytes() == write_table(expected, fmt) or fmt == "xlsx"
    assert read_table(state.path).frame.to_numpy().tolist() == write_table_frame(expected, fmt).to_numpy().tolist()
    none = Job(table_file(frame, fmt, rows=rows[:0]), tmp_path / f"none.{fmt}").wait(120)
    assert none.state == DONE and none.path.read_bytes() == write_table(frame.iloc[:0], fmt) or fmt == "xlsx"


def write_table_frame(frame: pd.DataFrame, fmt: str) -> pd.DataFrame:
    return read_table(write_table(frame, fmt), name=f"x.{fmt}").frame


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_error_report_is_built_in_a_worker(tmp_path, frame, fmt):
    report = validate(frame)
    state = Job(report_file(frame, report, fmt), tmp_path / f"problems.{fmt}").wait(120)
    assert state.state == DONE
    table = read_table(state.path, sheet="Failures" if fmt == "xlsx" else None).frame
    assert len(table) == len(report.failures)


def fails_plainly(path: Path, progress) -> None:
    raise ValueError("no such thing")


def fails_with_a_sentence(path: Path, progress) -> None:
    path.write_text("half")
    raise BadArguments("The column city is missing.")


def dies(path: Path, progress) -> None:
    os._exit(9)


def test_a_failure_comes_back_as_a_sentence_and_leaves_no_file(tmp_path):
    state = Job(fails_with_a_sentence, tmp_path / "a.csv").wait(60)
    assert state.state == FAILED and state.message == "The column city is missing."
    state = Job(fails_plainly, tmp_path / "b.csv").wait(60)
    assert state.state == FAILED
    assert state.message == "The file could not be built (ValueError: no such thing)."
    assert "Traceback" not in state.message
    assert list(tmp_path.iterdir()) == []


@needs_fork
def test_a_worker_that_dies_is_reported(tmp_path):
    state = Job(dies, tmp_path / "c.csv").wait(60)
    assert state.state == FAILED
    assert "stopped before it was done (exit code 9)" in state.message


def slow(path: Path, progress) -> None:
    time.sleep(30)
    path.write_text("late")


@needs_fork
def test_a_session_folder_keeps_one_job_per_name_and_goes_with_the_session(tmp_path):
    folder = JobFolder(tmp_path)
    first = folder.start("export", ("v1", "csv"), "out.csv", pid_and_progress)
    assert folder.start("export", ("v1", "csv"), "out.csv", pid_and_progress) is first  # the same file
    assert first.wait(60).state == DONE
    assert folder.current("export", ("v2", "csv")) is None
    running = folder.start("export", ("v2", "csv"), "out.csv", slow)  # the data changed: a new file
    assert not first.path.exists()
    assert running.status().running
    where = folder.path
    del folder
    gc.collect()
    assert not where.exists()  # the folder is deleted and the worker stopped with the session
    running.process.join(5)
    assert not running.process.is_alive()


def test_folders_left_behind_are_swept_once_older_than_a_workspace_lives(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for folder in (old, new):
        (folder / "x").mkdir(parents=True)
    os.utime(old, (time.time() - 25 * 3600,) * 2)
    assert sweep(tmp_path) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["new"]


class _Session:
    """Stands for a session's workspace: in a reference cycle (as a page's namespace and its
    functions are), and kept by something else too (as Streamlit keeps an ended session a while)."""

    def __init__(self) -> None:
        self.parts = [self]
        self.data = _Data()

    def close(self) -> None:
        self.data = None


class _Data:
    """The big data a workspace holds."""


def test_an_ended_sessions_data_is_let_go_without_waiting_for_another_script_run():
    ended: set[str] = set()
    watch = jobs.EndedSessions(lambda session: session in ended, every=0.05)
    collecting = gc.isenabled()
    gc.disable()  # as in a quiet server: nothing else runs the cyclic collector
    try:
        session, other = _Session(), _Session()
        kept = [session]  # still referred to after its end
        data, cycle = weakref.ref(session.data), weakref.ref(other)
        watch.watch("a", session)
        watch.watch("b", other)
        del session, other
        time.sleep(0.3)
        assert data() is not None and cycle() is not None, "no session has ended: their objects stay"
        ended.update({"a", "b"})
        for _ in range(100):
            if data() is None and cycle() is None:
                break
            time.sleep(0.05)
        assert data() is None and cycle() is None
        assert kept[0].data is None  # the owner was closed
        assert watch.sweep() == []  # both forgotten
    finally:
        if collecting:
            gc.enable()
