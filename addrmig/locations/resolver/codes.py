"""Written places as integer codes: per level, one code per row, equal texts one code."""
from __future__ import annotations

import numpy as np
import pandas as pd

from addrmig.codes import combined
from addrmig.fields import LOCATION_LEVELS as LEVELS


def written_codes(column: pd.Series | None, n: int) -> tuple[np.ndarray, list[str]]:
    """(code per row, distinct texts): missing values are ``""``, equal texts one code."""
    if column is None:
        return np.zeros(n, dtype=np.int32), [""]
    codes, uniques = pd.factorize(column)
    values = [str(u) for u in uniques.tolist()] + [""]
    codes = np.where(codes < 0, len(values) - 1, codes)
    seen: dict[str, int] = {}
    remap = np.fromiter((seen.setdefault(v, len(seen)) for v in values), dtype=np.int32, count=len(values))
    return remap[codes], list(seen)


class WrittenCodes:
    """The written places as codes, one array per level: ``raw_codes`` (equal texts as
    written share a code; ``raw_texts`` the distinct texts) and ``codes`` (equal texts
    without their surrounding spaces share a code; ``texts`` the distinct texts,
    ``empty`` the code of ``""`` or -1). Matching reads the stripped texts; the tuples
    and the changes keep the texts as written."""

    def __init__(self, raw_codes: dict[str, np.ndarray], raw_texts: dict[str, list[str]],
                 codes: dict[str, np.ndarray], texts: dict[str, list[str]], empty: dict[str, int],
                 postcode: tuple[np.ndarray, list[str]] | None = None) -> None:
        self.raw_codes, self.raw_texts = raw_codes, raw_texts
        self.codes, self.texts, self.empty = codes, texts, empty
        self.postcode = postcode  # (code per row, distinct postcodes) when the file gives them

    @property
    def unit_columns(self) -> list[np.ndarray]:
        """The columns a written tuple is made of: the levels as written, and the postcode."""
        return [self.raw_codes[level] for level in LEVELS] + ([self.postcode[0]] if self.postcode else [])

    @classmethod
    def of(cls, frame: pd.DataFrame) -> WrittenCodes:
        """The codes of ``frame``'s location columns (a missing column is all ``""``) and of its
        ``postcode`` column (normalised, see :func:`normalised_postcodes`) when it has one."""
        n = len(frame)
        raw_codes, raw_texts, codes, texts, empty = {}, {}, {}, {}, {}
        for level in LEVELS:
            level_codes, values = written_codes(frame[level] if level in frame.columns else None, n)
            raw_codes[level], raw_texts[level] = level_codes, values
            # Compare on the text without surrounding spaces; equal stripped texts share a code.
            seen: dict[str, int] = {}
            remap = np.fromiter((seen.setdefault(v.strip(), len(seen)) for v in values), dtype=np.int32,
                                count=len(values))
            codes[level], texts[level] = remap[level_codes], list(seen)
            empty[level] = seen.get("", -1)
        postcode = written_codes(frame["postcode"], n) if "postcode" in frame.columns else None
        return cls(raw_codes, raw_texts, codes, texts, empty, postcode)

    def take(self, positions: np.ndarray) -> WrittenCodes:
        """The codes of the rows at ``positions`` (the lists of texts are shared)."""
        return WrittenCodes({level: c[positions] for level, c in self.raw_codes.items()}, self.raw_texts,
                            {level: c[positions] for level, c in self.codes.items()}, self.texts, self.empty,
                            (self.postcode[0][positions], self.postcode[1]) if self.postcode else None)


def units(rows: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct combinations of ``columns`` over ``rows``: (unit code per row, first row
    of each unit), units in order of first appearance. The columns' codes are packed into
    one integer per row (:func:`addrmig.codes.combined`) and factorized once, and each
    unit's first row is where the codes' running maximum grows (no sort)."""
    code = pd.factorize(combined([col[rows].astype(np.int64) + 1 for col in columns]))[0].astype(np.int64)
    if len(code) == 0:
        return code, rows[:0]
    # Factorized codes appear in increasing order: a unit starts where the running maximum grows.
    seen = np.maximum.accumulate(code)
    first = np.empty(len(code), dtype=bool)
    first[0] = True
    np.greater(seen[1:], seen[:-1], out=first[1:])
    return code, rows[first]
