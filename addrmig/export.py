"""Which rows go out and which are set apart: the split the Export and Submit pages share.

Two kinds of problem are kept apart everywhere, because they mean different things:

- rows **Akinon will refuse**: a required value missing or a value over its length
  (Akinon's documented rules), or a place Akinon's location database does not hold as
  written (case-insensitively, along the hierarchy);
- rows with problems **Akinon accepts** but addrmig advises fixing: an e-mail or a phone
  that is not one, a tax number with letters, a line break inside a value…

By default the first are held back and the second sent; the user can hold back both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from addrmig.formatting import number
from addrmig.i18n import _, ngettext
from addrmig.paging import page_of

if TYPE_CHECKING:
    from addrmig.locations.db import LocationDB
    from addrmig.parallel import Background
    from addrmig.validation import Report


@dataclass(frozen=True)
class RowVerdicts:
    """Per row of a frame (boolean arrays in its order): what Akinon will refuse and why, and
    what only addrmig objects to. ``unknown_place`` is None when no location database was
    given (places not checked)."""

    refused_by_rules: np.ndarray
    unknown_place: np.ndarray | None
    advisory: np.ndarray

    @property
    def refused(self) -> np.ndarray:
        """Rows Akinon will refuse, for any reason."""
        return self.refused_by_rules if self.unknown_place is None else self.refused_by_rules | self.unknown_place

    @property
    def advisory_only(self) -> np.ndarray:
        """Rows Akinon takes that addrmig advises fixing first."""
        return self.advisory & ~self.refused

    @property
    def refused_rows(self) -> int:
        return int(self.refused.sum())

    @property
    def advisory_rows(self) -> int:
        return int(self.advisory_only.sum())


def row_verdicts(frame: pd.DataFrame, report: Report, db: LocationDB | None,
                 unknown: np.ndarray | None = None) -> RowVerdicts:
    """The verdicts for ``frame`` as it stands, from its check ``report`` and, when given,
    Akinon's place rule against ``db`` (or ``unknown``: that rule's answer, computed already)."""
    refused = frame.index.isin(report.refused_rows)
    advisory = frame.index.isin(report.error_rows) & ~refused
    if unknown is None and db is not None:
        from addrmig.locations.acceptance import unknown_places

        unknown = unknown_places(frame, db)
    return RowVerdicts(refused_by_rules=refused, unknown_place=unknown, advisory=advisory)


def places_rule_in_background(frame: pd.DataFrame, db: LocationDB, nice: int = 0) -> Background | None:
    """For a big file, Akinon's place rule (is each place known as written?) answered by a
    forked worker (``nice`` steps nicer than this process) while this process runs the checks:
    ``.result()`` is :func:`unknown_places`'s answer. None for a small file, or with one CPU."""
    from addrmig.fixing import PARALLEL_CHECK_ROWS
    from addrmig.parallel import Background, available_workers

    if len(frame) < PARALLEL_CHECK_ROWS or available_workers() < 2:
        return None
    from addrmig.locations.acceptance import unknown_places

    return Background(lambda: unknown_places(frame, db), nice)


@dataclass
class ExportSplit:
    """The rows to export or send, and the rows set apart to fix later, with the counts behind them.

    Counts are rows; ``unknown_place_rows`` is None when places were not checked. The rows stay
    in ``frame`` (``held``: set apart) until :attr:`send` or :attr:`later` is asked for: a split
    of a million rows is a mask, not a copy of the file.
    """

    frame: pd.DataFrame
    held: np.ndarray
    refused_rows: int
    unknown_place_rows: int | None
    advisory_rows: int
    send_refused_rows: int
    send_advisory_rows: int
    later_refused_rows: int
    later_advisory_rows: int

    @property
    def send(self) -> pd.DataFrame:
        """The rows to export or send (a copy, made on each call)."""
        return self.frame[~self.held]

    @property
    def later(self) -> pd.DataFrame:
        """The rows set apart (a copy, made on each call)."""
        return self.frame[self.held]

    @property
    def send_count(self) -> int:
        return len(self.held) - self.later_count

    @property
    def later_count(self) -> int:
        return int(np.count_nonzero(self.held))

    def positions(self, later: bool = False) -> np.ndarray:
        """The positions in :attr:`frame` of the rows to send (of those set apart with ``later``)."""
        return np.flatnonzero(self.held == later)

    def send_page(self, page: int) -> pd.DataFrame:
        """One page (1-based) of :attr:`send`, taken without copying the rest."""
        return self.frame.iloc[page_of(pd.Series(self.positions()), page).to_numpy()]

    def describe_send(self) -> str:
        """What the main file holds, in a sentence for shop staff."""
        n = self.send_count
        parts = []
        if self.send_refused_rows:
            parts.append(ngettext("{n} row Akinon will refuse", "{n} rows Akinon will refuse",
                                  self.send_refused_rows).format(n=number(self.send_refused_rows)))
        if self.send_advisory_rows:
            parts.append(ngettext("{n} row with problems Akinon accepts", "{n} rows with problems Akinon accepts",
                                  self.send_advisory_rows).format(n=number(self.send_advisory_rows)))
        if parts:
            return ngettext("{n} row, including {parts}", "{n} rows, including {parts}", n).format(
                n=number(n), parts=_(" and ").join(parts))
        if self.unknown_place_rows is None:
            return ngettext("{n} row that Akinon's rules accept (places not checked)",
                            "{n} rows that Akinon's rules accept (places not checked)", n).format(n=number(n))
        return ngettext("{n} row that Akinon will accept", "{n} rows that Akinon will accept", n).format(n=number(n))

    def describe_later(self) -> str:
        """What the fix-later file holds, in a sentence for shop staff."""
        if not self.later_count:
            return _("nothing")
        parts = []
        if self.later_refused_rows:
            parts.append(ngettext("{n} row Akinon would refuse", "{n} rows Akinon would refuse",
                                  self.later_refused_rows).format(n=number(self.later_refused_rows)))
        if self.later_advisory_rows:
            parts.append(ngettext("{n} row with problems Akinon accepts", "{n} rows with problems Akinon accepts",
                                  self.later_advisory_rows).format(n=number(self.later_advisory_rows)))
        return ngettext("{n} row: {parts}", "{n} rows: {parts}", self.later_count).format(
            n=number(self.later_count), parts=_(" and ").join(parts))


def split_rows(frame: pd.DataFrame, verdicts: RowVerdicts, *, hold_back_refused: bool = True,
               hold_back_advisory: bool = False) -> ExportSplit:
    """Split ``frame`` by its :class:`RowVerdicts`: rows Akinon will refuse go to "later" when
    ``hold_back_refused``, rows with problems Akinon accepts when ``hold_back_advisory``."""
    refused, advisory = verdicts.refused, verdicts.advisory_only
    later = (refused & hold_back_refused) | (advisory & hold_back_advisory)
    return ExportSplit(
        frame=frame, held=np.asarray(later, dtype=bool),
        refused_rows=int(refused.sum()),
        unknown_place_rows=None if verdicts.unknown_place is None else int(verdicts.unknown_place.sum()),
        advisory_rows=int(advisory.sum()),
        send_refused_rows=int((refused & ~later).sum()), send_advisory_rows=int((advisory & ~later).sum()),
        later_refused_rows=int((refused & later).sum()), later_advisory_rows=int((advisory & later).sum()))
