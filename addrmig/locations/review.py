"""The review list: each unresolved or ambiguous group of rows once, for a person."""
from __future__ import annotations

import io

import pandas as pd

from addrmig.io.sanitise import neutralise, xlsx_text
from addrmig.locations.db import LEVELS
from addrmig.locations.resolver import Resolution

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
    names = [[], [], []]
    scores = [[], [], []]
    by_level = {level: todo[f"suggestions_{level}"].tolist() for level in LEVELS}
    for n, (places, level) in enumerate(zip(todo["suggestions"].tolist(), todo["level"].tolist())):
        # Whole places when there are some, else the names for the failing level.
        items = places if places else (by_level[level][n] if level in by_level else [])
        for k in range(3):
            item = items[k] if k < len(items) else None
            if item is None:
                names[k].append("")
                scores[k].append("")
            elif places:
                names[k].append(" / ".join(p for p in item[0][1:] if p))
                scores[k].append(item[1])
            else:
                names[k].append(item[0])
                scores[k].append(item[1])
    for k in range(3):
        out[f"suggestion_{k + 1}"] = names[k]
        out[f"score_{k + 1}"] = scores[k]
    return out.reset_index(drop=True)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading ``'``."""
    return frame.astype(str).apply(neutralise)


def write_review(table: pd.DataFrame, fmt: str) -> bytes:
    """The review table as ``csv`` (UTF-8 with BOM, for Excel) or ``xlsx`` bytes, formulas neutralised
    (and, in XLSX, control characters shown as ``\\xNN``: ``xlsx_text(value, report=True)``)."""
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
                cell = WriteOnlyCell(sheet, value=xlsx_text(value, report=True))
                cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            sheet.append(cells)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    return safe.to_csv(index=False).encode("utf-8-sig")
