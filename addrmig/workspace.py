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
from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd

from addrmig.errors import AddrmigError, BadArguments
from addrmig.fields import COLUMNS, LOCATION_LEVELS

PAGE_SIZE = 50

#: Place statuses that mean "found in the database".
RESOLVED = ("exact", "normalized", "fuzzy", "chosen", "corrected", "corrections", "manual")

SANDBOX = "sandbox"
AKINON = "akinon"


def sha256(data: bytes) -> str:
    """The hex sha256 of ``data``: the key the app caches file results on."""
    return hashlib.sha256(data).hexdigest()


def plural(n: int | float, word: str, many: str | None = None) -> str:
    """``n`` with thousands separators and the noun in the right number: "1 row", "12,480 rows".

    ``many`` is the plural when it is not ``word + "s"`` (``plural(2, "entry", "entries")``).
    """
    count = f"{n:,}" if isinstance(n, int) or float(n).is_integer() else f"{n:,.1f}"
    if isinstance(n, float) and float(n).is_integer():
        count = f"{int(n):,}"
    return f"{count} {word if n == 1 else (many or word + 's')}"


def page_of(frame: pd.DataFrame, page: int, page_size: int = PAGE_SIZE) -> pd.DataFrame:
    """Rows of ``frame`` for 1-based ``page`` (clamped to the pages that exist)."""
    pages = page_count(len(frame), page_size)
    page = min(max(int(page), 1), pages)
    start = (page - 1) * page_size
    return frame.iloc[start:start + page_size]


def page_count(rows: int, page_size: int = PAGE_SIZE) -> int:
    """How many pages ``rows`` fill; at least 1 so a pager always has a page."""
    return max(1, math.ceil(rows / page_size))


@dataclass
class Connection:
    """Where submissions go. The token lives only in this object in memory."""

    mode: str = SANDBOX
    url: str = ""
    channel_id: str = "1"
    token: str = field(default="", repr=False)

    def __repr__(self) -> str:  # never show the token, even in a debugger
        return f"Connection(mode={self.mode!r}, url={self.url!r}, channel_id={self.channel_id!r}, token={'***' if self.token else ''!r})"

    @property
    def ready(self) -> bool:
        """True when a submission could be attempted with these settings."""
        if self.mode == SANDBOX:
            return True
        return bool(self.url.strip() and self.channel_id.strip() and self.token)


@dataclass
class Edit:
    """One reversible change of the working frame: what, and cell by cell before/after."""

    label: str
    changes: pd.DataFrame  # columns row, column, before, after


@dataclass
class StepState:
    """A line in the sidebar: the step, whether it is done, and a short status."""

    key: str
    title: str
    icon: str  # "✓", "⚠", "…" or ""
    text: str


@dataclass
class ExportSplit:
    """The rows to export or send, and the rows set apart to fix later, with the counts behind them.

    ``unknown_place_rows`` is None when places were never matched (nothing known about them).
    """

    send: pd.DataFrame
    later: pd.DataFrame
    error_rows: int
    unknown_place_rows: int | None
    both_rows: int
    later_error_rows: int
    later_unknown_rows: int
    send_error_rows: int
    send_unknown_rows: int

    def describe_send(self) -> str:
        """What the main file holds, in a sentence for shop staff."""
        text = f"{plural(len(self.send), 'row')}"
        bad = []
        if self.send_error_rows:
            bad.append(f"{plural(self.send_error_rows, 'row')} with errors")
        if self.send_unknown_rows:
            bad.append(f"{plural(self.send_unknown_rows, 'row')} with a place the database does not know")
        if bad:
            return text + ", including " + " and ".join(bad) + " (Akinon will refuse those)"
        if self.unknown_place_rows is None:
            return text + " without errors (places not checked yet)"
        return text + " without errors, every place known"

    def describe_later(self) -> str:
        """What the fix-later file holds, in a sentence for shop staff."""
        if not len(self.later):
            return "nothing"
        parts = []
        if self.later_error_rows:
            parts.append(f"{plural(self.later_error_rows, 'row')} with errors")
        if self.later_unknown_rows:
            parts.append(f"{plural(self.later_unknown_rows, 'row')} with an unknown place")
        both = min(self.later_error_rows, self.later_unknown_rows, self.both_rows)
        text = f"{plural(len(self.later), 'row')}: " + " and ".join(parts)
        if both and len(parts) == 2:
            text += f" ({plural(both, 'row')} {'has' if both == 1 else 'have'} both)"
        return text


class Workspace:
    """Everything one browser session has done so far. See the module docstring."""

    def __init__(self) -> None:
        self.file_name: str | None = None
        self.file_sha: str | None = None
        self.file_size: int = 0
        self.file_bytes: bytes | None = None
        self.options: dict[str, Any] = {}
        self.loaded: Any = None  # addrmig.pipeline.Loaded
        self.original: pd.DataFrame | None = None
        self.frame: pd.DataFrame | None = None
        self.version: int = 0
        self.edits: list[Edit] = []
        self._keys: list[str] = []  # content key of the frame before each edit, for undo
        self._content_key: str = ""
        self._report: tuple[int, Any] | None = None
        self.location_source: str = "bundled"
        self.location_db: Any = None
        self._resolution: tuple[int, Any] | None = None
        self.session_corrections: pd.DataFrame | None = None
        self.connection = Connection()
        self.submission: Any = None
        self.viewing: Any = None  # a submission from history being looked at
        self._memo: dict[tuple, Any] = {}  # derived tables of big objects, see _memoised

    def _memoised(self, key: tuple, build: Callable[[], Any]) -> Any:
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

    def set_loaded(self, name: str, data: bytes, loaded: Any, options: dict[str, Any] | None = None) -> None:
        """Start over from a newly read file: ``loaded`` is ``pipeline.load``'s answer."""
        new_sha = sha256(data)
        same_file = new_sha == self.file_sha
        self.file_name, self.file_sha, self.file_size, self.file_bytes = name, new_sha, len(data), data
        self.options = dict(options or {})
        self.loaded = loaded
        self.original = loaded.frame
        self.frame = loaded.frame.copy()
        self.version += 1
        self.edits = []
        self._keys = []
        self._content_key = sha256(repr((new_sha, sorted(self.options.items(), key=str))).encode())
        self._report = None
        self._resolution = None
        if not same_file:
            self.submission = None

    def clear(self) -> None:
        """Forget the file and everything computed from it (the connection stays)."""
        connection = self.connection
        self.__init__()
        self.connection = connection

    @property
    def rows(self) -> int:
        """Number of data rows in the working frame (0 without a file)."""
        return 0 if self.frame is None else len(self.frame)

    # ------------------------------------------------------------------ edits
    def _require_frame(self) -> pd.DataFrame:
        if self.frame is None:
            raise BadArguments("No file has been loaded yet. Upload a file on the Upload page first.")
        return self.frame

    def _commit(self, label: str, new: pd.DataFrame, changes: pd.DataFrame) -> Edit | None:
        if changes.empty:
            return None
        edit = Edit(label, changes.reset_index(drop=True))
        self.frame = new
        self.edits.append(edit)
        self._keys.append(self._content_key)
        digest = hashlib.sha256(self._content_key.encode())
        digest.update(edit.changes.to_csv(index=False).encode("utf-8", "surrogatepass"))
        self._content_key = digest.hexdigest()
        self.version += 1
        return edit

    def edit_cells(self, values: dict[tuple[int, str], str], label: str = "edited cells") -> Edit | None:
        """Set cells by (row number, column); returns the recorded Edit, or None if nothing changed."""
        frame = self._require_frame()
        records = []
        new = frame.copy()
        for (row, column), value in values.items():
            if column not in COLUMNS:
                raise BadArguments(f"There is no column {column!r}; the columns are {', '.join(COLUMNS)}.")
            if row not in new.index:
                raise BadArguments(f"There is no row {row} in the file.")
            value = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
            before = new.at[row, column]
            if before != value:
                new.at[row, column] = value
                records.append((row, column, before, value))
        return self._commit(label, new, pd.DataFrame(records, columns=["row", "column", "before", "after"]))

    def find_replace(self, column: str, find: str, replace: str, *, whole_cell: bool = False) -> Edit | None:
        """Replace ``find`` by ``replace`` in one column (literal text, case-sensitive).

        With ``whole_cell`` only cells equal to ``find`` change. Returns the Edit or None.
        """
        frame = self._require_frame()
        if column not in COLUMNS:
            raise BadArguments(f"There is no column {column!r}.")
        if find == "" and not whole_cell:
            raise BadArguments("Type the text to find first.")
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
        return self._commit(f"replaced {find!r} with {replace!r} in {column}", new, changes)

    def apply_trim(self) -> Edit | None:
        """The safe auto-fix: trim spaces around every value. Returns the Edit (undoable) or None."""
        frame = self._require_frame()
        new, changes = _trim(frame)
        return self._commit("trimmed spaces", new, changes)

    def undo(self) -> Edit | None:
        """Take back the last edit; returns it, or None when there is nothing to undo."""
        if not self.edits or self.frame is None:
            return None
        edit = self.edits.pop()
        self._content_key = self._keys.pop()
        new = self.frame.copy()
        for column, part in edit.changes.groupby("column", sort=False):
            new.loc[part["row"].to_numpy(), column] = part["before"].to_numpy()
        self.frame = new
        self.version += 1
        return edit

    def content_key(self) -> str:
        """A key that changes exactly when the frame's content does (file, reading options, edits)."""
        return self._content_key

    # ------------------------------------------------------------------ step 2
    def report(self, validate: Callable[[pd.DataFrame], Any] | None = None) -> Any:
        """The validation Report of the current frame, computed once per version.

        ``validate`` lets the app pass a cached wrapper of ``addrmig.validation.validate``.
        """
        frame = self._require_frame()
        if self._report is None or self._report[0] != self.version:
            if validate is None:
                from addrmig.validation import validate
            self._report = (self.version, validate(frame))
        return self._report[1]

    @property
    def report_ready(self) -> bool:
        """True when the report of the current version has been computed."""
        return self._report is not None and self._report[0] == self.version

    def failing_rows(self, report: Any, columns: list[str] | None = None) -> pd.DataFrame:
        """Rows of the working frame with at least one error (optionally in ``columns``), file order."""
        frame = self._require_frame()
        failures = report.failures
        failures = failures[failures["severity"] == "error"]
        if columns:
            failures = failures[failures["column"].isin(columns)]
        rows = pd.Index(failures["row"].unique())
        return frame.loc[frame.index.intersection(rows)]

    # ------------------------------------------------------------------ step 3
    def resolution(self, resolve: Callable[..., Any] | None = None, db: Any = None, corrections: Any = None,
                   progress: Callable[[float, float], None] | None = None) -> Any:
        """The place Resolution for the current frame, computed once per version and reference."""
        frame = self._require_frame()
        db = db if db is not None else self.location_db
        key = (self.version, id(db))
        if self._resolution is None or self._resolution[0] != key:
            if resolve is None:
                from addrmig.locations.resolver import resolve
            self._resolution = (key, resolve(frame, db, corrections=corrections, progress=progress))
        return self._resolution[1]

    @property
    def resolution_ready(self) -> bool:
        """True when places have been resolved for the current version of the frame."""
        return self._resolution is not None and self._resolution[0][0] == self.version

    def current_resolution(self) -> Any:
        """The resolution of the current version if computed, else None."""
        return self._resolution[1] if self.resolution_ready else None

    def resolve_places(self, resolve: Callable[..., Any] | None = None, db: Any = None, corrections: Any = None,
                       progress: Callable[[float, float], None] | None = None) -> Any:
        """Resolve the places of the current frame and write the database's spelling into it.

        The spelling change is recorded as an Edit (shown and undoable like any other);
        the resolution stays valid for the frame it produced. Returns the Resolution.
        """
        if self.resolution_ready:
            return self.current_resolution()
        resolution = self.resolution(resolve, db, corrections, progress)
        self.apply_resolution(resolution)
        self._resolution = ((self.version, self._resolution[0][1]), resolution)
        return resolution

    def use_resolution(self, resolution: Any) -> Edit | None:
        """Make ``resolution`` (e.g. after the user's choices) the current one and write its places."""
        key = self._resolution[0][1] if self._resolution else id(self.location_db)
        edit = self.apply_resolution(resolution)
        self._resolution = ((self.version, key), resolution)
        return edit

    def corrections(self) -> pd.DataFrame | None:
        """Corrections to apply before matching: the remembered ones, then this session's choices."""
        parts = [frame for frame in (load_corrections(), self.session_corrections) if frame is not None and len(frame)]
        return pd.concat(parts[::-1], ignore_index=True) if parts else None

    def choose_places(self, choices: dict[tuple, tuple]) -> Edit | None:
        """Apply the user's choices (written tuple -> place) to every matching row, remember them.

        Returns the Edit made to the frame (None when nothing changed).
        """
        from addrmig.locations.resolver import apply_choices, choices_to_corrections
        resolution = self.current_resolution()
        if resolution is None:
            raise BadArguments("Places have not been matched yet; open the Places page first.")
        records = choices_to_corrections(choices)
        self.session_corrections = records if self.session_corrections is None else pd.concat(
            [self.session_corrections, records], ignore_index=True)
        save_corrections(records)
        return self.use_resolution(apply_choices(resolution, choices))

    def review(self, resolution: Any) -> pd.DataFrame:
        """``review_items(resolution)``, built once per resolution (the Places page reruns on every click)."""
        return self._memoised(("review", id(resolution)), lambda: review_items(resolution))

    def set_locations(self, source: str, db: Any) -> None:
        """Use another place reference; the resolution is recomputed on next use."""
        if source == self.location_source and db is self.location_db:
            return
        self.location_source, self.location_db = source, db
        self._resolution = None

    def apply_resolution(self, resolution: Any) -> Edit | None:
        """Write the resolved place names (database spelling) into the working frame; undoable."""
        frame = self._require_frame()
        fixed = resolution.frame
        changes = _diff(frame, fixed, list(LOCATION_LEVELS))
        new = frame.copy()
        for level in LOCATION_LEVELS:
            new[level] = fixed[level].reindex(new.index).fillna(new[level]).astype(frame[level].dtype)
        return self._commit("places written in the database's spelling", new, changes)

    # ------------------------------------------------------------------ step 4
    def latest_resolution(self) -> Any:
        """The last place resolution computed, even if the frame was edited since (None if never).

        The export and submit pages use it to set apart rows with unknown places; its row
        statuses are by row number, so edits to other columns do not change them.
        """
        return None if self._resolution is None else self._resolution[1]

    def export_split(self, report: Any, resolution: Any = None, *, leave_out_errors: bool = True,
                     leave_out_unknown_places: bool = True) -> "ExportSplit":
        """Split the working frame into the rows to send and the rows to fix later.

        A row goes to "later" when it has an error (``leave_out_errors``) or its place is not
        in the location database (``leave_out_unknown_places``; needs ``resolution``): Akinon
        refuses both. Returns an ``ExportSplit`` with both frames and the counts the page shows.
        """
        frame = self._require_frame()
        return self._memoised(("export_split", id(report), id(resolution), leave_out_errors, leave_out_unknown_places),
                              lambda: self._export_split(frame, report, resolution, leave_out_errors,
                                                         leave_out_unknown_places))

    def _export_split(self, frame: pd.DataFrame, report: Any, resolution: Any, leave_out_errors: bool,
                      leave_out_unknown_places: bool) -> "ExportSplit":
        has_error, unknown = self._memoised(("row_masks", id(report), id(resolution)),
                                            lambda: _row_masks(frame, report, resolution))
        later = (has_error & leave_out_errors) | (unknown & leave_out_unknown_places)
        return ExportSplit(
            send=frame[~later], later=frame[later],
            error_rows=int(has_error.sum()), unknown_place_rows=int(unknown.sum()) if resolution is not None else None,
            both_rows=int((has_error & unknown).sum()),
            later_error_rows=int((has_error & later).sum()), later_unknown_rows=int((unknown & later).sum()),
            send_error_rows=int((has_error & ~later).sum()), send_unknown_rows=int((unknown & ~later).sum()))

    def split_for_export(self, report: Any, leave_out_failing: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(rows to export, rows left out for later). Left-out rows are those with errors."""
        split = self.export_split(report, None, leave_out_errors=leave_out_failing, leave_out_unknown_places=False)
        return split.send, split.later

    # ------------------------------------------------------------------ step 5
    def unresolved_rows(self, resolution: Any) -> int:
        """Rows whose place is still not in the database (ambiguous, unmatched or missing)."""
        status = row_status(resolution)
        return int((~status.isin(RESOLVED)).sum())

    def send(self, client: Any, history: Any, frame: pd.DataFrame, *, force: bool = False) -> Any:
        """Write ``frame`` as CSV with Akinon's field names and start the migration; returns the Submission."""
        from addrmig.akinon.flow import submit
        from addrmig.tabular import write_table
        data = write_table(frame, "csv")
        self.sent_sha = sha256(data)
        self.sent_url = client.base_url
        stem = (self.file_name or "addresses").rsplit(".", 1)[0]
        return submit(client, history, self.connection.channel_id or "1", data, f"{stem}_akinon.csv", len(frame),
                      force=force)

    def earlier_submission(self, history: Any) -> Any:
        """The earlier submission of the file last tried, or None (shown when a resend is refused)."""
        sha = getattr(self, "sent_sha", None)
        for submission in history.list():
            if submission.sha256 == sha and submission.base_url == getattr(self, "sent_url", "").rstrip("/"):
                return submission
        return None

    # ------------------------------------------------------------------ sidebar
    def steps(self) -> list[StepState]:
        """The five steps with a short status each, for the sidebar."""
        out = []
        if self.has_file:
            out.append(StepState("upload", "Upload", "✓", plural(self.rows, "row")))
        else:
            out.append(StepState("upload", "Upload", "", "no file yet"))
        if self.report_ready:
            report = self._report[1]
            errors = report.failures[report.failures["severity"] == "error"]
            if len(errors):
                out.append(StepState("check", "Check & fix", "⚠",
                                     f"{plural(len(errors), 'error')} in {plural(errors['column'].nunique(), 'column')}"))
            else:
                out.append(StepState("check", "Check & fix", "✓", "no errors"))
        else:
            out.append(StepState("check", "Check & fix", "", "not checked yet" if self.has_file else "waiting for a file"))
        res = self.current_resolution()
        if res is not None:
            share = resolved_share(res)
            out.append(StepState("places", "Places", "✓" if share >= 1 else "⚠", f"{share:.1%} of places resolved".replace("%", " %")))
        else:
            out.append(StepState("places", "Places", "", "not resolved yet" if self.has_file else "waiting for a file"))
        out.append(StepState("export", "Export", "", "ready" if self.has_file else "waiting for a file"))
        sub = self.submission
        if sub is not None:
            done = submission_share(sub)
            if done is not None and done >= 1:
                out.append(StepState("submit", "Submit", "✓", "submitted, finished"))
            else:
                text = "submitted" if done is None else f"submitted, {done:.0%} processed".replace("%", " %")
                out.append(StepState("submit", "Submit", "✓", text))
        else:
            out.append(StepState("submit", "Submit", "", "not submitted"))
        return out


def _row_masks(frame: pd.DataFrame, report: Any, resolution: Any) -> tuple[Any, Any]:
    """(has an error, place unknown) as boolean arrays over the frame's rows."""
    import numpy as np
    failures = report.failures
    error_index = pd.Index(failures.loc[failures["severity"] == "error", "row"].unique())
    has_error = frame.index.isin(error_index)
    if resolution is None:
        return has_error, np.zeros(len(frame), dtype=bool)
    status = row_status(resolution)
    # Compare the few distinct statuses, not a million strings.
    codes, uniques = pd.factorize(status, use_na_sentinel=False)
    known = np.isin(codes, [i for i, value in enumerate(uniques) if value in RESOLVED])
    known = pd.Series(known, index=status.index).reindex(frame.index, fill_value=False).to_numpy()
    return has_error, ~known


# ---------------------------------------------------------------------- places review
def place_label(place: tuple[str, ...]) -> str:
    """A place as a person reads it: ``Kütahya › Pazarlar › Atatürk Mah`` (country left out)."""
    parts = [p for p in place[1:] if p]
    return " › ".join(parts) if parts else " › ".join(p for p in place if p)


def place_options(item: Any) -> list[tuple[tuple[str, str, str, str], float]]:
    """The places one review line can be set to, best first, as ((country, city, township, district), score).

    Full-place suggestions when the resolver has them; otherwise the suggestions for the
    first unresolved level, under the levels that were resolved.
    """
    full = [(tuple(place) + ("",) * (4 - len(place)), float(score)) for place, score in (item["suggestions"] or [])]
    if full:
        return full
    level = item.get("level") or ""
    if level not in LOCATION_LEVELS:
        return []
    depth = LOCATION_LEVELS.index(level)
    prefix = tuple(item.get(f"place_{lv}") or item.get(lv) or "" for lv in LOCATION_LEVELS[:depth])
    out = []
    for name, score in item.get(f"suggestions_{level}") or []:
        out.append((prefix + (name,) + ("",) * (3 - depth), float(score)))
    return out


def written_key(item: Any) -> tuple[str, str, str, str]:
    """The written (country, city, township, district) of a review line: the key of a choice."""
    return tuple(str(item[level]) for level in LOCATION_LEVELS)


def review_items(resolution: Any) -> pd.DataFrame:
    """One line per distinct written place that needs the user, most rows first."""
    todo = resolution.unresolved() if hasattr(resolution, "unresolved") else resolution.tuples
    return todo.reset_index(drop=True)


def clear_choices(resolution: Any, min_score: float, items: pd.DataFrame | None = None) -> dict[tuple, tuple]:
    """Choices for every review line whose best suggestion scores ``min_score`` or more AND is
    strictly ahead of the next one (a tie is a question for the user, never a guess).

    ``items`` is ``review_items(resolution)`` when the caller already has it."""
    choices = {}
    for _, item in (review_items(resolution) if items is None else items).iterrows():
        options = place_options(item)
        if not options:
            continue
        best = options[0][1]
        if best < min_score or (len(options) > 1 and options[1][1] >= best):
            continue
        choices[written_key(item)] = options[0][0]
    return choices


# ---------------------------------------------------------------------- helpers
def _trim(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trim via the validation module when it is there; the same rule locally otherwise."""
    try:
        from addrmig.validation import trim
    except ImportError:  # validation not landed yet: same behaviour, vectorised
        new = frame.copy()
        for column in frame.columns:
            new[column] = frame[column].str.strip()
        return new, _diff(frame, new, list(frame.columns))
    new, changes = trim(frame)
    if not isinstance(changes, pd.DataFrame):
        changes = pd.DataFrame(list(changes), columns=["row", "column", "before", "after"])
    return new, changes[["row", "column", "before", "after"]]


def _diff(old: pd.DataFrame, new: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Cell-by-cell changes between two frames with the same index, as row/column/before/after."""
    parts = []
    for column in columns:
        before = old[column]
        after = new[column].reindex(old.index).fillna(before)
        changed = before != after
        if changed.any():
            parts.append(pd.DataFrame({"row": old.index[changed], "column": column,
                                       "before": before[changed].to_numpy(), "after": after[changed].to_numpy()}))
    if not parts:
        return pd.DataFrame(columns=["row", "column", "before", "after"])
    return pd.concat(parts, ignore_index=True)


def resolved_share(resolution: Any) -> float:
    """Share of rows whose place was found (exact, normalized, fuzzy or chosen)."""
    status = row_status(resolution)
    if len(status) == 0:
        return 1.0
    return float(status.isin(RESOLVED).mean())


def row_status(resolution: Any) -> pd.Series:
    """Per-row place status of a Resolution, whatever the attribute is called."""
    for name in ("row_status", "status", "statuses"):
        value = getattr(resolution, name, None)
        if callable(value):
            value = value()
        if isinstance(value, pd.Series):
            return value
    raise AddrmigError("The place resolution has no per-row status.")


def submission_share(submission: Any) -> float | None:
    """processed/total of the last known progress of a submission, or None when unknown."""
    total = getattr(submission, "total", 0) or 0
    if not total:
        return None
    return min(1.0, (getattr(submission, "processed", 0) or 0) / total)


def samples_frame(samples: list[Any]) -> pd.DataFrame:
    """Progress samples as a table: time (datetime), processed, errors, total."""
    frame = pd.DataFrame([(s.at, s.processed, s.errors, s.total) for s in samples],
                         columns=["time", "processed", "errors", "total"])
    frame["time"] = pd.to_datetime(frame["time"], utc=True, format="ISO8601")
    return frame


def progress_figures(submission: Any, samples: pd.DataFrame) -> dict[str, Any]:
    """What the live view shows: share done, counts, speed (rows/s) and time left, as numbers and text."""
    total = int(getattr(submission, "total", 0) or getattr(submission, "rows", 0) or 0)
    processed = int(getattr(submission, "processed", 0) or 0)
    errors = int(getattr(submission, "errors", 0) or 0)
    share = min(1.0, processed / total) if total else 0.0
    speed = 0.0
    if len(samples) >= 2:
        first, last = samples.iloc[0], samples.iloc[-1]
        seconds = (last["time"] - first["time"]).total_seconds()
        if seconds > 0:
            speed = max(0.0, (last["processed"] - first["processed"]) / seconds)
    if total and processed >= total:
        eta, headline = "done", f"Finished: {processed:,} of {plural(total, 'row')} processed"
    elif speed > 0:
        left = (total - processed) / speed
        eta = f"{left:,.0f} s" if left < 120 else f"{left / 60:,.0f} min"
        headline = f"{share:.0%} processed".replace("%", " %")
    else:
        eta, headline = "—", ("waiting for the server to start" if not processed else f"{share:.0%} processed".replace("%", " %"))
    return {"total": total, "processed": processed, "errors": errors, "share": share, "speed": speed,
            "eta": eta, "headline": headline}


def login(url: str, username: str, password: str) -> str:
    """Ask Akinon for a token with a user name and password; returns the token (kept in memory only)."""
    from addrmig.akinon.client import AkinonClient
    with AkinonClient(url) as client:
        return client.login(username, password)


def test_connection(connection: Connection) -> str:
    """Check the URL, the channel id and the token with harmless requests; returns a sentence for the user.

    Tells apart, each with an AddrmigError saying what to do:
    - a URL that cannot be reached (connection refused, unknown host, time-out);
    - a URL that answers but is not Akinon: Commerce serves its location list publicly as
      paginated JSON at ``/address/country/``; a web page, a redirect, or a 404 there AND on
      the migration API means a wrong address (a 404 alone used to pass as success);
    - a refused token: the progress endpoint checks the token before anything else (401/403);
    - a channel id that is not a number.
    Whether the channel exists cannot be asked beforehand: for an unknown migration Akinon
    answers 404 whatever the channel, so the sentence says the channel is checked on sending.
    """
    from addrmig.akinon.client import AkinonClient
    from addrmig.errors import AkinonAuthError, AkinonBadResponse, AkinonNotFound
    channel = str(connection.channel_id).strip()
    if not channel.isdigit():
        raise BadArguments(f"The channel id must be a number (got {channel!r}); find it in Omnitron under "
                           "Sales Channels.")
    with AkinonClient(connection.url, connection.token or None, timeout=(5, 10), retries=0) as client:
        base = client.base_url
        locations = "unknown"
        try:
            body = client.get_json("/address/country/", params={"page_size": 1})
            paginated = isinstance(body.get("results"), list) and "count" in body
            locations = "yes" if paginated else "no"
        except AkinonNotFound:
            locations = "no"
        except AkinonBadResponse as error:  # a web page or a redirect: not the API
            raise AkinonBadResponse(
                f"{base} answers, but not as Akinon's API does: {error} Use the API address of your "
                "Akinon Commerce installation (ask Akinon support if unsure).") from None
        except AkinonAuthError:
            locations = "unknown"  # some installations protect the list; the token check below decides
        try:
            client.get_progress(channel, "0" * 32)
        except AkinonAuthError:
            raise AkinonAuthError(
                f"{base} is reachable but refused the API token. Check the token (copy it again, or log "
                "in below to get a new one).") from None
        except AkinonNotFound:
            # After the token check, Akinon answers 404 for a migration that does not exist:
            # expected here, but only trusted when the server also looks like Akinon.
            if locations == "no":
                raise AkinonNotFound(
                    f"{base} answers 'not found' to Akinon's address list and migration API alike: this is "
                    "probably not the right address. Use your Akinon Commerce API address, e.g. "
                    "https://yourshop.akinon.net, without any path after it.") from None
        return (f"Connected to {base}: it answers like Akinon and accepted the token. The channel id "
                f"({channel}) cannot be checked in advance; Akinon checks it when you send.")


# ---------------------------------------------------------------------- adapters
def load_bytes(data: bytes, name: str, *, sheet: str | None = None, encoding: str | None = None,
               delimiter: str | None = None, header_row: int | None = None,
               overrides: dict[str, str | None] | None = None) -> Any:
    """Read an uploaded file into ``Loaded(table, mapping, frame)`` (``pipeline.load`` on bytes)."""
    from addrmig.pipeline import load
    return load(data, name, sheet=sheet, encoding=encoding, delimiter=delimiter, header_row=header_row,
                overrides=overrides)


def mapping_table(mapping: Any, headers: list[str]) -> pd.DataFrame:
    """The column mapping as a table: column, field ("" when ignored), confidence 0–100, how."""
    chosen = dict(getattr(mapping, "mapping", None) or {})
    confidence = dict(getattr(mapping, "confidence", None) or {})
    method = dict(getattr(mapping, "method", None) or getattr(mapping, "methods", None) or {})
    rows = []
    for header in headers:
        field_name = chosen.get(header) or ""
        rows.append((header, field_name, int(round(float(confidence.get(header, 0) or 0))) if field_name else 0,
                     str(method.get(header, "") or ("" if field_name else "not used"))))
    return pd.DataFrame(rows, columns=["column", "field", "confidence", "how"])


def load_corrections() -> pd.DataFrame:
    """The corrections remembered from earlier files."""
    from addrmig.locations.corrections import Corrections
    return Corrections().load()


def save_corrections(records: pd.DataFrame) -> None:
    """Remember confirmed choices for later files."""
    from addrmig.locations.corrections import Corrections
    if len(records):
        Corrections().save(records)


