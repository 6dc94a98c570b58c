"""The one state object the web app keeps per browser session.

Every page reads and changes the same ``Workspace``: the file that came in, the
address frame being corrected (with an undo history), the validation report for
the current version of the frame, the place resolution and the user's choices,
the connection settings and the submission being watched.

No Streamlit here: the pages are thin and this class is tested on its own.
Heavy pure work (reading, validating, resolving) is done by the library steps;
the workspace only remembers results per *version* of the frame, so moving
between pages recomputes nothing.
"""
from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd

from addrmig.address_texts import AddressTexts
from addrmig.ahead import Ahead, inputs_key
from addrmig.akinon.connection import SANDBOX, Connection
from addrmig.edits import Edit, cell_changes, digest_changes
from addrmig.errors import BadArguments
from addrmig.export import ExportSplit, RowVerdicts, places_rule_in_background, row_verdicts, split_rows
from addrmig.fields import COLUMNS, LOCATION_LEVELS
from addrmig.i18n import _, language
from addrmig.steps import StepState, sidebar_steps

if TYPE_CHECKING:
    from addrmig.akinon.client import AkinonClient
    from addrmig.akinon.sending import OnPart
    from addrmig.history import History, Submission
    from addrmig.io.table import RaggedRow
    from addrmig.locations.corrections import Corrections
    from addrmig.locations.db import LocationDB
    from addrmig.locations.resolver import Resolution
    from addrmig.pipeline import Loaded
    from addrmig.validation import Report

Validator = Callable[[pd.DataFrame], "Report"]
#: ``recheck(report, frame, columns)``: ``report`` brought up to date for ``frame``, which differs in ``columns`` only.
Rechecker = Callable[["Report", pd.DataFrame, frozenset], "Report"]
Resolver = Callable[..., "Resolution"]
Progress = Callable[[float, float], None]
Place = tuple[str, str, str, str]
T = TypeVar("T")


def sha256(data: bytes) -> str:
    """The hex sha256 of ``data``: the key the app caches file results on."""
    return hashlib.sha256(data).hexdigest()


class Workspace(AddressTexts):
    """Everything one browser session has done so far. See the module docstring."""

    def __init__(self) -> None:
        # Where it is kept on the server (``addrmig.persistence``) and whose it is; None until first saved.
        self.id: str | None = None
        self.owner: str | None = None
        #: Akinon connections (``storage.visibility.akinon_scope``) this session showed a token
        #: Akinon accepted for: their history becomes visible. Kept in memory only.
        self.proven_scopes: set[str] = set()
        self.language: str | None = None
        #: (fingerprint, file sha256) of what was last saved to the server (``addrmig.persistence``).
        self.saved_state: tuple[str | None, str | None] = (None, None)
        self.file_name: str | None = None
        self.file_sha: str | None = None
        self.file_size: int = 0
        self.file_bytes: bytes | None = None
        self.options: dict[str, object] = {}
        self.loaded: Loaded | None = None
        self.frame: pd.DataFrame | None = None
        self.version: int = 0
        self.edits: list[Edit] = []
        self._keys: list[str] = []  # content key of the frame before each edit, for undo
        self._content_key: str = ""
        self._report: tuple[tuple[int, str], Report] | None = None  # (version, language), the report
        self._edited: tuple[int, frozenset[str]] | None = None  # the version the last edit changed, and its columns
        self.location_source: str = "bundled"
        self.location_db: LocationDB | None = None
        # (frame version, id of the location database) the resolution was made for, and it
        self._resolution: tuple[tuple[int, int], Resolution] | None = None
        self.ahead: Ahead[Resolution] | None = None  # places being matched before they are asked for
        self.session_corrections: pd.DataFrame | None = None  # rules this session generalised, newest first
        self.session_choices: pd.DataFrame | None = None  # places this session picked, newest first
        # Where this session's picks and rules are remembered beyond it: the memory of whoever
        # made them (the app gives the signed-in user's, else this workspace's), or None for this
        # session only. Never a memory every user of the server shares: one user's pick must not
        # change another's file.
        self.memory: Corrections | None = None
        # The places read from the address text (places_from_text for the rows read), once per file
        self.text_places: pd.DataFrame | None = None
        self._text_read = False
        self.connection = Connection()
        self.submission: Submission | None = None
        self._memo: dict[tuple, object] = {}  # derived tables of big objects, see _memoised
        # One check and one place matching at a time: Streamlit starts a page's new run beside the
        # run it told to stop, which carries on to the end of what it computes; the new run waits
        # for that result instead of computing it again beside it.
        self._checking, self._resolving = threading.Lock(), threading.Lock()

    def close(self) -> None:
        """Let go of everything held (its session has ended): an empty workspace remains."""
        self._drop_ahead()
        self.__init__()  # type: ignore[misc]

    def _memoised(self, key: tuple, build: Callable[[], T]) -> T:
        """``build()`` once per ``key`` (which names the objects it reads by id and the frame version).

        Pages rerun on every click; a million-row mask or review table must not be rebuilt
        each time. Only the entries of the current frame version are kept.
        """
        key = (self.version, *key)
        if key not in self._memo:
            self._memo = {k: v for k, v in self._memo.items() if k[0] == self.version}
            self._memo[key] = build()
        return self._memo[key]

    # ------------------------------------------------------------------ step 1
    @property
    def has_file(self) -> bool:
        """True once a file has been read into an address frame."""
        return self.frame is not None

    def set_loaded(self, name: str, data: bytes, loaded: Loaded, options: dict[str, object] | None = None) -> None:
        """Start over from a newly read file: ``loaded`` is ``pipeline.load``'s answer."""
        new_sha = sha256(data)
        same_file = new_sha == self.file_sha
        self.file_name, self.file_sha, self.file_size, self.file_bytes = name, new_sha, len(data), data
        self.options = dict(options or {})
        self.loaded = loaded
        self.frame = loaded.frame.copy()
        self.version += 1
        self.edits = []
        self._keys = []
        self._content_key = sha256(repr((new_sha, sorted(self.options.items(), key=str))).encode())
        self._report, self._edited = None, None
        self._resolution = None
        self.text_places, self._text_read = None, False
        if not same_file:
            self.submission = None

    @property
    def rows(self) -> int:
        """Number of data rows in the working frame (0 without a file)."""
        return 0 if self.frame is None else len(self.frame)

    # ------------------------------------------------------------------ edits
    def _require_frame(self) -> pd.DataFrame:
        if self.frame is None:
            raise BadArguments(_("No file has been loaded yet. Upload a file on the Upload page first."))
        return self.frame

    def _commit(self, label: str, new: pd.DataFrame, changes: pd.DataFrame, by_hand: bool = False) -> Edit | None:
        if changes.empty:
            return None
        edit = Edit(label, changes.reset_index(drop=True), by_hand)
        self._edited = (self.version, edit.columns)
        self.frame = new
        self.edits.append(edit)
        self._keys.append(self._content_key)
        digest = hashlib.sha256(self._content_key.encode())
        digest_changes(digest, edit.changes)  # a million places respelled: a tenth of a second
        self._content_key = digest.hexdigest()
        self.version += 1
        self._drop_ahead()
        return edit

    def _drop_ahead(self) -> None:
        """Cancel the places being matched ahead (:meth:`resolve_ahead`): made for a version the frame has left."""
        if self.ahead is not None:
            self.ahead.cancel()
            self.ahead = None

    def edit_cells(self, values: dict[tuple[int, str], str], label: str | None = None) -> Edit | None:
        """Set cells by (row number, column); returns the recorded Edit (``label``, in the current
        language: "edited cells" by default), or None if nothing changed."""
        frame = self._require_frame()
        records = []
        new = frame.copy()
        for (row, column), value in values.items():
            if column not in COLUMNS:
                raise BadArguments(_("There is no column {column}; the columns are {columns}.").format(
                    column=repr(column), columns=", ".join(COLUMNS)))
            if row not in new.index:
                raise BadArguments(_("There is no row {row} in the file.").format(row=row))
            value = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
            before = new.at[row, column]
            if before != value:
                new.at[row, column] = value
                records.append((row, column, before, value))
        return self._commit(label or _("edited cells"), new,
                            pd.DataFrame(records, columns=["row", "column", "before", "after"]),
                            by_hand=True)

    def find_replace(self, column: str, find: str, replace: str, *, whole_cell: bool = False) -> Edit | None:
        """Replace ``find`` by ``replace`` in one column (literal text, case-sensitive).

        With ``whole_cell`` only cells equal to ``find`` change. Returns the Edit or None.
        """
        frame = self._require_frame()
        if column not in COLUMNS:
            raise BadArguments(_("There is no column {column}.").format(column=repr(column)))
        if find == "" and not whole_cell:
            raise BadArguments(_("Type the text to find first."))
        values = frame[column]
        if whole_cell:
            new_values = values.where(values != find, replace)
        else:
            new_values = values.str.replace(find, replace, regex=False)
        changed = values != new_values
        changes = pd.DataFrame({
            "row": frame.index[changed], "column": column,
            "before": values[changed].to_numpy(), "after": new_values[changed].to_numpy(),
        })
        new = frame.copy()
        new[column] = new_values.astype(values.dtype)
        return self._commit(_("replaced {find} with {replace} in {column}").format(
            find=repr(find), replace=repr(replace), column=column), new, changes)

    def replay(self, edit: Edit) -> Edit | None:
        """Make ``edit`` again (its ``after`` values), as when a saved workspace is brought back."""
        frame = self._require_frame()
        new = frame.copy()
        for column, part in edit.changes.groupby("column", sort=False):
            new.loc[part["row"].to_numpy(), column] = part["after"].to_numpy()
        return self._commit(edit.label, new, edit.changes)

    def apply_trim(self) -> Edit | None:
        """The safe auto-fix: trim spaces around every value. Returns the Edit (undoable) or None."""
        from addrmig.trimming import trim

        new, changes = trim(self._require_frame())
        return self._commit(_("trimmed spaces"), new, changes[["row", "column", "before", "after"]])

    def write_phones(self, style: str) -> Edit | None:
        """Write every valid phone number in the shop's form (``contacts.PHONE_FORMATS``); invalid
        ones stay as written. Returns the Edit (undoable) or None when nothing changed."""
        from addrmig.contacts import format_phones
        from addrmig.fields import PHONE_FORMATS

        frame = self._require_frame()
        if style not in PHONE_FORMATS:
            raise BadArguments(_("Unknown phone format {style}; choose one of {styles}.").format(
                style=repr(style), styles=", ".join(PHONE_FORMATS)))
        new = frame.copy(deep=False)
        new["phone_number"] = format_phones(frame["phone_number"], style)
        return self._commit(_("phone numbers written as {form}").format(form=_(PHONE_FORMATS[style]).split(" (")[0]), new,
                            cell_changes(frame, new, ["phone_number"]))

    def undo(self) -> Edit | None:
        """Take back the last edit; returns it, or None when there is nothing to undo."""
        if not self.edits or self.frame is None:
            return None
        edit = self.edits.pop()
        self._content_key = self._keys.pop()
        new = self.frame.copy()
        for column, part in edit.changes.groupby("column", sort=False):
            new.loc[part["row"].to_numpy(), column] = part["before"].to_numpy()
        self._edited = (self.version, edit.columns)
        self.frame = new
        self.version += 1
        self._drop_ahead()
        return edit

    def content_key(self) -> str:
        """A key that changes exactly when the frame's content does (file, reading options, edits)."""
        return self._content_key

    # ------------------------------------------------------------------ step 2
    def row_problems(self) -> list[RaggedRow]:
        """The rows the reader read as best it could (``Table.row_problems``) that the user has
        not edited by hand since: typing into any cell of such a row in the grid means the user
        has looked at it and put it right; undoing that edit brings the problem back."""
        if self.loaded is None or not self.loaded.table.row_problems:
            return []
        edited = {row for edit in self.edits if edit.by_hand for row in edit.changes["row"]}
        return [problem for problem in self.loaded.table.row_problems if problem.row not in edited]

    def report(self, validate: Validator | None = None, nice: int = 0, recheck: Rechecker | None = None) -> Report:
        """The validation Report of the current frame, computed once per version and language (its
        messages are in the language it was made in), with the rows of ``row_problems`` as
        ``ragged_row`` errors. ``validate``: e.g. the app's cached wrapper of ``validation.validate``;
        a big file's place rule is answered meanwhile by a worker ``nice`` steps nicer. After an edit,
        the report before it is brought up to date (``recheck``, default ``rechecking.recheck``: the
        changed columns checked again) and the place rule kept when no place column changed."""
        from addrmig.rechecking import recheck_after, recheck_from
        from addrmig.validation import with_row_problems

        frame = self._require_frame()
        with self._checking:
            if not self.report_ready:
                db, after = self.reference_db(), recheck_from(self._report, self._edited, (self.version, language()))
                kept = self._memo.get((self.version - 1, "unknown_places", id(db))) \
                    if after and not after[1] & set(LOCATION_LEVELS) else None
                places = None if kept is not None or (self.version, "unknown_places", id(db)) in self._memo else \
                    places_rule_in_background(frame, db, nice)
                base = recheck_after(after, frame, validate, recheck)
                self._report = ((self.version, language()), with_row_problems(base, frame, self.row_problems()))
                if kept is not None or places is not None:
                    self._memoised(("unknown_places", id(db)), (lambda: kept) if kept is not None else places.result)
            return self._report[1]

    def unknown_places(self) -> np.ndarray:
        """Per row: its place is not in the reference database as written (Akinon's rule)."""
        from addrmig.locations.acceptance import unknown_places
        frame, db = self._require_frame(), self.reference_db()
        return self._memoised(("unknown_places", id(db)), lambda: unknown_places(frame, db))

    @property
    def report_ready(self) -> bool:
        """True when the report of the current version has been computed in the current language."""
        return self._report is not None and self._report[0] == (self.version, language())

    def failing_rows(self, report: Report, columns: list[str] | None = None) -> pd.DataFrame:
        """Rows of the working frame with at least one error (optionally in ``columns``), file order."""
        return self._require_frame().loc[self.failing_index(report, columns)]

    def failing_index(self, report: Report, columns: list[str] | None = None) -> pd.Index:
        """The labels of :meth:`failing_rows`, once per report and columns (the page reruns on every click)."""
        frame, failures = self._require_frame(), report.failures
        picked = (lambda: failures[(failures["severity"] == "error") & failures["column"].isin(columns)]["row"].unique())
        return self._memoised(("failing", id(report), tuple(columns or ())), lambda: frame.index.intersection(
            pd.Index(picked()) if columns else report.error_rows))

    # ------------------------------------------------------------------ step 3
    def resolution(self, resolve: Resolver | None = None, db: LocationDB | None = None,
                   corrections: pd.DataFrame | None = None, progress: Progress | None = None) -> Resolution:
        """The place Resolution for the current frame, computed once per version and reference."""
        frame = self._require_frame()
        db = db if db is not None else self.location_db
        key = (self.version, id(db))
        with self._resolving:
            if self._resolution is None or self._resolution[0] != key:
                extra = self._resolve_extra()
                # Started by resolve_ahead: taken if made for this version and reference, with the
                # picks and rules there are now (another of the user's sessions may have saved one).
                ahead, self.ahead = self.ahead, None
                found = ahead.take(key + (inputs_key(extra["choices"], corrections),), progress) if ahead else None
                if found is None:
                    if resolve is None:
                        from addrmig.locations.resolver import resolve
                    found = resolve(frame, db, corrections=corrections, progress=progress, **extra)
                self._resolution = (key, found)
            return self._resolution[1]

    def _resolve_extra(self) -> dict[str, object]:
        """The resolver's inputs besides the frame: the postcodes (read to settle places, never sent), the choices."""
        extra: dict[str, object] = {"choices": self.choices()}
        if self.loaded is not None and "postcode" in self.loaded.auxiliary.columns:
            extra["postcodes"] = self.loaded.auxiliary["postcode"]
        return extra

    def resolve_ahead(self, resolve: Resolver, db: LocationDB) -> None:
        """Start matching the current frame's places against ``db`` in the background (:mod:`addrmig.ahead`;
        ``resolve`` as :meth:`resolution` takes it, and a ``cancel`` event), taken by :meth:`resolution` when
        asked for the same version, ``db``, picks and rules. Not while a page's own matching is under way
        (matched again beside it, each would get half the cores); a page waits for the start."""
        from addrmig.locations.freetext.filling import rows_to_read

        if self.resolution_ready or not self._resolving.acquire(blocking=False):
            return
        try:
            frame, extra, corrections = self._require_frame(), self._resolve_extra(), self.corrections()
            key = (self.version, id(db), inputs_key(extra["choices"], corrections))
            if (self.ahead is not None and self.ahead.key == key) or (not self._text_read and rows_to_read(frame).any()):
                return  # started already; or the Places page reads the address texts first, changing the frame
            self._drop_ahead()
            self.ahead = Ahead(key, lambda progress, cancel: resolve(frame, db, corrections=corrections, progress=progress, cancel=cancel, **extra))
        finally:
            self._resolving.release()

    @property
    def resolution_ready(self) -> bool:
        """True when places have been resolved for the current version of the frame."""
        return self._resolution is not None and self._resolution[0][0] == self.version

    def current_resolution(self) -> Resolution | None:
        """The resolution of the current version if computed, else None."""
        return self._resolution[1] if self.resolution_ready else None

    def resolve_places(self, resolve: Resolver | None = None, db: LocationDB | None = None,
                       corrections: pd.DataFrame | None = None, progress: Progress | None = None) -> Resolution:
        """Resolve the places of the current frame and write the database's spelling into it.

        The spelling change is recorded as an Edit (shown and undoable like any other);
        the resolution stays valid for the frame it produced. Returns the Resolution.
        """
        current = self.current_resolution()
        if current is not None:
            return current
        self.read_places_from_text(db)
        resolution = self.resolution(resolve, db, corrections, progress)
        self.use_resolution(resolution)
        from addrmig.locations.resolver.patching import ready_for_choices
        ready_for_choices(resolution)  # here, where the user waits anyway, not at the first saved pick
        return resolution

    def use_resolution(self, resolution: Resolution) -> Edit | None:
        """Make ``resolution`` (e.g. after the user's choices) the current one and write its places."""
        db_key = self._resolution[0][1] if self._resolution else id(self.location_db)
        edit = self._write_places(resolution)
        self._resolution = ((self.version, db_key), resolution)
        return edit

    def _write_places(self, resolution: Resolution) -> Edit | None:
        """Write the resolved place names (database spelling) into the working frame; undoable."""
        frame, fixed, rows = self._require_frame(), resolution.frame, resolution.patched_rows
        if rows is not None and fixed.index.equals(frame.index):
            from addrmig.locations.resolver.patching import set_rows
            # Only the rows re-decided for a choice can differ: a million-row frame is not compared.
            changes, new = cell_changes(frame.iloc[rows], fixed.iloc[rows], list(LOCATION_LEVELS)), frame.copy(deep=False)
            for level in set(changes["column"]):
                new[level] = set_rows(new[level], rows, fixed[level].iloc[rows].astype(frame[level].dtype).to_numpy())
        else:
            changes, new = cell_changes(frame, fixed, list(LOCATION_LEVELS)), frame.copy()
            for level in LOCATION_LEVELS:
                new[level] = fixed[level].reindex(new.index).fillna(new[level]).astype(frame[level].dtype)
        return self._commit(_("places written in the database's spelling"), new, changes)

    def corrections(self) -> pd.DataFrame | None:
        """Rules to apply before matching: this session's generalisations, then those remembered
        in :attr:`memory` (None when there are none)."""
        return _newest_first(self.session_corrections, self.memory.load() if self.memory is not None else None)

    def choices(self) -> pd.DataFrame | None:
        """Picks to apply before matching, each to its written place: this session's, then those
        remembered in :attr:`memory` (None when there are none)."""
        return _newest_first(self.session_choices, self.memory.load_choices() if self.memory is not None else None)

    def _current_or_refuse(self) -> Resolution:
        resolution = self.current_resolution()
        if resolution is None:
            raise BadArguments(_("Places have not been matched yet; open the Places page first."))
        return resolution

    def choose_places(self, choices: dict[Place, Place]) -> Edit | None:
        """Apply the user's picks (written tuple -> place): each changes the rows written that way
        (case and Turkish letters aside) and no other. Remembered for this session (and in
        :attr:`memory`); a pick that replaces or overrides another is listed by
        :meth:`place_conflicts`. Returns the Edit made to the frame (None when nothing changed).
        When the memory cannot be written (StorageError) the picks hold for this session all the same.
        """
        from addrmig.locations.corrections import choice_records
        from addrmig.locations.resolver import apply_choices

        resolution = self._current_or_refuse()
        records = choice_records(choices)
        self.session_choices = _newest_first(records, self.session_choices)
        edit = self.use_resolution(apply_choices(resolution, records))
        if self.memory is not None and len(records):
            self.memory.save_choices(records)
        return edit

    def preview_generalisation(self, written: Place, place: Place, level: str) -> pd.DataFrame:
        """What making the pick ``written`` -> ``place`` a rule at ``level`` ("every row writing this
        city so means that city") would change, before it changes anything: one line per written
        place, most rows first (see :func:`addrmig.locations.resolver.generalise_preview`)."""
        from addrmig.locations.resolver import generalise_preview
        return generalise_preview(self._current_or_refuse(), level, written, place)

    def generalise_choice(self, written: Place, place: Place, level: str) -> Edit | None:
        """Make the pick ``written`` -> ``place`` a rule at ``level`` (after the user saw
        :meth:`preview_generalisation`) and apply it; remembered like a pick (and like a pick, it holds
        for this session when the memory cannot be written). Returns the Edit."""
        from addrmig.locations.resolver import generalisation, generalise

        resolution = self._current_or_refuse()
        rule = generalisation(level, written, place)
        self.session_corrections = _newest_first(rule, self.session_corrections)
        edit = self.use_resolution(generalise(resolution, level, written, place))
        if self.memory is not None and len(rule):
            self.memory.save(rule)
        return edit

    def place_conflicts(self) -> pd.DataFrame:
        """The picks in use that replaced an earlier pick or override a rule: one line each with the
        written place, the ``chosen`` and the ``other`` place and the ``reason`` (empty if none)."""
        from addrmig.locations.resolver import choice_conflicts
        return choice_conflicts(self._current_or_refuse())

    def review(self, resolution: Resolution) -> pd.DataFrame:
        """``review_items(resolution)``, built once per resolution (the Places page reruns on every click)."""
        from addrmig.locations.freetext.filling import without_text_rows
        from addrmig.locations.review import review_items

        read = self.text_places
        # The rows read from the address text and left open are decided text by text (see
        # text_readings), not by their empty place columns.
        return self._memoised(("review", id(resolution)), lambda: review_items(
            resolution, keep=None if read is None else lambda lines: without_text_rows(lines, resolution, read)))

    def rows_changed(self, choices: dict[Place, Place]) -> dict[tuple, int]:
        """How many rows each of ``choices`` would apply to (:func:`addrmig.locations.suggesting.rows_changed`)."""
        from addrmig.locations.suggesting import rows_changed
        resolution = self._current_or_refuse()
        return self._memoised(("rows_changed", id(resolution), tuple(sorted(choices.items()))),
                              lambda: rows_changed(resolution, choices))

    def set_locations(self, source: str, db: LocationDB | None) -> None:
        """Use another place reference; the resolution is recomputed on next use."""
        if source == self.location_source and db is self.location_db:
            return
        self.location_source, self.location_db = source, db
        self._resolution = None

    # ------------------------------------------------------------------ step 4
    def reference_db(self) -> LocationDB:
        """The location database places are checked against: the one chosen on the Places
        page, else the bundled one."""
        if self.location_db is not None:
            return self.location_db
        from addrmig.locations.db import shared_bundled
        return shared_bundled()

    def verdicts(self, report: Report) -> RowVerdicts:
        """What Akinon will refuse and what addrmig only advises fixing, per row of the
        current frame (``report`` is its check report); built once per version."""
        frame = self._require_frame()
        db = self.reference_db()
        return self._memoised(("verdicts", id(report), id(db)),
                              lambda: row_verdicts(frame, report, db, self.unknown_places()))

    def export_split(self, report: Report, *, hold_back_refused: bool = True,
                     hold_back_advisory: bool = False) -> ExportSplit:
        """Split the working frame into the rows to send and the rows set apart to fix later:
        rows Akinon will refuse (``hold_back_refused``) and rows with problems Akinon accepts
        (``hold_back_advisory``). Returns the ``ExportSplit`` with the counts the pages show."""
        frame = self._require_frame()
        verdicts = self.verdicts(report)
        return self._memoised(("export_split", id(verdicts), hold_back_refused, hold_back_advisory),
                              lambda: split_rows(frame, verdicts, hold_back_refused=hold_back_refused,
                                                 hold_back_advisory=hold_back_advisory))

    # ------------------------------------------------------------------ step 5
    def send(self, client: AkinonClient, history: History, frame: pd.DataFrame, *, force: bool = False,
             on_part: OnPart | None = None) -> Submission:
        """Write ``frame`` as CSV with Akinon's field names and send it, in parts when it is big
        (``PartLimits.from_env()``); returns the Submission once every part has started.

        Raises ``AlreadySubmitted`` (its ``earlier`` is the earlier submission, perhaps one to
        :meth:`resume`) when the same rows went to the same place before, unless ``force``.
        ``on_part`` hears of each part (``addrmig.akinon.sending.SendEvent``).
        """
        from addrmig.akinon.flow import submit
        from addrmig.io import write_table

        data = write_table(frame, "csv")
        stem = (self.file_name or "addresses").rsplit(".", 1)[0]
        history, scope = self._sending_history(client, history)
        return submit(client, history, self.connection.channel_id or "1", data, f"{stem}_akinon.csv", len(frame),
                      force=force, scope=scope, label=self.file_name, on_part=on_part)

    def resume(self, client: AkinonClient, history: History, submission: Submission, *,
               force_uncertain: bool = False, on_part: OnPart | None = None) -> Submission:
        """Continue ``submission`` (sent from here and interrupted): send its parts never started, from the
        copy kept of the file; parts that may have started only with ``force_uncertain``, the user's
        word that Omnitron shows they did not. Returns it as recorded."""
        from addrmig.akinon.flow import resume

        history, _scope = self._sending_history(client, history)
        self.submission = submission
        stem = (self.file_name or "addresses").rsplit(".", 1)[0]
        return resume(client, history, submission.id, filename=f"{stem}_akinon.csv",
                      force_uncertain=force_uncertain, on_part=on_part)

    def _sending_history(self, client: AkinonClient, history: History) -> tuple[History, str | None]:
        """The history to send through, and the scope to record: a rehearsal in the sandbox belongs to
        whoever sends it, wherever the sandbox listens; only a token Akinon accepts opens the
        connection's history and its duplicate guard."""
        from addrmig.akinon.connection import prove_token
        from addrmig.storage.visibility import sandbox_scope

        if self.connection.mode == SANDBOX:
            return history, sandbox_scope(history.viewer.owner)
        if prove_token(client, self.connection.channel_id or "1"):
            self.proven_scopes.add(self.connection.scope)
            history = history.seen_by(history.viewer.proving([self.connection.scope]))
        return history, None

    # ------------------------------------------------------------------ sidebar
    def latest_report(self) -> Report | None:
        """The report of the current version when it has been computed, else None (never computes)."""
        return self._report[1] if self.report_ready else None

    def steps(self, submission: Submission | None = None) -> list[StepState]:
        """The five steps with a short status each, for the sidebar (:func:`addrmig.steps.sidebar_steps`)."""
        return sidebar_steps(self, submission or self.submission)


def _newest_first(*frames: pd.DataFrame | None) -> pd.DataFrame | None:
    """The records of ``frames`` (each newest first, the newest frame first) in one frame, or None."""
    parts = [frame for frame in frames if frame is not None and len(frame)]
    return pd.concat(parts, ignore_index=True) if parts else None
