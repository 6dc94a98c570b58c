"""JSON (a list of objects) and NDJSON (one object per line) read into a ``Table`` of text.

Numbers stay as written: long digit strings keep every digit, 1.0 becomes "1".
"""
from __future__ import annotations

import decimal
import json
from typing import Any

import pandas as pd

from addrmig.errors import UnreadableFile
from addrmig.i18n import _
from addrmig.io.table import Reading, Table, check_field_lengths, drop_empty_rows, unique_headers


def read_json(data: bytes, fmt: str, reading: Reading) -> Table:
    """UTF-8 ``data`` as a ``Table``: ``fmt`` "json" (a list of objects) or "ndjson" (one object
    a line; a "json" file that turns out to be one is read as such)."""
    label, notes = reading.label, reading.notes
    text = data.decode("utf-8").lstrip("\ufeff")
    if fmt == "json":
        try:
            parsed = _json_loads(text)
        except json.JSONDecodeError as error:
            if error.msg == "Extra data" and text.lstrip().startswith("{"):
                fmt = "ndjson"  # one object per line, whatever the file is called
            else:
                raise UnreadableFile(_("{label} is not valid JSON: {msg} at line {lineno}, column {colno}. Fix the file or export "
                                       "it again.").format(label=label, msg=error.msg, lineno=error.lineno, colno=error.colno)) from None
        else:
            if isinstance(parsed, dict):
                lists = [k for k, v in parsed.items() if isinstance(v, list)]
                hint = (" " + _("Its key {key} holds a list: save that list alone as the file.").format(
                    key=repr(lists[0])) if lists else "")
                raise UnreadableFile(_("{label} is a JSON object, but addrmig needs a list of address objects ([{{...}}, "
                                       "{{...}}]).{hint}").format(label=label, hint=hint))
            if not isinstance(parsed, list):
                raise UnreadableFile(_("{label} holds a single JSON {kind}, not a list of address objects ([{{...}}, {{...}}]).").format(label=label, kind=type(parsed).__name__))
            rows = list(enumerate(parsed, start=1))
            notes.insert(0, _("Read as JSON (a list of objects)."))
            return _json_table(rows, "json", reading, "item")
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            rows.append((number, _json_loads(line)))
        except json.JSONDecodeError as error:
            raise UnreadableFile(_("{label}: line {number} is not valid JSON ({msg} at column {colno}). Each line must hold "
                                   "one address object; fix that line and try again.").format(label=label, number=number, msg=error.msg, colno=error.colno)) from None
    notes.insert(0, _("Read as NDJSON (one object per line)."))
    return _json_table(rows, "ndjson", reading, "line")


def _json_loads(text: str) -> Any:
    # Numbers stay as written: long digit strings keep every digit, 1.0 becomes "1".
    return json.loads(text, parse_int=str, parse_float=_json_float, parse_constant=str)


def _json_float(literal: str) -> str:
    try:
        value = decimal.Decimal(literal)
    except decimal.InvalidOperation:  # pragma: no cover - json only hands over valid literals
        return literal
    if value == value.to_integral_value() and abs(value.adjusted()) < 40:
        return str(value.quantize(decimal.Decimal(1)))
    return literal


def _json_table(rows: list[tuple[int, Any]], fmt: str, reading: Reading, unit: str) -> Table:
    label, limits, notes = reading.label, reading.limits, reading.notes
    if len(rows) > limits.max_rows:
        raise limits.exceeded("max_rows", len(rows), _("of {label}").format(label=label))
    keys: dict[str, None] = {}
    for number, row in rows:
        if not isinstance(row, dict):
            kind = "list" if isinstance(row, list) else "value" if row is not None else "null"
            sentence = (_("{label}: item {number} is a JSON {kind}, not an object with address fields. Every item "
                          "must be {{\"field\": \"value\", ...}}.") if unit == "item" else
                        _("{label}: line {number} is a JSON {kind}, not an object with address fields. Every line "
                          "must be {{\"field\": \"value\", ...}}."))
            raise UnreadableFile(sentence.format(label=label, number=number, kind=kind))
        for key, value in row.items():
            if isinstance(value, (dict, list)):
                sentence = (_("{label}: item {number}, field {key} holds a nested {nested}; addrmig needs one plain "
                              "value per field (text, number or null). Flatten it and try again.") if unit == "item" else
                            _("{label}: line {number}, field {key} holds a nested {nested}; addrmig needs one plain "
                              "value per field (text, number or null). Flatten it and try again."))
                raise UnreadableFile(sentence.format(label=label, number=number, key=repr(key),
                                                     nested="object" if isinstance(value, dict) else "list"))
            if key not in keys:
                keys[key] = None
                if len(keys) > limits.max_columns:
                    raise limits.exceeded("max_columns", len(keys), _("of {label}").format(label=label))
    columns = list(keys)
    values = {key: [_json_text(row.get(key)) for _, row in rows] for key in columns}
    names = unique_headers(columns)
    frame = pd.DataFrame({name: pd.Series(values[key], dtype="str") for name, key in zip(names, columns)},
                         columns=names)
    frame.index = pd.Index([number for number, _ in rows], dtype="int64")
    frame = drop_empty_rows(frame, notes)
    check_field_lengths(frame, sum(len(v) for col in values.values() for v in col), reading)
    return Table(frame=frame, name="", format=fmt, encoding="utf-8", header_row=0, notes=notes)


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value if isinstance(value, str) else str(value)
