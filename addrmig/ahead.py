"""Work started before the user asks for it: the places of a big file matched while the user
is still on an earlier step.

Matching the places of a million rows takes seconds of every core. The app starts it as soon as
a big file is read (:meth:`addrmig.workspace.Workspace.resolve_ahead`): a thread of the server
waits while worker processes, running nicer than the server, do the work (see
:func:`addrmig.locations.resolver.resolve`, ``here=False``), so the pages the user is on now,
and other users' pages, come first. The Places page then takes the result, waiting for the
rest with its progress shown, instead of starting from nothing. A result made for a version of
the file or a location database the user no longer has is never used: it is cancelled, its
workers stopped, and the places matched afresh; so is one started from picks or rules that
have changed since (another of the user's sessions saved one).
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Generic, TypeVar

from addrmig.parallel import Cancelled

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("addrmig")

T = TypeVar("T")
#: ``run(progress, cancel)``: the work; ``progress(done, total)`` says how far it is, and it
#: stops (raising :class:`~addrmig.parallel.Cancelled`) once ``cancel`` is set.
Run = Callable[[Callable[[float, float], None], threading.Event], T]


class Ahead(Generic[T]):
    """``run`` started now in a thread, for whoever later asks for ``key``."""

    def __init__(self, key: Hashable, run: Run[T]) -> None:
        self.key = key
        self.share = 0.0  # how far it is, 0..1
        self.stop = threading.Event()
        self._result: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(run,), daemon=True, name="addrmig-ahead")
        self._started = time.monotonic()
        self._thread.start()
        log.info("work ahead started for %r", key)

    def _run(self, run: Run[T]) -> None:
        def progress(done: float, total: float) -> None:
            self.share = min(1.0, done / total) if total else 0.0

        try:
            self._result = run(progress, self.stop)
        except Cancelled:
            pass
        except BaseException as error:  # handed to whoever takes the result
            self._error = error

    def cancel(self) -> None:
        """Stop the work (its workers end); nobody will take it."""
        self.stop.set()

    def take(self, key: Hashable, progress: Callable[[float, float], None] | None = None,
             every: float = 0.25) -> T | None:
        """The result for ``key``, waiting for it (``progress(done, 1)`` told every ``every``
        seconds); None when this work is for another key (it is then cancelled) or was
        cancelled. The work's own error is raised here, where a page can show it."""
        if key != self.key or self.stop.is_set():
            self.cancel()
            log.info("work ahead for %r dropped: %r was asked for", self.key, key)
            return None
        asked = time.monotonic()
        log.info("work ahead for %r asked for after %.1f s", key, asked - self._started)
        while self._thread.is_alive():
            if progress is not None:
                progress(self.share, 1.0)
            self._thread.join(every)
        log.info("work ahead for %r taken: %.1f s in all, %.1f s waited for", key, time.monotonic() - self._started,
                 time.monotonic() - asked)
        if self._error is not None:
            raise self._error
        if progress is not None:
            progress(1.0, 1.0)
        return self._result


def inputs_key(*frames: pd.DataFrame | None) -> str:
    """A digest of the tables a piece of work starts from (the picks and rules a matching
    applies): part of its key, so that work started from other ones is not taken."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(b"-" if frame is None else frame.to_csv(index=False).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]
