"""A typo or a different name? What a fuzzy district match must pass before it is taken.

A score says how many letters two names share, not whether they are the same word:
``Küçükbağlar``/``Büyükbağlar``, ``Yeniköy``/``Yeşilköy`` or ``Konak``/``Salkonak`` are
a letter or a word apart and are different villages. A fuzzy candidate is taken only
when the written name reads as a typo of it:

- the kind word agrees (a village written ``X Köyü`` is not a neighbourhood ``Y Mah``,
  least of all one of another village);
- the written name is not itself a real place name (a name core of some district or
  village anywhere in the database): real lists write real names, a typo rarely makes one;
- the first letter agrees (or the first two are swapped): people seldom mistype it, and
  neighbouring villages often differ there alone (Boztepe/Göztepe, Bölme/Köme);
- the names do not start with different prefix words (Küçük/Büyük, Aşağı/Yukarı/Orta,
  Yeni/Eski, Kara/Ak/Sarı/…: how Turkish villages tell neighbours apart);
- they are one typo apart (two for long names), counted in letters on the names without
  their kind words (transposed letters count once): a dropped or added word is more.
"""
from __future__ import annotations

import re

from rapidfuzz.distance import OSA

from addrmig.locations.resolver.lookup import Lookup

#: Words Turkish place names start with to tell neighbouring places apart (folded).
#: Two names that start with different ones are different places.
PREFIX_WORDS = ("kucuk", "buyuk", "asagi", "yukari", "orta", "yeni", "eski", "kara", "ak", "sari", "kizil",
                "yesil", "gok", "boz", "alt", "ust", "ic", "dis", "ulu", "koca", "kuzey", "guney", "dogu", "bati")
#: A prefix word counts only before a name of at least this many letters ("Akın" is no "Ak" + "ın").
_REST_MIN = 3


_PREFIX = re.compile("^(?:" + "|".join(sorted(PREFIX_WORDS, key=len, reverse=True)) + ")")


def prefix_word(base: str) -> str:
    """The prefix word ``base`` (a folded name without spaces) starts with, or ``""``."""
    found = _PREFIX.match(base)
    if found is None or len(base) - found.end() < _REST_MIN:
        return ""
    return found.group()


def typos_allowed(length: int) -> int:
    """How many typos a name of ``length`` letters may carry and still be read as itself."""
    return 1 if length <= 7 else 2


def reads_as_typo(written: dict[str, str], did: int, look: Lookup) -> bool:
    """Whether the written district name (its keys, see :func:`district_keys`) reads as a
    typo of district ``did`` rather than as another name (see the module docstring)."""
    short, kind = look.short[did], look.kind[did]
    base = short[:len(short) - len(kind)]  # short is the base and the kind word
    w_base, w_kind = written["base"], written["kind"]
    if w_kind and kind and w_kind != kind:
        return False
    if w_base != base and w_base in look.name_cores:
        return False
    if w_base[:1] != base[:1] and w_base[:2] != base[1::-1]:
        return False
    w_prefix, prefix = prefix_word(w_base), prefix_word(base)
    if w_prefix and prefix and w_prefix != prefix:
        return False
    distance = min(OSA.distance(w_base, base), OSA.distance(written["short"], short), OSA.distance(w_base, short))
    return distance <= typos_allowed(max(len(w_base), len(base)))
