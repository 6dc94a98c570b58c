"""A progress bar on stderr for long CLI steps; silent when stderr is not a terminal
unless forced, so logs and pipes are not flooded."""
from __future__ import annotations

import sys
import time

from addrmig.i18n import N_, _

#: The steps the commands show a bar for, as a person reads them.
LABELS = {"read": N_("read"), "address text": N_("address text"), "places": N_("places"), "validate": N_("validate"),
          "write": N_("write"), "report": N_("report"), "migration": N_("migration")}


class ProgressBar:
    """``ProgressBar("resolve", total)``; call ``update(done)``; ``close()`` at the end.

    Also usable as the ``progress(done, total)`` callback that library functions take.
    """

    def __init__(self, label: str, total: int | None = None, stream=None, min_interval: float = 0.2,
                 force: bool = False) -> None:
        self.label, self.total = _(LABELS[label]) if label in LABELS else label, total
        self.stream = stream or sys.stderr
        self.enabled = force or getattr(self.stream, "isatty", lambda: False)()
        self.min_interval = min_interval
        self._last = 0.0
        self._start = time.monotonic()
        self._drawn = False

    def __call__(self, done: float, total: float | None = None) -> None:
        if total is not None:
            self.total = total
        self.update(done)

    def update(self, done: float) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < self.min_interval and done != self.total):
            return
        self._last = now
        elapsed = now - self._start
        if self.total:
            share = min(max(done / self.total, 0.0), 1.0)
            bar = "#" * int(share * 30)
            text = f"\r{self.label:<10} [{bar:<30}] {share:6.1%} {done:,.0f}/{self.total:,.0f} {elapsed:5.1f}s"
        else:
            text = f"\r{self.label:<10} {done:,.0f} {elapsed:5.1f}s"
        self.stream.write(text)
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
