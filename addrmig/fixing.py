"""``fix_file``: a merchant file in, the corrected file and the review list out — the steps of
``addrmig fix`` composed, with the work shared between processes for big files.

Read → trim → places read from the address text where a row has none → resolve places (in
worker processes from ``PARALLEL_MIN_ROWS``) → check
(in threads beside the writing for big files) → write the corrected file and the
review list, each atomically.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from addrmig.export import RowVerdicts, row_verdicts
from addrmig.i18n import _
from addrmig.io.table import ragged_note
from addrmig.limits import collector_paused, release_memory

if TYPE_CHECKING:
    from addrmig.locations.db import LocationDB
    from addrmig.locations.resolver import Resolution
    from addrmig.validation import Report

#: ``steps(label)`` opens a progress callback ``(done, total)`` for one step (the CLI: a bar).
Steps = Callable[[str], contextlib.AbstractContextManager[Callable[[float, float], None]]]

#: From this many rows the checks run in threads beside the writing.
PARALLEL_CHECK_ROWS = 100_000


@dataclass
class FixOutcome:
    """What :func:`fix_file` did: the resolution (its ``frame`` is what was written), the
    checks of the written rows, the review list, how many values were trimmed, the required
    fields no column of the file maps to, and the places read from the address text
    (``from_text``: :func:`addrmig.locations.freetext.places_from_text` for the rows read,
    empty when none was)."""

    resolution: Resolution
    report: Report
    review: pd.DataFrame
    trimmed: int
    missing_required: list[str]
    phones_written: int = 0
    from_text: pd.DataFrame | None = None
    _verdicts: RowVerdicts | None = field(default=None, repr=False)

    @property
    def rows(self) -> int:
        return len(self.resolution.frame)

    @property
    def unresolved(self) -> np.ndarray:
        """Per row: its place is not in the location database."""
        from addrmig.locations.resolver import RESOLVED

        return ~self.resolution.row_status.isin(RESOLVED).to_numpy()

    @property
    def invalid(self) -> np.ndarray:
        """Per row: it has at least one error."""
        return self.resolution.frame.index.isin(self.report.error_rows)

    @property
    def verdicts(self) -> RowVerdicts:
        """What Akinon would refuse of the written rows (missing or over-long values, a place its
        database does not hold as written) and what it accepts but addrmig advises fixing."""
        if self._verdicts is None:
            self._verdicts = row_verdicts(self.resolution.frame, self.report, self.resolution.db,
                                          self.resolution.unknown_places())
        return self._verdicts

    @property
    def clean(self) -> bool:
        return self.rows > 0 and not self.report.has_errors and not self.unresolved.any() \
            and not self.verdicts.refused_rows


@contextlib.contextmanager
def _silent(label: str) -> Iterator[Callable[[float, float], None]]:
    yield lambda done, total: None


def fix_file(source: str | Path, output: Path, output_format: str, db: LocationDB, *,
             corrections: pd.DataFrame | None = None, choices: pd.DataFrame | None = None,
             memory: Callable[[], tuple[pd.DataFrame, pd.DataFrame]] | None = None,
             review: Path | None = None, review_format: str = "csv",
             sheet: str | None = None, encoding: str | None = None, phone_format: str | None = None,
             steps: Steps = _silent, note: Callable[[str], None] = lambda text: None) -> FixOutcome:
    """Read ``source``, trim it, resolve its places against ``db`` (with the ``choices``, each
    for its written place, and the ``corrections`` applied first, and the file's postcode
    column when it has one), write the corrected rows to ``output`` (``output_format`` csv, xlsx or
    json) and, when asked, the review list to ``review``; returns the :class:`FixOutcome`.
    ``phone_format`` (a key of ``contacts.PHONE_FORMATS``) writes every valid phone number in
    that form. ``note`` hears, as soon as the file is read, what the user should know about it.
    ``memory``, instead of ``corrections`` and ``choices``, returns them: it runs while the file
    is read (the command line opens its database there), and what it raises is raised here.

    The garbage collector is off for the run: a run's objects live to its end."""
    with collector_paused():
        if memory is None:
            memory = lambda: (corrections, choices)  # noqa: E731
        elif corrections is not None or choices is not None:
            raise TypeError("give either memory or corrections and choices")
        return _fix(source, output, output_format, db, memory, review, review_format, sheet, encoding,
                    phone_format, steps, note)


def _fix(source, output, output_format, db, memory, review_path, review_format, sheet, encoding,
         phone_format, steps: Steps, note: Callable[[str], None]) -> FixOutcome:
    from addrmig.io import save_table, write_atomically
    from addrmig.locations.freetext.filling import fill_from_text, rows_to_read, with_text_lines
    from addrmig.locations.prepared import prepare_tables
    from addrmig.locations.resolver import resolve
    from addrmig.locations.review import review_table, write_review
    from addrmig.parallel import available_workers
    from addrmig.pipeline import load
    from addrmig.trimming import trim
    from addrmig.validation import validate, validate_started

    # The resolver's lookups and the place rule's tables are built (or read from the cache) in a
    # thread while the file is read (the reader parses in Arrow's threads, without the GIL), and
    # before the workers are forked, so that they share them: the thread is gone by then. The
    # place memory is loaded there too (for the command line: its database opened).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="addrmig-lookups") as pool:
        prepared = pool.submit(prepare_tables, db)
        remembered = pool.submit(memory)
        with steps("read") as bar:
            bar(0, 1)
            loaded = load(source, sheet=sheet, encoding=encoding)
            bar(1, 1)
        prepared.result()
        corrections, choices = remembered.result()
    missing_required = list(loaded.mapping.missing_required)
    if missing_required:
        note(_("no column found for {fields}; those values stay empty and the rows stay invalid.").format(
            fields=", ".join(missing_required)))
    row_problems = loaded.table.row_problems  # checked with the written rows, which keep their row numbers
    if row_problems:
        note(ragged_note(row_problems))
    frame, trimmed = trim(loaded.frame)
    n_trimmed = len(trimmed)
    # A postcode column is read to settle places (never written out: Akinon's address has none).
    postcodes = loaded.auxiliary["postcode"] if "postcode" in loaded.auxiliary.columns else None
    phones_written = 0
    if phone_format is not None:
        from addrmig.contacts import format_phones

        written = format_phones(frame["phone_number"], phone_format)
        phones_written = int((written != frame["phone_number"]).sum())
        frame = frame.assign(phone_number=written)
    del loaded, trimmed  # the file as read and the list of trimmed cells are not needed any more
    release_memory()
    workers = available_workers()
    if rows_to_read(frame).any():
        with steps("address text") as bar:
            frame, from_text = fill_from_text(frame, db, postcodes, progress=bar, workers=workers)
    else:
        from_text = None

    with steps("places") as bar:
        resolution = resolve(frame, db, corrections=corrections, progress=bar, workers=workers, postcodes=postcodes,
                             choices=choices)
    del frame, postcodes  # kept by the resolution
    release_memory()
    checks = report = None
    if workers > 1 and len(resolution.frame) >= PARALLEL_CHECK_ROWS:
        # The checks run in threads while the corrected file and the review list are written.
        checks = validate_started(resolution.frame, row_problems=row_problems, workers=workers)
    else:
        with steps("validate") as bar:
            report = validate(resolution.frame, progress=bar, row_problems=row_problems)

    release_memory()
    with steps("write") as bar:
        # CSV and XLSX go out a slice of rows at a time, into a temporary file put in place at the end.
        save_table(resolution.frame, output, output_format, progress=bar)
    release_memory()
    review = review_table(resolution)
    if from_text is not None:
        review = with_text_lines(review, resolution, from_text)
    if review_path is not None:
        write_atomically(review_path, write_review(review, review_format))
    if checks is not None:
        with steps("validate") as bar:
            bar(0, 1)
            report = checks()
            bar(1, 1)
    return FixOutcome(resolution=resolution, report=report, review=review, trimmed=n_trimmed,
                      missing_required=missing_required, phones_written=phones_written, from_text=from_text)
