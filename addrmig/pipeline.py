"""The steps composed: what the CLI commands and the app's pages both call."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from addrmig.columns import ColumnMapping, apply_mapping, auxiliary_frame, map_columns
from addrmig.io import Table, read_table
from addrmig.limits import Limits


@dataclass
class Loaded:
    """A file read (``table``), its columns mapped (``mapping``), the address frame (``frame``:
    exactly the Akinon fields) and the auxiliary columns (``auxiliary``: postcode, full name —
    used to fill the fields, never sent; same index)."""

    table: Table
    mapping: ColumnMapping
    frame: pd.DataFrame
    auxiliary: pd.DataFrame


def load(source: Any, name: str | None = None, *, sheet: str | None = None, encoding: str | None = None,
         delimiter: str | None = None, header_row: int | None = None,
         overrides: Mapping[str, str | None] | None = None, limits: Limits | None = None) -> Loaded:
    """Read a merchant file and map it to Akinon's fields; returns ``Loaded``.

    ``frame`` is the address frame (exactly ``addrmig.fields.COLUMNS``, all text,
    index = spreadsheet row). Missing required columns do not raise: they are in
    ``mapping.missing_required`` and come out as empty columns. ``sheet``, ``encoding``,
    ``delimiter`` and ``header_row`` override what ``read_table`` would detect.
    """
    table = read_table(source, name, sheet=sheet, encoding=encoding, delimiter=delimiter,
                       header_row=header_row, limits=limits)
    mapping = map_columns(table.frame.columns, overrides)
    return Loaded(table=table, mapping=mapping, frame=apply_mapping(table.frame, mapping),
                  auxiliary=auxiliary_frame(table.frame, mapping))
