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

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc

from addrmig.fields import BY_NAME, COLUMNS, FIELDS

# --- character classes -------------------------------------------------------------

#: What "leading/trailing whitespace" means: ASCII blanks plus the Unicode spaces
#: that spreadsheets and web forms leave behind (NBSP, thin spaces, BOM, ZWSP).
WHITESPACE: str = "".join(map(chr, (
    0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0xA0, 0x1680, *range(0x2000, 0x200C),
    0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF)))
#: Characters that cannot live inside an address value: C0 controls (line breaks,
#: tabs…), DEL, NEL and the Unicode line/paragraph separators.
CONTROL: str = "".join(map(chr, (*range(0x00, 0x20), 0x7F, 0x85, 0x2028, 0x2029)))
#: A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@")

# Patterns use only syntax that RE2 (Arrow) and Python's re read the same way.
_WS = "[" + "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 else c for c in WHITESPACE) + "]"
_CONTROL_RE = "[\\x00-\\x1f\\x7f\u0085\u2028\u2029]"
_LETTER = "A-Za-z0-9\u00c0-\u024f"  # Latin letters incl. Turkish ı ş ğ İ, for IDN domains
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = f"[{_LETTER}](?:[{_LETTER}-]*[{_LETTER}])?"
EMAIL_PATTERN: str = f"^{_WS}*{_LOCAL}@(?:{_LABEL}\\.)+(?:[A-Za-z\u00c0-\u024f]{{2,63}}|xn--[A-Za-z0-9-]+){_WS}*$"
PHONE_PATTERN: str = f"^{_WS}*\\+?[0-9 ()-]+{_WS}*$"
DIGITS_PATTERN: str = f"^{_WS}*[0-9]+{_WS}*$"
PHONE_DIGITS: tuple[int, int] = (7, 15)

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

def as_arrow(values: pd.Series | pa_arrow.ChunkedArray) -> pa_arrow.ChunkedArray:
    """The column as an Arrow ``large_string`` ChunkedArray, nulls as "" (zero-copy when possible)."""
    if isinstance(values, pa_arrow.ChunkedArray):
        arr = values
    else:
        try:
            arr = pa_arrow.array(values, from_pandas=True)
        except (pa_arrow.ArrowInvalid, pa_arrow.ArrowTypeError):
            # A reader that left numbers or mixed objects: compare their text.
            arr = pa_arrow.array(values.astype(str), from_pandas=True)
        if isinstance(arr, pa_arrow.Array):
            arr = pa_arrow.chunked_array([arr])
    if arr.type != pa_arrow.large_string():
        arr = arr.cast(pa_arrow.large_string())
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    return arr


@dataclass
class _Bytes:
    """Per-value byte facts of one column: byte length, first and last byte."""
    lengths: np.ndarray
    first: np.ndarray
    last: np.ndarray
    chunks: list[tuple[np.ndarray, np.ndarray]]  # (offsets rebased to 0, data bytes)


def _bytes(arr: pa_arrow.ChunkedArray) -> _Bytes:
    lengths, firsts, lasts, chunks = [], [], [], []
    for chunk in arr.chunks:
        n = len(chunk)
        _, off_buf, data_buf = chunk.buffers()
        off = np.frombuffer(off_buf, dtype=np.int64)[chunk.offset:chunk.offset + n + 1]
        data = (np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None and n
                else np.zeros(0, dtype=np.uint8))
        data = data[off[0]:off[-1]] if n else data[:0]
        off = off - off[0] if n else np.zeros(1, dtype=np.int64)
        length = np.diff(off)
        if len(data):
            first = data[np.minimum(off[:-1], len(data) - 1)]
            last = data[np.maximum(off[1:] - 1, 0)]
            empty = length == 0
            first = np.where(empty, 0, first)
            last = np.where(empty, 0, last)
        else:
            first = last = np.zeros(n, dtype=np.uint8)
        lengths.append(length)
        firsts.append(first)
        lasts.append(last)
        chunks.append((off, data))
    cat = (lambda parts, dtype: np.concatenate(parts) if parts else np.zeros(0, dtype=dtype))
    return _Bytes(cat(lengths, np.int64), cat(firsts, np.uint8), cat(lasts, np.uint8), chunks)


def _confirm(arr: pa_arrow.ChunkedArray, candidates: np.ndarray,
             exact: Callable[[pa_arrow.ChunkedArray], np.ndarray]) -> np.ndarray:
    """Run ``exact`` only on the candidate positions; answer a full-length mask."""
    out = np.zeros(len(arr), dtype=bool)
    positions = np.flatnonzero(candidates)
    if len(positions):
        out[positions] = exact(arr.take(positions))
    return out


def _np(mask: pa_arrow.ChunkedArray | pa_arrow.Array) -> np.ndarray:
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


def _trimmed_length(arr: pa_arrow.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.binary_length(pc.utf8_trim(arr, WHITESPACE)).to_numpy(zero_copy_only=False))


# --- the checks: each answers True where the value FAILS -----------------------------

def blank(values: pd.Series | pa_arrow.ChunkedArray) -> np.ndarray:
    """Values that are empty or only whitespace."""
    arr = as_arrow(values)
    facts = _bytes(arr)
    candidates = _FIRST_WS[facts.first] & (facts.lengths > 0)
    return (facts.lengths == 0) | _confirm(arr, candidates, lambda a: _trimmed_length(a) == 0)


def too_long(values: pd.Series, limit: int) -> np.ndarray:
    """Values with more than ``limit`` characters (Unicode code points, not bytes)."""
    arr = as_arrow(values)
    facts = _bytes(arr)
    # A character is at least one byte, so only values with more bytes can be too long.
    return _confirm(arr, facts.lengths > limit,
                    lambda a: np.asarray(pc.utf8_length(a).to_numpy(zero_copy_only=False)) > limit)


def char_lengths(values: pd.Series) -> np.ndarray:
    """Length in characters of each value."""
    return np.asarray(pc.utf8_length(as_arrow(values)).to_numpy(zero_copy_only=False))


def control_chars(values: pd.Series) -> np.ndarray:
    """Values holding a line break, tab or other control character anywhere."""
    arr = as_arrow(values)
    out = []
    for off, data in _bytes(arr).chunks:
        mask = np.zeros(len(off) - 1, dtype=bool)
        hits = np.flatnonzero(_CONTROL_BYTES[data]) if len(data) else np.zeros(0, dtype=np.int64)
        if len(hits):
            mask[np.unique(np.searchsorted(off, hits, side="right") - 1)] = True
        out.append(mask)
    candidates = np.concatenate(out) if out else np.zeros(0, dtype=bool)
    # Multi-byte separators share their last byte with ordinary letters: confirm.
    return _confirm(arr, candidates, lambda a: _np(pc.match_substring_regex(a, _CONTROL_RE)))


def outer_whitespace(values: pd.Series) -> np.ndarray:
    """Values with whitespace before the first or after the last visible character."""
    arr = as_arrow(values)
    facts = _bytes(arr)
    candidates = (_FIRST_WS[facts.first] | _LAST_WS[facts.last]) & (facts.lengths > 0)
    return _confirm(arr, candidates, lambda a: _trimmed_length(a) != np.asarray(
        pc.binary_length(a).to_numpy(zero_copy_only=False)))


def _mismatch(values: pd.Series, pattern: str) -> np.ndarray:
    """Non-blank values that do not match ``pattern`` (a full-value regex)."""
    arr = as_arrow(values)
    filled = ~blank(values)
    return _confirm(arr, filled, lambda a: ~_np(pc.match_substring_regex(a, pattern)))


def bad_email(values: pd.Series) -> np.ndarray:
    """Non-blank values that are not an e-mail address (name@domain.tld)."""
    return _mismatch(values, EMAIL_PATTERN)


def bad_phone(values: pd.Series | pa_arrow.ChunkedArray) -> np.ndarray:
    """Non-blank values that are not a plausible phone: digits with an optional leading +,
    spaces, dashes and parentheses, 7 to 15 digits in all."""
    arr = as_arrow(values)
    filled = ~blank(values)
    low, high = PHONE_DIGITS

    def exact(a: pa_arrow.ChunkedArray) -> np.ndarray:
        shaped = _np(pc.match_substring_regex(a, PHONE_PATTERN))
        digits = np.asarray(pc.count_substring_regex(a, "[0-9]").to_numpy(zero_copy_only=False))
        return ~(shaped & (digits >= low) & (digits <= high))

    return _confirm(arr, filled, exact)


def not_digits(values: pd.Series) -> np.ndarray:
    """Non-blank values holding anything but digits."""
    return _mismatch(values, DIGITS_PATTERN)


def formula_like(values: pd.Series, phone: bool = False) -> np.ndarray:
    """Values starting with = + - or @, which spreadsheets run as formulas. With
    ``phone=True`` a plausible phone number ("+90532…") is not counted."""
    arr = as_arrow(values)
    facts = _bytes(arr)
    mask = _FORMULA_BYTES[facts.first] & (facts.lengths > 0)
    if phone and mask.any():
        positions = np.flatnonzero(mask)
        mask[positions[~bad_phone(arr.take(positions))]] = False
    return mask


#: The columns compared to find the same address twice.
DUPLICATE_KEY: tuple[str, ...] = ("user", "line", "city", "township", "district")


def _folded_codes(values: pd.Series | pa_arrow.ChunkedArray) -> np.ndarray:
    """Integer codes equal exactly when the values are equal after trimming, collapsing
    inner whitespace and Turkish-aware case folding. Folding runs on the distinct
    values only, which are few for place names."""
    arr = as_arrow(values)
    encoded = pc.dictionary_encode(arr).combine_chunks()
    dictionary = encoded.dictionary
    folded = pc.utf8_trim(dictionary, WHITESPACE)
    folded = pc.replace_substring_regex(folded, f"{_WS}+", " ")
    folded = pc.utf8_normalize(folded, "NFC")
    folded = pc.utf8_lower(pc.replace_substring(pc.replace_substring(folded, "İ", "i"), "I", "ı"))
    canonical, _ = pd.factorize(np.asarray(folded.to_numpy(zero_copy_only=False), dtype=object))
    return canonical[np.asarray(encoded.indices.to_numpy(zero_copy_only=False))]


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
    # The cheap columns first: only rows already colliding on them need the long
    # address line folded.
    cheap = [c for c in DUPLICATE_KEY if c != "line"]
    codes = {c: _folded_codes(frame[c]) for c in cheap}
    collide = pd.DataFrame(codes, copy=False).duplicated(keep=False).to_numpy()
    positions = np.flatnonzero(collide)
    if not len(positions):
        return mask, first
    key = pd.DataFrame({c: codes[c][positions] for c in cheap}, copy=False)
    key["line"] = _folded_codes(as_arrow(frame["line"]).take(positions))
    is_blank = np.ones(len(positions), dtype=bool)
    for c in DUPLICATE_KEY:
        is_blank &= blank(frame[c].iloc[positions])
    group = key.groupby(list(key.columns), sort=False).ngroup().to_numpy()
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
    check: str  # required | max_length | email | phone | digits | control_chars | whitespace | formula
    severity: str  # error | warning
    fails: Callable[[pd.Series], np.ndarray]
    description: str


def column_rules() -> list[Rule]:
    """Every per-column rule, in the field table's order, derived from ``addrmig.fields``."""
    rules: list[Rule] = []
    for f in FIELDS:
        if f.required:
            rules.append(Rule(f.name, "required", "error", blank, f"{f.name} must not be empty"))
        if f.max_length:
            rules.append(Rule(f.name, "max_length", "error",
                              lambda s, limit=f.max_length: too_long(s, limit),
                              f"{f.name} has at most {f.max_length} characters"))
        content = {"email": ("email", bad_email, "an e-mail address"),
                   "phone": ("phone", bad_phone, "a phone number of 7-15 digits"),
                   "digits": ("digits", not_digits, "digits only")}.get(f.kind)
        if content:
            code, test, what = content
            rules.append(Rule(f.name, code, "error", test, f"{f.name}, when given, is {what}"))
        rules.append(Rule(f.name, "control_chars", "error", control_chars,
                          f"{f.name} holds no line break or control character"))
        rules.append(Rule(f.name, "whitespace", "warning", outer_whitespace,
                          f"{f.name} has no leading or trailing whitespace"))
        rules.append(Rule(f.name, "formula", "warning",
                          (lambda s: formula_like(s, phone=True)) if f.kind == "phone" else formula_like,
                          f"{f.name} does not start with = + - or @"))
    return rules


def build_schema(warnings_as_errors: bool = False) -> pa.DataFrameSchema:
    """The Akinon address rules as a Pandera ``DataFrameSchema`` over the address frame.

    Warning rules are declared with ``raise_warning=True``; ``warnings_as_errors=True``
    makes them fail like errors, so ``validate(lazy=True)`` lists them in
    ``failure_cases`` too.
    """
    def check(rule_fails: Callable[[pd.Series], np.ndarray], code: str, severity: str,
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
                         description="the same address (user, line, city, township, district) "
                                     "appears only once",
                         raise_warning=not warnings_as_errors)
    return pa.DataFrameSchema(columns, checks=[duplicate], strict=True, ordered=True,
                              name="akinon_address")
