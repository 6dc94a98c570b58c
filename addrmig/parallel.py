"""Share CPU-bound work between this process and forked children.

Used for work that splits into independent parts (the place resolver on a big file):
the first part runs here while each other part runs in a child forked from this
process, so the children read the data and the lookups built so far without copying
them. A child that fails, dies or does not answer in time has its part redone here:
the result is the same, only slower.

Fork is used only on Linux (where it is the platform's own way and the data need no
pickling); elsewhere, or with one worker, every part runs here in turn.
"""
from __future__ import annotations

import gc
import os
import pickle
import sys
import time
from typing import Callable, Sequence, TypeVar

P = TypeVar("P")
R = TypeVar("R")

#: A child is given at least this long after this process finished its own part, and
#: longer (``PATIENCE`` × that part's time) for bigger parts, before its part is redone here.
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


def can_fork() -> bool:
    import multiprocessing

    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


class _Child:
    """One forked child computing ``func(part)``; its result comes back pickled through a pipe."""

    def __init__(self, func: Callable[[P], R], part: P) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self.reader, writer = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_child_main, args=(func, part, writer), daemon=True)
        self.process.start()
        writer.close()

    def result(self, patience: float) -> tuple[bool, object]:
        """``(True, value)``, or ``(False, reason)`` when the child failed, died or took
        longer than ``patience`` seconds from now."""
        deadline = time.monotonic() + patience
        try:
            while not self.reader.poll(0.2):
                if not self.process.is_alive() and not self.reader.poll(0):
                    return False, f"the worker process ended with exit code {self.process.exitcode}"
                if time.monotonic() > deadline:
                    return False, f"the worker process did not answer within {patience:.0f} s"
            data = self.reader.recv_bytes()
            # Unpickling makes many small objects at once: the garbage collector would run
            # over and over on them for nothing.
            enabled = gc.isenabled()
            gc.disable()
            try:
                ok, value = pickle.loads(data)
            finally:
                if enabled:
                    gc.enable()
            return ok, value
        except EOFError:  # the child ended without answering
            self.process.join(5)
            return False, f"the worker process ended with exit code {self.process.exitcode} before answering"
        except (OSError, pickle.UnpicklingError) as exc:
            return False, f"the worker process's answer was lost ({exc.__class__.__name__})"
        finally:
            self.close()

    def close(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.reader.close()


def _child_main(func, part, writer) -> None:
    try:
        payload = pickle.dumps((True, func(part)), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # reported to the parent, which redoes the part
        payload = pickle.dumps((False, f"{exc.__class__.__name__}: {exc}"))
    writer.send_bytes(payload)
    writer.close()


def map_parts(func: Callable[[P], R], parts: Sequence[P], workers: int,
              first: Callable[[P], R] | None = None, on_retry: Callable[[str], None] | None = None) -> list[R]:
    """``[func(part) for part in parts]``, the parts after the first in forked children
    when ``workers`` > 1 and fork is available. ``first`` (default ``func``) computes the
    first part here, e.g. with progress reporting. ``on_retry(reason)`` is told when a
    child's part has to be redone here."""
    first = first or func
    if workers <= 1 or len(parts) <= 1 or not can_fork():
        return [first(parts[0])] + [func(part) for part in parts[1:]]
    # Memory freed earlier goes back to the system first: a child allocating into free
    # space that is still mapped here would copy those pages. Objects that exist now are
    # left out of the children's garbage collection, so the collector does not touch (and
    # so copy) every page the children share with us.
    from addrmig.limits import release_memory

    release_memory()
    gc.freeze()
    children: list[_Child] = []
    try:
        for part in parts[1:]:
            children.append(_Child(func, part))
    finally:
        gc.unfreeze()
    try:
        started = time.monotonic()
        results = [first(parts[0])]
        patience = max(MIN_WAIT_SECONDS, PATIENCE * (time.monotonic() - started))
        for child, part in zip(children, parts[1:]):
            ok, value = child.result(patience)
            if not ok:
                if on_retry is not None:
                    on_retry(str(value))
                value = func(part)
            results.append(value)
        return results
    finally:
        for child in children:
            child.close()
