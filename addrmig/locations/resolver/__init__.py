"""Resolve written places against a :class:`LocationDB`.

Work happens level by level on distinct written values under their resolved parent,
never row by row: rows carry integer codes (pandas factorize), exact and folded matches
are pandas merges on folded keys, and only what is left goes to fuzzy search (rapidfuzz,
blocked by the resolved parent). A name is assigned only when its best candidate is
clearly ahead; everything else is left as written, with suggestions, for the user.

The modules, in the order the work goes through them:

- :mod:`.resolving`: :func:`resolve`, the entry point;
- :mod:`.choosing`: the user's choices, each for its written place (:func:`apply_choices`),
  their conflicts, and generalising one into a rule after a preview;
- :mod:`.patching`: a saved choice re-decides only the rows written that way, and the
  resolution comes out as a run over the whole file would give it;
- :mod:`.parts`: the rows in parts (shared with forked workers), each resolved, merged;
- :mod:`.codes`: written places as integer codes, distinct units of them;
- :mod:`.lookup`: the lookup tables built once per database;
- :mod:`.state`: what is known about each distinct tuple so far, by name;
- :mod:`.caches`: per-text results the steps ask for again, and when they are dropped;
- :mod:`.ranking`: fuzzy ranking, and the ACCEPT / MARGIN / RESCUE rules;
- :mod:`.candidates`: ranked candidates for written names and districts, cached;
- :mod:`.names`: the country, city and township levels;
- :mod:`.swapped`: township and district written in each other's columns;
- :mod:`.districts`: the district level: :mod:`.merges` (exact keys, villages, former
  names), :mod:`.postcodes` (the file's postcode column), :mod:`.moved` (townships
  renamed or split off), then fuzzy, checked by :mod:`.lookalike` (a typo or another name);
- :mod:`.places`: whole places to suggest for the unresolved tuples;
- :mod:`.decisions`: each tuple's status, score, place and suggestions;
- :mod:`.table`, :mod:`.result`: the :class:`Resolution` and its tuple lines;
- :mod:`.statuses`: the statuses a tuple and a level can end with.
"""
from addrmig.locations.corrections import CHOICE_COLUMNS, CORRECTION_COLUMNS, choices_to_corrections
from addrmig.locations.resolver.choosing import (
    CONFLICT_COLUMNS,
    apply_choices,
    choice_conflicts,
    generalisation,
    generalise,
    generalise_preview,
)
from addrmig.locations.resolver.ranking import ACCEPT, MARGIN, RESCUE, SUGGEST_MIN
from addrmig.locations.resolver.resolving import PARALLEL_MIN_ROWS, PARTS_PER_WORKER, prepare, resolve
from addrmig.locations.resolver.result import Resolution
from addrmig.locations.resolver.statuses import RESOLVED, STATUSES

__all__ = ["Resolution", "resolve", "prepare", "apply_choices", "choice_conflicts", "generalisation", "generalise",
           "generalise_preview", "choices_to_corrections", "STATUSES", "RESOLVED", "CHOICE_COLUMNS",
           "CORRECTION_COLUMNS", "CONFLICT_COLUMNS", "ACCEPT", "MARGIN", "RESCUE", "SUGGEST_MIN",
           "PARALLEL_MIN_ROWS", "PARTS_PER_WORKER"]
