"""A CSV file cut into parts a web server takes: the header repeated in each, cuts at row ends.

Servers cap one upload (the sandbox at 20 MB, like a web server's ``client_max_body_size``),
so a big file is sent as several migrations. The parts are a pure function of the file's
bytes and the limits (:class:`PartLimits`), and each is described by byte ranges of the
whole file (:class:`PartPlan`), so the history can rebuild any part from the kept copy and
check it against its sha256. A file within the limits is one part: the file as it is.

Rows are records as a CSV reader sees them: a quoted value may hold line breaks, so a cut
is only made where a record ends. Without quotes every line break ends a record (one fast
scan); with quotes whose every one is where CSV allows it, the quotes before a line break
tell (their parity, as the app's own reader counts); otherwise the csv module reads the
records one by one. Only delimited text in an ASCII-compatible encoding can be cut; other
files (XLSX, JSON, UTF-16 text) go whole or, above the limit, are refused with a sentence.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from addrmig.errors import BadArguments
from addrmig.formatting import in_language, number
from addrmig.i18n import _

#: The default part size: safely under common upload caps (nginx's ``client_max_body_size 10m``
#: is 10,485,760 bytes; the sandbox takes 20 MB). Decimal megabytes: 1 MB = 1,000,000 bytes.
DEFAULT_PART_BYTES = 10_000_000
#: Halving after a 413 stops here (or where one row is a part): a server refusing less is not
#: refusing for size.
MIN_PART_BYTES = 1_000
PART_BYTES_VAR = "ADDRMIG_PART_BYTES"
PART_ROWS_VAR = "ADDRMIG_PART_ROWS"
_TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")
_SIZE = re.compile(r"^\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*(|b|kb|k|mb|m)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1_000_000, "mb": 1_000_000}
_CHUNK = 32 * 1024 * 1024
_QUOTE, _LF, _CR = 34, 10, 13


@dataclass(frozen=True)
class PartLimits:
    """How big one part may be: at most ``max_bytes`` bytes (header included) and, when set,
    ``max_rows`` rows."""

    max_bytes: int = DEFAULT_PART_BYTES
    max_rows: int | None = None

    def __post_init__(self) -> None:
        if self.max_bytes < 1:
            raise BadArguments(_("The part size must be at least one byte."))
        if self.max_rows is not None and self.max_rows < 1:
            raise BadArguments(_("The rows per part must be at least 1."))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PartLimits:
        """The defaults, or ``ADDRMIG_PART_BYTES`` (``10MB``, ``500KB``, ``2000000``) and ``ADDRMIG_PART_ROWS``."""
        environ = os.environ if environ is None else environ
        size, rows = environ.get(PART_BYTES_VAR, "").strip(), environ.get(PART_ROWS_VAR, "").strip()
        return cls(parse_size(size, PART_BYTES_VAR) if size else DEFAULT_PART_BYTES,
                   _positive(rows, PART_ROWS_VAR) if rows else None)

    def halved(self) -> PartLimits | None:
        """Half the size (after the server refused a part as too large); None below ``MIN_PART_BYTES``."""
        half = self.max_bytes // 2
        return None if half < MIN_PART_BYTES else replace(self, max_bytes=half)

    def describe(self) -> str:
        """"10 MB", "10 MB or 50,000 rows"."""
        size = f"{in_language(f'{self.max_bytes / 1_000_000:,.3g}')} MB" if self.max_bytes >= 100_000 else \
            _("{n} bytes").format(n=number(self.max_bytes))
        return size if self.max_rows is None else _("{size} or {rows} rows").format(size=size, rows=number(self.max_rows))


def parse_size(text: str, what: str | None = None) -> int:
    """Bytes from ``"10MB"``, ``"2.5 MB"``, ``"500KB"`` or ``"2000000"`` (decimal units)."""
    match = _SIZE.match(text or "")
    if not match or float(match.group(1).replace("_", "")) <= 0:
        raise BadArguments(_("{what}={text} is not a size: give bytes, or a number with KB or MB (1 MB = 1,000,000 "
                             "bytes), e.g. 10MB.").format(what=what or _("the part size"), text=repr(text)))
    return max(1, int(float(match.group(1).replace("_", "")) * _UNITS[match.group(2).lower()]))


def _positive(text: str, what: str) -> int:
    if not text.replace("_", "").isdigit() or int(text.replace("_", "")) < 1:
        raise BadArguments(_("{what}={text} is not a positive whole number.").format(what=what, text=repr(text)))
    return int(text.replace("_", ""))


@dataclass(frozen=True)
class PartPlan:
    """One part: ``data[:header_size] + data[body_start:body_end]`` of the whole file.

    ``first_row`` counts the file's data rows from 1 (the header is not a row); ``rows``
    is None when the file is not CSV (a whole-file part, not counted here)."""

    number: int
    first_row: int | None
    rows: int | None
    header_size: int
    body_start: int
    body_end: int
    size: int
    sha256: str

    @property
    def last_row(self) -> int | None:
        if self.first_row is None or self.rows is None:
            return None
        return self.first_row + self.rows - 1


def part_bytes(data: bytes, part: PartPlan | object) -> bytes:
    """The bytes of ``part`` (anything with ``header_size``, ``body_start``, ``body_end``) cut from ``data``."""
    header, start, end = part.header_size, part.body_start, part.body_end  # type: ignore[attr-defined]
    if header == 0 and start == 0 and end == len(data):
        return data
    return data[:header] + data[start:end]


def splittable(data: bytes, filename: str) -> bool:
    """Whether ``data`` is delimited text that can be cut at row ends (ASCII-compatible encoding)."""
    name = (filename or "").lower()
    if not name.endswith(_TEXT_EXTENSIONS):
        return False
    head = data[:4096]
    return not (head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head)


def plan_parts(data: bytes, filename: str, limits: PartLimits, rows: int | None = None, *,
               start: int | None = None, number_from: int = 1, first_row: int = 1) -> list[PartPlan]:
    """The parts of ``data`` within ``limits``, in order.

    The whole file is one part when it is within the limits (``rows``: its row count when the
    file is not CSV; counted here when it is). ``start`` (a row end, from an earlier plan) plans
    only the rest of the file, numbering from ``number_from`` and counting rows from
    ``first_row``: how the parts not sent yet are cut smaller after a 413. BadArguments when the
    file cannot be cut (not CSV, or one row alone over the size).
    """
    if not splittable(data, filename):
        if start is None and len(data) <= limits.max_bytes and (rows is None or limits.max_rows is None
                                                                   or rows <= limits.max_rows):
            return [_whole(data, rows)]
        kind = (filename.rsplit(".", 1)[-1].upper() if "." in filename else _("this kind of file"))
        raise BadArguments(_("{filename} ({number} bytes) is over the part size of {describe}, and only CSV files in an "
                             "8-bit or UTF-8 encoding can be sent in parts, not {kind}. Write it as CSV (`python -m "
                             "addrmig convert` or `fix`) and send that.").format(filename=filename, number=number(len(data)), describe=limits.describe(),
                                   kind=kind))
    ends, blank = record_ends(data)
    if len(ends) == 0:
        return [_whole(data, 0)]
    header = int(ends[0])
    if (start is not None or len(data) > limits.max_bytes) and header >= limits.max_bytes:
        raise BadArguments(_("The header line of {filename} alone is {number} bytes, not under the part size of "
                             "{describe}; give a larger part size.").format(filename=filename, number=number(header), describe=limits.describe()))
    is_row = ~blank
    is_row[0] = False  # the header is not a row
    counted = np.cumsum(is_row)  # rows up to and including each record
    if start is None:
        whole_rows = int(counted[-1])
        if len(data) <= limits.max_bytes and (limits.max_rows is None or whole_rows <= limits.max_rows):
            return [_whole(data, whole_rows)]
        start = header
    plans: list[PartPlan] = []
    number_now, row = number_from, first_row
    position = start
    while position < len(data):
        at = int(np.searchsorted(ends, position, side="right"))  # the first record after ``position``
        if at >= len(ends):
            break
        before = int(counted[at - 1])
        budget = limits.max_bytes - header
        last = int(np.searchsorted(ends, position + budget, side="right")) - 1  # last record that fits
        if limits.max_rows is not None:
            last = min(last, int(np.searchsorted(counted, before + limits.max_rows, side="right")) - 1)
        if last < at:
            raise BadArguments(_("Row {number} of {filename} alone is bigger than the part size of {describe} ({number2} "
                                 "bytes with the header); give a larger part size.").format(number=number(row), filename=filename, describe=limits.describe(),
                                       number2=number(int(ends[at]) - position + header)))
        end = int(ends[last])
        rows_in = int(counted[last]) - before
        if rows_in:
            body = memoryview(data)[position:end]
            digest = hashlib.sha256(memoryview(data)[:header])
            digest.update(body)
            plans.append(PartPlan(number_now, row, rows_in, header, position, end, header + end - position,
                                  digest.hexdigest()))
            number_now, row = number_now + 1, row + rows_in
        position = end
    return plans


def _whole(data: bytes, rows: int | None) -> PartPlan:
    return PartPlan(1, 1 if rows else None, rows, 0, 0, len(data), len(data), hashlib.sha256(data).hexdigest())


# ---------------------------------------------------------------- where records end
def record_ends(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(end offset of each record, whether it is blank): the offset just past its line break (or the
    file's end for a last line without one); a blank record holds nothing but its line break."""
    array = np.frombuffer(data, dtype=np.uint8)
    if b'"' not in data:
        ends = _breaks(array, None)
    else:
        ends = _ends_by_parity(data, array)
        if ends is None:
            ends = _ends_by_reader(data)
    if len(data) and (not len(ends) or ends[-1] < len(data)):
        ends = np.append(ends, len(data))  # a last line without a line break
    ends = ends.astype(np.int64)
    if not len(ends):
        return ends, np.zeros(0, dtype=bool)
    starts = np.concatenate(([0], ends[:-1]))
    length = ends - starts
    first = array[starts]
    second = array[np.minimum(starts + 1, len(array) - 1)]
    blank = ((length == 1) & (first == _LF)) | ((length == 2) & (first == _CR) & (second == _LF))
    return ends, blank


def _breaks(array: np.ndarray, quotes: np.ndarray | None) -> np.ndarray:
    """Offsets just past each line break (outside quotes when ``quotes``, the quote positions, is given)."""
    found = []
    for begin in range(0, len(array), _CHUNK):
        breaks = np.flatnonzero(array[begin:begin + _CHUNK] == _LF) + begin
        if quotes is not None and len(quotes):
            breaks = breaks[(np.searchsorted(quotes, breaks) & 1) == 0]
        found.append(breaks + 1)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _quotes(array: np.ndarray) -> np.ndarray:
    return np.concatenate([np.flatnonzero(array[begin:begin + _CHUNK] == _QUOTE) + begin
                           for begin in range(0, len(array), _CHUNK)])


def _ends_by_parity(data: bytes, array: np.ndarray) -> np.ndarray | None:
    """Record ends from quote parity, or None when some quote is not where CSV puts one (a stray
    quote inside an unquoted value: the csv module then reads it as text, parity would not)."""
    delimiter = _delimiter(data)
    quotes = _quotes(array)
    if len(quotes) % 2 or delimiter is None:
        return None
    size = len(array)
    opening, closing = quotes[0::2], quotes[1::2]
    # An opening quote starts a value (after a delimiter, a line break, or the file's start or BOM)
    # or is the second of a doubled quote right after the previous closing one.
    before = array[np.maximum(opening - 1, 0)]
    first_ok = (opening == 0) | ((opening == 3) & data.startswith(codecs.BOM_UTF8))
    doubled = np.zeros(len(opening), dtype=bool)
    doubled[1:] = opening[1:] - 1 == closing[:-1]
    opens_ok = first_ok | (before == delimiter) | (before == _LF) | doubled
    # A closing quote ends the value (a delimiter, a line break, the end) or is doubled.
    after = array[np.minimum(closing + 1, size - 1)]
    follows = np.zeros(len(closing), dtype=bool)
    follows[:-1] = opening[1:] == closing[:-1] + 1
    closes_ok = (closing == size - 1) | (after == delimiter) | (after == _LF) | (after == _CR) | follows
    if not (opens_ok.all() and closes_ok.all()):
        return None
    return _breaks(array, quotes)


def _ends_by_reader(data: bytes) -> np.ndarray:
    """Record ends as the csv module reads the records (one by one: the careful way)."""
    delimiter = chr(_delimiter(data) or ord(","))
    lines = _Lines(data)
    ends = []
    try:
        for _ in csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=False):
            ends.append(lines.position)
    except csv.Error:
        pass  # a quote never closed: the rest of the file is one record, as readers take it
    if lines.position < len(data):
        ends.append(len(data))
    return np.array(ends, dtype=np.int64)


class _Lines:
    """The file's lines as text for the csv module (latin-1: one character per byte, so quotes,
    delimiters and line breaks are where they are in the bytes), counting the bytes handed out."""

    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)
        self.position = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.stream.readline()
        if not line:
            raise StopIteration
        self.position += len(line)
        return line.decode("latin-1")


def _delimiter(data: bytes) -> int | None:
    """The delimiter's byte, found the way the app's reader finds it (None: not one byte)."""
    from addrmig.io.detect import sniff_delimiter

    sample = data[:256 * 1024].decode("latin-1").lstrip("\ufeff\xef\xbb\xbf")
    found = sniff_delimiter(sample, "csv")
    return ord(found) if len(found) == 1 else None
