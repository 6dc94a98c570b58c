"""``write_table``: the address frame as CSV, XLSX or JSON bytes, Akinon's fields first."""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addrmig.errors import BadArguments
from addrmig.fields import COLUMNS, REQUIRED
from addrmig.io.sanitise import xlsx_text

WRITE_FORMATS = ("csv", "xlsx", "json")


def write_table(frame: pd.DataFrame, fmt: str, *, bom: bool = False) -> bytes:
    """The frame as file bytes in ``fmt`` ("csv", "xlsx" or "json"), columns in the field table's order.

    CSV: UTF-8 (``bom=True`` adds the byte-order mark Excel wants), LF line ends,
    quoted where needed. XLSX: every cell a text cell (a value starting with '='
    stays text, never a formula), cleaned by ``addrmig.io.sanitise.xlsx_text`` so it
    reads back as written. JSON: a list of objects, empty optional fields as null.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in WRITE_FORMATS:
        raise BadArguments(f"Cannot write {fmt!r}; choose one of: {', '.join(WRITE_FORMATS)}.")
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
    return _write_xlsx(frame)


def format_for_path(path: str | os.PathLike[str]) -> str:
    """The write format for an output path's extension (.csv, .xlsx, .json)."""
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in WRITE_FORMATS:
        raise BadArguments(f"Cannot tell the output format from {Path(path).name!r}: "
                           f"give a name ending in .csv, .xlsx or .json.")
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


def _write_xlsx(frame: pd.DataFrame) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("addresses")

    def text_cell(value: Any) -> Any:
        text = xlsx_text("" if value is None else str(value))
        if not text.startswith("="):
            return text  # openpyxl stores any other str as a string cell; plain values are cheapest
        # openpyxl turns "=..." into a formula on assignment; force it back to a string cell
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        return cell

    sheet.append([text_cell(c) for c in frame.columns])
    for values in frame.itertuples(index=False, name=None):
        sheet.append([text_cell(v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
