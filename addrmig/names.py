"""A full-name column split into Akinon's first and last name.

Turkish names put the surname last and often carry two given names (``Ayşe Nur Yılmaz``):
the last word is the last name, all the words before it the first name. A name written
surname first with a comma (``YILMAZ, Ayşe Nur``) is read that way round. Letters are kept
as written (no case change); only the spaces between words are tidied.
"""
from __future__ import annotations

import pandas as pd

# Any run of white space, the no-break kinds included.
_SPACES = r"[\s\u00a0\u2007\u202f]+"


def split_full_names(values: pd.Series) -> pd.DataFrame:
    """``first_name`` and ``last_name`` of each full name, same index; a one-word name is
    all first name (``last_name`` ""), an empty one gives two empty values. Vectorised."""
    text = values.astype("string").fillna("").str.replace(_SPACES, " ", regex=True).str.strip(" ,;")
    # "Yılmaz, Ayşe Nur": the surname before the comma.
    comma = text.str.extract(r"^(?P<last>[^,]+?)\s*,\s*(?P<first>[^,]+)$")
    plain = text.str.extract(r"^(?P<first>.*\S)\s+(?P<last>\S+)$")
    first = comma["first"].fillna(plain["first"]).fillna(text)
    last = comma["last"].fillna(plain["last"]).fillna("")
    return pd.DataFrame({"first_name": first.str.strip().astype("str"), "last_name": last.str.strip().astype("str")},
                        index=values.index)
