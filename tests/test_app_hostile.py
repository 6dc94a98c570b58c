"""The Upload page on every hostile input of tests/hostile.py: a correct read or a clear red message.

Each case runs in a fresh AppTest session; an exception in the script (at.exception)
or a run past the AppTest timeout fails the test.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hostile import CORPUS, FORMULA_ROW, HEADER, UNICODE_ROW
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.timeout(30)
#: A refusal ends by telling the person what to do; one of these verbs starts that sentence.
ACTIONS = ("Export", "export", "Fix", "Flatten", "Add", "Open", "Download", "raise the limit", "save", "try again")


def uploaded(name: str, data: bytes) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=10)
    at.run()
    at.file_uploader(key="upload_file").upload(name, data, "application/octet-stream")
    at.run()
    return at


@pytest.mark.parametrize("case", CORPUS, ids=[case.id for case in CORPUS])
def test_upload_page_reads_or_clearly_refuses_every_hostile_input(case):
    at = uploaded(case.name, case.build())
    assert not at.exception
    ws = at.session_state["workspace"]
    errors = [str(e.value) for e in at.error]
    if case.refusal is None:
        assert errors == []
        assert ws.has_file and ws.rows == case.rows
        said = f"**{case.name}**: {case.rows:,} row{'' if case.rows == 1 else 's'}"
        assert any(said in str(s.value) for s in at.success)
    else:
        assert len(errors) == 1
        message = errors[0]
        assert case.name in message and case.refusal in message  # what and where
        assert any(verb in message for verb in ACTIONS)  # and what to do
        assert "Traceback" not in message
        assert not ws.has_file
        assert "Nothing uploaded yet" in [str(i.value) for i in at.info][0]


def value_of(case_id: str, column: str) -> str:
    case = next(c for c in CORPUS if c.id == case_id)
    return uploaded(case.name, case.build()).session_state["workspace"].frame.iloc[0][column]


def test_upload_page_keeps_emoji_rtl_combining_marks_and_bidi_overrides_intact():
    assert [value_of("unicode", column) for column in ("first_name", "last_name")] == [
        UNICODE_ROW[HEADER.index("first_name")], UNICODE_ROW[HEADER.index("last_name")]]


def test_upload_page_keeps_formula_like_cells_as_written():
    assert value_of("formula_csv", "email") == FORMULA_ROW[HEADER.index("email")]
    assert value_of("formula_xlsx", "line") == "=1+1"


def test_a_refused_file_after_a_good_one_says_which_file_is_still_in_use():
    good = next(c for c in CORPUS if c.id == "sep_line")
    at = uploaded(good.name, good.build())
    at.file_uploader(key="upload_file").upload("photo.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")
    at.run()
    assert not at.exception
    assert "PNG image" in at.error[0].value
    assert at.session_state["workspace"].file_name == good.name
