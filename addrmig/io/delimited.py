"""CSV / TSV / TXT: a delimited text file (already UTF-8) read into a ``Table`` of text.

Detection (delimiter, header row) works on a sample. A big file is parsed by Arrow's
multi-threaded reader, which takes it only when it is plain (every record as wide as the
header); any other file has its ragged rows found before parsing, since pandas would pad
them silently, and is parsed by pandas' C engine.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from addrmig.columns import find_header
from addrmig.errors import BadArguments, FileTooLarge, UnreadableFile
from addrmig.i18n import _
from addrmig.io.detect import sample_records, sample_text, show_delimiter, sniff_delimiter
from addrmig.io.table import (
    HEADER_SCAN,
    RaggedRow,
    Reading,
    Table,
    check_field_lengths,
    drop_empty_rows,
    ragged_note,
    unique_headers,
)

if TYPE_CHECKING:
    import pyarrow as pa

_SEP_LINE = re.compile(r"^sep=([\x21\x23-\x7e\t ])\r?$")


def read_delimited(data: bytes, encoding: str, fmt: str, reading: Reading) -> Table:
    """A delimited text file (UTF-8 ``data``, read from ``encoding``) as a ``Table`` of ``fmt``."""
    label, limits, notes = reading.label, reading.limits, reading.notes
    delimiter, header_row = reading.delimiter, reading.header_row
    sample = sample_text(data)
    first_line = sample.split("\n", 1)[0].lstrip("\ufeff")
    skip = 0
    sep_match = _SEP_LINE.match(first_line)
    if sep_match:
        # Excel's "sep=;" line: Excel hides it, so it is not a spreadsheet row either.
        skip = 1
        delimiter = delimiter or sep_match.group(1)
        notes.append(_("Used the delimiter {delimiter} named on the file's first line ({line}).").format(
            delimiter=show_delimiter(delimiter), line=first_line.strip()))
        sample = sample.split("\n", 1)[1] if "\n" in sample else ""
    if delimiter is None:
        delimiter = sniff_delimiter(sample, fmt)
    records = sample_records(sample, delimiter)
    widest = max((len(r) for r in records[:HEADER_SCAN]), default=0)
    if widest > limits.max_columns:
        raise limits.exceeded("max_columns", widest, _("of {label}").format(label=label))
    if not any(any(cell for cell in row) for row in records):
        raise UnreadableFile(_("{label} has no rows: it is empty or holds only blank lines. Export the addresses again and"
                               " choose that file.").format(label=label))
    if header_row is not None:
        header_index = header_row - 1
        if header_index >= len(records):
            raise BadArguments(_("Header row {header_row} is past the rows addrmig looked at; check the number.").format(header_row=header_row))
    else:
        guess = find_header(records)
        header_index = guess.index
        if guess.note:
            notes.append(guess.note)
    header = records[header_index]
    if len(header) > limits.max_columns:
        raise limits.exceeded("max_columns", len(header), _("of {label}").format(label=label))
    header_number = header_index + 1
    first_data = header_number + 1

    # A big file whose header is its first line is parsed by Arrow's multi-threaded reader.
    # When each of its quotes opens or closes a quoted value (most files have few or none),
    # Arrow alone is enough: it gives a table only when every record has the header's width
    # (blank lines read as rows of blanks, dropped below as pandas' are), so nothing needs
    # counting. Otherwise its fields are counted (ragged rows are found before parsing:
    # pandas pads short rows silently) while Arrow parses it, and Arrow's table is taken
    # only when the count finds every record as wide as the header; else pandas reads it.
    frame, ragged = None, []
    names = unique_headers(list(header))
    big = skip + header_index == 0 and len(data) >= _ARROW_MIN_BYTES and len(header) > 1
    alone = big and _quotes_well_formed(data, delimiter)
    if alone:
        table = _arrow_table(data, delimiter, len(header))
        if table is not None and table.num_rows > limits.max_rows:
            raise limits.exceeded("max_rows", table.num_rows, _("of {label}").format(label=label))
        frame = _arrow_frame(table, names, table.num_rows) if table is not None else None
        del table
    if frame is None:
        # Arrow beside the count only when it has not read the file already: it declined a
        # record of another width, which the count will find too.
        frame, names, ragged = _read_counted(data, delimiter, skip + header_index, header, header_number, reading,
                                             arrow=big and not alone)
    if len(frame) > limits.max_rows:
        raise limits.exceeded("max_rows", len(frame), _("of {label}").format(label=label))
    frame.index = pd.RangeIndex(first_data, first_data + len(frame))
    frame = _all_text(frame)
    frame = _align(frame, names, delimiter, ragged, notes)
    if ragged:
        notes.append(ragged_note(ragged))
    frame = drop_empty_rows(frame, notes)
    check_field_lengths(frame, len(data), reading)
    notes.insert(0, _("Read as {format} ({encoding}, delimiter {delimiter}).").format(
        format=fmt.upper(), encoding=encoding, delimiter=show_delimiter(delimiter)))
    return Table(frame=frame, name="", format=fmt, encoding=encoding, delimiter=delimiter,
                 header_row=header_number, notes=notes, row_problems=ragged)


def _read_counted(data: bytes, delimiter: str, header_line: int, header: list[str], header_number: int,
                  reading: Reading, arrow: bool) -> tuple[pd.DataFrame, list[str], list[RaggedRow]]:
    """(frame, column names, ragged rows) of a file whose fields are counted before it is
    parsed: rows of another width than the table's are listed (and their values kept: see
    :func:`_align`), a header missing its last names gets them. With ``arrow``, Arrow parses
    the file meanwhile (both mostly outside the interpreter's lock), and its table is taken
    when the count finds the file plain; else pandas parses it."""
    label, limits, notes = reading.label, reading.limits, reading.notes
    early = None
    if arrow:
        # (A limit met on the way leaves the parse to end on its own, and its table to go with it.)
        parsing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="addrmig-parse")
        early = parsing.submit(_arrow_table, data, delimiter, len(header))
        parsing.shutdown(wait=False)  # not waited for here: its thread ends with the parse
    widths = _Widths(data, delimiter, header_line + 1, header_number)
    width = widths.table_width(len(header), notes)
    if width > limits.max_columns:
        raise limits.exceeded("max_columns", width, _("of {label}").format(label=label))
    names = unique_headers(list(header) + [""] * (width - len(header)))
    if widths.data_records > limits.max_rows:
        raise limits.exceeded("max_rows", widths.data_records, _("of {label}").format(label=label))
    ragged = widths.ragged(width) if widths.suspect(width) else []
    widest = max(widths.widest, width)
    if widest > limits.max_columns + width:
        raise limits.exceeded("max_columns", widest, _("in a row of {label}").format(label=label))
    parse_names = names + [f"\x00extra{i}" for i in range(widest - width)]
    reader_kwargs = {"sep": delimiter, "header": None, "names": parse_names, "dtype": str, "engine": "c",
                     "keep_default_na": False, "na_filter": False, "skip_blank_lines": False,
                     "skiprows": header_line + 1, "on_bad_lines": "error", "quotechar": '"',
                     "doublequote": True, "encoding": "utf-8", "low_memory": False}
    frame = None
    if early is not None:
        table = early.result()  # waited for either way: not left running beside pandas' reading
        if widths.plain and width == len(header):
            frame = _arrow_frame(table, names, widths.records - 1)
        del table
    try:
        if frame is None:
            frame = pd.read_csv(io.BytesIO(data), **reader_kwargs)
    except pd.errors.ParserError as error:
        raise _parser_error(error, label, header_number) from None
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame({n: pd.Series([], dtype="str") for n in names})
    if not widths.checked:
        # a lone quote inside a value: the fast count could not be trusted, count again
        ragged = widths.ragged(width)
    return frame, names, ragged


def _align(frame: pd.DataFrame, names: list[str], delimiter: str, ragged: list[RaggedRow],
           notes: list[str]) -> pd.DataFrame:
    """The frame with the table's columns only: a row with more fields than the header keeps
    its extra fields joined (by the delimiter) onto its last column, so no value is lost and
    the row shows the way it was split; short rows are padded with "" already."""
    extras = [c for c in frame.columns if c not in names]
    if not extras:
        return frame
    long_rows = [r.row for r in ragged if r.fields > len(names)]
    if long_rows:
        last = names[-1]
        part = frame.loc[long_rows, [last, *extras]]
        joined = [delimiter.join(v for v in values[:_last_filled(values) + 1]) for values in
                  part.itertuples(index=False, name=None)]
        frame.loc[long_rows, last] = pd.Series(joined, index=long_rows, dtype="str")
    dropped = frame[extras].ne("").any(axis=1)
    trailing = int(dropped.sum()) - len(long_rows)
    if trailing > 0:  # pragma: no cover - every row with a filled extra field is a ragged row
        notes.append(_("{n} rows had values past the header's columns.").format(n=trailing))
    return frame.drop(columns=extras)


def _last_filled(values: tuple[str, ...]) -> int:
    for position in range(len(values) - 1, -1, -1):
        if values[position]:
            return position
    return 0


class _Widths:
    """How many fields each record has, for the ragged-row check.

    A vectorised pass over the bytes (numpy; quote parity masks quoted delimiters and
    line breaks) counts every record's fields; only when it finds rows of another width
    does a precise pass with the csv module confirm them (and read their values), so a
    clean file costs one scan. ``first`` is the 0-based record of the first data row.
    """

    def __init__(self, data: bytes, delimiter: str, first: int, header_number: int) -> None:
        self.data, self.delimiter, self.first, self.header_number = data, delimiter, first, header_number
        self.fields = np.zeros(0, dtype=np.int64)
        self.blank = np.zeros(0, dtype=bool)
        #: whether the fast count can be trusted (no lone quote inside a value)
        self.checked = False
        if len(delimiter.encode("utf-8")) == 1:
            fields, blank, unclosed = _fast_widths(data, ord(delimiter))
            self.fields, self.blank, self.checked = fields, blank, not unclosed
        self.records = len(self.fields) if self.checked else _count_records(data, delimiter)
        #: the most fields any data record has (set by ``ragged`` when the fast count is not trusted)
        self.widest = int(self.fields[first:].max()) if self.checked and len(self.fields) > first else 0

    @property
    def plain(self) -> bool:
        """Every data record counted, none blank (so Arrow's reading may be taken)."""
        return self.checked and not self.blank[self.first:].any()

    @property
    def data_records(self) -> int:
        """Records after the header."""
        return max(self.records - self.first, 0)

    def table_width(self, header_width: int, notes: list[str]) -> int:
        """The header's width, or the width most data rows share when it is wider (a header
        missing its last names); the extra columns are then named column_N."""
        if not self.checked:
            return header_width
        data_fields = self.fields[self.first:][~self.blank[self.first:]]
        if not len(data_fields):
            return header_width
        counts = np.bincount(data_fields)
        common = int(np.argmax(counts))
        if common > header_width and counts.max() * 2 > len(data_fields):
            names = f"column_{header_width + 1}" if common == header_width + 1 else \
                _("column_{first} to column_{last}").format(first=header_width + 1, last=common)
            notes.append(_("The header (row {row}) names {header} columns but most rows have {common} fields; the extra "
                           "columns are named {names}.").format(row=self.header_number, header=header_width,
                                                                common=common, names=names))
            return common
        return header_width

    def suspect(self, width: int) -> bool:
        """Whether some data record may have another number of fields than ``width``."""
        if not self.checked:
            return True
        return bool(((self.fields[self.first:] != width) & ~self.blank[self.first:]).any())

    def ragged(self, width: int) -> list[RaggedRow]:
        """The data rows whose field count is not ``width``, read by the csv module. A row
        with more fields whose extra fields are all empty (trailing delimiters) is not one."""
        stream = io.TextIOWrapper(io.BytesIO(self.data), encoding="utf-8-sig", newline="")
        reader = csv.reader(stream, delimiter=self.delimiter, quotechar='"', doublequote=True, strict=False)
        found: list[RaggedRow] = []
        try:
            for number, record in enumerate(reader):
                if number < self.first or len(record) == width or not record:
                    continue
                self.widest = max(self.widest, len(record))
                if len(record) > width and not any(record[width:]):
                    continue
                if not any(record):
                    continue  # a blank row, however many delimiters it has
                found.append(RaggedRow(number - self.first + self.header_number + 1, len(record), width,
                                       self.delimiter.join(record)[:1000]))
        except csv.Error:
            pass  # an unclosed quote: pandas names its row
        return found


def _count_records(data: bytes, delimiter: str) -> int:
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    count = 0
    try:
        for _ in csv.reader(stream, delimiter=delimiter, strict=False):
            count += 1
    except csv.Error:
        pass
    return count


#: From this size a plain file (header on line 1, every record as wide as the header, no
#: blank line, line ends "\n" or "\r\n") is parsed by Arrow's multi-threaded reader, which
#: makes the text columns without a Python object per value; a smaller or irregular one by
#: pandas' C engine, whose errors name rows.
_ARROW_MIN_BYTES = 4 * 1024 * 1024


def _arrow_table(data: bytes, delimiter: str, width: int) -> pa.Table | None:
    """The data rows of a CSV whose header is its first line, parsed by ``pyarrow.csv`` into
    ``width`` text columns; ``None`` (count its fields and read it with pandas then) when Arrow
    should not read it or cannot: a lone "\r", a header going on past its first line, or a
    record of another width (a short, long or blank one: Arrow refuses those, blank lines
    included) or a quote left open."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None  # a lone "\r": leave line ends inside values to pandas
    if data[:data.find(b"\n")].count(b'"') % 2:
        return None  # the header goes on past its first line; Arrow skips lines, not records
    try:
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=8 * 1024 * 1024,
                                           column_names=[f"c{i}" for i in range(width)], skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                             escape_char=False, newlines_in_values=True,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={f"c{i}": pa.string() for i in range(width)},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                 check_utf8=True),
            memory_pool=pa.default_memory_pool())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None


#: More quotes than this and :func:`_quotes_well_formed` does not look (a file quoting every value).
_QUOTES_WALKED = 100_000


def _quotes_well_formed(data: bytes, delimiter: str) -> bool:
    """Whether every quote in ``data`` opens a value (at its start), closes one (before a
    delimiter or a line end), or is a doubled quote inside one, and none is left open; False
    also when there are more than ``_QUOTES_WALKED``. Arrow and pandas then read the quotes
    alike; a quote inside an unquoted value, or one left open (which pandas names as an
    error), is left to the field count."""
    count = data.count(b'"')
    if not count:
        return True
    if count > _QUOTES_WALKED or len(delimiter.encode("utf-8")) != 1:
        return False
    ends = (delimiter.encode("utf-8"), b"\n", b"\r")
    inside = False
    at = data.find(b'"')
    while at != -1:
        if not inside:
            if at and data[at - 1:at] not in ends:
                return False  # a quote inside an unquoted value
            inside = True
        elif data[at + 1:at + 2] == b'"':
            at += 1  # a doubled quote, inside the value
        elif data[at + 1:at + 2] in (*ends, b""):
            inside = False
        else:
            return False  # text after a closing quote
        at = data.find(b'"', at + 1)
    return not inside


def _arrow_frame(table: pa.Table | None, names: list[str], records: int) -> pd.DataFrame | None:
    """Arrow's reading (:func:`_arrow_table`) as text columns named ``names``; ``None`` (read
    it with pandas then) when there is none or it has another number of rows (``records``) or
    columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if table is None or table.num_rows != records or table.num_columns != len(names):
        return None
    # One contiguous large_string array per column, as pandas' own reader makes: later
    # steps (factorize, slicing, Arrow compute) then never stitch chunks together again.
    pool = pa.default_memory_pool()
    columns = {}
    for i, name in enumerate(names):
        array = pc.cast(table.column(i), pa.large_string(), memory_pool=pool).combine_chunks(memory_pool=pool)
        columns[name] = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([array])), dtype="str", copy=False)
    del table
    return pd.DataFrame(columns)


def _fast_widths(data: bytes, sep: int, chunk: int = 32 * 1024 * 1024) -> tuple[np.ndarray, np.ndarray, bool]:
    """(fields per record, record is blank, ends inside quotes) by counting unquoted delimiters."""
    array = np.frombuffer(data, dtype=np.uint8)
    quoted = b'"' in data
    parity = 0
    carry = 0
    counts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    for start in range(0, len(array), chunk):
        part = array[start:start + chunk]
        delims = np.flatnonzero(part == sep)
        breaks = np.flatnonzero(part == 10)
        if quoted:
            # quotes are rare: a position is inside quotes when an odd number of them precede it
            quotes = np.flatnonzero(part == 34)
            if len(quotes):
                delims = delims[((np.searchsorted(quotes, delims) + parity) & 1) == 0]
                breaks = breaks[((np.searchsorted(quotes, breaks) + parity) & 1) == 0]
                parity = (parity + len(quotes)) & 1
            elif parity:
                delims, breaks = delims[:0], breaks[:0]
        if not len(breaks):
            carry += len(delims)
            continue
        before = np.searchsorted(delims, breaks)
        per = np.diff(before, prepend=0)
        per[0] += carry
        carry = len(delims) - int(before[-1])
        counts.append(per)
        ends.append(breaks + start)
    last_end = int(ends[-1][-1]) if ends and len(ends[-1]) else -1
    if last_end < len(array) - 1:  # a last line without a line break
        counts.append(np.array([carry]))
        ends.append(np.array([len(array)]))
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), bool(parity)
    fields = np.concatenate(counts) + 1
    end = np.concatenate(ends)
    begin = np.concatenate(([0], end[:-1] + 1))
    length = end - begin
    blank = (length == 0) | ((length == 1) & (array[np.minimum(begin, len(array) - 1)] == 13))
    if len(data) >= 3 and data.startswith(codecs.BOM_UTF8):
        blank[0] = blank[0] or length[0] == 3
    return fields, blank, bool(parity)


def _parser_error(error: Exception, label: str, header_number: int) -> UnreadableFile:
    message = str(error)
    match = re.search(r"EOF inside string starting at row (\d+)", message)
    if match:
        row = int(match.group(1)) + header_number
        return UnreadableFile(_("{label}: a quoted value that starts on row {row} is never closed, so the rest "
                                "of the file would be one cell. Add the missing closing quote (\") in that row "
                                "and try again.").format(label=label, row=row))
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if match:
        row = int(match.group(2)) + header_number - 1
        return UnreadableFile(_("{label}: row {row} has {fields} fields where the header has {expected}. Fix that "
                                "row and try again.").format(label=label, row=row, fields=match.group(3),
                                                             expected=match.group(1)))
    if "out of memory" in message.lower():
        return FileTooLarge(_("{label} is too large to read in memory; split it into smaller files.").format(label=label))
    return UnreadableFile(_("{label} could not be read as a table ({message}). Check that it is a CSV file, or export "
                            "it again.").format(label=label, message=message.strip()))


def _all_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as pandas' str dtype with "" for missing."""
    for column in frame.columns:
        series = frame[column]
        if series.dtype != "str" or series.hasnans:
            frame[column] = series.fillna("").astype("str")
    return frame
