"""``validate(frame) -> Report``: every schema problem of an address frame at once,
plus the safe auto-fix (``trim``) and the report writers (CSV, highlighted XLSX).

Rows are always the frame's index: the row number the user's spreadsheet shows.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.compute as pc

from addrmig import schema
from addrmig.errors import MissingColumns
from addrmig.fields import BY_NAME, COLUMNS, REQUIRED
from addrmig.formatting import number
from addrmig.i18n import N_, _, ngettext
from addrmig.io.table import RaggedRow

#: Stable check codes, in the order failures of one cell are listed.
CHECKS: tuple[str, ...] = ("required", "max_length", "email", "phone", "digits", "control_chars",
                           "whitespace", "formula", "cell_error", "ragged_row", "duplicate")
#: The checks Akinon's documented rules enforce itself: a row failing one of these is
#: refused by the migration (the others are refused by addrmig before it sends).
AKINON_CHECKS: tuple[str, ...] = ("required", "max_length")
SEVERITIES: tuple[str, ...] = ("error", "warning")
FAILURE_COLUMNS: tuple[str, ...] = ("row", "column", "value", "severity", "check", "message")
#: The headings of the report's columns and the severities, translated where a report is written;
#: the values (row numbers, field names, check codes) stay as they are.
LABELS: dict[str, str] = {
    "row": N_("row"), "column": N_("column"), "value": N_("value"), "severity": N_("severity"), "check": N_("check"),
    "message": N_("message"), "error": N_("error"), "warning": N_("warning"), "errors": N_("errors"),
    "warnings": N_("warnings"),
}


def label(word: str) -> str:
    """A heading or severity of the report in the current language."""
    return _(LABELS[word]) if word in LABELS else word
#: The column a duplicate-address warning is attached to.
DUPLICATE_COLUMN = "line"
#: The column a ragged-row error (the row had another number of fields than the header) is
#: attached to: the address line is where a stray delimiter usually hides.
RAGGED_COLUMN = "line"

Progress = Callable[[float, float], None]


def _message(rule: schema.Rule) -> str:
    """The fixed part of the sentence a person reads for a failing value."""
    sentence = {
        "required": _("{column} is required but empty; fill it in"),
        "email": _("{column} is not a valid e-mail address (expected something like name@example.com)"),
        "phone": _("{column} is not a valid phone number: a Turkish number (e.g. 0532 123 45 67) or an "
                   "international one starting with + and the country code"),
        "digits": _("{column} must contain digits only"),
        "control_chars": _("{column} contains a line break or control character; remove it"),
        "whitespace": _("{column} has leading or trailing spaces; trimming fixes this"),
    }.get(rule.check, "")
    return sentence.format(column=rule.column)


def _around(sentence: str, slot: str, **values: object) -> tuple[str, str]:
    """``sentence`` with ``values`` filled in, cut in two at ``{slot}``: the text before and after
    the one value that differs from row to row (joined in by Arrow)."""
    before, after = sentence.format(**values, **{slot: "\0"}).split("\0", 1)
    return before, after


def _add_ragged_rows(frame: pd.DataFrame, row_problems: Sequence[RaggedRow], add: Callable) -> None:
    """Add a ``ragged_row`` error for each of ``row_problems`` (rows the reader read as best it
    could, ``Table.row_problems``) whose row is still in the frame."""
    if not row_problems:
        return
    positions = frame.index.get_indexer([p.row for p in row_problems])
    found = [(int(i), p) for i, p in zip(positions, row_problems, strict=True) if i >= 0]
    if found:
        add(np.array([i for i, _p in found], dtype=np.int64), RAGGED_COLUMN, "ragged_row", "error",
            pa_arrow.array([p.line for _i, p in found], type=pa_arrow.large_string()),
            pa_arrow.array([_("row {message}").format(message=p.message) for _i, p in found],
                           type=pa_arrow.large_string()))


@dataclass
class Report:
    """The outcome of ``validate``.

    ``failures`` has one row per failing (row, column, check) with the columns
    ``row, column, value, severity, check, message``; ``column``, ``severity`` and
    ``check`` are categoricals.
    """
    failures: pd.DataFrame
    rows: int
    index: pd.Index = field(repr=False)

    @cached_property
    def error_rows(self) -> pd.Index:
        """Rows (spreadsheet row numbers) with at least one error, ascending."""
        return pd.Index(np.unique(self.failures["row"].to_numpy()[self._is_error]), name="row")

    @cached_property
    def refused_rows(self) -> pd.Index:
        """Rows Akinon itself would refuse (an error in ``AKINON_CHECKS``), ascending."""
        refused = self._is_error & self.failures["check"].isin(AKINON_CHECKS).to_numpy()
        return pd.Index(np.unique(self.failures["row"].to_numpy()[refused]), name="row")

    @cached_property
    def warning_rows(self) -> pd.Index:
        """Rows with at least one warning, ascending."""
        return pd.Index(np.unique(self.failures["row"].to_numpy()[~self._is_error]), name="row")

    @cached_property
    def ok_rows(self) -> pd.Index:
        """Rows with no error (warnings allowed), in the frame's order."""
        return self.index[~self.index.isin(self.error_rows)]

    @cached_property
    def _is_error(self) -> np.ndarray:
        return (self.failures["severity"] == "error").to_numpy()

    @property
    def has_errors(self) -> bool:
        """True when at least one error (not just warnings) was found."""
        return bool(self._is_error.any())

    @property
    def error_count(self) -> int:
        return int(self._is_error.sum())

    @property
    def warning_count(self) -> int:
        return int(len(self.failures) - self._is_error.sum())

    def counts(self, by: str = "column") -> pd.DataFrame:
        """Failures counted per ``by`` ("column" or "check") and severity: a DataFrame
        indexed by every column (or check code) with integer columns ``error`` and
        ``warning``, zeros included."""
        if by not in ("column", "check"):
            raise ValueError("by must be 'column' or 'check'")
        table = pd.crosstab(self.failures[by], self.failures["severity"], dropna=False)
        table = table.reindex(index=list(COLUMNS if by == "column" else CHECKS),
                              columns=list(SEVERITIES), fill_value=0).astype("int64")
        table.index.name, table.columns.name = by, None
        return table

    @property
    def by_column(self) -> pd.DataFrame:
        """``counts("column")``."""
        return self.counts("column")

    @property
    def by_check(self) -> pd.DataFrame:
        """``counts("check")``."""
        return self.counts("check")

    @property
    def by_severity(self) -> dict[str, int]:
        """``{"error": n, "warning": m}``."""
        return {"error": self.error_count, "warning": self.warning_count}

    def summary_table(self) -> pd.DataFrame:
        """Errors and warnings per column and check, only the non-zero lines: columns
        ``column, check, errors, warnings``, for a UI table or the CLI."""
        if self.failures.empty:
            return pd.DataFrame({"column": [], "check": [], "errors": [], "warnings": []})
        table = (self.failures.groupby(["column", "check", "severity"], observed=True).size()
                 .unstack("severity", fill_value=0).reindex(columns=list(SEVERITIES), fill_value=0))
        table = table[(table["error"] + table["warning"]) > 0].reset_index()
        return table.rename(columns={"error": "errors", "warning": "warnings"})[
            ["column", "check", "errors", "warnings"]]

    def summary(self) -> str:
        """A few lines a person reads: rows, rows without errors, and per column the
        errors and warnings by check."""
        errors = ngettext("{n} error", "{n} errors", self.error_count).format(n=number(self.error_count))
        warnings = ngettext("{n} warning", "{n} warnings", self.warning_count).format(n=number(self.warning_count))
        lines = [ngettext("{n} row checked: {ok} without errors, {failing} with errors; {errors} and {warnings} in all.",
                          "{n} rows checked: {ok} without errors, {failing} with errors; {errors} and {warnings} in "
                          "all.", self.rows).format(n=number(self.rows), ok=number(len(self.ok_rows)),
                                                    failing=number(len(self.error_rows)), errors=errors,
                                                    warnings=warnings)]
        table = self.summary_table()
        for column, part in table.groupby("column", sort=False, observed=True):
            bits = [ngettext("{n} {check} error", "{n} {check} errors", n).format(n=number(n), check=check)
                    for check, n in zip(part["check"], part["errors"]) if n]
            bits += [ngettext("{n} {check} warning", "{n} {check} warnings", n).format(n=number(n), check=check)
                     for check, n in zip(part["check"], part["warnings"]) if n]
            lines.append(f"  {column}: " + ", ".join(bits))
        if not self.has_errors:
            lines.append(_("No errors: the file can be submitted.") if not self.warning_count else
                         _("No errors; the warnings are worth a look but do not block submission."))
        return "\n".join(lines)


def _check_columns(frame: pd.DataFrame) -> None:
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        required = _(" (required by Akinon)") if any(c in REQUIRED for c in missing) else ""
        raise MissingColumns(
            _("The table has no column for {columns}{required}; map a column of the file to each of them and "
              "check again.").format(columns=", ".join(missing), required=required))


def _join(*parts) -> pa_arrow.Array:
    """Element-wise concatenation of text arrays and fixed strings."""
    parts = [pa_arrow.scalar(p, pa_arrow.large_string()) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*parts, pa_arrow.scalar("", pa_arrow.large_string()))


def _repeat(text: str, n: int) -> pa_arrow.Array:
    return pa_arrow.array([text], type=pa_arrow.large_string()).take(np.zeros(n, dtype=np.int64))


#: Columns whose rules are tested on each distinct value once (their e-mail and phone tests
#: cost most per value, and customers with several addresses repeat them): on a million rows
#: the e-mail column's rules took 1.09 s, 0.39 s so with 411,000 distinct values (0.86 s with
#: every value distinct), the phone column's 0.34 s, 0.18 s.
PER_DISTINCT = tuple(f.name for f in BY_NAME.values() if f.kind in ("email", "phone"))


def _column_checks(rules: list[schema.Rule], arrays: dict[str, pa_arrow.ChunkedArray],
                   add: Callable, progress: Progress | None, total: int) -> None:
    text, column, codes = None, None, None
    for done, rule in enumerate(rules, 1):
        if rule.column != column:
            # One Text per column, so its byte facts are computed once and freed after.
            column, codes = rule.column, None
            tested = arrays[column]  # every value, or each distinct one (its rows by ``codes``)
            if column in PER_DISTINCT and len(tested):
                encoded = pc.dictionary_encode(tested.combine_chunks(), null_encoding="encode")
                tested, codes = encoded.dictionary, np.asarray(encoded.indices)
            text = schema.as_text(tested)
        fails = rule.fails(text) if codes is None else rule.fails(text)[codes]
        positions = np.flatnonzero(fails)
        if len(positions):
            values = schema.take(arrays[rule.column], positions)
            if rule.check == "max_length":
                lengths = pc.cast(pc.utf8_length(values), pa_arrow.large_string())
                before, after = _around(_("{column} has {length} characters; Akinon accepts at most {limit}"),
                                        "length", column=rule.column, limit=BY_NAME[rule.column].max_length)
                messages = _join(before, lengths, after)
            elif rule.check == "cell_error":
                before, after = _around(_("{column} holds the spreadsheet error {value}: the formula that filled it "
                                          "failed; type the real value"), "value", column=rule.column)
                messages = _join(before, values, after)
            elif rule.check == "formula":
                before, after = _around(_("{column} starts with '{first}', which spreadsheet programs run as a "
                                          "formula; check the value is meant"), "first", column=rule.column)
                messages = _join(before, pc.utf8_slice_codeunits(values, 0, 1), after)
            else:
                messages = _repeat(_message(rule), len(positions))
            add(positions, rule.column, rule.check, rule.severity, values, messages)
        if progress:
            progress(done, total)


#: From this many rows, given workers to share them (``validate(workers=)``), the checks run
#: in parts: one column's rules, or the duplicate search.
PARALLEL_ROWS = 100_000
_DUPLICATES = "duplicates"


def validate(frame: pd.DataFrame, progress: Progress | None = None, *,
             row_problems: Sequence[RaggedRow] = (), workers: int = 1, here: bool = True, nice: int = 0) -> Report:
    """Check an address frame against every Akinon rule at once.

    Returns a ``Report`` whose ``failures`` list every failing value, ordered by row,
    then column (field-table order), then check. ``row_problems`` (``Table.row_problems``:
    rows the reader read as best it could) become ``ragged_row`` errors. ``progress(done,
    total)`` is called as columns are done. Raises ``MissingColumns`` when an Akinon column
    is absent.

    From :data:`PARALLEL_ROWS` rows and ``workers`` > 1 the checks are shared out to forked
    worker processes (:func:`addrmig.parallel.map_parts`, with its ``here`` and ``nice``); the
    report is the same.
    """
    _check_columns(frame)
    rules = schema.column_rules()
    total = len(rules) + 1
    if workers > 1 and len(frame) >= PARALLEL_ROWS:
        parts = _checks_in_parts(frame, rules, progress, total, workers=workers, here=here, nice=nice)
    else:
        parts, add = _collector()
        arrays = {c: schema.as_arrow(frame[c]) for c in COLUMNS}
        # (Running the duplicate search in a thread beside these was measured slower: the
        # GIL hand-offs cost more than the overlap gains.)
        _column_checks(rules, arrays, add, progress, total)
        _duplicate_checks(frame, add, arrays[DUPLICATE_COLUMN])
    report = _report_of(frame, parts, row_problems)
    if progress:
        progress(total, total)
    return report


def _report_of(frame: pd.DataFrame, parts: dict[str, list], row_problems: Sequence[RaggedRow]) -> Report:
    """The report of ``frame`` from the failures its checks collected (``parts``), with the
    ``ragged_row`` errors of ``row_problems`` added."""
    _add_ragged_rows(frame, row_problems, _collector(parts)[1])
    return Report(_failure_table(parts, frame.index.to_numpy()), len(frame), frame.index)


def _duplicate_checks(frame: pd.DataFrame, add: Callable, values: pa_arrow.ChunkedArray | None = None) -> None:
    """The ``duplicate`` warnings (``values``: the duplicate column as Arrow, when made already)."""
    repeat, first = schema.duplicates(frame[list(schema.DUPLICATE_KEY)])
    positions = np.flatnonzero(repeat)
    if len(positions):
        first_rows = pa_arrow.array(frame.index.to_numpy()[first[positions]].astype(str), type=pa_arrow.large_string())
        before, after = _around(_("duplicate of row {row}: same user, line, city, township and district"), "row")
        messages = _join(before, first_rows, after)
        add(positions, DUPLICATE_COLUMN, "duplicate", "warning",
            schema.take(values if values is not None else schema.as_arrow(frame[DUPLICATE_COLUMN]), positions),
            messages)


def _check_part(frame: pd.DataFrame, rules: list[schema.Rule], unit: str) -> dict[str, list]:
    """The failures of one part of the checks: the rules of the column ``unit``, or the duplicate search."""
    parts, add = _collector()
    if unit == _DUPLICATES:
        _duplicate_checks(frame, add)
    else:
        _column_checks([r for r in rules if r.column == unit], {unit: schema.as_arrow(frame[unit])}, add, None, 0)
    return parts


def _checks_in_parts(frame: pd.DataFrame, rules: list[schema.Rule], progress: Progress | None, total: int,
                     units: list[str] | None = None, **sharing) -> dict[str, list]:
    """The failures of the checks ``units`` (columns, or the duplicate search; default every
    check, the duplicate search, the longest part, first), the parts shared out as ``sharing``
    says (:func:`addrmig.parallel.map_parts`); gathered in any order, as :func:`_failure_table`
    puts them in order."""
    from functools import partial

    from addrmig.parallel import map_parts

    units = _every_unit(rules) if units is None else units
    done = (lambda finished, count: progress(finished * (total - 1) // count, total)) if progress else None
    return _joined(map_parts(partial(_check_part, frame, rules), units, on_done=done, **sharing))


def validate_started(frame: pd.DataFrame, *, row_problems: Sequence[RaggedRow] = (), workers: int
                     ) -> Callable[[], Report]:
    """:func:`validate` begun now by ``workers`` threads while this thread goes on (``fix``
    writes the corrected file meanwhile); the function returned waits for them and gives the
    same report. Threads, not forked processes: the checks run in Arrow and numpy, mostly
    without the GIL, and a fork after the places were matched cost more than it saved (the
    pages this process writes to while the children live are copied: on a million rows,
    about a second of system time)."""
    from concurrent.futures import ThreadPoolExecutor
    from functools import partial

    _check_columns(frame)
    rules = schema.column_rules()
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="addrmig-checks")
    checks = [pool.submit(partial(_check_part, frame, rules), unit) for unit in _every_unit(rules)]
    pool.shutdown(wait=False)  # the threads end when the last part is done

    return lambda: _report_of(frame, _joined([check.result() for check in checks]), row_problems)


def _every_unit(rules: list[schema.Rule]) -> list[str]:
    """Every part of the checks: the duplicate search (the longest) first, then each column's rules."""
    return [_DUPLICATES, *dict.fromkeys(r.column for r in rules)]


def _joined(found: list[dict[str, list]]) -> dict[str, list]:
    """The collected failures of the parts of the checks, as one collection."""
    return {key: [piece for part in found for piece in part[key]] for key in _collector()[0]}


def with_row_problems(report: Report, frame: pd.DataFrame, row_problems: Sequence[RaggedRow]) -> Report:
    """``report`` (of ``frame``, made without ``row_problems``) with their ``ragged_row`` errors
    added in order: the same ``Report`` as ``validate(frame, row_problems=row_problems)``."""
    parts, add = _collector()
    _add_ragged_rows(frame, row_problems, add)
    if not parts["pos"]:
        return report
    added = _failure_table(parts, frame.index.to_numpy())
    # The report is in (row position, column, check) order already: a stable sort on that
    # key slots the few new lines in.
    failures = in_report_order(pd.concat([report.failures, added], ignore_index=True), frame.index)
    return Report(failures, report.rows, report.index)


def in_report_order(failures: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """``failures`` (lines of reports of a frame with ``index``) in the order :func:`validate` gives:
    row position, then column, then check (a stable sort: lines in order already stay so)."""
    rows = failures["row"].to_numpy()
    positions = rows if index.is_monotonic_increasing and index.is_unique else index.get_indexer(rows)
    key = (positions.astype(np.int64) << 16) | (failures["column"].cat.codes.to_numpy().astype(np.int64) << 8) \
        | failures["check"].cat.codes.to_numpy().astype(np.int64)
    return failures.take(np.argsort(key, kind="stable")).reset_index(drop=True)


def _collector(parts: dict[str, list] | None = None) -> tuple[dict[str, list], Callable]:
    """(parts, add): ``add(positions, column, check, severity, values, messages)`` collects
    failures into ``parts`` (new, or the ones given) for ``_failure_table``."""
    if parts is None:
        parts = {k: [] for k in ("pos", "column", "check", "severity", "value", "message")}

    def add(positions: np.ndarray, column: str, check: str, severity: str, values: pa_arrow.Array,
            messages: pa_arrow.Array) -> None:
        parts["pos"].append(positions)
        parts["column"].append(np.full(len(positions), COLUMNS.index(column), dtype=np.int8))
        parts["check"].append(np.full(len(positions), CHECKS.index(check), dtype=np.int8))
        parts["severity"].append(np.full(len(positions), SEVERITIES.index(severity), dtype=np.int8))
        parts["value"].append(values)
        parts["message"].append(messages)

    return parts, add


def _failure_table(parts: dict[str, list], rows_of: np.ndarray) -> pd.DataFrame:
    if not parts["pos"]:
        empty = pa_arrow.chunked_array([], type=pa_arrow.large_string())
        pos = np.zeros(0, dtype=np.int64)
        column = check = severity = np.zeros(0, dtype=np.int8)
        values = messages = empty
    else:
        pos = np.concatenate(parts["pos"])
        column, check, severity = (np.concatenate(parts[k]) for k in ("column", "check", "severity"))
        values = pa_arrow.chunked_array([c for v in parts["value"] for c in
                                         (v.chunks if isinstance(v, pa_arrow.ChunkedArray) else [v])],
                                        type=pa_arrow.large_string())
        messages = pa_arrow.chunked_array([c for v in parts["message"] for c in
                                           (v.chunks if isinstance(v, pa_arrow.ChunkedArray) else [v])],
                                          type=pa_arrow.large_string())
    order = np.lexsort((check, column, pos))
    text = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype
    return pd.DataFrame({
        "row": rows_of[pos[order]] if len(pos) else rows_of[:0],
        "column": pd.Categorical.from_codes(column[order], categories=list(COLUMNS)),
        # one array before the take: Arrow's take over many chunks costs far more than joining them
        "value": pd.Series(pd.arrays.ArrowExtensionArray(values.combine_chunks().take(order)), copy=False).astype(text),
        "severity": pd.Categorical.from_codes(severity[order], categories=list(SEVERITIES)),
        "check": pd.Categorical.from_codes(check[order], categories=list(CHECKS)),
        "message": pd.Series(pd.arrays.ArrowExtensionArray(messages.combine_chunks().take(order)),
                             copy=False).astype(text),
    })
