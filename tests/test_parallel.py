"""Work shared with forked workers: same answers as one process, failures redone here."""
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from addrmig import parallel
from addrmig.locations import LocationDB, resolve, resolver
from addrmig.locations.resolver import resolving
from addrmig.pipeline import load

FIXTURES = Path(__file__).parent / "fixtures"
needs_fork = pytest.mark.skipif(not parallel.can_fork(), reason="forked workers are used on Linux only")


def _square(x: int) -> int:
    return x * x


@needs_fork
def test_parts_run_in_forked_children_and_come_back_in_order():
    import time

    parent = os.getpid()
    done = []

    def work(x):
        time.sleep(0.05)  # long enough for every process to take some parts
        return x, os.getpid()

    results = parallel.map_parts(work, list(range(12)), workers=3, on_done=lambda d, t: done.append((d, t)))
    assert [x for x, _ in results] == list(range(12))  # each part once, in order
    pids = {pid for _, pid in results}
    assert parent in pids and len(pids) == 3  # this process and two children shared them
    assert done[-1] == (12, 12) and [d for d, _ in done] == sorted(d for d, _ in done)


@needs_fork
def test_a_spread_is_computed_by_children_while_this_process_goes_on():
    parent = os.getpid()
    spread = parallel.Spread(lambda x: (x * x, os.getpid()), list(range(6)), workers=2)
    here = sum(range(10_000))  # this process is free meanwhile
    results = spread.results()
    assert [x for x, _ in results] == [0, 1, 4, 9, 16, 25] and here == 49_995_000
    assert parent not in {pid for _, pid in results}


@needs_fork
def test_a_background_job_may_not_share_its_work_out_again():
    """A forked worker cannot fork workers of its own (multiprocessing's daemonic children):
    such a job is redone here, and the caller hears why. Work to share out goes to a Spread."""
    told = []
    job = parallel.Background(lambda: parallel.map_parts(_square, [1, 2, 3], workers=2))
    assert job.result(on_retry=told.append) == [1, 4, 9]
    assert told and "daemonic" in told[0]


@needs_fork
def test_a_faster_process_takes_more_parts():
    import time

    parent = os.getpid()

    def work(x):
        time.sleep(0.01 if os.getpid() == parent else 0.2)
        return os.getpid()

    pids = parallel.map_parts(work, list(range(20)), workers=2)
    assert pids.count(parent) > pids.count(next(p for p in pids if p != parent))


@needs_fork
def test_a_child_that_dies_has_its_part_redone_here():
    parent = os.getpid()
    told = []

    def work(x):
        if os.getpid() != parent:
            os._exit(7)  # the worker process vanishes without an answer
        time.sleep(0.3)  # the worker takes a part meanwhile
        return x * 10

    assert parallel.map_parts(work, [1, 2], workers=2, on_retry=told.append) == [10, 20]
    assert len(told) == 1 and "exit code 7" in told[0]


@needs_fork
def test_a_child_that_raises_has_its_part_redone_here():
    parent = os.getpid()
    told = []

    def work(x):
        if os.getpid() != parent:
            raise MemoryError("no room")
        time.sleep(0.3)  # the workers take parts meanwhile
        return -x

    assert parallel.map_parts(work, [1, 2, 3], workers=3, on_retry=told.append) == [-1, -2, -3]
    # Each worker failed on the part it took and stopped; both reasons are told at once.
    assert len(told) == 1 and told[0].count("MemoryError: no room") == 2


@needs_fork
def test_a_child_that_does_not_answer_in_time_is_stopped_and_its_part_redone(monkeypatch):
    parent = os.getpid()
    monkeypatch.setattr(parallel, "MIN_WAIT_SECONDS", 1.0)
    told = []

    def work(x):
        time.sleep(60 if os.getpid() != parent else 0.3)
        return x + 1

    assert parallel.map_parts(work, [1, 2], workers=2, on_retry=told.append) == [2, 3]
    assert "did not answer within 1 s" in told[0]


def test_one_worker_runs_every_part_here_in_turn():
    assert parallel.map_parts(_square, [1, 2, 3], workers=1) == [1, 4, 9]


def test_available_workers_follows_the_setting(monkeypatch):
    monkeypatch.setenv("ADDRMIG_WORKERS", "3")
    assert parallel.available_workers() == 3
    monkeypatch.setenv("ADDRMIG_WORKERS", "0")
    assert parallel.available_workers() == 1
    monkeypatch.setenv("ADDRMIG_WORKERS", "many")
    assert parallel.available_workers() == 1
    monkeypatch.delenv("ADDRMIG_WORKERS")
    assert 1 <= parallel.available_workers() <= 4


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_series_equal(a.row_status, b.row_status)
    pd.testing.assert_frame_equal(a.changes, b.changes)
    np.testing.assert_array_equal(a.row_tuple, b.row_tuple)
    ta, tb = a.tuples, b.tuples
    pd.testing.assert_frame_equal(ta, tb)
    pd.testing.assert_frame_equal(a.unresolved(), b.unresolved())
    assert a.summary() == b.summary()
    assert a.respelt_cells() == b.respelt_cells() == int(a.changes["rows"].sum()) > 0


@needs_fork
@pytest.mark.parametrize("workers", [2, 3])
def test_resolving_in_parts_gives_what_one_process_gives(monkeypatch, workers):
    frame = load(FIXTURES / "addresses_dev.csv").frame
    db = LocationDB.bundled()
    alone = resolve(frame, db)
    monkeypatch.setattr(resolving, "PARALLEL_MIN_ROWS", 0)
    parent = os.getpid()
    seen = []
    original = resolving.resolve_part

    def spy(places, rows, *args, **kwargs):
        part = original(places, rows, *args, **kwargs)
        if os.getpid() == parent:
            seen.append(len(rows))
            time.sleep(0.3)  # the workers take parts meanwhile
        return part

    monkeypatch.setattr(resolving, "resolve_part", spy)
    shared = resolve(frame, db, workers=workers)
    # Only the parts done here are seen here: the others were done in the workers.
    assert seen and 0 < sum(seen) < len(frame)
    _same(alone, shared)
    assert shared.summary()["resolved"] > 0 and len(shared.unresolved()) > 0


@needs_fork
def test_resolving_away_from_here_gives_what_one_process_gives(monkeypatch, tmp_path):
    frame = load(FIXTURES / "addresses_dev.csv").frame
    db = LocationDB.bundled()
    alone = resolve(frame, db)
    monkeypatch.setattr(resolving, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(resolving, "PLACES_PER_PART", 1)  # parts by rows: the file repeats few places
    steps, log = [], tmp_path / "pids"
    original = resolving.resolve_part

    def spy(places, rows, db, look, corrections, progress=None, picks=None):
        with open(log, "a") as out:  # the children's own memory does not come back: a file does
            out.write(f"{os.getpid()}\n")
        if progress is not None:
            progress(3, 6)  # a part under way says how far it is
            time.sleep(0.3)
        return original(places, rows, db, look, corrections, progress, picks)

    monkeypatch.setattr(resolving, "resolve_part", spy)
    shared = resolve(frame, db, workers=2, here=False, nice=3, progress=lambda done, total: steps.append(done / total))
    pids = log.read_text().split()
    parts = resolving.PARTS_PER_WORKER * 2
    assert len(pids) == parts and str(os.getpid()) not in pids  # all in children
    _same(alone, shared)
    assert steps[-1] == 1 and steps == sorted(steps)
    # The progress moved while parts were under way, not only as each one ended.
    ends = {round((1 + 4 * k / parts) / 6, 9) for k in range(parts + 1)} | {1.0}
    assert any(round(step, 9) not in ends for step in steps)


@needs_fork
@pytest.mark.parametrize("places_per_part, parts", [(10**9, 2), (1, 6)])
def test_a_file_writing_few_distinct_places_is_resolved_in_fewer_parts_with_the_same_result(
        monkeypatch, tmp_path, places_per_part, parts):
    """Resolved here (the command line), the parts are sized by the distinct places the file
    writes: few places, one part per worker instead of PARTS_PER_WORKER (each part costs time of
    its own); many, the parts by rows as before. The result is the same either way."""
    from addrmig.locations.resolver.parts import parts_for

    frame = load(FIXTURES / "addresses_dev.csv").frame
    db = LocationDB.bundled()
    alone = resolve(frame, db)
    monkeypatch.setattr(resolving, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(resolving, "PLACES_PER_PART", places_per_part)
    log = tmp_path / "parts"
    original = resolving.resolve_part

    def spy(places, rows, *args, **kwargs):
        with open(log, "a") as out:
            out.write(f"{len(rows)}\n")
        return original(places, rows, *args, **kwargs)

    monkeypatch.setattr(resolving, "resolve_part", spy)
    shared = resolve(frame, db, workers=2)
    sizes = [int(n) for n in log.read_text().split()]
    assert len(sizes) == parts and sum(sizes) == len(frame)
    _same(alone, shared)
    # The same number of parts for each worker, at least one each, at most the parts by rows.
    assert parts_for(6, 2, 250_000, 100_000) == 4
    assert parts_for(6, 2, 1, 100_000) == 2
    assert parts_for(6, 2, 10**7, 100_000) == 6
    assert parts_for(3, 1, 150_000, 100_000) == 2


@needs_fork
def test_parts_with_corrections_give_what_one_process_gives(monkeypatch):
    frame = load(FIXTURES / "addresses_dev.csv").frame
    db = LocationDB.bundled()
    alone = resolve(frame, db)
    todo = alone.unresolved()
    ambiguous = todo[todo["status"] == "ambiguous"].iloc[0]
    choice = {tuple(ambiguous[["country", "city", "township", "district"]]): ambiguous["suggestions"][0][0]}
    from addrmig.locations import apply_choices

    chosen = apply_choices(alone, choice)
    monkeypatch.setattr(resolving, "PARALLEL_MIN_ROWS", 0)
    shared = resolve(frame, db, corrections=chosen.corrections, choices=chosen.choices, workers=2)
    _same(chosen, shared)


@needs_fork
def test_fix_with_workers_writes_what_one_process_writes(tmp_path):
    """The command end to end on a file big enough for workers (places and checks shared
    out), against the same command kept in one process."""
    import subprocess
    import sys

    dev = pd.read_csv(FIXTURES / "addresses_dev.csv", dtype=str, keep_default_na=False)
    big = pd.concat([dev] * 21, ignore_index=True)  # 105,000 rows: over PARALLEL_MIN_ROWS
    assert len(big) >= resolver.PARALLEL_MIN_ROWS
    src = tmp_path / "big.csv"
    big.to_csv(src, index=False)
    outputs = {}
    for workers in ("1", "2"):
        out, review = tmp_path / f"out{workers}.csv", tmp_path / f"review{workers}.csv"
        scratch = tmp_path / f"tmp{workers}"
        scratch.mkdir()
        env = dict(os.environ, ADDRMIG_WORKERS=workers, TMPDIR=str(scratch))
        run = subprocess.run([sys.executable, "-m", "addrmig", "fix", str(src), "-o", str(out), "--review", str(review)],
                             capture_output=True, text=True, env=env, timeout=300)
        assert run.returncode == 1, run.stderr  # the dev sample has problems left
        outputs[workers] = (out.read_bytes(), review.read_bytes(),
                            run.stdout.replace(str(out), "OUT").replace(str(review), "REVIEW"))
    assert outputs["1"] == outputs["2"]
    assert "105,000 rows" in outputs["2"][2] and outputs["2"][1].count(b"\n") > 10
    # The workers' results went through private temporary files, all removed.
    assert not list((tmp_path / "tmp2").iterdir())


@needs_fork
def test_away_from_here_the_children_do_every_part_nicer_and_this_process_only_hears_of_them():
    parent = os.getpid()
    done = []

    def work(x):
        time.sleep(0.05)
        return x, os.getpid(), os.nice(0)

    results = parallel.map_parts(work, list(range(8)), workers=2, on_done=lambda d, t: done.append((d, t)),
                                 here=False, nice=5)
    assert [x for x, _, _ in results] == list(range(8))
    pids = {pid for _, pid, _ in results}
    assert parent not in pids and len(pids) == 2
    assert {niceness for _, _, niceness in results} == {os.nice(0) + 5}
    assert done[-1] == (8, 8) and len(done) >= 2 and [d for d, _ in done] == sorted(d for d, _ in done)


@needs_fork
def test_cancelled_work_stops_its_children_and_says_so():
    import threading

    cancel = threading.Event()
    pids = []

    def work(x):
        time.sleep(30)
        return x

    def watch():
        time.sleep(0.5)
        pids.extend(int(p) for p in os.popen(f"pgrep -P {os.getpid()}").read().split())
        cancel.set()

    threading.Thread(target=watch).start()
    started = time.monotonic()
    with pytest.raises(parallel.Cancelled):
        parallel.map_parts(work, [1, 2, 3], workers=2, here=False, cancel=cancel)
    assert time.monotonic() - started < 10
    assert pids
    time.sleep(0.2)
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_by_column_gives_the_results_in_order_from_two_threads_only_for_big_work(monkeypatch):
    import threading

    from addrmig.parallel import THREADED_ROWS, by_column

    monkeypatch.setenv("ADDRMIG_WORKERS", "2")
    seen = []

    def work(item):
        seen.append(threading.current_thread().name)
        time.sleep(0.01 * (5 - item))  # the first items end last
        return item * item

    assert by_column(work, [1, 2, 3, 4], THREADED_ROWS) == [1, 4, 9, 16]
    assert all(name.startswith("addrmig-columns") for name in seen)
    seen.clear()
    assert by_column(work, [1, 2, 3], THREADED_ROWS - 1) == [1, 4, 9]
    assert seen == [threading.current_thread().name] * 3
    monkeypatch.setenv("ADDRMIG_WORKERS", "1")
    seen.clear()
    assert by_column(work, [3, 1], THREADED_ROWS) == [9, 1] and seen == [threading.current_thread().name] * 2
