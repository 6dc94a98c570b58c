"""Lines of :attr:`Resolution.tuples`, built on demand from the per-tuple decisions."""
from __future__ import annotations

import numpy as np
import pandas as pd

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.locations.resolver.decisions import Decisions
from addrmig.locations.resolver.lookup import Lookup
from addrmig.locations.resolver.statuses import STATUSES


class WrittenTexts:
    """Each tuple's texts as written, kept as the parts returned them (lists per level),
    looked up by tuple position when a table line is built."""

    def __init__(self, parts: list[tuple[np.ndarray, dict[str, list[str]]]], count: int) -> None:
        self.parts = [texts for _, texts in parts]
        self.part_of = np.zeros(count, dtype=np.int32)
        self.local = np.zeros(count, dtype=np.int64)
        for k, (positions, _) in enumerate(parts):
            self.part_of[positions] = k
            self.local[positions] = np.arange(len(positions))

    @property
    def has_postcodes(self) -> bool:
        """Whether the tuples carry the postcode the file gives (see :func:`resolve`)."""
        return bool(self.parts) and "postcode" in self.parts[0]

    def values(self, level: str, positions: np.ndarray) -> list[str]:
        """The written texts of ``level`` for the tuples at ``positions``."""
        parts = self.parts
        return [parts[p][level][i] for p, i in zip(self.part_of[positions].tolist(), self.local[positions].tolist())]


class TupleTable:
    """Builds lines of :attr:`Resolution.tuples` on demand from the per-tuple decisions."""

    def __init__(self, decided: Decisions, written: WrittenTexts, row_tuple: np.ndarray, index: pd.Index,
                 look: Lookup) -> None:
        self.decided, self.written, self.row_tuple, self.index, self.look = decided, written, row_tuple, index, look
        self.count = len(decided.status)
        self.unresolved: pd.DataFrame | None = None  # the lines of the unresolved tuples, when built

    def unresolved_positions(self) -> np.ndarray:
        """The positions of the tuples that are not resolved."""
        return np.flatnonzero(self.decided.status > STATUSES.index("fuzzy"))

    def build(self, positions: np.ndarray) -> pd.DataFrame:
        """The tuple lines at ``positions`` (index = tuple position)."""
        decided, look = self.decided, self.look
        out = pd.DataFrame(index=pd.RangeIndex(self.count)[positions] if len(positions) == self.count
                           else pd.Index(positions))
        for level in LEVELS:
            out[level] = pd.Series(self.written.values(level, positions), index=out.index, dtype=str)
        if self.written.has_postcodes:
            out["postcode"] = pd.Series(self.written.values("postcode", positions), index=out.index, dtype=str)
        for level in LEVELS:
            names = look.names[level]
            out["place_" + level] = [names[p] if p >= 0 else "" for p in decided.place[level][positions].tolist()]
        status = decided.status[positions]
        out["status"] = np.array(STATUSES, dtype=object)[status]
        out["score"] = decided.scores[positions]
        level_names = np.array(list(LEVELS) + [""], dtype=object)
        out["level"] = level_names[decided.bad_level[positions]]  # -1 -> ""
        notes = decided.notes
        out["note"] = [notes[k] if k >= 0 else "" for k in decided.note[positions].tolist()]
        # No suggestion is the empty tuple: a million-row file has a few hundred thousand such cells,
        # and an empty list each would be as many objects for every garbage collection to walk.
        lists = decided.suggestion_lists
        for level in LEVELS:
            out["suggestions_" + level] = pd.Series(
                [lists[k] if k >= 0 else () for k in decided.suggestion[level][positions].tolist()], index=out.index,
                dtype=object)
        places = decided.places
        out["suggestions"] = pd.Series([places.get(p, ()) for p in positions.tolist()], index=out.index,
                                       dtype=object)
        rows = np.bincount(self.row_tuple, minlength=self.count)
        out["rows"] = rows[positions]
        out["examples"] = pd.Series(self._examples(positions), index=out.index, dtype=object)
        return out

    def _examples(self, positions: np.ndarray) -> list[tuple]:
        """Up to three row numbers per tuple, in row order. Tuples, not lists: a tuple of
        numbers drops out of the garbage collector's sight after its first pass, and a big
        file has tens of thousands of these, kept as long as the session."""
        wanted = np.zeros(self.count, dtype=bool)
        wanted[positions] = True
        rows = np.flatnonzero(wanted[self.row_tuple])
        if not len(rows):
            return []
        rows = rows[np.argsort(self.row_tuple[rows], kind="stable")]
        tuple_of = self.row_tuple[rows]
        starts = np.flatnonzero(np.r_[True, tuple_of[1:] != tuple_of[:-1]])
        ends = np.r_[starts[1:], len(rows)]
        index_values = self.index.to_numpy()
        found = {int(t): tuple(index_values[rows[s:min(s + 3, e)]].tolist())
                 for t, s, e in zip(tuple_of[starts].tolist(), starts.tolist(), ends.tolist())}
        return [found[p] for p in positions.tolist()]
