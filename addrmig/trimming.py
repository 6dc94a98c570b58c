"""The safe automatic fix: stray spaces around values removed, every change listed and reversible."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.compute as pc

from addrmig import schema
from addrmig.fields import COLUMNS


def trim(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove leading and trailing whitespace (``schema.WHITESPACE``) from every value.

    Returns ``(new_frame, changes)``: the frame is a copy with the same index; changes
    has one row per changed value with columns ``row, column, before, after``, so a
    UI can show the fix and ``undo_changes`` can revert it.
    """
    new = frame.copy(deep=False)  # changed columns are replaced whole, the others shared
    pieces = []
    for column in frame.columns:
        if column not in COLUMNS:
            continue
        arr = schema.as_arrow(frame[column])
        mask = schema.outer_whitespace(arr)
        positions = np.flatnonzero(mask)
        if not len(positions):
            continue
        before = schema.take(arr, positions)
        after = pc.utf8_trim(before, schema.WHITESPACE)
        after_values = np.asarray(after.to_numpy(zero_copy_only=False), dtype=object)
        dtype = frame[column].dtype
        if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and not frame[column].hasnans:
            # Arrow-backed text: the trimmed values put in place by Arrow, no Python string per row.
            replaced = pc.replace_with_mask(arr.combine_chunks(), pa_arrow.array(mask), after.combine_chunks())
            new[column] = pd.Series(pd.array(replaced, dtype=dtype), index=frame.index, name=column)
        else:
            col = new[column].copy()
            col.iloc[positions] = after_values
            new[column] = col
        pieces.append(pd.DataFrame({
            "row": frame.index.to_numpy()[positions], "column": column,
            "before": np.asarray(before.to_numpy(zero_copy_only=False), dtype=object),
            "after": after_values}))
    changes = (pd.concat(pieces, ignore_index=True) if pieces else
               pd.DataFrame({"row": [], "column": [], "before": [], "after": []}))
    return new, changes.astype({"column": "str", "before": "str", "after": "str"})


def undo_changes(frame: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """The frame with ``changes`` (as ``trim`` lists them) reverted: each listed cell
    gets its ``before`` value back. Returns a copy."""
    new = frame.copy()
    for column, part in changes.groupby("column", sort=False):
        col = new[column].copy()
        col.loc[part["row"].to_numpy()] = part["before"].to_numpy(dtype=object)
        new[column] = col
    return new
