"""What the level steps know about each distinct written tuple of a part, by name."""
from __future__ import annotations

import numpy as np

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.locations.db import LocationDB
from addrmig.locations.resolver.caches import Caches
from addrmig.locations.resolver.candidates import DistrictRanking, NameRanking
from addrmig.locations.resolver.codes import WrittenCodes
from addrmig.locations.resolver.lookup import Lookup
from addrmig.locations.resolver.statuses import METHOD

#: One level's decision for a unit of tuples: ``(id or -1, method name, score,
#: suggestions as (name, score) or None)``, optionally with a note (or None) as a fifth item.
Outcome = (tuple[int, str, float, list[tuple[str, float]] | None]
           | tuple[int, str, float, list[tuple[str, float]] | None, str | None])


class Work:
    """One part's distinct written tuples (one position each) and, per level, what has
    been decided for them so far: ``ids`` (database id, -1 none), ``method`` (a code of
    :data:`METHODS`), ``score`` and ``suggestion`` (index into ``suggestion_lists``, -1
    none); per tuple a ``note`` (index into ``notes``, -1 none). The steps work on
    distinct units of these positions and scatter their outcomes with :meth:`record`.
    """

    def __init__(self, written: WrittenCodes, db: LocationDB, look: Lookup,
                 corrections: dict[tuple[str, int, str], str]) -> None:
        self.db, self.look, self.index, self.corrections = db, look, db.index, corrections
        self.levels = db.levels
        count = self.count = len(written.codes[LEVELS[0]])
        # Matching reads the written texts without surrounding spaces (see WrittenCodes).
        self.codes, self.texts, self.empty = written.codes, written.texts, written.empty
        self.postcode = written.postcode  # (code per tuple, distinct postcodes), or None
        # Narrow types: a million rows × four levels of each array.
        self.ids = {level: np.full(count, -1, dtype=np.int32) for level in LEVELS}
        self.method = {level: np.full(count, METHOD[""] if level in self.levels else METHOD["skip"], dtype=np.int8)
                       for level in LEVELS}
        self.score = {level: np.full(count, 100.0, dtype=np.float32) for level in LEVELS}  # scores are float32
        self.suggestion = {level: np.full(count, -1, dtype=np.int32) for level in LEVELS}
        self.suggestion_lists: list[list] = []
        self.note = np.full(count, -1, dtype=np.int32)
        self.notes: list[str] = []
        self.caches = Caches()
        self.name_ranking = NameRanking(look, self.caches)
        self.district_ranking = DistrictRanking(look, self.caches, written.texts["district"])

    def written(self, level: str, positions: np.ndarray) -> list[str]:
        """The written texts (without surrounding spaces) of ``level`` at ``positions``."""
        values = self.texts[level]
        return [values[c] for c in self.codes[level][positions].tolist()]

    def record(self, level: str, positions: np.ndarray, unit: np.ndarray, outcomes: list[Outcome]) -> None:
        """Scatter per-unit outcomes ``(id, method, score, suggestions or None, note or None)``
        to the positions (``unit`` is each position's unit)."""
        if not len(positions):
            return
        ids = np.array([r[0] for r in outcomes], dtype=np.int64)
        methods = np.array([METHOD[r[1]] for r in outcomes], dtype=np.int8)
        scores = np.array([r[2] for r in outcomes], dtype=np.float64)
        suggestion = np.full(len(outcomes), -1, dtype=np.int32)
        note = np.full(len(outcomes), -1, dtype=np.int32)
        for k, r in enumerate(outcomes):
            if r[3] is not None:
                suggestion[k] = len(self.suggestion_lists)
                self.suggestion_lists.append(r[3])
            if len(r) > 4 and r[4] is not None:
                note[k] = len(self.notes)
                self.notes.append(r[4])
        self.ids[level][positions] = ids[unit]
        self.method[level][positions] = methods[unit]
        self.score[level][positions] = scores[unit]
        self.suggestion[level][positions] = suggestion[unit]
        if (note >= 0).any():
            picked = note[unit]
            keep = picked >= 0
            self.note[positions[keep]] = picked[keep]
