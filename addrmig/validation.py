"""``validate(frame) -> Report``: every schema problem of an address frame at once,
plus the safe auto-fix (``trim``) and the report writers (CSV, highlighted XLSX).

Rows are always the frame's index: the row number the user's spreadsheet shows.
"""
from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.compute as pc

from addrmig import schema
from addrmig.errors import MissingColumns
from addrmig.fields import BY_NAME, COLUMNS, REQUIRED, heading
from addrmig.formatting import number
from addrmig.i18n import N_, _, ngettext
from addrmig.io.atomic import atomic_output
from addrmig.io.sanitise import neutralise, xlsx_text, xlsx_texts
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


def _column_checks(rules: list[schema.Rule], arrays: dict[str, pa_arrow.ChunkedArray],
                   add: Callable, progress: Progress | None, total: int) -> None:
    text, column = None, None
    for done, rule in enumerate(rules, 1):
        if rule.column != column:
            # One Text per column, so its byte facts are computed once and freed after.
            text, column = schema.as_text(arrays[rule.column]), rule.column
        fails = rule.fails(text)
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
    n = len(frame)
    rules = schema.column_rules()
    total = len(rules) + 1
    rows_of = frame.index.to_numpy()
    if workers > 1 and n >= PARALLEL_ROWS:
        parts = _checks_in_parts(frame, rules, progress, total, workers=workers, here=here, nice=nice)
        add = _collector(parts)[1]
    else:
        parts, add = _collector()
        arrays = {c: schema.as_arrow(frame[c]) for c in COLUMNS}
        # (Running the duplicate search in a thread beside these was measured slower: the
        # GIL hand-offs cost more than the overlap gains.)
        _column_checks(rules, arrays, add, progress, total)
        _duplicate_checks(frame, add, arrays[DUPLICATE_COLUMN])
    _add_ragged_rows(frame, row_problems, add)
    if progress:
        progress(total, total)
    return Report(_failure_table(parts, rows_of), n, frame.index)


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

    units = [_DUPLICATES, *dict.fromkeys(r.column for r in rules)] if units is None else units
    done = (lambda finished, count: progress(finished * (total - 1) // count, total)) if progress else None
    found = map_parts(partial(_check_part, frame, rules), units, on_done=done, **sharing)
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


# --- reports -------------------------------------------------------------------------

def write_report_csv(report: Report) -> bytes:
    """The failures as CSV bytes (UTF-8 with a BOM so Excel reads Turkish letters):
    one line per failure, columns ``row, column, value, severity, check, message``,
    every text cell neutralised against formula injection."""
    table = report.failures.loc[:, list(FAILURE_COLUMNS)].copy()
    table["severity"] = table["severity"].cat.rename_categories([label(s) for s in SEVERITIES])
    for c in ("column", "value", "severity", "check", "message"):
        table[c] = neutralise(table[c])
    table.columns = [label(c) for c in FAILURE_COLUMNS]
    return table.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


#: Cell comments on this many failing cells at most: Excel draws each comment as a shape,
#: and a workbook with tens of thousands of them opens slowly. The Failures sheet lists
#: every message.
COMMENT_LIMIT = 5_000
#: Excel's last row.
EXCEL_MAX_ROWS = 1_048_576
#: Above this many rows (all Excel holds under the header) the Addresses sheet holds only
#: rows with failures (at most this many).
XLSX_ALL_ROWS_LIMIT = EXCEL_MAX_ROWS - 1
#: The Failures sheet lists at most this many failures; the CSV report has them all.
XLSX_FAILURE_LIMIT = EXCEL_MAX_ROWS - 1
#: Rows written to a sheet at a time.
_BLOCK_ROWS = 50_000


def write_report_xlsx(frame: pd.DataFrame, report: Report, *, comment_limit: int = COMMENT_LIMIT,
                      all_rows_limit: int = XLSX_ALL_ROWS_LIMIT,
                      failure_limit: int = XLSX_FAILURE_LIMIT) -> bytes:
    """The XLSX report (see ``save_report_xlsx``) as bytes."""
    out = io.BytesIO()
    save_report_xlsx(frame, report, out, comment_limit=comment_limit, all_rows_limit=all_rows_limit,
                     failure_limit=failure_limit)
    return out.getvalue()


def save_report_xlsx(frame: pd.DataFrame, report: Report, target: str | os.PathLike[str] | BinaryIO, *,
                     comment_limit: int = COMMENT_LIMIT, all_rows_limit: int = XLSX_ALL_ROWS_LIMIT,
                     failure_limit: int = XLSX_FAILURE_LIMIT) -> None:
    """An XLSX workbook written to ``target`` (a path, whole or not at all, or a binary file
    object): sheet "Addresses" with the user's rows, failing cells filled red (errors) or
    amber (warnings) with the messages as cell comments; sheet "Failures" listing the
    failures; sheet "Summary" with counts per column and check and notes on what was
    shortened. Every text cell is stored as text, never a formula, and prefixed with an
    apostrophe where it would start one (``xlsx_text(value, report=True)``).

    When the frame's row numbers ascend, each address sits on the spreadsheet row the
    user's own file had it on (column A repeats the row number anyway). Bounded for big
    inputs, saying so in the Summary sheet: comments on the first ``comment_limit``
    failing cells only; above ``all_rows_limit`` rows, only (the first
    ``all_rows_limit``) rows with a failure; the first ``failure_limit`` failures listed.
    """
    if isinstance(target, (str, os.PathLike)):
        with atomic_output(target) as out:
            save_report_xlsx(frame, report, out, comment_limit=comment_limit, all_rows_limit=all_rows_limit,
                             failure_limit=failure_limit)
        return
    from addrmig.io.xlsx import BOLD, Workbook

    notes: list[str] = []
    with Workbook(target) as book:
        with book.sheet(_("Addresses")) as sheet:
            _addresses_sheet(sheet, frame, report, comment_limit, all_rows_limit, notes)
        with book.sheet(_("Failures")) as sheet:
            sheet.append([label(c) for c in FAILURE_COLUMNS], BOLD)
            limit = min(failure_limit, EXCEL_MAX_ROWS - 1)
            if len(report.failures) > limit:
                notes.append(_("The Failures sheet lists the first {limit} of {n} failures; the CSV report has them "
                               "all.").format(limit=number(limit), n=number(len(report.failures))))
            shown = report.failures.iloc[:limit]
            severities = [label(s) for s in SEVERITIES]
            for start in range(0, len(shown), _BLOCK_ROWS):
                block = shown.iloc[start:start + _BLOCK_ROWS].copy()
                block["severity"] = block["severity"].cat.rename_categories(severities)
                sheet.write_rows(np.arange(start + 2, start + 2 + len(block)),
                                 [_row_labels(block["row"])] + [_report_cells(block[c]) for c in FAILURE_COLUMNS[1:]])
        with book.sheet(_("Summary")) as sheet:
            _summary_sheet(sheet, report, notes)


def _report_cells(values: pd.Series) -> pa_arrow.Array:
    """The values as report cells (``xlsx_text(value, report=True)``), "" for no cell."""
    from addrmig.io.xlsx import text_array

    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("str")
    return xlsx_texts(text_array(values), report=True)


def _row_labels(labels: pd.Series | pd.Index) -> np.ndarray | pa_arrow.Array:
    """Row numbers as number cells; labels that are not whole numbers as text."""
    values = np.asarray(labels)
    if np.issubdtype(values.dtype, np.integer):
        return values
    return _report_cells(pd.Series(values, dtype=object).astype(str))


def _addresses_sheet(sheet, frame: pd.DataFrame, report: Report, comment_limit: int, all_rows_limit: int,
                     notes: list[str]) -> None:
    from addrmig.io.xlsx import AMBER, BOLD, RED

    failures = report.failures
    index = frame.index
    reduced = len(frame) > all_rows_limit
    if reduced:
        failing = pd.Index(failures["row"].unique())
        frame = frame[index.isin(failing)].iloc[:all_rows_limit]
        index = frame.index
        notes.append((_("The file has {rows} rows; the Addresses sheet shows only the {shown} rows with a "
                        "problem.") if len(failing) <= all_rows_limit else
                      _("The file has {rows} rows; the Addresses sheet shows only the first {shown} of the "
                        "{failing} rows with a problem.")).format(rows=number(report.rows), shown=number(len(frame)),
                                                                  failing=number(len(failing)))
                     + " " + _("Column A gives each row's number in your file."))
    aligned = (pd.api.types.is_integer_dtype(index.dtype) and index.is_monotonic_increasing
               and index.is_unique and len(index) > 0 and index[0] >= 2
               and index[-1] <= EXCEL_MAX_ROWS and not reduced)
    if aligned:
        sheet.skip_to(int(index[0]) - 1)  # title rows above the user's header stay empty
    elif not reduced and len(index):
        notes.append(_("Spreadsheet row numbers in the Addresses sheet differ from your file's; "
                       "column A gives each row's number in your file."))
    columns = list(COLUMNS)
    sheet.append([label("row"), *map(heading, columns)], BOLD)
    placed = index.to_numpy() if aligned else np.arange(sheet.next_row, sheet.next_row + len(frame))

    # Each failing cell on the sheet once: its position among the rows, its column, red
    # when one of its failures is an error; in the order of the sheet.
    cells = pd.DataFrame({"row": failures["row"].to_numpy(), "column": failures["column"].cat.codes.to_numpy(),
                          "error": (failures["severity"] == "error").to_numpy()})
    worst = cells.groupby(["row", "column"], sort=False)["error"].max().reset_index()
    worst = (pd.DataFrame({"row": index.to_numpy(), "position": np.arange(len(index))})
             .merge(worst, on="row").sort_values(["position", "column"], kind="stable"))
    styles: list[np.ndarray | None] = [None] * (len(columns) + 1)
    for column, part in worst.groupby("column", sort=False):
        style = np.zeros(len(index), dtype=np.int8)
        style[part["position"].to_numpy()] = np.where(part["error"].to_numpy(), RED, AMBER)
        styles[int(column) + 1] = style

    for start in range(0, len(frame), _BLOCK_ROWS):
        block = frame.iloc[start:start + _BLOCK_ROWS]
        sheet.write_rows(placed[start:start + len(block)],
                         [_row_labels(block.index)] + [_report_cells(block[c]) for c in columns],
                         [s[start:start + len(block)] if s is not None else None for s in styles])

    commented = worst.iloc[:comment_limit]
    wanted = set(zip(commented["row"].tolist(), commented["column"].tolist()))
    messages: dict[tuple, list[str]] = {}
    listed = failures[failures["row"].isin(commented["row"].unique())]
    for row, column, severity, message in zip(listed["row"].tolist(), listed["column"].cat.codes.tolist(),
                                              listed["severity"].astype(str).tolist(), listed["message"].tolist()):
        if (row, column) in wanted:
            messages.setdefault((row, column), []).append(f"{label(severity)}: {message}")
    for row, position, column in zip(commented["row"].tolist(), commented["position"].tolist(),
                                     commented["column"].tolist()):
        text = xlsx_text("\n".join(messages[(row, column)]), report=True)[:30000]
        sheet.comment(int(placed[position]), int(column) + 1, text)
    if len(worst) > comment_limit:
        notes.append(_("Only the first {limit} failing cells carry a comment; every failure is listed in the "
                       "Failures sheet.").format(limit=number(comment_limit)))


def _summary_sheet(sheet, report: Report, notes: list[str]) -> None:
    from addrmig.io.xlsx import BOLD, PLAIN

    for title, count in ((_("rows"), report.rows), (_("rows without errors"), len(report.ok_rows)),
                         (label("errors"), report.error_count), (label("warnings"), report.warning_count)):
        sheet.append([title, int(count)], [BOLD, PLAIN])
    sheet.append([])
    sheet.append([label("column"), label("check"), label("errors"), label("warnings")], BOLD)
    for column, check, errors, warnings in report.summary_table().itertuples(index=False):
        sheet.append([xlsx_text(str(column), report=True), xlsx_text(str(check), report=True),
                      int(errors), int(warnings)])
    sheet.append([])
    for note in notes:
        sheet.append([xlsx_text(note, report=True)])
