"""Heavy work in a worker process: a file built on disk while the server goes on answering.

A web server that builds a million-row XLSX in its own process holds the interpreter for
seconds: other users' pages and the health check wait behind it. A :class:`Job` forks a
worker process for one such build (on Linux; it sees the data as they were at the fork,
nothing is copied or pickled), which writes the file into a :class:`JobFolder` on disk and
reports how far it is through a shared number. The page that started it polls
:meth:`Job.status` and serves the finished file from disk. A failure comes back as a
sentence for the user (an :class:`~addrmig.errors.AddrmigError`'s own, else a plain one
naming the kind of error), never a traceback.

Where fork is not available the build runs in a thread of this process instead: slower
for everyone else, the same file.

A session's folder goes when the session object holding it is collected
(:meth:`JobFolder.close`), and folders left behind by a server that stopped are swept
once they are older than a workspace's time to live (:func:`sweep`).
"""
from __future__ import annotations

import logging
import os
import secrets
import shutil
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from addrmig.errors import AddrmigError
from addrmig.i18n import _, language, set_language

log = logging.getLogger("addrmig")

#: ``build(path, progress)`` writes the file at ``path``; ``progress(done, total)`` says how far it is.
Build = Callable[[Path, Callable[[float, float], None]], None]

RUNNING, DONE, FAILED = "running", "done", "failed"
#: A worker runs this much nicer than the server: on a busy machine the pages and the health
#: check are served first, and the file takes a little longer.
NICENESS = 10
#: The checks a user waits for on the page run less nice than work done ahead of them (places
#: matched ahead), and still nicer than the server's pages and health check.
CHECK_NICENESS = 5
#: From this many rows (``ADDRMIG_WORKER_ROWS``) the app builds a download in a worker process
#: (a button starts it and the page shows its progress); a smaller file is built when the
#: download is asked for, in well under a second.
WORKER_ROWS = 100_000


def worker_rows() -> int:
    """From how many rows a download is built in a worker process (``WORKER_ROWS``, or ``ADDRMIG_WORKER_ROWS``)."""
    try:
        return max(0, int(os.environ.get("ADDRMIG_WORKER_ROWS", "")))
    except ValueError:
        return WORKER_ROWS
#: Folders of ended sessions older than this are swept (the workspace time to live, 24 h).
DEFAULT_MAX_AGE = 24 * 3600.0


@dataclass(frozen=True)
class JobStatus:
    """Where a job stands: ``state`` (running, done, failed), the ``share`` done (0..1), the
    finished file's ``path`` (done), the sentence for the user (failed) and its ``seconds``."""

    state: str
    share: float
    path: Path
    message: str | None = None
    seconds: float = 0.0

    @property
    def running(self) -> bool:
        return self.state == RUNNING


def failure_message(error: BaseException) -> str:
    """What the user is told when a build fails: an AddrmigError's own sentence, else one
    naming the kind of error (the details go to the server's log)."""
    if isinstance(error, AddrmigError):
        return str(error)
    if isinstance(error, MemoryError):
        return _("The server ran out of memory building the file. Try again later, or export a smaller part.")
    if isinstance(error, OSError):
        return _("The file could not be written on the server ({reason}).").format(
            reason=error.strerror or error.__class__.__name__)
    return _("The file could not be built ({kind}: {error}).").format(kind=error.__class__.__name__, error=error)


def _run(build: Build, path: Path, progress: Callable[[float, float], None]) -> str | None:
    """``build`` into a temporary name beside ``path``, moved into place when whole; None, or the failure."""
    temporary = path.with_name(f".{path.name}.part")
    try:
        build(temporary, progress)
        os.replace(temporary, path)
        return None
    except BaseException as error:  # every failure becomes a sentence; the worker ends after
        log.warning("Building %s failed: %s: %s", path.name, error.__class__.__name__, error)
        try:
            temporary.unlink()
        except OSError:
            pass
        return failure_message(error)


def _child(build: Build, path: Path, shared, writer, speaking: str) -> None:
    set_language(speaking)  # the file's headings and the failure's sentence in the page's language
    try:
        os.nice(NICENESS)  # the server's own answers come first when the CPUs are busy
    except OSError:
        pass

    def progress(done: float, total: float) -> None:
        shared.value = min(1.0, done / total) if total else 0.0

    failure = _run(build, path, progress)
    writer.send(failure)
    writer.close()


class Job:
    """``build`` writing ``path`` in a worker process forked now (see the module docstring), in the
    language current when it was made (the file's headings, the failure's sentence)."""

    def __init__(self, build: Build, path: Path) -> None:
        self.path = Path(path)
        self.language = language()
        self.started = time.monotonic()
        self._ended: float | None = None
        self._failure: str | None = None
        self._finished = False
        self.process = None
        self._thread: threading.Thread | None = None
        if _can_fork():
            self._fork(build)
        else:
            self._share = [0.0]
            self._thread = threading.Thread(target=self._in_thread, args=(build,), daemon=True,
                                            name="addrmig-job")
            self._thread.start()

    def _fork(self, build: Build) -> None:
        import multiprocessing

        from addrmig.parallel import prepared_fork

        ctx = multiprocessing.get_context("fork")
        self._shared = ctx.Value("d", 0.0, lock=False)
        self._reader, writer = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_child, args=(build, self.path, self._shared, writer, self.language), daemon=True,
                                   name="addrmig-job")
        # Forked as the parallel module forks (its freed memory given back first: a 1M-row XLSX
        # build's worker held 415-453 MB of its own otherwise, 299-323 MB so).
        prepared_fork(self.process.start)
        writer.close()

    def _in_thread(self, build: Build) -> None:
        set_language(self.language)  # a new thread starts without the language of the one that made it

        def progress(done: float, total: float) -> None:
            self._share[0] = min(1.0, done / total) if total else 0.0

        self._failure = _run(build, self.path, progress)
        self._finished = True

    def _share_done(self) -> float:
        return float(self._shared.value) if self.process is not None else self._share[0]

    def _collect(self) -> None:
        """Note the outcome once the worker has ended (without waiting for it)."""
        if self._finished:
            return
        if self.process is None:
            return
        if self._reader.poll():
            try:
                self._failure = self._reader.recv()
            except (EOFError, OSError):
                self._failure = self._lost()
            self._finished = True
        elif not self.process.is_alive():
            self._failure = self._lost()
            self._finished = True
        if self._finished:
            self.process.join(5)
            self._reader.close()

    def _lost(self) -> str:
        code = self.process.exitcode if self.process is not None else None
        return _("The worker building the file stopped before it was done (exit code {code}). Try again.").format(
            code=code)

    def status(self) -> JobStatus:
        """Where the job stands now (never waits)."""
        self._collect()
        if not self._finished:
            return JobStatus(RUNNING, self._share_done(), self.path, seconds=time.monotonic() - self.started)
        if self._ended is None:
            self._ended = time.monotonic()
        seconds = self._ended - self.started
        if self._failure is None and self.path.exists():
            return JobStatus(DONE, 1.0, self.path, seconds=seconds)
        return JobStatus(FAILED, self._share_done(), self.path, self._failure or self._lost(), seconds)

    def wait(self, timeout: float | None = None) -> JobStatus:
        """Poll until the job has ended (or ``timeout`` seconds passed); its status."""
        end = None if timeout is None else time.monotonic() + timeout
        while (state := self.status()).running and (end is None or time.monotonic() < end):
            time.sleep(0.05)
        return state

    def cancel(self) -> None:
        """Stop the worker (a build of data that changed since) and remove what it wrote."""
        if self.process is not None and not self._finished:
            self.process.kill()
            self.process.join(5)
            self._failure, self._finished = _("Stopped."), True
            self._reader.close()
        for leftover in (self.path, self.path.with_name(f".{self.path.name}.part")):
            try:
                leftover.unlink()
            except OSError:
                pass


def _can_fork() -> bool:
    from addrmig.parallel import can_fork

    return can_fork()


class JobFolder:
    """A session's folder of built files (``<data dir>/jobs/<random>``) and the jobs building them,
    one per name: starting a job under a name stops and replaces the one before."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        from addrmig.store import data_dir

        base = Path(root) if root is not None else data_dir() / "jobs"
        base.mkdir(parents=True, exist_ok=True)
        sweep(base)
        self.path = base / secrets.token_hex(8)
        self.path.mkdir()
        self.jobs: dict[str, tuple[object, Job]] = {}
        # The folder and the workers go with the object that holds them (the session's state).
        self._finalizer = weakref.finalize(self, _remove, self.path, self.jobs)

    def start(self, name: str, key: object, file_name: str, build: Build) -> Job:
        """The job named ``name`` building ``file_name`` for ``key`` (what it is built from):
        the one running or done for the same key, else a new one."""
        found = self.jobs.get(name)
        if found is not None and found[0] == key and found[1].status().state != FAILED:
            return found[1]
        if found is not None:
            found[1].cancel()
        target = self.path / secrets.token_hex(4)
        target.mkdir()
        job = Job(build, target / os.path.basename(file_name))
        self.jobs[name] = (key, job)
        return job

    def current(self, name: str, key: object) -> Job | None:
        """The job named ``name`` if it was started for ``key``, else None."""
        found = self.jobs.get(name)
        return found[1] if found is not None and found[0] == key else None

    def close(self) -> None:
        """Stop the workers and delete the folder now."""
        self._finalizer()


def _remove(path: Path, jobs: dict[str, tuple[object, Job]]) -> None:
    for _key, job in list(jobs.values()):
        job.cancel()
    jobs.clear()
    shutil.rmtree(path, ignore_errors=True)


def sweep(base: Path, max_age: float | None = None) -> int:
    """Delete the folders in ``base`` untouched for ``max_age`` seconds (the workspace time to
    live: ``ADDRMIG_WORKSPACE_TTL_HOURS``, default 24 h): left by a server that stopped. How many."""
    if max_age is None:
        try:
            max_age = float(os.environ.get("ADDRMIG_WORKSPACE_TTL_HOURS", "")) * 3600
        except ValueError:
            max_age = DEFAULT_MAX_AGE
    limit = time.time() - max_age
    removed = 0
    for folder in base.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            pass
    return removed


# ---------------------------------------------------------------- what the app builds this way

def table_file(frame, fmt: str, rows=None) -> Build:
    """The build of ``frame`` (or of its ``rows``, positions) as a CSV, XLSX or JSON file
    (``io.save_table``: a slice at a time, no copy of the rows made)."""
    def build(path: Path, progress: Callable[[float, float], None]) -> None:
        from addrmig.io import save_table

        save_table(frame, path, fmt, progress=progress, rows=rows)
    return build


def report_file(frame, report, fmt: str) -> Build:
    """The build of the error report of ``frame`` (``report`` its check report) as CSV or XLSX."""
    def build(path: Path, progress: Callable[[float, float], None]) -> None:
        from addrmig.report_files import save_report_xlsx, write_report_csv

        progress(0, 1)
        if fmt == "xlsx":
            save_report_xlsx(frame, report, path)
        else:
            path.write_bytes(write_report_csv(report))
        progress(1, 1)
    return build


class EndedSessions:
    """Gives a session's memory back soon after the session has ended.

    A session's objects sit in reference cycles (a page's functions and its namespace, which
    holds the workspace), and Streamlit keeps an ended session's objects until its next
    bookkeeping, so a server where nobody did anything after a big session ended held its
    million rows. ``watch(session, owner)`` notes a session and what holds its data (a
    workspace: anything with ``close()``, held here by a weak reference only); a thread asks
    ``ended(session)`` every ``every`` seconds and, when one has ended, closes its owner (which
    lets go of the data whoever still refers to the owner), collects the garbage and gives
    the memory freed back to the system (:func:`addrmig.limits.release_memory`).
    """

    def __init__(self, ended: Callable[[str], bool], every: float = 2.0) -> None:
        self.ended, self.every = ended, every
        self._sessions: dict[str, weakref.ref] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, session: str, owner: object) -> None:
        with self._lock:
            self._sessions[session] = weakref.ref(owner)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="addrmig-ended-sessions", daemon=True)
                self._thread.start()

    def sweep(self) -> list[str]:
        """Close the owners of the sessions that have ended and free their memory; returns those sessions."""
        with self._lock:
            gone = [session for session in self._sessions if self.ended(session)]
            owners = [self._sessions.pop(session)() for session in gone]
        if gone:
            import gc

            from addrmig.limits import release_memory

            for owner in owners:
                if owner is not None:
                    owner.close()
            del owners, owner  # the loop's last owner too: nothing here may keep one alive
            gc.collect()
            release_memory()
            log.info("%d session(s) ended: memory given back", len(gone))
        return gone

    def _run(self) -> None:
        while True:
            time.sleep(self.every)
            try:
                self.sweep()
            except Exception:  # the watch goes on; a failure here only delays giving memory back
                log.exception("Freeing the memory of ended sessions failed")
