"""A check report brought up to date after an edit: only what the edit can have changed is checked again.

Every rule of :func:`addrmig.validation.validate` reads one column, and the duplicate search
reads ``schema.DUPLICATE_KEY`` (its warnings show the address line). An edit that changed some
columns of a frame, its rows the same, leaves every other column's failures as they were: those
are kept, the changed columns' rules (and the duplicate search when the edit touched its key or
the line) run again. On a million rows the places written into the frame change four columns,
a cell typed into the grid one, and the checks of the rest are not redone.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from addrmig import schema
from addrmig.fields import COLUMNS
from addrmig.validation import (
    _DUPLICATES,
    DUPLICATE_COLUMN,
    PARALLEL_ROWS,
    Report,
    _checks_in_parts,
    _failure_table,
    in_report_order,
    validate,
)


def recheck(report: Report, frame: pd.DataFrame, columns: Iterable[str], *, workers: int = 1, here: bool = True,
            nice: int = 0) -> Report:
    """The report of ``frame``, from ``report``: the report of a frame with the same rows that
    differed from ``frame`` in ``columns`` only. The same :class:`Report` as ``validate(frame)``
    (``ragged_row`` errors, which depend on the edits and not on the values, are left for
    :func:`addrmig.validation.with_row_problems`). ``workers``, ``here`` and ``nice`` as
    :func:`validate` takes them, for a big file's checks that run again."""
    if report.rows != len(frame) or not report.index.equals(frame.index):
        return validate(frame, workers=workers, here=here, nice=nice)
    changed = set(columns) & set(COLUMNS)
    rules = schema.column_rules()
    units = [column for column in dict.fromkeys(rule.column for rule in rules) if column in changed]
    duplicates = bool(changed & {*schema.DUPLICATE_KEY, DUPLICATE_COLUMN})
    failures = report.failures
    check = failures["check"].astype(str).to_numpy()
    stale = failures["column"].isin(units).to_numpy() & (check != "duplicate")
    stale |= check == "ragged_row"
    if duplicates:
        stale |= check == "duplicate"
    # The checks that run again, shared out as validate() shares a big file's.
    sharing = {"workers": workers, "here": here, "nice": nice} if len(frame) >= PARALLEL_ROWS else {"workers": 1}
    found = _checks_in_parts(frame, rules, None, 0, [_DUPLICATES] * duplicates + units, **sharing)
    fresh = _failure_table(found, frame.index.to_numpy())
    kept = failures[~stale]
    if not len(fresh):
        return Report(kept.reset_index(drop=True), report.rows, report.index)
    return Report(in_report_order(pd.concat([kept, fresh], ignore_index=True), frame.index), report.rows, report.index)


def recheck_from(report: tuple[tuple[int, str], Report] | None, edited: tuple[int, frozenset[str]] | None,
                 key: tuple[int, str]) -> tuple[Report, frozenset[str]] | None:
    """(report, changed columns) to bring up to date for the version and language ``key``: when
    ``report`` (its version and language, the report) is of the version just before, which the
    last edit (``edited``: the version it changed, its columns) turned into this one. Else None."""
    if report is None or edited is None or report[0] != (edited[0], key[1]) or edited[0] != key[0] - 1:
        return None
    return report[1], edited[1]


def recheck_after(after: tuple[Report, frozenset[str]] | None, frame: pd.DataFrame,
                  check: Callable[[pd.DataFrame], Report] | None = None,
                  again: Callable[[Report, pd.DataFrame, frozenset], Report] | None = None) -> Report:
    """The report of ``frame``: ``after`` (see :func:`recheck_from`) brought up to date with
    ``again`` (default :func:`recheck`), or, without it, ``check(frame)`` (default
    :func:`addrmig.validation.validate`)."""
    if after is not None:
        return (again or recheck)(after[0], frame, after[1])
    return (check or validate)(frame)
