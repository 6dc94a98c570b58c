"""Numbers as people read them: ``12,480``, ``98.6 %``, ``1 row`` / ``12,480 rows``.

The one formatter the pages, the CLI summaries and the reports use, so a count reads
the same everywhere.
"""
from __future__ import annotations


def number(n: int | float) -> str:
    """``n`` with thousands separators; a float that is not whole keeps one decimal."""
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.1f}"
    return f"{int(n):,}"


def percent(share: float, decimals: int = 1) -> str:
    """A share (0..1) as a percentage with a space before the sign: ``98.6 %``."""
    return f"{share * 100:,.{decimals}f} %"


def plural(n: int | float, word: str, many: str | None = None) -> str:
    """``n`` and the noun in the right number: "1 row", "12,480 rows".

    ``many`` is the plural when it is not ``word + "s"`` (``plural(2, "entry", "entries")``).
    """
    return f"{number(n)} {word if n == 1 else (many or word + 's')}"
