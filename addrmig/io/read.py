"""``read_table``: any merchant file, as a ``Table`` of text.

The file's bytes are read (refused over the size limit before they are all read), its
container is sniffed, and the reader for its format takes over: ``workbook`` for XLSX,
XLS and ODS, ``jsonfile`` or ``delimited`` for text once ``detect`` has made it UTF-8.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from addrmig.errors import BadArguments, UnreadableFile
from addrmig.i18n import _
from addrmig.io.delimited import read_delimited
from addrmig.io.detect import sniff, text_kind, to_utf8
from addrmig.io.jsonfile import read_json
from addrmig.io.table import SHEET_FORMATS, Reading, Table
from addrmig.io.workbook import read_workbook
from addrmig.limits import Limits


def read_table(source: Any, name: str | None = None, *, sheet: str | None = None,
               encoding: str | None = None, delimiter: str | None = None,
               header_row: int | None = None, limits: Limits | None = None) -> Table:
    """Read a merchant file (path, bytes or binary file-like) and return a ``Table`` of text.

    ``name`` gives the file name (its extension) when ``source`` is bytes or a
    stream. ``sheet``, ``encoding``, ``delimiter`` and ``header_row`` (1-based)
    override detection. Raises ``UnreadableFile`` / ``FileTooLarge``.
    """
    limits = limits or Limits.from_env()
    data, name = _read_bytes(source, name, limits)
    reading = Reading(name=name, limits=limits, sheet=sheet, encoding=encoding, delimiter=delimiter,
                      header_row=header_row)
    if delimiter is not None and (len(delimiter) != 1 or not delimiter.isascii() or delimiter in '"\r\n'):
        raise BadArguments(_("Delimiter {delimiter} must be one plain character, e.g. ',' ';' '|' or a tab.").format(delimiter=repr(delimiter)))
    if header_row is not None and header_row < 1:
        raise BadArguments(_("Header row {header_row} must be 1 or more (the first row is 1).").format(header_row=header_row))
    if not data:
        raise UnreadableFile(_("{label} is empty (0 bytes). Export the addresses again and choose that file.").format(label=reading.label))

    kind = sniff(data, reading)
    if kind in SHEET_FORMATS:
        ext = reading.extension
        if ext and ext not in SHEET_FORMATS:
            reading.notes.append(_("The file is an {kind} workbook although its name ends in .{ext}; read it as {kind}.").format(
                kind=kind.upper(), ext=ext))
        table = read_workbook(data, kind, reading)
    else:
        if reading.extension in SHEET_FORMATS:
            reading.notes.append(_("The file is text although its name ends in .{extension}; read it as a text table.").format(extension=reading.extension))
        try:
            table = _read_text(data, replace(reading, notes=list(reading.notes)), trust_start=True)
        except _NotUTF8:
            table = _read_text(data, reading, trust_start=False)
    table.name = name or ""
    return table


class _NotUTF8(Exception):
    """A file taken for UTF-8 from its start turned out not to be; read it again with detection."""


def _read_text(data: bytes, reading: Reading, trust_start: bool) -> Table:
    text_bytes, enc, verified = to_utf8(data, reading, trust_start)
    fmt = text_kind(text_bytes, reading.extension)
    try:
        if fmt in ("json", "ndjson"):
            table = read_json(text_bytes, fmt, reading)
            table.encoding = enc
        else:
            table = read_delimited(text_bytes, enc, fmt, reading)
        table.encodings = list(reading.encodings)
        return table
    except UnicodeDecodeError as error:
        if not verified:
            raise _NotUTF8() from None
        raise UnreadableFile(_("{label} is not valid {enc} ({reason}). Choose the file's real encoding (utf-8, cp1254, "
                               "utf-16) and try again.").format(label=reading.label, enc=enc, reason=error.reason)) from None


def _read_bytes(source: Any, name: str | None, limits: Limits) -> tuple[bytes, str | None]:
    """The file's bytes (refusing anything over the size limit before reading it all) and its name."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = name or path.name
        if not path.exists():
            raise UnreadableFile(_("{path} does not exist. Check the path and try again.").format(path=path))
        if path.is_dir():
            raise UnreadableFile(_("{path} is a folder, not a file. Give the path of the export file.").format(path=path))
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise limits.exceeded("max_file_bytes", size, _("of {label}").format(label=path.name))
        data = path.read_bytes()
    elif hasattr(source, "read"):
        name = name or Path(str(getattr(source, "name", "") or "")).name or None
        data = source.read(limits.max_file_bytes + 1)
        if isinstance(data, str):
            raise BadArguments(_("read_table needs a binary stream (open the file with 'rb')."))
        data = bytes(data)
    else:
        raise BadArguments(_("read_table takes a path, bytes or a binary file object, not {kind}.").format(kind=type(source).__name__))
    if len(data) > limits.max_file_bytes:
        raise limits.exceeded("max_file_bytes", len(data), _("of {label}").format(label=name) if name else _("of the file"))
    return data, name
