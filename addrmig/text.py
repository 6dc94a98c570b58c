"""Turkish-aware text folding, for comparison only (never for output).

Python's ``str.lower`` maps ``I`` to ``i`` and ``İ`` to ``i̇`` (i + combining dot),
which is wrong for Turkish. ``tr_lower`` is the case-insensitive comparison key
Akinon's rule asks for; ``fold`` goes further (ASCII letters, no punctuation,
single spaces) for fuzzy keys such as column headers and place names.
"""
from __future__ import annotations

import re
import unicodedata

import pandas as pd

_TR_UPPER_TO_LOWER = str.maketrans({"İ": "i", "I": "ı"})
_TR_LOWER_TO_UPPER = str.maketrans({"i": "İ", "ı": "I"})
_TR_TO_ASCII = str.maketrans({
    "ı": "i", "ş": "s", "ğ": "g", "ö": "o", "ü": "u", "ç": "c",
    "â": "a", "î": "i", "û": "u", "ß": "ss",
})
_COMBINING = re.compile(r"[\u0300-\u036f]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
# The same patterns as plain strings: pandas hands a str pattern to pyarrow's vectorised
# regex kernel, while a compiled one makes it loop in Python over every value.
_COMBINING_PATTERN = "[\u0300-\u036f]"
_NON_WORD_PATTERN = _NON_WORD.pattern


def tr_lower(text: str) -> str:
    """Lower case the Turkish way: ``İ``→``i``, ``I``→``ı``; Unicode NFC first."""
    return unicodedata.normalize("NFC", text).translate(_TR_UPPER_TO_LOWER).lower()


def tr_upper(text: str) -> str:
    """Upper case the Turkish way: ``i``→``İ``, ``ı``→``I``."""
    return unicodedata.normalize("NFC", text).translate(_TR_LOWER_TO_UPPER).upper()


def fold(text: str) -> str:
    """Comparison key: Turkish-aware lower case, ASCII letters, words joined by one space.

    >>> fold("  İSTANBUL ") == fold("istanbul") == fold("Istanbul")
    True
    """
    text = tr_lower(text)
    text = unicodedata.normalize("NFKD", text)
    text = _COMBINING.sub("", text).translate(_TR_TO_ASCII)
    return _NON_WORD.sub(" ", text).strip()


def _normalize(values: pd.Series, form: str) -> pd.Series:
    """Unicode normal form of Arrow-backed text with pyarrow's kernel (pandas'
    ``str.normalize`` loops in Python); other text through pandas."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        normal = pc.utf8_normalize(pa.chunked_array(pa.array(values.array)), form=form)
        return pd.Series(pd.array(normal, dtype=dtype), index=values.index)
    return values.str.normalize(form)


def tr_lower_series(values: pd.Series) -> pd.Series:
    """``tr_lower`` over a Series of text, vectorised."""
    return (_normalize(values.astype("string"), "NFC")
            .str.replace("İ", "i", regex=False).str.replace("I", "ı", regex=False).str.lower())


def fold_series(values: pd.Series) -> pd.Series:
    """``fold`` over a Series of text, vectorised."""
    return fold_lowered_series(tr_lower_series(values))


def fold_lowered_series(lowered: pd.Series) -> pd.Series:
    """``fold_series`` for text that is already ``tr_lower``'s output (which it leaves as it
    is): the steps after the lower-casing."""
    lowered = _normalize(lowered, "NFKD")
    lowered = lowered.str.replace(_COMBINING_PATTERN, "", regex=True)
    # NFKD and dropping the combining marks already turned ş ğ ö ü ç into s g o u c; the
    # letters without a decomposition are left.
    for src, dst in (("ı", "i"), ("ß", "ss")):
        lowered = lowered.str.replace(src, dst, regex=False)
    return lowered.str.replace(_NON_WORD_PATTERN, " ", regex=True).str.strip()
