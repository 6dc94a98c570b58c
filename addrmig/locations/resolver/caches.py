"""What one part's level steps remember per written text, and when they forget it."""
from __future__ import annotations

import pandas as pd

from addrmig.locations.resolver.ranking import Ranked, Verdict


class Caches:
    """Per-text results the level steps ask for again and again (the fit checks, the
    swapped-columns step and the place suggestions ask what an earlier step ranked).

    On a million messy rows they hold several hundred MB of small objects, so they are
    dropped as soon as no later step needs them: :meth:`forget_names` after the name
    levels (the districts do not look names up again), :meth:`forget_levels` after the
    districts (the place suggestions ask again only for the unresolved tuples, a few
    percent of them, and recompute those). ``ids_by_name`` and ``completions`` serve
    the place suggestions alone and live as long as the part.
    """

    def __init__(self) -> None:
        # The name levels'.
        self.candidates: dict[tuple[str, int, str], Ranked] = {}  # (level, parent, written) -> ranked
        self.name_keys: dict[str, str] = {}  # written -> name_key
        self.district_key_sets: dict[str, set[str]] = {}  # written district -> its non-empty keys
        # The districts'.
        self.district_keys: dict[str, dict[str, str]] = {}  # written district -> its keys by kind
        self.district_key_table: pd.DataFrame | None = None  # keys of every written district text
        self.district_ranked: dict[tuple[int, str], tuple[Ranked, dict]] = {}  # (tid, written) -> (ranked, keys)
        self.district_verdicts: dict[tuple[int, str], Verdict] = {}  # (tid, written) -> verdict
        # The place suggestions'.
        self.ids_by_name: dict[tuple[str, int], dict[str, int]] = {}  # (level, parent) -> name -> id
        self.completions: dict[tuple[str, int, str, str], list[str] | None] = {}

    def forget_names(self) -> None:
        """Drop what only the name levels ask for."""
        self.candidates, self.name_keys, self.district_key_sets = {}, {}, {}

    def forget_levels(self) -> None:
        """Drop what only the level steps ask for (the name levels' and the districts')."""
        self.forget_names()
        self.district_keys, self.district_key_table = {}, None
        self.district_ranked, self.district_verdicts = {}, {}
