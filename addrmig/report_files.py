"""The check report as files for the user: the CSV of every failure, and the XLSX
workbook with the user's rows (failing cells coloured, messages as comments), the
failures and a summary. Every text cell is neutralised against formula injection."""
from __future__ import annotations

import io
import os
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa_arrow

from addrmig.fields import COLUMNS, heading
from addrmig.formatting import number
from addrmig.i18n import _
from addrmig.io.atomic import atomic_output
from addrmig.io.sanitise import neutralise, xlsx_text, xlsx_texts
from addrmig.validation import FAILURE_COLUMNS, SEVERITIES, Report, label


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
