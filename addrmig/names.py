"""A full-name column split into Akinon's first and last name.

Turkish names put the surname last and often carry two given names (``Ayşe Nur Yılmaz``):
the last word is the last name, all the words before it the first name. A name written
surname first with a comma (``YILMAZ, Ayşe Nur``) is read that way round. Letters are kept
as written (no case change); only the spaces between words are tidied.
"""
from __future__ import annotations

import pandas as pd


def split_full_names(values: pd.Series) -> pd.DataFrame:
    """``first_name`` and ``last_name`` of each full name, same index; a one-word name is
    all first name (``last_name`` ""), an empty one gives two empty values. Arrow's kernels,
    no Python loop over the names (but over the few written with a comma)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(values.astype("str").array) if len(values) else pa.array([], type=pa.large_string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    # Words joined by one space (any white space between them, the no-break kinds included).
    text = pc.fill_null(text.cast(pa.large_string()), "")
    space, nothing = pa.scalar(" ", pa.large_string()), pa.scalar("", pa.large_string())
    untidy = pc.match_substring_regex(text, r"\s\s|^\s|\s$|[^ \S]")
    if pc.any(untidy).as_py():
        tidy = pc.binary_join(pc.utf8_split_whitespace(text), space)
        text = pc.if_else(untidy, tidy, text)
    text = pc.utf8_trim(text, " ,;")
    # A one-word name gets a space at its end, so every name splits in two at its last space.
    spaced = pc.if_else(pc.match_substring(text, " "), text, pc.binary_join_element_wise(text, space, nothing))
    parts = pc.split_pattern(spaced, " ", max_splits=1, reverse=True)
    first, last = pc.list_element(parts, 0), pc.list_element(parts, 1)
    first = pd.Series(pd.array(first, dtype="str"), index=values.index)
    last = pd.Series(pd.array(last, dtype="str"), index=values.index)
    comma = pd.Series(pd.array(pc.match_substring(text, ","), dtype=bool), index=values.index)
    if comma.any():
        # "Yılmaz, Ayşe Nur": the surname before the comma.
        for row, name in zip(comma.index[comma], pd.Series(pd.array(text, dtype="str"))[comma.to_numpy()]):
            surname, _, given = name.partition(",")
            if surname.strip() and given.strip() and "," not in given:
                first[row], last[row] = given.strip(), surname.strip()
    return pd.DataFrame({"first_name": first, "last_name": last})
