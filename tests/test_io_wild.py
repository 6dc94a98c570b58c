"""Files other programs wrote (``shared/data/wild/files``): addrmig reads each one the way a
person who opens it in a spreadsheet program expects, or refuses it with the real reason.

The expectations are in ``wild_expected.json``, built by ``wild_expected.py`` from the
reference readers (csv module, openpyxl, xlrd, LibreOffice) and judged by hand where they
disagree (see ``JUDGED`` there).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from addrmig.errors import UnreadableFile
from addrmig.io import read_table

HERE = Path(__file__).parent
EXPECTED = json.loads((HERE / "wild_expected.json").read_text(encoding="utf-8"))
#: Words the refusal message must hold, per kind of refusal.
REASONS = {"password-protected": ("password-protected",), "empty": ("empty",), "damaged": ("damaged",),
           "not a table": ("JSON", "nested"), "unreadable": ("",)}


def _wild_folder() -> Path:
    for folder in HERE.resolve().parents:
        if (folder / "shared" / "data" / "wild" / "files").is_dir():
            return folder / "shared" / "data" / "wild" / "files"
    pytest.fail("shared/data/wild/files was not found beside this checkout or any folder above it; "
                "the wild-file tests need it (copy shared/ next to the checkout)")


def test_every_wild_file_has_an_expectation():
    assert sorted(p.name for p in _wild_folder().iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_wild_file_reads_as_a_person_expects(name):
    expected = EXPECTED[name]
    path = _wild_folder() / name
    if "refused" in expected:
        with pytest.raises(UnreadableFile) as caught:
            read_table(path)
        message = str(caught.value)
        assert "Traceback" not in message and name in message
        assert any(word in message for word in REASONS[expected["refused"]])
        return
    table = read_table(path)
    if "sheet" in expected and table.format in ("xlsx", "xls", "ods"):
        assert table.sheet == expected["sheet"]
    assert table.header_row == expected["header_row"]
    assert table.rows == expected["rows"], table.notes
    for where, text in expected.get("cells", {}).items():
        row, column = map(int, where.split(":"))
        if row == expected["header_row"]:
            got = table.frame.columns[column - 1]
            got = got if got == text else re.sub(r" \(\d+\)$", "", got)  # repeated names made unique
        elif column > len(table.frame.columns):  # a long row's extra fields are joined onto the last column
            got = table.frame.loc[row].iloc[-1].rsplit(table.delimiter or ",", 1)[-1]
        else:
            got = table.frame.loc[row].iloc[column - 1]
        assert got == text or got.startswith(text + ","), f"row {row}, column {column}"
