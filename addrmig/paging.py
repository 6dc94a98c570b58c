"""Tables shown a page at a time: the app never draws more than ``PAGE_SIZE`` rows at once."""
from __future__ import annotations

import math

import pandas as pd

PAGE_SIZE = 50


def page_count(rows: int, page_size: int = PAGE_SIZE) -> int:
    """How many pages ``rows`` fill; at least 1 so a pager always has a page."""
    return max(1, math.ceil(rows / page_size))


def page_of(frame: pd.DataFrame, page: int, page_size: int = PAGE_SIZE) -> pd.DataFrame:
    """Rows of ``frame`` for 1-based ``page`` (clamped to the pages that exist)."""
    page = min(max(int(page), 1), page_count(len(frame), page_size))
    start = (page - 1) * page_size
    return frame.iloc[start:start + page_size]
