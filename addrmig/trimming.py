"""The safe automatic fix: stray spaces around values removed, every change listed and reversible."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.compute as pc

from addrmig import schema
from addrmig.fields import COLUMNS
from addrmig.parallel import by_column


def trim(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove leading and trailing whitespace (``schema.WHITESPACE``) from every value.

    Returns ``(new_frame, changes)``: the frame is a copy with the same index; changes
    has one row per changed value with columns ``row, column, before, after``, so a
    UI can show the fix and ``undo_changes`` can revert it.
    """
    new = frame.copy(deep=False)  # changed columns are replaced whole, the others shared
    columns = [column for column in frame.columns if column in COLUMNS]
    # Two columns at a time on a big frame: most of the work is Arrow's and numpy's.
    trimmed = by_column(_trim_column, [frame[column] for column in columns], len(frame))
    pieces = []
    for column, found in zip(columns, trimmed):
        if found is not None:
            new[column], piece = found
            pieces.append(piece)
    changes = (pd.concat(pieces, ignore_index=True) if pieces else
               pd.DataFrame({"row": [], "column": [], "before": [], "after": []}))
    return new, changes.astype({"column": "str", "before": "str", "after": "str"})


def _trim_column(series: pd.Series) -> tuple[pd.Series, pd.DataFrame] | None:
    """(the trimmed column, its changes as ``trim`` lists them), or ``None`` when no value changes."""
    column = series.name
    arr = schema.as_arrow(series)
    mask = schema.outer_whitespace(arr)
    positions = np.flatnonzero(mask)
    if not len(positions):
        return None
    before = schema.take(arr, positions)
    after = pc.utf8_trim(before, schema.WHITESPACE)
    after_values = np.asarray(after.to_numpy(zero_copy_only=False), dtype=object)
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and not series.hasnans:
        # Arrow-backed text: the trimmed values put in place by Arrow, no Python string per row.
        replaced = pc.replace_with_mask(arr.combine_chunks(), pa_arrow.array(mask), after.combine_chunks())
        trimmed = pd.Series(pd.array(replaced, dtype=dtype), index=series.index, name=column)
    else:
        trimmed = series.copy()
        trimmed.iloc[positions] = after_values
    return trimmed, pd.DataFrame({
        "row": series.index.to_numpy()[positions], "column": column,
        "before": np.asarray(before.to_numpy(zero_copy_only=False), dtype=object),
        "after": after_values})


def undo_changes(frame: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """The frame with ``changes`` (as ``trim`` lists them) reverted: each listed cell
    gets its ``before`` value back. Returns a copy."""
    new = frame.copy()
    for column, part in changes.groupby("column", sort=False):
        col = new[column].copy()
        col.loc[part["row"].to_numpy()] = part["before"].to_numpy(dtype=object)
        new[column] = col
    return new
