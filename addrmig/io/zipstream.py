"""A ZIP archive written as a stream (the container of an XLSX): members go out one after
another, a big one in pieces as they are made, so the archive never sits in memory whole.

Deflate and CRC-32 come from ISA-L (the ``isal`` package) when it is installed, zlib
otherwise: for the same size of output ISA-L's level 1 deflates the XML of a sheet about
six times faster than zlib's level 1, and its CRC-32 is ten times faster
(``benchmarks/bench_xlsx.py`` measures both). Entries carry a fixed time stamp, so the same
content gives the same bytes.
"""
from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

try:
    from isal import isal_zlib as _deflate
except ImportError:  # a platform without a wheel for it: the same format, slower
    _deflate = zlib  # type: ignore[assignment]

#: The deflate level: the fastest of either library, a few per cent larger than level 6.
LEVEL = 1
#: Sizes and offsets from this one on need the ZIP64 extension.
_ZIP32_MAX = 0xFFFFFFFF
#: 1980-01-01 00:00, the earliest time a ZIP entry can hold (DOS date and time).
_DOS_DATE, _DOS_TIME = (0 << 9) | (1 << 5) | 1, 0
_DEFLATED = 8
_UTF8_NAMES = 1 << 11


@dataclass
class _Entry:
    name: bytes
    offset: int
    crc: int = 0
    compressed: int = 0
    size: int = 0
    zip64: bool = False


class ZipStream:
    """Write a ZIP archive to ``out``, a binary file object (seekable or not), member by
    member: ``add(name, data)`` for a small one, ``with member(name) as write:`` for one
    written in pieces; ``close()`` writes the central directory (the stream stays open)."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._position = 0
        self._entries: list[_Entry] = []
        self._writing = False
        try:
            self._seekable, self._base = bool(out.seekable()), out.tell()
        except (AttributeError, OSError, ValueError):
            self._seekable, self._base = False, 0

    def _write(self, data: bytes | memoryview) -> None:
        self._out.write(data)
        self._position += len(data)

    def add(self, name: str, data: bytes) -> None:
        """One member, whole."""
        with self.member(name, large=len(data) >= _ZIP32_MAX) as write:
            write(data)

    @contextmanager
    def member(self, name: str, *, large: bool = False) -> Iterator[Callable[[bytes | memoryview], None]]:
        """A member written in pieces: the block gets a ``write(data)`` function. ``large``
        when the member may reach 4 GiB (its sizes are then stored as ZIP64)."""
        if self._writing:
            raise RuntimeError("one member at a time")
        self._writing = True
        entry = _Entry(name.encode("utf-8"), self._position, zip64=large)
        # Sizes and CRC are not known yet: in a file they are written into the header
        # afterwards; in a stream they follow the data (a "data descriptor", flag bit 3).
        flags = _UTF8_NAMES | (0 if self._seekable else 1 << 3)
        extra = struct.pack("<HHQQ", 1, 16, 0, 0) if large else b""
        self._write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if large else 20, flags, _DEFLATED, _DOS_TIME,
                                _DOS_DATE, 0, _ZIP32_MAX if large else 0, _ZIP32_MAX if large else 0,
                                len(entry.name), len(extra)) + entry.name + extra)
        header_end = self._position
        compressor = _deflate.compressobj(LEVEL, zlib.DEFLATED, -15)
        crc, size = 0, 0

        def write(data: bytes | memoryview) -> None:
            nonlocal crc, size
            crc = _deflate.crc32(data, crc)
            size += len(data)
            self._write(compressor.compress(data))

        try:
            yield write
            self._write(compressor.flush())
        finally:
            self._writing = False
        entry.crc, entry.size, entry.compressed = crc, size, self._position - header_end
        if not large and max(entry.size, entry.compressed) >= _ZIP32_MAX:
            raise ValueError(f"ZIP member {name} is 4 GiB or more; it should have been written as large")
        if self._seekable:
            self._out.seek(self._base + entry.offset + 14)
            if large:
                self._out.write(struct.pack("<I", crc))
                self._out.seek(self._base + entry.offset + 30 + len(entry.name) + 4)
                self._out.write(struct.pack("<QQ", entry.size, entry.compressed))
            else:
                self._out.write(struct.pack("<III", crc, entry.compressed, entry.size))
            self._out.seek(self._base + self._position)
        elif large:
            self._write(struct.pack("<IIQQ", 0x08074B50, crc, entry.compressed, entry.size))
        else:
            self._write(struct.pack("<IIII", 0x08074B50, crc, entry.compressed, entry.size))
        self._entries.append(entry)

    def close(self) -> None:
        """Write the central directory (with ZIP64 records when the archive needs them)."""
        start = self._position
        for entry in self._entries:
            fields = [entry.size, entry.compressed] if entry.zip64 else []
            if entry.offset >= _ZIP32_MAX:
                fields.append(entry.offset)
            extra = struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields) if fields else b""
            flags = _UTF8_NAMES | (0 if self._seekable else 1 << 3)
            self._write(struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 45 if fields else 20, 45 if fields else 20, flags, _DEFLATED,
                _DOS_TIME, _DOS_DATE, entry.crc, _ZIP32_MAX if entry.zip64 else entry.compressed,
                _ZIP32_MAX if entry.zip64 else entry.size, len(entry.name), len(extra), 0, 0, 0, 0,
                min(entry.offset, _ZIP32_MAX)) + entry.name + extra)
        end, count = self._position, len(self._entries)
        if start >= _ZIP32_MAX or end - start >= _ZIP32_MAX or count >= 0xFFFF:
            self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, end - start, start))
            self._write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                                min(end - start, _ZIP32_MAX), min(start, _ZIP32_MAX), 0))
