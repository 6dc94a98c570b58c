"""How much of a file addrmig agrees to read.

A merchant's export is untrusted input: these limits keep a hostile or broken
file (zip bomb, 10,000 columns, a 50 MB cell) from eating the machine. Every
limit can be raised with an environment variable ``ADDRMIG_MAX_<NAME>``
(``ADDRMIG_MAX_FILE_BYTES=500MB``, ``ADDRMIG_MAX_ROWS=5000000`` …), and the
message of a refused file says which one.
"""
from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields

from addrmig.errors import BadArguments, FileTooLarge
from addrmig.formatting import in_language, number
from addrmig.i18n import N_, _

KB, MB, GB = 1024, 1024 ** 2, 1024 ** 3

_UNITS = {"": 1, "k": KB, "kb": KB, "m": MB, "mb": MB, "g": GB, "gb": GB}
_NUMBER = re.compile(r"^\s*([0-9][0-9_]*)\s*([a-zA-Z]*)\s*$")

#: What each limit counts, for messages.
_LABELS = {
    "max_file_bytes": (N_("file size"), "bytes"),
    "max_rows": (N_("number of rows"), "rows"),
    "max_columns": (N_("number of columns"), "columns"),
    "max_field_chars": (N_("length of one cell"), "characters"),
    "max_inflated_bytes": (N_("uncompressed size of the workbook"), "bytes"),
    "max_compression_ratio": (N_("compression ratio of the workbook"), ": 1"),
    "max_cells": (N_("number of cells a sheet's values span (rows × columns from A1 to the last cell holding a "
                     "value)"), "cells"),
}


@dataclass(frozen=True)
class Limits:
    """Upper bounds on what ``read_table`` reads; defaults suit a real address export."""

    max_file_bytes: int = 250 * MB
    max_rows: int = 2_000_000
    max_columns: int = 500
    max_field_chars: int = 100_000
    max_inflated_bytes: int = 1 * GB
    max_compression_ratio: int = 100
    #: A spreadsheet reader holds a sheet as a dense grid from A1 to its last cell holding a
    #: value, so one value at XFD1048576 would cost gigabytes: that area is bounded before
    #: reading. Cells that are only formatted do not count.
    max_cells: int = 40_000_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, each overridden by ``ADDRMIG_MAX_<NAME>`` when set (``500MB``, ``2_000_000``)."""
        environ = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for f in fields(cls):
            var = env_var(f.name)
            raw = environ.get(var)
            if raw is None or not raw.strip():
                continue
            match = _NUMBER.match(raw)
            unit = match.group(2).lower() if match else ""
            if not match or unit not in _UNITS or int(match.group(1).replace("_", "")) <= 0:
                raise BadArguments(_("{var}={raw} is not a positive whole number (a size may end in KB, MB or GB); fix or unset "
                                     "it.").format(var=var, raw=repr(raw)))
            values[f.name] = int(match.group(1).replace("_", "")) * _UNITS[unit]
        return cls(**values)

    def exceeded(self, name: str, actual: int | float | None = None, where: str = "") -> FileTooLarge:
        """The error to raise when limit ``name`` is exceeded: which limit, its value, how to raise it."""
        label, unit = _LABELS[name]
        value = getattr(self, name)
        shown = _human(value, unit)
        found = _(" (found {n})").format(n=_human(actual, unit)) if actual is not None else ""
        where = f" {where}" if where else ""
        return FileTooLarge(
            _("The {label}{where} is over addrmig's limit of {shown}{found}. If the file is genuine, raise the limit "
              "with the environment variable {variable} (e.g. {variable}={suggested}) and try again, or split the "
              "file.").format(label=_(label), where=where, shown=shown, found=found, variable=env_var(name),
                              suggested=_suggest(value, actual)))


def env_var(name: str) -> str:
    """The environment variable that overrides limit ``name`` (``max_rows`` -> ``ADDRMIG_MAX_ROWS``)."""
    return "ADDRMIG_" + name.upper()


def _human(value: int | float, unit: str) -> str:
    if unit == "bytes":
        for size, suffix in ((GB, "GB"), (MB, "MB"), (KB, "KB")):
            if value >= size:
                return f"{in_language(f'{value / size:,.4g}')} {suffix}"
        return _("{n} bytes").format(n=number(round(value)))
    if unit == ": 1":
        return f"{number(round(value))}:1"
    return _(_UNITS_SHOWN[unit]).format(n=number(round(value)))


#: The units of the limits, with their number.
_UNITS_SHOWN = {"rows": N_("{n} rows"), "columns": N_("{n} columns"), "characters": N_("{n} characters"),
                "cells": N_("{n} cells")}


def _suggest(value: int, actual: int | float | None) -> str:
    wanted = max(value * 2, int(actual or 0) + 1)
    return f"{wanted}"


_LIBC = None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block, as it was after. For work that
    makes millions of objects living to its end and no reference cycles worth collecting
    (reference counting still frees everything else): the collector's passes over them
    would only cost time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _libc():
    """The C library when it is glibc (with ``malloc_trim`` and ``mallopt``), else False."""
    import ctypes
    import ctypes.util

    global _LIBC
    if _LIBC is None:
        try:
            _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            getattr(_LIBC, "malloc_trim"), getattr(_LIBC, "mallopt")  # noqa: B009 - AttributeError off glibc
        except (OSError, AttributeError):
            _LIBC = False
    return _LIBC


def release_memory() -> None:
    """Give memory freed by a finished step back to the system. Arrow's pool and the C
    heap keep what was freed (hundreds of MB of text and small objects on a million rows)
    for reuse, and the process's peak is what the user's machine has to hold."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if _libc():
        _LIBC.malloc_trim(0)


#: glibc's M_MMAP_THRESHOLD (see mallopt(3)).
_M_MMAP_THRESHOLD = -3
#: Blocks of this size or more are mapped on their own by a long-running server (see :func:`return_memory_promptly`).
BIG_BLOCK = 4 << 20


def return_memory_promptly() -> None:
    """For a process that outlives its users' work (the app's server): memory a user's big file
    took goes back to the system when it is freed, not kept by an allocator for later.

    - Arrow allocates from the C heap (its system pool) instead of jemalloc, which keeps freed
      pages mapped: measured with ``benchmarks/bench_server.py`` on a million rows, the server
      held 407-416 MB above its idle footprint after the session ended with jemalloc, 70 MB
      with the system pool (``fix`` on the same file: 22-25 s either way). Not when
      ``ARROW_DEFAULT_MEMORY_POOL`` chooses a pool.
    - glibc maps every block of :data:`BIG_BLOCK` bytes or more (a column of a million rows is
      several) on its own and unmaps it when freed; by default it raises that threshold each
      time such a block is freed (up to 32 MB), and the blocks that follow come from the heap.
      Checks and place rule of a million rows in one process peaked at 544-553 MB so, against
      611-635 MB."""
    import pyarrow as pa

    from addrmig import arrow_pool_chosen

    if not arrow_pool_chosen():
        pa.set_memory_pool(pa.system_memory_pool())
    if _libc():
        _LIBC.mallopt(_M_MMAP_THRESHOLD, BIG_BLOCK)
