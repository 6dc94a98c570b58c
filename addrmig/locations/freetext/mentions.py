"""The mentions of one text (:mod:`.reading`), sorted by kind for :mod:`.deciding`."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Mentions:
    """A text's mentions sorted by kind."""

    cities: list[tuple[int, str, str, str]]          # (city id, key, words, longer district name)
    townships: list[tuple[list[int], str, str, str]]  # (township ids, key, words, longer district name)
    weak: list[tuple[str, str, str, str]]            # (key, words, the district name it may begin, its kind)
    frees: list[tuple[str, str]]                     # (key, words): districts' names standing free
    districts: list[tuple[tuple[str, ...], str, str, str]]  # (keys, kind, whole, words)
    plates: list[tuple[str, str]]                    # (plate, code)
    words: list[str]                                 # free words, perhaps mistyped names



def replaced(found: Mentions, **changes) -> Mentions:
    """``found`` with some kinds of mentions replaced."""
    values = dict(found.__dict__)
    values.update(changes)
    return Mentions(**values)
