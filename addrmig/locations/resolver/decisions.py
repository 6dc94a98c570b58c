"""Each distinct written tuple's outcome, from what the level steps decided."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.locations.resolver.places import Place, place_suggestions
from addrmig.locations.resolver.state import Work
from addrmig.locations.resolver.statuses import METHOD, RESOLVED_METHODS, STATUSES


@dataclass
class Decisions:
    """The outcome of each distinct written tuple: ``status`` (index into STATUSES),
    ``scores``, ``bad_level`` (index into LEVELS, -1 = none), ``place`` (database id per
    level, -1 = unresolved), ``note`` (index into ``notes``), ``suggestion`` (per level,
    index into ``suggestion_lists``: that level's suggestions) and ``places`` (tuple
    position -> whole places to suggest, unresolved tuples only)."""

    status: np.ndarray
    scores: np.ndarray
    bad_level: np.ndarray
    place: dict[str, np.ndarray]
    note: np.ndarray
    notes: list[str]
    suggestion: dict[str, np.ndarray]
    suggestion_lists: list[tuple[tuple[str, float], ...]]
    places: dict[int, tuple[Place, ...]]

    @classmethod
    def combine(cls, parts: list[tuple[np.ndarray, Decisions]], count: int) -> Decisions:
        """One set of decisions from parts decided apart (``(tuple positions, decisions)``)."""
        if len(parts) == 1 and len(parts[0][0]) == count:
            return parts[0][1]
        out = cls(status=np.zeros(count, dtype=np.int8), scores=np.zeros(count),
                  bad_level=np.full(count, -1, dtype=np.int8),
                  place={level: np.full(count, -1, dtype=np.int64) for level in LEVELS},
                  note=np.full(count, -1, dtype=np.int32), notes=[],
                  suggestion={level: np.full(count, -1, dtype=np.int32) for level in LEVELS},
                  suggestion_lists=[], places={})
        for positions, part in parts:
            out.status[positions] = part.status
            out.scores[positions] = part.scores
            out.bad_level[positions] = part.bad_level
            for level in LEVELS:
                out.place[level][positions] = part.place[level]
                out.suggestion[level][positions] = np.where(part.suggestion[level] >= 0,
                                                            part.suggestion[level] + len(out.suggestion_lists), -1)
            out.note[positions] = np.where(part.note >= 0, part.note + len(out.notes), -1)
            out.notes.extend(part.notes)
            out.suggestion_lists.extend(part.suggestion_lists)
            at = positions.tolist()
            out.places.update((at[k], items) for k, items in part.places.items())
        return out


def decide_tuples(work: Work) -> Decisions:
    """The outcome of each tuple of ``work`` once every level is decided: status, score,
    first unresolved level, place ids, notes, suggestions per level and, for the
    unresolved tuples, whole places to suggest."""
    count = work.count
    method, ids = work.method, work.ids
    status = np.zeros(count, dtype=np.int8)  # index into STATUSES
    at_any_level = lambda code: np.logical_or.reduce([method[level] == code for level in LEVELS])
    status[at_any_level(METHOD["normalized"])] = STATUSES.index("normalized")
    status[at_any_level(METHOD["fuzzy"])] = STATUSES.index("fuzzy")
    status[at_any_level(METHOD["ambiguous"])] = STATUSES.index("ambiguous")
    status[at_any_level(METHOD["unmatched"]) | at_any_level(METHOD["blocked"])] = STATUSES.index("unmatched")
    missing = np.zeros(count, dtype=bool)
    for level in work.levels:
        if level != "district":
            missing |= method[level] == METHOD["missing"]
    status[missing] = STATUSES.index("missing")
    resolved_status = status <= STATUSES.index("fuzzy")
    if work.levels:
        scores = np.min(np.stack([work.score[level] for level in work.levels]), axis=0).astype(np.float64)
    else:
        scores = np.full(count, 100.0)
    scores = np.where(status <= STATUSES.index("ambiguous"), scores, 0.0).round(1)
    bad_level = np.full(count, -1, dtype=np.int8)
    for level in reversed(work.levels):
        bad = np.isin(method[level], [METHOD["ambiguous"], METHOD["unmatched"], METHOD["missing"]])
        bad_level[bad] = LEVELS.index(level)
    bad_level[resolved_status] = -1
    # Places: a level counts only under resolved parents.
    place = {}
    ok_parent = np.ones(count, dtype=bool)
    for level in LEVELS:
        resolved = np.isin(method[level], RESOLVED_METHODS) & ok_parent
        place[level] = np.where(resolved, ids[level], -1)
        if level != "district":
            ok_parent &= resolved
    # The suggestions as tuples, not lists: a tuple of names and scores drops out of the garbage
    # collector's sight after its first pass, and a big file has tens of thousands of these,
    # kept as long as the session (each pass of the collector walked them all, in the server).
    frozen: dict[int, tuple] = {}
    places = {k: frozen.setdefault(id(items), tuple(items))
              for k, items in place_suggestions(work, status, bad_level).items()}
    return Decisions(status=status, scores=scores, bad_level=bad_level, place=place, note=work.note,
                     notes=work.notes, suggestion=work.suggestion,
                     suggestion_lists=[tuple(items) for items in work.suggestion_lists], places=places)
