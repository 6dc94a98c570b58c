"""One reversible change of the working frame, and the cell-by-cell changes between two frames."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class Edit:
    """One reversible change of the working frame: what, and cell by cell before/after;
    ``by_hand`` when the user typed the values into the grid (not a bulk fix)."""

    label: str
    changes: pd.DataFrame  # columns row, column, before, after
    by_hand: bool = False


def cell_changes(old: pd.DataFrame, new: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Cell-by-cell changes between two frames with the same index, as row/column/before/after."""
    parts = []
    for column in columns:
        before = old[column]
        after = new[column].reindex(old.index).fillna(before)
        changed = before != after
        if changed.any():
            parts.append(pd.DataFrame({"row": old.index[changed], "column": column,
                                       "before": before[changed].to_numpy(), "after": after[changed].to_numpy()}))
    if not parts:
        return pd.DataFrame(columns=["row", "column", "before", "after"])
    return pd.concat(parts, ignore_index=True)
