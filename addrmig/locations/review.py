"""The review list: each unresolved or ambiguous group of rows once, for a person."""
from __future__ import annotations

import io

import pandas as pd

from addrmig.locations.db import LEVELS
from addrmig.locations.resolver import Resolution

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def review_table(resolution: Resolution) -> pd.DataFrame:
    """One row per written tuple that is not resolved, most rows first: the written
    values, ``rows``, ``example_rows``, ``status``, ``level`` (first unresolved level),
    ``note``, and ``suggestion_1..3`` (``city / township / district``) with ``score_1..3``."""
    todo = resolution.unresolved()
    out = todo[list(LEVELS)].copy()
    out["rows"] = todo["rows"].astype(int)
    out["example_rows"] = [", ".join(map(str, rows)) for rows in todo["examples"]]
    out["status"] = todo["status"]
    out["level"] = todo["level"]
    out["note"] = todo["note"]
    for k in range(3):
        names, scores = [], []
        for places, level, row in zip(todo["suggestions"], todo["level"], todo.itertuples()):
            if places:
                item = places[k] if k < len(places) else None
                names.append(" / ".join(p for p in item[0][1:] if p) if item else "")
                scores.append(item[1] if item else "")
            else:  # no whole place: the names for the failing level
                level_list = getattr(row, f"suggestions_{level}", []) if level else []
                item = level_list[k] if k < len(level_list) else None
                names.append(item[0] if item else "")
                scores.append(item[1] if item else "")
        out[f"suggestion_{k + 1}"] = names
        out[f"score_{k + 1}"] = scores
    return out.reset_index(drop=True)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading ``'``."""
    out = frame.astype(str)
    for col in out.columns:
        risky = out[col].str.startswith(_FORMULA_STARTS)
        out[col] = out[col].where(~risky, "'" + out[col])
    return out


def write_review(table: pd.DataFrame, fmt: str) -> bytes:
    """The review table as ``csv`` (UTF-8 with BOM, for Excel) or ``xlsx`` bytes, formulas neutralised."""
    safe = neutralise_frame(table)
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        book = Workbook(write_only=True)
        sheet = book.create_sheet("review")
        sheet.append(list(safe.columns))
        for values in safe.itertuples(index=False):
            cells = []
            for value in values:
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            sheet.append(cells)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    return safe.to_csv(index=False).encode("utf-8-sig")
