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

import pandas as pd

#: A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@")
#: The starts ``neutralise`` makes inert: the formula prefixes, plus tab and carriage
#: return (OWASP's list), behind which a program that trims the value finds a formula.
NEUTRALISED_STARTS: tuple[str, ...] = FORMULA_PREFIXES + ("\t", "\r")

#: C0 control characters other than tab, line feed and carriage return: XML 1.0 cannot
#: hold them (openpyxl refuses to write them). Written so that Python's re and RE2 (Arrow)
#: read it the same way.
_XML_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_XML_CONTROL_RE = re.compile(_XML_CONTROL)
#: The same plus U+FFFE and U+FFFF, which are not characters at all.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XSTRING_LITERAL = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def neutralise(values: pd.Series) -> pd.Series:
    """The values as text, with a leading apostrophe where one would start a formula."""
    text = values.astype("str")
    risky = text.str.startswith(NEUTRALISED_STARTS).fillna(False).to_numpy(dtype=bool)
    if not risky.any():
        return text
    return text.where(~risky, "'" + text)


def xlsx_text(text: str, *, report: bool = False) -> str:
    """``text`` as an XLSX cell must hold it.

    Default, for the corrected file, which must read back (in Excel and calamine) as the
    very same string: characters XML cannot hold are dropped; "\\r" and a value of only
    white space, which XML parsers would turn into "\\n" and trim, use the spreadsheet's
    own escape (_x000D_, ECMA-376 ST_Xstring), and a literal "_x0041_" in the data gets
    its underscore escaped so that it is not decoded.

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
    if text and not text.strip():
        text = "".join(f"_x{ord(c):04X}_" for c in text)
    return text


def xlsx_report_texts(values: pd.Series) -> pd.Series:
    """``xlsx_text(value, report=True)`` over a column of values: vectorised, with only the
    rare values holding control characters cleaned one by one."""
    text = values.astype("str")
    illegal = text.str.contains(_XML_CONTROL, regex=True).fillna(False).to_numpy(dtype=bool)
    if illegal.any():
        text = text.copy()
        text[illegal] = [xlsx_text(v, report=True) for v in text[illegal]]
    return neutralise(text)


def _shown(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"
