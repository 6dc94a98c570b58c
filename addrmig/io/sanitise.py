"""Text made safe for a spreadsheet: the rules every CSV and XLSX writer follows (the
corrected file, the error report, the review list), in one place.

Two dangers. A value that starts like a formula is run by the spreadsheet program a
person opens the file in: ``neutralise`` makes it inert in the files people read (the
error report and the review list); the corrected file keeps every value exactly and
stores it as a text cell instead. And XML cannot hold some characters: ``xlsx_text``
cleans every string before it goes into an XLSX cell.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@")
#: The starts ``neutralise`` makes inert: the formula prefixes, plus tab and carriage
#: return (OWASP's list), behind which a program that trims the value finds a formula.
NEUTRALISED_STARTS: tuple[str, ...] = FORMULA_PREFIXES + ("\t", "\r")

#: C0 control characters other than tab, line feed and carriage return: XML 1.0 cannot
#: hold them.
_XML_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: The same plus U+FFFE and U+FFFF, which are not characters at all.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XSTRING_LITERAL = re.compile(r"_(x[0-9A-Fa-f]{4}_)")

#: Bytes of a value ``xlsx_text`` may change: C0 controls (carriage return among them), the
#: underscore of "_x0041_", and the lead byte of U+FFFE/U+FFFF.
_MAY_CHANGE = np.zeros(256, dtype=bool)
_MAY_CHANGE[[*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0D, 0x20), ord("_"), 0xEF]] = True
#: Bytes of a value the report rule may change: the C0 controls it shows as "\xNN".
_SHOWN = np.zeros(256, dtype=bool)
_SHOWN[[*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]] = True
#: First bytes of the values the report rule neutralises.
_NEUTRALISED_FIRST = np.zeros(256, dtype=bool)
_NEUTRALISED_FIRST[[ord(c) for c in NEUTRALISED_STARTS]] = True


def neutralise(values: pd.Series) -> pd.Series:
    """The values as text, with a leading apostrophe where one would start a formula."""
    text = values.astype("str")
    risky = text.str.startswith(NEUTRALISED_STARTS).fillna(False).to_numpy(dtype=bool)
    if not risky.any():
        return text
    return text.where(~risky, "'" + text)


def xlsx_text(text: str, *, report: bool = False) -> str:
    """``text`` as an XLSX cell must hold it.

    Default, for the corrected file, which must read back (in Excel, LibreOffice and
    calamine) as the very same string: characters XML cannot hold are dropped; "\\r",
    which XML parsers turn into "\\n", uses the spreadsheet's own escape (_x000D_,
    ECMA-376 ST_Xstring), and a literal "_x0041_" in the data gets its underscore escaped so
    that it is not decoded. (White space at either end, a value of only white space too, is
    kept by the writer's ``xml:space="preserve"``: LibreOffice decodes the escapes of
    control characters and of "_" only, so "_x0020_" would stay as written there.)

    ``report=True``, for the files a person reads (error report, review list): control
    characters XML cannot hold are shown as ``\\xNN`` and a formula-like value is
    neutralised; nothing else changes.
    """
    if report:
        text = _XML_CONTROL_RE.sub(_shown, text)
        return "'" + text if text.startswith(NEUTRALISED_STARTS) else text
    if _XML_ILLEGAL.search(text):
        text = _XML_ILLEGAL.sub("", text)
    if "_x" in text:
        text = _XSTRING_LITERAL.sub(r"_x005F_\1", text)
    if "\r" in text:
        text = text.replace("\r", "_x000D_")
    return text


def xlsx_texts(values: pa.Array, *, report: bool = False) -> pa.Array:
    """``xlsx_text(value, report=report)`` over an Arrow ``large_string`` array without
    nulls: one pass over its bytes finds the few values the rule may change, and only they
    are cleaned one by one."""
    buffers = values.buffers()
    if buffers[2] is None or not len(values):
        return values
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[values.offset:values.offset + len(values) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    candidate = np.zeros(len(values), dtype=bool)
    found = np.flatnonzero((_SHOWN if report else _MAY_CHANGE)[data[offsets[0]:offsets[-1]]])
    if len(found):
        candidate[np.searchsorted(offsets, found + offsets[0], side="right") - 1] = True
    if report:
        filled = np.diff(offsets) > 0
        candidate[filled] |= _NEUTRALISED_FIRST[data[offsets[:-1][filled]]]
    positions = np.flatnonzero(candidate)
    if not len(positions):
        return values
    before = values.take(pa.array(positions)).to_pylist()
    after = [xlsx_text(value, report=report) for value in before]
    changed = [n for n, (old, new) in enumerate(zip(before, after)) if old != new]
    if not changed:
        return values
    mask = np.zeros(len(values), dtype=bool)
    mask[positions[changed]] = True
    return pc.replace_with_mask(values, pa.array(mask), pa.array([after[n] for n in changed], type=values.type))


def _shown(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"
