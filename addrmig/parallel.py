"""Share CPU-bound work between this process and forked children.

Used for work that splits into independent parts (the place resolver on a big file).
With ``workers`` processes, this process and ``workers`` - 1 children forked from it (so
they read the data and lookups built so far without copying them) take the parts one at
a time from a shared queue (a pipe holding the part numbers) until none is left, so a
faster process does more of them; a child sends each result back as soon as it is done
(pickled to a private temporary file, whose name goes through a pipe).
Several small parts per process instead of one big one keep each process's working
memory small. A child that fails, dies or does not answer in time has
its missing parts redone here: the result is the same, only slower.

Fork is used only on Linux (where it is the platform's own way and the data need no
pickling); elsewhere, or with one worker, every part runs here in turn.
"""
from __future__ import annotations

import gc
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from addrmig.limits import collector_paused

P = TypeVar("P")
R = TypeVar("R")

#: A child is given at least this long after this process finished its own parts, and
#: longer (``PATIENCE`` × the time those took) for bigger jobs, before its missing parts
#: are redone here.
MIN_WAIT_SECONDS = 60.0
PATIENCE = 3.0


def available_workers() -> int:
    """How many processes may share a job: ``ADDRMIG_WORKERS`` when set, else the CPUs
    this process may run on (at most 4: each worker holds its share of the work)."""
    raw = os.environ.get("ADDRMIG_WORKERS", "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


#: From this many rows, column-wise work done mostly by Arrow and numpy (outside the
#: interpreter's lock) is shared between two threads: :func:`by_column`.
THREADED_ROWS = 50_000


def by_column(func: Callable[[P], R], items: Sequence[P], rows: int) -> list[R]:
    """``[func(item) for item in items]``, two at a time in threads when there are at least
    ``THREADED_ROWS`` ``rows`` (and ``available_workers()`` allows two); for work mostly outside
    the interpreter's lock, such as one column's Arrow compute."""
    if rows < THREADED_ROWS or len(items) < 2 or available_workers() < 2:
        return [func(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="addrmig-columns") as pool:
        return list(pool.map(func, items))


def can_fork() -> bool:
    import multiprocessing

    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


class _Queue:
    """Part numbers shared by forked processes: a pipe filled before the fork, each
    process reading the next number (a read of a few bytes from a pipe is atomic, and a
    process that dies holds nothing another one waits for)."""

    def __init__(self, count: int) -> None:
        self.reader, writer = os.pipe()
        os.write(writer, b"".join(i.to_bytes(4, "little") for i in range(count)))
        os.close(writer)

    def take(self) -> int | None:
        data = os.read(self.reader, 4)
        return int.from_bytes(data, "little") if len(data) == 4 else None

    def close(self) -> None:
        try:
            os.close(self.reader)
        except OSError:
            pass


class _Child:
    """One forked child computing ``func(parts[i])`` for each part number it takes from
    the queue; a thread here notes each result's file as it arrives."""

    def __init__(self, func: Callable[[P], R], parts: Sequence[P], queue: _Queue, nice: int = 0) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self.reader, writer = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_child_main, args=(func, parts, queue, writer, nice), daemon=True)
        self.process.start()
        writer.close()
        self.received: dict[int, str] = {}  # part number -> file holding its result
        self.loaded: dict[int, object] = {}  # part number -> its result, read back
        self.failure: str | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._receive, daemon=True, name="addrmig-worker-results")
        self.thread.start()

    def _receive(self) -> None:
        try:
            while True:
                index, path = pickle.loads(self.reader.recv_bytes())
                if index < 0:  # the child reports a failure and stops
                    self.failure = self.failure or path
                    return
                self.received[index] = path
        except EOFError:  # the child is done, or ended without finishing
            self.process.join(5)
            if self.process.exitcode != 0:
                self.failure = self.failure or f"the worker process ended with exit code {self.process.exitcode}"
        except (OSError, pickle.UnpicklingError) as exc:
            self.failure = self.failure or f"the worker process's answer was lost ({exc.__class__.__name__})"
        finally:
            self.done.set()

    def load_received(self) -> None:
        """Read back the results that have arrived (into ``loaded``): done while waiting for the
        rest, this process is not left to unpickle them all at the end."""
        # Unpickling makes many small objects at once: the collector would run over and
        # over on them for nothing.
        with collector_paused():
            for index, path in list(self.received.items()):
                try:
                    with open(path, "rb") as handle:
                        self.loaded[index] = pickle.load(handle)
                except (OSError, EOFError, pickle.UnpicklingError) as exc:
                    self.failure = self.failure or f"a worker's result could not be read back ({exc.__class__.__name__})"
                finally:
                    _remove(path)
                    del self.received[index]

    def results(self, patience: float) -> tuple[dict[int, object], str | None]:
        """The results received (part number -> value) and, when the child failed, why
        (its unfinished part is then missing from them)."""
        deadline = time.monotonic() + patience
        while not self.done.wait(min(0.05, max(0.0, deadline - time.monotonic()))):
            self.load_received()
            if time.monotonic() >= deadline:
                self.failure = f"the worker process did not answer within {patience:.0f} s"
                self.process.kill()
                break
        self.thread.join(5)
        self.load_received()
        values, self.loaded = self.loaded, {}
        self.close()
        return values, self.failure

    def close(self) -> None:
        if self.process.is_alive() and not self.done.is_set():
            self.process.kill()
        self.process.join(5)
        self.reader.close()
        self.thread.join(5)
        for path in self.received.values():  # results never read back
            _remove(path)
        self.received.clear()


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _child_main(func, parts, queue, writer, nice: int = 0) -> None:
    import tempfile

    if nice:
        os.nice(nice)

    while (index := queue.take()) is not None:
        try:
            value = func(parts[index])
            # Each result goes to a private temporary file and only its name through the
            # pipe: the child never waits for the parent to drain a pipe while it is busy.
            handle, path = tempfile.mkstemp(prefix="addrmig-part-", suffix=".pickle")
            try:
                with os.fdopen(handle, "wb") as out:
                    pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                _remove(path)
                raise
            writer.send_bytes(pickle.dumps((index, path)))
        except BaseException as exc:  # reported to the parent, which redoes the part
            writer.send_bytes(pickle.dumps((-1, f"{exc.__class__.__name__}: {exc}")))
            break
    writer.close()


class Spread:
    """``[func(part) for part in parts]`` begun now by ``workers`` children forked from this
    process, which goes on with other work meanwhile; :meth:`results` waits for them. The
    children see the data as it was at the fork and take the parts one at a time from a
    shared queue; a part a child did not finish is redone here. Where fork is not
    available every part is computed here by :meth:`results`. The children run ``nice``
    steps nicer than this process."""

    def __init__(self, func: Callable[[P], R], parts: Sequence[P], workers: int, nice: int = 0) -> None:
        self.func, self.parts = func, parts
        self.children: list[_Child] = []
        if can_fork() and parts:
            queue = _Queue(len(parts))
            try:
                self.children = prepared_fork(lambda: [_Child(func, parts, queue, nice)
                                                       for _ in range(max(1, min(workers, len(parts))))])
            finally:
                queue.close()  # the children hold their own ends
        self.started = time.monotonic()

    def results(self, on_done: Callable[[float, int], None] | None = None,
                on_retry: Callable[[str], None] | None = None, cancel: threading.Event | None = None,
                shares: Shares | None = None) -> list[R]:
        """The results in the order of the parts. ``on_done(done, total)`` hears of the parts
        the children finish (and, with ``shares``, of their worth done as they go),
        ``on_retry(reason)`` of parts redone here; once ``cancel`` is set the children are
        stopped and :class:`Cancelled` is raised."""
        report = on_done or (lambda done, total: None)
        try:
            if self.children:
                _wait_for(self.children, len(self.parts), report, cancel, shares)
            return _gathered(self.children, {}, self.func, self.parts, time.monotonic() - self.started,
                             report, on_retry)
        finally:
            for child in self.children:
                child.close()
            self.children = []


class Background:
    """``func()`` computed in a child forked from this process while this process goes on
    (or here, on :meth:`result`, where fork is not available): a :class:`Spread` of one
    part. The child sees the data as it was at the fork; nothing it does comes back but
    the result. The child runs ``nice`` steps nicer than this process. The child may not
    fork children of its own (:class:`Spread` shares work out from this process)."""

    def __init__(self, func: Callable[[], R], nice: int = 0) -> None:
        self.spread = Spread(lambda _: func(), [None], 1, nice)

    def result(self, on_retry: Callable[[str], None] | None = None) -> R:
        return self.spread.results(on_retry=on_retry)[0]


def prepared_fork(start: Callable[[], R]) -> R:
    """``start()`` (which forks) with this process prepared for it: memory freed earlier
    goes back to the system first (a child allocating into free space that is still
    mapped here would copy those pages), and objects that exist now are left out of the
    children's garbage collection, so the collector does not touch (and so copy) every
    page the children share with us."""
    from addrmig.limits import release_memory

    release_memory()
    gc.freeze()
    try:
        return start()
    finally:
        gc.unfreeze()


class Shares:
    """How far each part of a :func:`map_parts` is, 0 to 1: set by whichever process does the
    part (a forked child too: the numbers live in memory the children share with this
    process), read here while it waits (``map_parts(shares=)``)."""

    def __init__(self, count: int) -> None:
        import multiprocessing

        self._values = multiprocessing.get_context("fork" if can_fork() else None).RawArray("d", max(1, count))

    def set(self, index: int, share: float) -> None:
        self._values[index] = min(1.0, max(0.0, share))

    def done(self) -> float:
        """The parts' worth done (3.5: three parts and half of another)."""
        return float(sum(self._values))


class Cancelled(Exception):
    """The work was cancelled before it ended (see :func:`map_parts`)."""


def map_parts(func: Callable[[P], R], parts: Sequence[P], workers: int,
              on_done: Callable[[int, int], None] | None = None,
              on_retry: Callable[[str], None] | None = None, *, here: bool = True, nice: int = 0,
              cancel: threading.Event | None = None, shares: Shares | None = None) -> list[R]:
    """``[func(part) for part in parts]``, shared between this process and ``workers`` - 1
    forked children when ``workers`` > 1 and fork is available. ``on_done(done, total)``
    is called here as this process finishes its parts; ``on_retry(reason)`` is told when
    parts a child did not finish have to be redone here.

    ``here=False`` (a server, whose process answers other users): ``workers`` children do
    every part and this process only waits, holding no lock other threads need;
    ``on_done`` then hears of each part a child finishes. The children run ``nice`` steps
    nicer than this process. ``cancel``, once set, stops the children and raises
    :class:`Cancelled` (``here=False`` only). ``shares`` (``here=False`` only), set by ``func``
    as a part goes on, makes ``on_done`` hear of the parts' worth done (a fraction) while
    they run, not only as each part ends."""
    total = len(parts)
    report = on_done or (lambda done, total: None)
    workers = max(1, min(workers, total))
    if (workers == 1 and here) or not can_fork() or not total:
        results = []
        for part in parts:
            results.append(func(part))
            report(len(results), total)
        return results
    if not here:
        return Spread(func, parts, workers, nice).results(report, on_retry, cancel, shares)
    queue = _Queue(total)
    children: list[_Child] = []
    try:
        children = prepared_fork(lambda: [_Child(func, parts, queue, nice) for _ in range(workers - 1)])
        results: dict[int, R] = {}
        started = time.monotonic()
        while (index := queue.take()) is not None:
            results[index] = func(parts[index])
            report(min(total - 1, index + 1), total)  # the parts before it are taken too
        return _gathered(children, results, func, parts, time.monotonic() - started, report, on_retry)
    finally:
        queue.close()
        for child in children:
            child.close()


def _gathered(children: list[_Child], results: dict[int, R], func: Callable[[P], R], parts: Sequence[P],
              took: float, report: Callable[[int, int], None], on_retry: Callable[[str], None] | None) -> list[R]:
    """The parts' results: ``results`` (computed here) with the children's, each child given
    ``PATIENCE`` × ``took`` (at least ``MIN_WAIT_SECONDS``) to answer; the parts missing
    then are computed here (``on_retry`` is told why)."""
    total = len(parts)
    patience = max(MIN_WAIT_SECONDS, PATIENCE * took)
    failures = []
    for child in children:
        values, failure = child.results(patience)
        results.update(values)
        if failure is not None:
            failures.append(failure)
    missing = [i for i in range(total) if i not in results]
    if missing and children and on_retry is not None:
        on_retry("; ".join(failures) or "a worker process stopped early")
    for i in missing:
        results[i] = func(parts[i])
    report(total, total)
    return [results[i] for i in range(total)]


def _wait_for(children: list[_Child], total: int, report: Callable[[float, int], None],
              cancel: threading.Event | None, shares: Shares | None = None) -> None:
    """Wait until every child is done, telling ``report`` of the parts they finish (and of the
    worth ``shares`` says is done, as it grows); raise :class:`Cancelled` (the children are
    stopped by the caller's cleanup) once ``cancel`` is set."""
    told = 0.0
    while busy := [child for child in children if not child.done.is_set()]:
        busy[0].done.wait(0.1)
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        for child in children:
            child.load_received()
        done = float(sum(len(child.loaded) for child in children))
        if shares is not None:
            done = max(done, shares.done())
        done = min(done, total - 0.01 if shares is not None else total - 1)  # all done: when gathered
        if done > told:
            told = done
            report(done, total)
