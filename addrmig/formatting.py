"""Numbers as people read them in their language: ``12,480`` / ``12.480``, ``98.6%`` / ``%98,6``,
``1 row`` / ``12,480 rows``.

The one formatter the pages, the CLI summaries and the reports use, so a count reads the
same everywhere; the language is ``addrmig.i18n``'s current one (Babel's number patterns).
"""
from __future__ import annotations

from babel import Locale
from babel.numbers import format_decimal, format_percent

from addrmig.i18n import babel_locale


def number(n: int | float) -> str:
    """``n`` with the language's thousands separators; a float that is not whole keeps one decimal."""
    if isinstance(n, float) and not n.is_integer():
        return format_decimal(n, format="#,##0.0", locale=babel_locale())
    return format_decimal(int(n), format="#,##0", locale=babel_locale())


def in_language(text: str) -> str:
    """A number Python formatted the English way (``f"{x:,.4g}"``: ``1,234.5``) with the current
    language's separators (``1.234,5`` in Turkish)."""
    symbols = Locale.parse(babel_locale()).number_symbols["latn"]
    return text.translate(str.maketrans({",": symbols["group"], ".": symbols["decimal"]}))


def percent(share: float, decimals: int = 1) -> str:
    """A share (0..1) as the language writes a percentage: ``98.6%`` in English, ``%98,6`` in Turkish."""
    locale = Locale.parse(babel_locale())
    pattern = locale.percent_formats[None].pattern  # "#,##0%" in English, "%#,##0" in Turkish
    if decimals:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * decimals, 1)
    return format_percent(share, format=pattern, locale=locale)


def plural(n: int | float, word: str, many: str | None = None) -> str:
    """``n`` and the noun in the right number: "1 row", "12,480 rows".

    ``many`` is the plural when it is not ``word + "s"`` (``plural(2, "entry", "entries")``).
    English only: a translated sentence counts with ``i18n.ngettext`` and a whole sentence per
    form (``ngettext("{n} row", "{n} rows", n).format(n=number(n))``), since languages differ in
    where a count changes the noun (Turkish: "1 satır", "3 satır").
    """
    return f"{number(n)} {word if n == 1 else (many or word + 's')}"
