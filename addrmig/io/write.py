"""``write_table``: the address frame as CSV, XLSX or JSON bytes, Akinon's fields first;
``save_table``: the same into a file, a slice of rows at a time."""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from addrmig.errors import BadArguments
from addrmig.fields import COLUMNS, REQUIRED
from addrmig.i18n import _
from addrmig.io.atomic import atomic_output
from addrmig.io.sanitise import xlsx_text, xlsx_texts

WRITE_FORMATS = ("csv", "xlsx", "json")
#: Rows per slice when a file is written a slice at a time.
CSV_CHUNK_ROWS = 100_000
XLSX_CHUNK_ROWS = 50_000
#: A sheet whose XML may pass this many bytes is written with ZIP64 sizes.
_ZIP64_FROM = 3 << 30


def write_table(frame: pd.DataFrame, fmt: str, *, bom: bool = False) -> bytes:
    """The frame as file bytes in ``fmt`` ("csv", "xlsx" or "json"), columns in the field table's order.

    CSV: UTF-8 (``bom=True`` adds the byte-order mark Excel wants), LF line ends,
    quoted where needed. XLSX: every cell a text cell (a value starting with '='
    stays text, never a formula), cleaned by ``addrmig.io.sanitise.xlsx_text`` so it
    reads back as written. JSON: a list of objects, empty optional fields as null.
    """
    fmt = _checked(fmt)
    frame = _ordered(frame)
    if fmt == "csv":
        fast = _fast_csv(frame)
        if fast is not None:
            return (codecs.BOM_UTF8 if bom else b"") + fast
        # The csv module quotes values holding "\n" but not a lone "\r", which readers take
        # for a line end; quote everything in the rare file that has one.
        lone_cr = any(frame[c].str.contains("\r", regex=False).any() for c in frame.columns)
        text = frame.to_csv(index=False, lineterminator="\n",
                            quoting=csv.QUOTE_ALL if lone_cr else csv.QUOTE_MINIMAL)
        return (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")
    if fmt == "json":
        return _write_json(frame)
    buffer = io.BytesIO()
    _write_xlsx(frame, buffer)
    return buffer.getvalue()


def save_table(frame: pd.DataFrame, target: str | os.PathLike[str] | BinaryIO, fmt: str, *, bom: bool = False,
               progress: Callable[[float, float], None] | None = None, rows: np.ndarray | None = None) -> None:
    """Write what ``write_table(frame, fmt, bom=bom)`` returns to ``target``: a path (the
    whole file or, when writing fails, the file as it was: ``atomic_output``) or a binary
    file object. CSV and XLSX go out a slice of rows at a time, so the whole file never sits
    in memory; ``progress(rows done, rows)`` hears after each slice. (An XLSX is equal cell by
    cell to ``write_table``'s, and byte for byte.) ``rows`` (positions) writes only those rows,
    as ``frame.iloc[rows]`` would, taken a slice at a time: no copy of them is made."""
    fmt = _checked(fmt)
    if isinstance(target, (str, os.PathLike)):
        with atomic_output(target) as out:
            save_table(frame, out, fmt, bom=bom, progress=progress, rows=rows)
        return
    progress = progress or (lambda done, total: None)
    total = len(frame) if rows is None else len(rows)
    if fmt == "json":
        target.write(write_table(frame if rows is None else frame.iloc[rows], fmt))
    elif fmt == "xlsx":
        _write_xlsx(_ordered(frame), target, progress, rows)
    else:
        _write_csv_slices(frame, target, bom, progress, rows)
    progress(total, total)


def _checked(fmt: str) -> str:
    fmt = fmt.lower().lstrip(".")
    if fmt not in WRITE_FORMATS:
        raise BadArguments(_("Cannot write {fmt}; choose one of: {formats}.").format(fmt=repr(fmt), formats=', '.join(WRITE_FORMATS)))
    return fmt


def _write_csv_slices(frame: pd.DataFrame, out: BinaryIO, bom: bool, progress: Callable[[float, float], None],
                      rows: np.ndarray | None = None) -> None:
    total = len(frame) if rows is None else len(rows)
    if total == 0:
        out.write(write_table(frame.iloc[:0], "csv", bom=bom))
        return
    for start in range(0, total, CSV_CHUNK_ROWS):
        part = slice(start, start + CSV_CHUNK_ROWS)
        data = write_table(frame.iloc[part if rows is None else rows[part]], "csv", bom=bom and not start)
        if start:  # the header line once, at the top
            data = data[data.index(b"\n") + 1:]
        out.write(data)
        progress(min(start + CSV_CHUNK_ROWS, total), total)


def format_for_path(path: str | os.PathLike[str]) -> str:
    """The write format for an output path's extension (.csv, .xlsx, .json)."""
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in WRITE_FORMATS:
        raise BadArguments(_("Cannot tell the output format from {name}: give a name ending in .csv, .xlsx or .json.").format(name=repr(Path(path).name)))
    return ext


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Akinon fields in the field table's order, then any other columns."""
    known = [c for c in COLUMNS if c in frame.columns]
    rest = [c for c in frame.columns if c not in COLUMNS]
    return frame[known + rest]


_CSV_SPECIAL = np.zeros(256, dtype=bool)
_CSV_SPECIAL[[ord(","), ord('"'), ord("\n"), ord("\r")]] = True


def _fast_csv(frame: pd.DataFrame) -> bytes | None:
    """The frame as CSV bytes exactly as ``to_csv(index=False, lineterminator="\n")`` writes
    them (QUOTE_MINIMAL), built column-wise in Arrow (several times faster than the csv
    module on a million rows); ``None`` when the frame is not plain text or holds a "\r"
    (those take the csv module's path)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = list(frame.columns)
    if len(columns) < 2 or not len(frame) or not all(isinstance(c, str) for c in columns):
        return None  # one column: the csv module writes an empty row as '""'
    text = pa.large_string()
    quote, empty = pa.scalar('"', text), pa.scalar("", text)
    parts = []
    try:
        for column in columns:
            series = frame[column]
            backing = getattr(series.array, "_pa_array", None)
            if backing is not None and (pa.types.is_string(backing.type) or pa.types.is_large_string(backing.type)):
                array = backing.cast(text).combine_chunks()
            elif series.dtype == object:
                array = pa.array(series.to_numpy(), type=text, from_pandas=True)
            else:
                return None
            if array.null_count:
                array = array.fill_null("")
            need, has_cr = _csv_needs_quotes(array)
            if has_cr:
                return None
            if need.any():
                picked = array.filter(pa.array(need))
                quoted = pc.binary_join_element_wise(quote, pc.replace_substring(picked, '"', '""'), quote, empty)
                array = pc.replace_with_mask(array, pa.array(need), quoted)
            parts.append(array)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    parts[-1] = pc.binary_join_element_wise(parts[-1], empty, pa.scalar("\n", text))
    lines = pc.binary_join_element_wise(*parts, pa.scalar(",", text))
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(columns)
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    body = memoryview(lines.buffers()[2])[int(offsets[0]):int(offsets[-1])]
    return header.getvalue().encode("utf-8") + body


def _csv_needs_quotes(array: Any) -> tuple[np.ndarray, bool]:
    """(value needs quotes, some value holds "\r") for a large_string Arrow array, from one
    pass over its bytes: the characters that need quotes are rare, so only they are mapped
    back to their values."""
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[array.offset:array.offset + len(array) + 1]
    need = np.zeros(len(array), dtype=bool)
    if buffers[2] is None or offsets[-1] == offsets[0]:
        return need, False
    data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    found = np.flatnonzero(_CSV_SPECIAL[data])
    if not len(found):
        return need, False
    has_cr = bool((data[found] == 13).any())
    need[np.searchsorted(offsets, found + offsets[0], side="right") - 1] = True
    return need, has_cr


def _write_json(frame: pd.DataFrame) -> bytes:
    columns = list(frame.columns)
    optional = [c not in REQUIRED for c in columns]
    out = io.StringIO()
    out.write("[")
    for number, values in enumerate(frame.itertuples(index=False, name=None)):
        row = {c: (None if (v is None or v == "") and opt else ("" if v is None else str(v)))
               for c, v, opt in zip(columns, values, optional)}
        out.write(",\n " if number else "\n ")
        out.write(json.dumps(row, ensure_ascii=False))
    out.write("\n]\n" if len(frame) else "]\n")
    return out.getvalue().encode("utf-8")


def _write_xlsx(frame: pd.DataFrame, out: BinaryIO,
                progress: Callable[[float, float], None] = lambda done, total: None,
                rows: np.ndarray | None = None) -> None:
    """The frame (or its ``rows``, positions) as one sheet "addresses", the header on row 1:
    every value a text cell (``xlsx_text``), an empty value no cell."""
    import pyarrow as pa

    from addrmig.io.xlsx import Workbook, text_array

    columns = [text_array(_text_values(frame[c])) for c in frame.columns]
    total = len(frame) if rows is None else len(rows)
    estimate = sum(c.nbytes for c in columns) * total // max(len(frame), 1) + 48 * total * max(len(columns), 1)
    with Workbook(out) as book, book.sheet("addresses", large=estimate >= _ZIP64_FROM) as sheet:
        sheet.append([xlsx_text(str(c)) for c in frame.columns])
        for start in range(0, total, XLSX_CHUNK_ROWS):
            stop = min(start + XLSX_CHUNK_ROWS, total)
            if rows is None:
                cells = [xlsx_texts(c.slice(start, stop - start)) for c in columns]
            else:
                taken = pa.array(rows[start:stop])
                cells = [xlsx_texts(c.take(taken)) for c in columns]
            sheet.write_rows(np.arange(start + 2, stop + 2), cells)
            progress(stop, total)


def _text_values(series: pd.Series) -> Any:
    """A column's values as text for ``text_array``: text columns as they are; any other
    value as ``str`` gives it (None and NaN as empty)."""
    if isinstance(series.dtype, pd.StringDtype) or series.dtype == object and all(
            isinstance(v, str) for v in series.to_numpy()):
        return series
    return ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in series.to_numpy()]
