"""Postcodes as written: Türkiye's are five digits, the first two the province's number."""
from __future__ import annotations

import pandas as pd


def normalised_postcodes(values: pd.Series) -> pd.Series:
    """Each value as a five-digit postcode, ``""`` where it is not one: spaces and a
    spreadsheet's ``.0`` dropped, a leading zero a number format ate put back
    (``1720`` -> ``01720``). Returns a Series of ``str`` with the same index."""
    text = values.astype("string").fillna("").str.strip().str.replace(r"\.0+$", "", regex=True)
    text = text.str.replace(r"[\s-]", "", regex=True)
    text = text.where(~text.str.fullmatch(r"\d{4}"), "0" + text)
    return text.where(text.str.fullmatch(r"\d{5}"), "").astype(str)
