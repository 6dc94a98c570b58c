"""Akinon's address rules as vectorised checks, and the Pandera schema declaring them.

Every rule is a function over a whole column that answers a numpy boolean array,
True where the value *fails*. The same functions serve two masters:

- ``build_schema()`` wraps them in a ``pandera.DataFrameSchema`` built from
  ``addrmig.fields`` — the declaration, usable with ``schema.validate(frame, lazy=True)``;
- ``addrmig.validation.validate`` calls them directly and builds its failure table
  in bulk, because Pandera's per-failure bookkeeping is far slower than the checks
  themselves on millions of rows (see benchmarks/bench_validate.py). A test proves
  the two agree.

The checks work on the Arrow buffers behind the column (zero-copy for pandas'
default ``str`` dtype): most values are clean, so cheap byte-level tests pick the
few candidates and the exact (regex / Unicode) test runs only on those.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.compute as pc

from addrmig.codes import combined
from addrmig.fields import BY_NAME, COLUMNS, FIELDS
from addrmig.i18n import _
from addrmig.io.sanitise import FORMULA_PREFIXES

if TYPE_CHECKING:
    import pandera.pandas as pa

# --- character classes -------------------------------------------------------------

#: What "leading/trailing whitespace" means: ASCII blanks plus the Unicode spaces
#: that spreadsheets and web forms leave behind (NBSP, thin spaces, BOM, ZWSP).
WHITESPACE: str = "".join(map(chr, (
    0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0xA0, 0x1680, *range(0x2000, 0x200C),
    0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF)))
#: Characters that cannot live inside an address value: C0 controls (line breaks,
#: tabs…), DEL, NEL and the Unicode line/paragraph separators.
CONTROL: str = "".join(map(chr, (*range(0x00, 0x20), 0x7F, 0x85, 0x2028, 0x2029)))

# Patterns use only syntax that RE2 (Arrow) and Python's re read the same way.
_WS = "[" + "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 else c for c in WHITESPACE) + "]"
_CONTROL_RE = "[\\x00-\\x1f\\x7f\u0085\u2028\u2029]"
DIGITS_PATTERN: str = f"^{_WS}*[0-9]+{_WS}*$"

# Byte-level prefilters. A UTF-8 value starts with whitespace only if its first byte
# is an ASCII blank or the lead byte of a multi-byte space; it ends with one only if
# its last byte is an ASCII blank or the last byte of such a space. Candidates are
# confirmed exactly, so these tables may over-select but never miss.
_FIRST_WS = np.zeros(256, dtype=bool)
_LAST_WS = np.zeros(256, dtype=bool)
for _char in WHITESPACE:
    _encoded = _char.encode("utf-8")
    _FIRST_WS[_encoded[0]] = True
    _LAST_WS[_encoded[-1]] = True
_CONTROL_BYTES = np.zeros(256, dtype=bool)
for _char in CONTROL:
    for _byte in _char.encode("utf-8")[-1:]:
        _CONTROL_BYTES[_byte] = True
_FORMULA_BYTES = np.zeros(256, dtype=bool)
_FORMULA_BYTES[[ord(c) for c in FORMULA_PREFIXES]] = True


# --- access to the text behind a column ------------------------------------------

@dataclass
class _Bytes:
    """Per-value byte facts of one column: byte length, first and last byte."""
    lengths: np.ndarray
    first: np.ndarray
    last: np.ndarray
    chunks: list[tuple[np.ndarray, np.ndarray]]  # (offsets, the data bytes offsets[0]:offsets[-1])


class Text:
    """A column's values as an Arrow ``large_string`` ChunkedArray (nulls as ""), with
    byte facts computed once and shared by every check run on it."""

    def __init__(self, values: ColumnLike) -> None:
        if isinstance(values, pa_arrow.ChunkedArray):
            arr = values
        else:
            try:
                arr = pa_arrow.array(values, from_pandas=True)  # zero-copy for pandas' "str"
            except (pa_arrow.ArrowInvalid, pa_arrow.ArrowTypeError):
                # A reader that left numbers or mixed objects: check their text.
                arr = pa_arrow.array(pd.Series(values).astype(str), from_pandas=True)
            if isinstance(arr, pa_arrow.Array):
                arr = pa_arrow.chunked_array([arr])
        if arr.type != pa_arrow.large_string():
            arr = arr.cast(pa_arrow.large_string())
        if arr.null_count:
            arr = pc.fill_null(arr, "")
        self.arrow: pa_arrow.ChunkedArray = arr
        self._facts: _Bytes | None = None
        self._blank: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.arrow)

    @property
    def facts(self) -> _Bytes:
        if self._facts is None:
            self._facts = _bytes(self.arrow)
        return self._facts


#: What the checks accept: a pandas Series of text, an Arrow string array, or ``Text``.
ColumnLike = pd.Series | pa_arrow.ChunkedArray | Text


def as_text(values: ColumnLike) -> Text:
    """``values`` wrapped as ``Text`` (itself when it already is)."""
    return values if isinstance(values, Text) else Text(values)


def as_arrow(values: ColumnLike) -> pa_arrow.ChunkedArray:
    """The column as an Arrow ``large_string`` ChunkedArray, nulls as "" (zero-copy when possible)."""
    return as_text(values).arrow


def _bytes(arr: pa_arrow.ChunkedArray) -> _Bytes:
    lengths, firsts, lasts, chunks = [], [], [], []
    for chunk in arr.chunks:
        n = len(chunk)
        _, off_buf, data_buf = chunk.buffers()
        # Offsets index the whole data buffer, so no rebasing copy is needed; "clip"
        # keeps empty values at the buffer's end in range (they are masked below).
        off = np.frombuffer(off_buf, dtype=np.int64)[chunk.offset:chunk.offset + n + 1]
        data = (np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None and n
                else np.zeros(0, dtype=np.uint8))
        length = np.diff(off)
        if n and len(data):
            first = np.take(data, off[:-1], mode="clip")
            last = np.take(data, off[1:] - 1, mode="clip")
            empty = length == 0
            if empty.any():
                first[empty] = 0
                last[empty] = 0
            data = data[off[0]:off[-1]]
        else:
            first = last = np.zeros(n, dtype=np.uint8)
            data = data[:0]
        lengths.append(length)
        firsts.append(first)
        lasts.append(last)
        chunks.append((off, data))
    cat = (lambda parts, dtype: np.concatenate(parts) if len(parts) != 1 else parts[0]) \
        if lengths else (lambda parts, dtype: np.zeros(0, dtype=dtype))
    return _Bytes(cat(lengths, np.int64), cat(firsts, np.uint8), cat(lasts, np.uint8), chunks)


def take(arr: pa_arrow.ChunkedArray, positions: np.ndarray) -> pa_arrow.ChunkedArray:
    """``arr[positions]`` for ascending positions, chunk by chunk: Arrow's own take on a
    ChunkedArray may first copy the whole column into one chunk."""
    if arr.num_chunks <= 1:
        return arr.take(positions)
    lengths = np.fromiter((len(c) for c in arr.chunks), dtype=np.int64, count=arr.num_chunks)
    starts = np.concatenate(([0], np.cumsum(lengths)))
    bounds = np.searchsorted(positions, starts)
    pieces = [chunk.take(positions[bounds[i]:bounds[i + 1]] - starts[i])
              for i, chunk in enumerate(arr.chunks) if bounds[i + 1] > bounds[i]]
    return pa_arrow.chunked_array(pieces, type=arr.type)


def _confirm(text: Text, candidates: np.ndarray,
             exact: Callable[[pa_arrow.ChunkedArray], np.ndarray]) -> np.ndarray:
    """Run ``exact`` on the candidate positions only; answer a full-length mask."""
    positions = np.flatnonzero(candidates)
    if len(positions) > len(text) // 4:
        # Most values are candidates: gathering them would cost more than testing all.
        return candidates & exact(text.arrow)
    out = np.zeros(len(text), dtype=bool)
    if len(positions):
        out[positions] = exact(take(text.arrow, positions))
    return out


def _np(array: pa_arrow.ChunkedArray | pa_arrow.Array) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False))


def _trimmed_length(arr: pa_arrow.ChunkedArray) -> np.ndarray:
    return _np(pc.binary_length(pc.utf8_trim(arr, WHITESPACE)))


# --- the checks: each answers True where the value FAILS -----------------------------

def blank(values: ColumnLike) -> np.ndarray:
    """Values that are empty or only whitespace."""
    text = as_text(values)
    if text._blank is None:  # several checks skip blank values: work it out once per column
        facts = text.facts
        candidates = _FIRST_WS[facts.first] & (facts.lengths > 0)
        text._blank = (facts.lengths == 0) | _confirm(text, candidates, lambda a: _trimmed_length(a) == 0)
    return text._blank


def too_long(values: ColumnLike, limit: int) -> np.ndarray:
    """Values with more than ``limit`` characters (Unicode code points, not bytes)."""
    text = as_text(values)
    # A character is at least one byte, so only values with more bytes can be too long.
    return _confirm(text, text.facts.lengths > limit, lambda a: _np(pc.utf8_length(a)) > limit)


def control_chars(values: ColumnLike) -> np.ndarray:
    """Values holding a line break, tab or other control character anywhere."""
    text = as_text(values)
    candidates = np.zeros(len(text), dtype=bool)
    start = 0
    for off, data in text.facts.chunks:
        n = len(off) - 1
        # Counting is much cheaper than building masks, and almost always finds nothing.
        # 0x85, 0xA8, 0xA9 end NEL (C2 85) and the separators U+2028/2029 (E2 80 A8/A9).
        if (np.count_nonzero(data < 0x20) or np.count_nonzero(data == 0x7F)
                or np.count_nonzero(data == 0x85) or np.count_nonzero((data | 1) == 0xA9)):
            hits = np.flatnonzero(_CONTROL_BYTES[data])
            hits += off[0]  # data starts at the first offset
            candidates[start + np.unique(np.searchsorted(off, hits, side="right") - 1)] = True
        start += n
    # Multi-byte separators share their last byte with ordinary letters: confirm.
    return _confirm(text, candidates, lambda a: _np(pc.match_substring_regex(a, _CONTROL_RE)))


def outer_whitespace(values: ColumnLike) -> np.ndarray:
    """Values with whitespace before the first or after the last visible character."""
    text = as_text(values)
    facts = text.facts
    candidates = (_FIRST_WS[facts.first] | _LAST_WS[facts.last]) & (facts.lengths > 0)
    return _confirm(text, candidates,
                    lambda a: _trimmed_length(a) != _np(pc.binary_length(a)))


def _mismatch(values: ColumnLike, pattern: str) -> np.ndarray:
    """Non-blank values that do not match ``pattern`` (a full-value regex)."""
    text = as_text(values)
    return _confirm(text, ~blank(text), lambda a: ~_np(pc.match_substring_regex(a, pattern)))


def bad_email(values: ColumnLike) -> np.ndarray:
    """Non-blank values that are not an e-mail address by email-validator's rules
    (``addrmig.contacts``: a vectorised fast path, the library for the rest)."""
    from addrmig.contacts import bad_emails

    return bad_emails(as_arrow(values))


def bad_phone(values: ColumnLike) -> np.ndarray:
    """Non-blank values in which libphonenumber finds no valid number, Türkiye as the
    default country (``addrmig.contacts``: a vectorised fast path, the library for the rest)."""
    from addrmig.contacts import bad_phones

    return bad_phones(as_arrow(values))


def not_digits(values: ColumnLike) -> np.ndarray:
    """Non-blank values holding anything but digits."""
    return _mismatch(values, DIGITS_PATTERN)


def formula_like(values: ColumnLike, phone: bool = False) -> np.ndarray:
    """Values starting with = + - or @, which spreadsheets run as formulas. With
    ``phone=True`` a plausible phone number ("+90532…") is not counted."""
    text = as_text(values)
    facts = text.facts
    mask = _FORMULA_BYTES[facts.first] & (facts.lengths > 0)
    if phone and mask.any():
        positions = np.flatnonzero(mask)
        mask[positions[~bad_phone(take(text.arrow, positions))]] = False
    return mask


#: The texts spreadsheet programs show for a formula that failed (Excel, LibreOffice, Google Sheets).
CELL_ERRORS: tuple[str, ...] = ("#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!",
                                "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
                                "#GETTING_DATA", "#ERROR!", "Err:502", "Err:504", "Err:508", "Err:522")


def cell_error(values: ColumnLike) -> np.ndarray:
    """Values that are a spreadsheet's error text (``#N/A``, ``#DIV/0!`` …): the formula that
    should have filled the cell failed, so the real value is missing."""
    text = as_text(values)
    facts = text.facts
    candidates = ((facts.first == ord("#")) | (facts.first == ord("E"))) & (facts.lengths >= 4) & (facts.lengths <= 13)
    errors = pa_arrow.array(CELL_ERRORS, type=pa_arrow.large_string())
    return _confirm(text, candidates, lambda a: _np(pc.is_in(a, value_set=errors)))


#: The columns compared to find the same address twice.
DUPLICATE_KEY: tuple[str, ...] = ("user", "line", "city", "township", "district")


def _fold(arr: pa_arrow.ChunkedArray | pa_arrow.Array) -> pa_arrow.ChunkedArray | pa_arrow.Array:
    """Trimmed, NFC, Turkish-aware lower case (``text.tr_lower`` over Arrow). Steps that
    cannot change anything are skipped: each one copies the whole column."""
    chunked = arr if isinstance(arr, pa_arrow.ChunkedArray) else pa_arrow.chunked_array([arr])
    if outer_whitespace(chunked).any():
        arr = pc.utf8_trim(arr, WHITESPACE)
    ascii_only = pc.all(pc.string_is_ascii(arr)).as_py() is not False
    if not ascii_only:
        arr = pc.replace_substring(pc.utf8_normalize(arr, "NFC"), "İ", "i")
    if pc.any(pc.match_substring(arr, "I")).as_py():
        arr = pc.replace_substring(arr, "I", "ı")
    # ascii_lower leaves every non-ASCII byte alone, so it is exact for ASCII input.
    return pc.ascii_lower(arr) if ascii_only else pc.utf8_lower(arr)


def _codes(arr: pa_arrow.ChunkedArray | pa_arrow.Array) -> np.ndarray:
    if isinstance(arr, pa_arrow.ChunkedArray):
        # One dictionary for the whole column: unifying per-chunk dictionaries is far slower.
        arr = arr.combine_chunks()
    return _np(pc.dictionary_encode(arr).indices)


def _folded_codes(values: ColumnLike, few_distinct: bool) -> np.ndarray:
    """Integer codes equal exactly when the values are equal after trimming and
    Turkish-aware case folding. With ``few_distinct`` (place names, the lines of rows that
    collide) folding runs on the distinct values only."""
    arr = as_arrow(values)
    if not few_distinct:
        return _codes(_fold(arr))
    encoded = pc.dictionary_encode(arr.combine_chunks())
    canonical = _codes(_fold(encoded.dictionary))
    return canonical[_np(encoded.indices)]


def duplicates(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Rows repeating an earlier row's address (same ``DUPLICATE_KEY`` values after
    trimming and Turkish-aware case folding; blank rows are not counted).

    Answers ``(mask, first)``: mask True for every repeat (not for the first
    occurrence), and for each row the position of the first row with its address.
    """
    n = len(frame)
    mask = np.zeros(n, dtype=bool)
    first = np.arange(n)
    if n < 2:
        return mask, first
    # The user first: only rows sharing a user can collide, so only theirs have their places
    # folded (a file of one address per customer: almost none); then the long address line only
    # for the rows colliding on user and place.
    user = _folded_codes(frame["user"], few_distinct=False)
    rows = np.flatnonzero(pd.Series(user, copy=False).duplicated(keep=False).to_numpy())
    places = [c for c in DUPLICATE_KEY if c not in ("user", "line")]
    cheap_key = combined([pd.factorize(user[rows])[0]] + [
        _folded_codes(take(as_arrow(frame[c]), rows), few_distinct=True) for c in places])
    colliding = np.flatnonzero(pd.Series(cheap_key, copy=False).duplicated(keep=False).to_numpy())
    positions = rows[colliding]
    if not len(positions):
        return mask, first
    # Lines repeat where rows collide (a customer's addresses): each distinct one is folded once.
    line = _folded_codes(take(as_arrow(frame["line"]), positions), few_distinct=True)
    group = pd.factorize(combined([pd.factorize(cheap_key[colliding])[0], line]))[0]
    is_blank = np.ones(len(positions), dtype=bool)
    for c in DUPLICATE_KEY:
        is_blank &= blank(take(as_arrow(frame[c]), positions))
    _, first_in_group = np.unique(group, return_index=True)
    first_of_row = positions[first_in_group[group]]
    repeat = (first_of_row != positions) & ~is_blank
    mask[positions[repeat]] = True
    first[positions] = first_of_row
    return mask, first


# --- the rules and the Pandera declaration ------------------------------------------

@dataclass(frozen=True)
class Rule:
    """One check on one column: its stable code, severity and the failing-values test."""
    column: str
    check: str  # required | max_length | email | phone | digits | control_chars | whitespace | formula | cell_error
    severity: str  # error | warning
    fails: Callable[[ColumnLike], np.ndarray]
    description: str


def column_rules() -> list[Rule]:
    """Every per-column rule, in the field table's order, derived from ``addrmig.fields``."""
    rules: list[Rule] = []
    for f in FIELDS:
        if f.required:
            rules.append(Rule(f.name, "required", "error", blank, _("{field} must not be empty").format(field=f.name)))
        if f.max_length:
            rules.append(Rule(f.name, "max_length", "error",
                              lambda s, limit=f.max_length: too_long(s, limit),
                              _("{field} has at most {limit} characters").format(field=f.name,
                                                                                    limit=f.max_length)))
        content = {"email": ("email", bad_email, _("{field}, when given, is an e-mail address")),
                   "phone": ("phone", bad_phone, _("{field}, when given, is a valid phone number")),
                   "digits": ("digits", not_digits, _("{field}, when given, is digits only"))}.get(f.kind)
        if content:
            code, test, what = content
            rules.append(Rule(f.name, code, "error", test, what.format(field=f.name)))
        rules.append(Rule(f.name, "control_chars", "error", control_chars,
                          _("{field} holds no line break or control character").format(field=f.name)))
        rules.append(Rule(f.name, "whitespace", "warning",
                          # A required value of spaces only is a 'required' error;
                          # trimming would not fix it, so no warning says it would.
                          (lambda s: outer_whitespace(s) & ~blank(s)) if f.required else outer_whitespace,
                          _("{field} has no leading or trailing whitespace").format(field=f.name)))
        rules.append(Rule(f.name, "formula", "warning",
                          (lambda s: formula_like(s, phone=True)) if f.kind == "phone" else formula_like,
                          _("{field} does not start with = + - or @").format(field=f.name)))
        rules.append(Rule(f.name, "cell_error", "error", cell_error,
                          _("{field} is not a spreadsheet error such as #N/A or #REF!").format(field=f.name)))
    return rules


def build_schema(warnings_as_errors: bool = False) -> pa.DataFrameSchema:
    """The Akinon address rules as a Pandera ``DataFrameSchema`` over the address frame.

    Warning rules are declared with ``raise_warning=True``; ``warnings_as_errors=True``
    makes them fail like errors, so ``validate(lazy=True)`` lists them in
    ``failure_cases`` too.
    """
    import pandera.pandas as pa  # imported here: the checks themselves do not need it

    def check(rule_fails: Callable[[ColumnLike], np.ndarray], code: str, severity: str,
              description: str) -> pa.Check:
        return pa.Check(lambda s: pd.Series(~rule_fails(s), index=s.index), element_wise=False,
                        name=code, description=description,
                        raise_warning=severity == "warning" and not warnings_as_errors)

    checks: dict[str, list[pa.Check]] = {c: [] for c in COLUMNS}
    for rule in column_rules():
        checks[rule.column].append(check(rule.fails, rule.check, rule.severity, rule.description))
    columns = {c: pa.Column(None, checks=checks[c], nullable=False, required=True,
                            description=BY_NAME[c].description) for c in COLUMNS}
    duplicate = pa.Check(lambda df: pd.Series(~duplicates(df)[0], index=df.index), name="duplicate",
                         description=_("the same address (user, line, city, township, district) appears only "
                                       "once"),
                         raise_warning=not warnings_as_errors)
    return pa.DataFrameSchema(columns, checks=[duplicate], strict=True, ordered=True,
                              name="akinon_address")
