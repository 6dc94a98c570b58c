"""What :func:`resolve` returns: the corrected frame, each row's status, the changes, the tuples."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from addrmig.locations.db import LocationDB
from addrmig.locations.resolver.statuses import RESOLVED, STATUSES
from addrmig.locations.resolver.table import TupleTable


@dataclass
class Resolution:
    """What :func:`resolve` found.

    - ``tuples``: one row per distinct written tuple: the written values (and ``postcode``
      when the file's postcodes were given: the tuple is then the place and its postcode),
      ``place_<level>``
      (the database's spelling, ``""`` where unresolved), ``status``, ``score``, ``level``
      (the first level that is not resolved, ``""`` when all are), ``note``,
      ``suggestions_<level>`` (``(name, score)`` for an unresolved level: the three best, or
      every place a name fits equally, such as a village's neighbourhoods), ``suggestions``
      (the same as whole places ``((country, city, township, district), score)``; each a
      list, or the empty tuple where there is none),
      ``rows`` (row count) and ``examples`` (up to three row numbers). Built on first use
      (a million-row file can hold close to a million tuples); :meth:`unresolved` builds
      only the lines that need the user.
    - ``frame``: the corrected address frame (same index; resolved levels in the
      database's spelling, the rest as written). The input frame is never modified.
    - ``row_status``: the tuple status of each row (same index as the frame; categorical,
      categories ``STATUSES``).
    - ``changes``: one row per changed value: ``column, written, place, rows`` (built on
      first use; :meth:`respelt_cells` counts the cells without building it).
    - ``row_tuple``: for each row, the position of its tuple in ``tuples``.
    """

    frame: pd.DataFrame
    row_status: pd.Series
    change_parts: list[pd.DataFrame] = field(repr=False)
    original: pd.DataFrame = field(repr=False)
    db: LocationDB = field(repr=False)
    corrections: pd.DataFrame | None = field(default=None, repr=False)
    row_tuple: np.ndarray | None = field(default=None, repr=False)
    table: TupleTable | None = field(default=None, repr=False)
    postcodes: np.ndarray | None = field(default=None, repr=False)  # normalised, one per row, when given
    choices: pd.DataFrame | None = field(default=None, repr=False)  # the choices in use (CHOICE_COLUMNS)
    conflicts: pd.DataFrame | None = field(default=None, repr=False)  # see choosing.choice_conflicts
    #: The positions of the rows re-decided from the resolution this one was made from
    #: (:func:`.patching.patch_rows`); None when every row was resolved.
    patched_rows: np.ndarray | None = field(default=None, repr=False)
    #: The written place columns of ``original`` as folded keys, by level (see
    #: :func:`.patching.rows_written_as`); shared by the resolutions made from this one.
    key_cache: dict = field(default_factory=dict, repr=False)

    @cached_property
    def changes(self) -> pd.DataFrame:
        """One row per changed value: ``column, written, place, rows`` (built on first use)."""
        changes = pd.concat(self.change_parts, ignore_index=True)
        if len(self.change_parts) > 1 and len(changes):
            # The same respelling may happen in several parts: one line, rows added up.
            changes = (changes.groupby(["_level", "column", "written", "place"], sort=False, as_index=False)
                       .agg(rows=("rows", "sum"), _first=("_first", "min")))
            self.change_parts = [changes]  # kept as one: a choice saved later updates it in place of the parts
        if len(changes) and (changes["rows"] == 0).any():
            changes = changes[changes["rows"].to_numpy() > 0]  # lines a saved choice took every row from
        changes = (changes.sort_values(["_level", "_first"], kind="stable")[["column", "written", "place", "rows"]]
                   .reset_index(drop=True))
        if not len(changes):
            changes = pd.DataFrame({"column": [], "written": [], "place": [], "rows": []})
        return changes

    def respelt_cells(self) -> int:
        """How many cells :attr:`changes` respells (without building it)."""
        return int(sum(int(part["rows"].sum()) for part in self.change_parts))

    @cached_property
    def tuples(self) -> pd.DataFrame:
        """Every distinct written tuple (see the class docstring)."""
        return self.table.build(np.arange(self.table.count))

    def summary(self) -> dict[str, int | float]:
        """``{"rows": n, "<status>": rows per status…, "resolved": rows resolved,
        "resolved_share": 0..1}``."""
        counts = self.row_status.value_counts()
        out: dict = {"rows": int(len(self.row_status))}
        for status in STATUSES:
            out[status] = int(counts.get(status, 0))
        out["resolved"] = sum(out[s] for s in RESOLVED)
        out["resolved_share"] = out["resolved"] / out["rows"] if out["rows"] else 1.0
        return out

    def unknown_places(self) -> np.ndarray:
        """Akinon's place rule (:func:`addrmig.locations.acceptance.unknown_places`) for
        :attr:`frame` against :attr:`db`, per row. A resolved row's places are the database's
        own names, along its hierarchy: only the other rows are looked up."""
        from addrmig.fields import LOCATION_LEVELS
        from addrmig.locations.acceptance import unknown_places

        unknown = np.zeros(len(self.frame), dtype=bool)
        open_rows = np.flatnonzero(~self.row_status.isin(RESOLVED).to_numpy())
        if len(open_rows):
            places = self.frame[[level for level in LOCATION_LEVELS if level in self.frame.columns]]
            unknown[open_rows] = unknown_places(places.iloc[open_rows], self.db)
        return unknown

    def unresolved(self) -> pd.DataFrame:
        """The tuples that need the user (ambiguous, unmatched, missing), most rows first."""
        if "tuples" in self.__dict__:
            todo = self.tuples[~self.tuples["status"].isin(RESOLVED)]
        elif self.table.unresolved is not None:
            todo = self.table.unresolved  # built by the parts, where the work was done
        else:
            todo = self.table.build(self.table.unresolved_positions())
        return todo.sort_values("rows", ascending=False, kind="stable")
