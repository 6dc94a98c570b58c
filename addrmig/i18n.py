"""Turkish and English: the language of what addrmig says, and numbers and dates as each writes them.

Messages are marked once in the code (``_("…")``, ``ngettext(…)``, ``N_("…")`` for text kept
in tables and translated where it is shown) and translated through gettext catalogs in
``addrmig/locale/<language>/LC_MESSAGES/addrmig.po`` (compiled ``.mo`` beside them), managed
with Babel (``pybabel extract/update/compile``; see ``babel.cfg``). English is the source
language. The current language is per context (a Streamlit session's run, a CLI process):
``set_language``. Numbers and dates are formatted by Babel for that language:
``1.234.567`` and ``1 Aralık 2026`` in Turkish, ``1,234,567`` and ``December 1, 2026`` in English.
"""
from __future__ import annotations

import gettext as _gettext
from collections.abc import Mapping
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("en", "tr")
DEFAULT = "en"
DOMAIN = "addrmig"
LOCALE_DIR = Path(__file__).parent / "locale"

_current: ContextVar[str] = ContextVar("addrmig_language", default=DEFAULT)


def normalise(language: str | None) -> str | None:
    """``tr``, ``tr_TR.UTF-8``, ``tr-TR`` → ``tr``; a language addrmig does not speak → None."""
    if not language:
        return None
    code = language.strip().replace("-", "_").split(".")[0].split("_")[0].lower()
    return code if code in LANGUAGES else None


def set_language(language: str | None) -> str:
    """Make ``language`` (or English, when it is not one addrmig speaks) the current one; returns it."""
    chosen = normalise(language) or DEFAULT
    _current.set(chosen)
    return chosen


def language() -> str:
    """The current language (``en`` or ``tr``)."""
    return _current.get()


def language_from_environment(environ: Mapping[str, str]) -> str:
    """The language a command line asks for: ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, ``LANGUAGE``, in
    gettext's order (the first that is set decides; English when it is not Turkish)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            for part in value.split(":"):
                found = normalise(part)
                if found:
                    return found
            return DEFAULT
    return DEFAULT


@cache
def _translations(language: str) -> _gettext.NullTranslations:
    if language == DEFAULT:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language."""
    return _translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The sentence for ``n`` things in the current language: each language's plural rule picks the
    form (English ``1 row`` / ``2 rows``; Turkish ``1 satır`` / ``2 satır``). Fill in the number with
    ``.format(n=number(n))``."""
    return _translations(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it: for text kept in module-level
    tables, translated with ``_()`` where it is shown."""
    return message


def babel_locale() -> str:
    """The current language as a Babel locale name."""
    return language()
