"""Which rows go out and which are set apart: the split the Export and Submit pages share.

Akinon refuses a row with an error or a place its location database does not know;
by default both go to a "fix later" file, and the counts behind the split are kept
so the pages can say what each file holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from addrmig.formatting import plural

if TYPE_CHECKING:
    from addrmig.locations.resolver import Resolution
    from addrmig.validation import Report


@dataclass
class ExportSplit:
    """The rows to export or send, and the rows set apart to fix later, with the counts behind them.

    ``unknown_place_rows`` is None when places were never matched (nothing known about them).
    """

    send: pd.DataFrame
    later: pd.DataFrame
    error_rows: int
    unknown_place_rows: int | None
    both_rows: int
    later_error_rows: int
    later_unknown_rows: int
    send_error_rows: int
    send_unknown_rows: int

    def describe_send(self) -> str:
        """What the main file holds, in a sentence for shop staff."""
        text = f"{plural(len(self.send), 'row')}"
        bad = []
        if self.send_error_rows:
            bad.append(f"{plural(self.send_error_rows, 'row')} with errors")
        if self.send_unknown_rows:
            bad.append(f"{plural(self.send_unknown_rows, 'row')} with a place the database does not know")
        if bad:
            return text + ", including " + " and ".join(bad) + " (Akinon will refuse those)"
        if self.unknown_place_rows is None:
            return text + " without errors (places not checked yet)"
        return text + " without errors, every place known"

    def describe_later(self) -> str:
        """What the fix-later file holds, in a sentence for shop staff."""
        if not len(self.later):
            return "nothing"
        parts = []
        if self.later_error_rows:
            parts.append(f"{plural(self.later_error_rows, 'row')} with errors")
        if self.later_unknown_rows:
            parts.append(f"{plural(self.later_unknown_rows, 'row')} with an unknown place")
        both = min(self.later_error_rows, self.later_unknown_rows, self.both_rows)
        text = f"{plural(len(self.later), 'row')}: " + " and ".join(parts)
        if both and len(parts) == 2:
            text += f" ({plural(both, 'row')} {'has' if both == 1 else 'have'} both)"
        return text


def row_masks(frame: pd.DataFrame, report: Report, resolution: Resolution | None) -> tuple[np.ndarray, np.ndarray]:
    """(has an error, place unknown) as boolean arrays over the frame's rows."""
    from addrmig.locations.resolver import RESOLVED

    failures = report.failures
    error_index = pd.Index(failures.loc[failures["severity"] == "error", "row"].unique())
    has_error = frame.index.isin(error_index)
    if resolution is None:
        return has_error, np.zeros(len(frame), dtype=bool)
    status = resolution.row_status
    # Compare the few distinct statuses, not a million strings.
    codes, uniques = pd.factorize(status, use_na_sentinel=False)
    known = np.isin(codes, [i for i, value in enumerate(uniques) if value in RESOLVED])
    known = pd.Series(known, index=status.index).reindex(frame.index, fill_value=False).to_numpy()
    return has_error, ~known


def split_rows(frame: pd.DataFrame, has_error: np.ndarray, unknown: np.ndarray, *, placed: bool,
               leave_out_errors: bool = True, leave_out_unknown_places: bool = True) -> ExportSplit:
    """Split ``frame`` by the masks of :func:`row_masks`; ``placed`` says whether places were matched.

    A row goes to "later" when it has an error (``leave_out_errors``) or its place is not in
    the location database (``leave_out_unknown_places``).
    """
    later = (has_error & leave_out_errors) | (unknown & leave_out_unknown_places)
    return ExportSplit(
        send=frame[~later], later=frame[later],
        error_rows=int(has_error.sum()), unknown_place_rows=int(unknown.sum()) if placed else None,
        both_rows=int((has_error & unknown).sum()),
        later_error_rows=int((has_error & later).sum()), later_unknown_rows=int((unknown & later).sum()),
        send_error_rows=int((has_error & ~later).sum()), send_unknown_rows=int((unknown & ~later).sum()))
