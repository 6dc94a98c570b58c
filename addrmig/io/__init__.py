"""Read any merchant file into a table of text, and write the address frame back out.

``read_table`` takes CSV/TSV/TXT (any common encoding and delimiter), XLSX,
XLS, ODS, JSON and NDJSON and returns a ``Table``: the rows exactly as written
(every value text, nothing stripped, empty as ""), indexed by the row number the
user sees in their spreadsheet, plus what was detected. ``write_table`` writes
CSV, XLSX (every cell a text cell) or JSON as bytes, ``save_table`` the same into a
file or file object a slice of rows at a time; ``write_atomically`` puts bytes in a
file whole or not at all.

The file is untrusted: sizes are checked against ``addrmig.limits.Limits``
before the expensive work, workbooks are checked for zip bombs and XML entity
tricks before any parser sees them, and every failure is an ``UnreadableFile``
(or ``FileTooLarge``) saying what, where and what to do.

Modules: ``read`` (the entry), ``detect`` (container, encoding, delimiter),
``delimited``, ``jsonfile``, ``workbook`` (+ ``archive`` checks, ``sheet_child``),
``table`` (``Table``, ``Reading``), ``write`` (+ ``xlsx`` and ``zipstream``, the streaming
XLSX writer), ``sanitise`` (spreadsheet-safe text for
every CSV and XLSX writer), ``atomic`` (whole-or-nothing files).
"""
from addrmig.io.atomic import atomic_output, write_atomically
from addrmig.io.read import read_table
from addrmig.io.table import SHEET_FORMATS, TEXT_FORMATS, Table
from addrmig.io.write import WRITE_FORMATS, format_for_path, save_table, write_table

__all__ = ["SHEET_FORMATS", "TEXT_FORMATS", "WRITE_FORMATS", "Table", "atomic_output", "format_for_path",
           "read_table", "save_table", "write_atomically", "write_table"]
