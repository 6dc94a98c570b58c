"""``Table`` (a file read as text), ``Reading`` (one read in progress) and what every reader
does to the frame it builds: unique header names, empty rows dropped, cell lengths checked."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from addrmig.formatting import number
from addrmig.i18n import _, ngettext
from addrmig.limits import Limits

TEXT_FORMATS = ("csv", "tsv", "json", "ndjson")
SHEET_FORMATS = ("xlsx", "xls", "ods")
#: How many rows from the top may be title rows above the header.
HEADER_SCAN = 20


@dataclass(frozen=True)
class RaggedRow:
    """A row of a delimited file with another number of fields than the header: its
    spreadsheet ``row`` number, how many ``fields`` it has, how many the header has
    (``expected``) and the ``line`` as read (fields joined by the delimiter). Plain values
    only, so it pickles and compares like the numbers and text it holds."""

    row: int
    fields: int
    expected: int
    line: str

    @property
    def message(self) -> str:
        """The sentence a person reads for this row."""
        if self.fields > self.expected:
            return _("has {fields} fields where the header has {expected} — a value probably contains the "
                     "delimiter; the extra fields are joined onto the last column. The line: {line}").format(
                fields=self.fields, expected=self.expected, line=self.line)
        return ngettext("has {fields} field where the header has {expected} — values are missing, or a line break "
                        "split the row; the missing fields are left empty. The line: {line}",
                        "has {fields} fields where the header has {expected} — values are missing, or a line break "
                        "split the row; the missing fields are left empty. The line: {line}",
                        self.fields).format(fields=self.fields, expected=self.expected, line=self.line)


def ragged_note(problems: Sequence[RaggedRow]) -> str:
    """The sentence saying which rows had another number of fields than the header."""
    rows = [problem.row for problem in problems]
    shown = ", ".join(str(row) for row in rows[:10]) + (" …" if len(rows) > 10 else "")
    return ngettext("Row {rows} has another number of fields than the header; read as best they could be and "
                    "marked as errors (ragged_row): check it, or leave it out.",
                    "{n} rows ({rows}) have another number of fields than the header; read as best they could be "
                    "and marked as errors (ragged_row): check them, or leave them out.",
                    len(rows)).format(n=number(len(rows)), rows=shown)


@dataclass
class Table:
    """A file read as text.

    ``frame``: the file's own columns (unique header names), every value a str,
    index = the row number the user sees in their spreadsheet (JSON: position in
    the list, NDJSON: line number). ``format``: csv, tsv, xlsx, xls, ods, json or
    ndjson. ``encoding``/``delimiter``: for text files. ``sheet``: the sheet read,
    ``sheets``: all sheet names. ``header_row``: 1-based row of the header (0 for
    JSON). ``notes``: what was detected or changed, in sentences. ``row_problems``: rows
    read as best they could be (``RaggedRow``: another number of fields than the header),
    for ``validate(frame, row_problems=...)``; they are not put on the frame (its ``attrs``
    would carry them into every copy, and Arrow cannot serialise them). ``encodings``: for a
    text file whose encoding was a close call, the other encodings worth offering (best first).
    """

    frame: pd.DataFrame
    name: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    header_row: int = 1
    notes: list[str] = field(default_factory=list)
    row_problems: list[RaggedRow] = field(default_factory=list)
    encodings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Number of data rows."""
        return len(self.frame)


@dataclass
class Reading:
    """One ``read_table`` call: the file's name, the limits, what the caller chose
    instead of detection (``sheet``, ``encoding``, ``delimiter``, 1-based ``header_row``;
    None to detect) and ``notes``, the sentences saying what was detected or changed."""

    name: str | None
    limits: Limits
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    notes: list[str] = field(default_factory=list)
    #: other encodings worth offering when the file's was a close call
    encodings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The file as messages name it."""
        return self.name or "the file"

    @property
    def extension(self) -> str:
        """The name's extension, lower case without the dot ("" when there is none)."""
        return Path(self.name).suffix.lower().lstrip(".") if self.name else ""


def unique_headers(header: Sequence[object]) -> list[str]:
    """Header names made unique and non-empty: blanks become 'column_N', repeats get ' (2)'."""
    names: list[str] = []
    seen: set[str] = set()
    for position, raw in enumerate(header, start=1):
        name = "" if raw is None else str(raw)
        if not name.strip():
            name = f"column_{position}"
        candidate, n = name, 2
        while candidate in seen:
            candidate, n = f"{name} ({n})", n + 1
        seen.add(candidate)
        names.append(candidate)
    return names


def drop_empty_rows(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Without rows whose every cell is empty (blank lines, ',,,,' lines, empty sheet rows)."""
    if not len(frame.columns) or not len(frame):
        return frame
    empty = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        empty &= (frame[column] == "").to_numpy(dtype=bool)
        if not empty.any():
            return frame
    count = int(empty.sum())
    notes.append(ngettext("Ignored {n} empty row.", "Ignored {n} empty rows.", count).format(n=count))
    return frame[~empty]


def check_field_lengths(frame: pd.DataFrame, size: int, reading: Reading) -> None:
    """Raise ``FileTooLarge`` for a cell over ``max_field_chars``; ``size`` bounds every cell's
    length (the file's size), so a small file is cleared without looking."""
    limits = reading.limits
    if size <= limits.max_field_chars:
        return  # no cell can be longer than the whole file
    for column in frame.columns:
        array = frame[column].array
        if isinstance(array, pd.arrays.ArrowStringArray):
            import pyarrow as pa
            import pyarrow.compute as pc

            # A value has no more characters than bytes: most columns are cleared by their bytes.
            longest = pc.max(pc.binary_length(pa.chunked_array(pa.array(array)))).as_py()
            if longest is None or longest <= limits.max_field_chars:
                continue
        lengths = frame[column].str.len()
        if len(lengths) and lengths.max() > limits.max_field_chars:
            row = lengths.idxmax()
            raise limits.exceeded("max_field_chars", int(lengths.max()),
                                  _("in row {row}, column {column}, of {label}").format(
                                      row=row, column=repr(column), label=reading.label))
