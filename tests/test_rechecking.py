"""A report brought up to date after an edit is the report a full check gives (addrmig.rechecking)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addrmig.fields import COLUMNS
from addrmig.pipeline import load
from addrmig.rechecking import recheck
from addrmig.validation import validate
from addrmig.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
# Values that fail or pass the rules, repeat another row's address, or are blank.
VALUES = ["", " ", "x", "ali@example.com", "not an email", "05321234567", "12", "=1+2", "İstanbul", "Şişli",
          "Kadıköy Mah", "a" * 300, "Gül Sok. No:1", "C4279348"]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return load(FIXTURES / "addresses_small.csv").frame


def edited(frame: pd.DataFrame, cells: list[tuple[int, str, str]]) -> pd.DataFrame:
    new = frame.copy()
    for position, column, value in cells:
        new.loc[new.index[position % len(new)], column] = value
    return new


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(st.integers(0, 500), st.sampled_from(COLUMNS), st.sampled_from(VALUES)),
                      min_size=1, max_size=12))
def test_a_report_brought_up_to_date_is_the_full_checks_report(frame, cells):
    new = edited(frame, cells)
    columns = {column for _, column, _ in cells}
    assert recheck(validate(frame), new, columns).failures.equals(validate(new).failures)


def test_a_copied_address_becomes_a_duplicate_and_the_other_columns_keep_their_lines(frame):
    first = frame.index[0]
    new = frame.copy()
    for column in ("user", "line", "city", "township", "district"):
        new.loc[new.index[5], column] = frame.loc[first, column]
    before = validate(frame)
    after = recheck(before, new, {"user", "line", "city", "township", "district"})
    assert after.failures.equals(validate(new).failures)
    duplicates = after.failures[after.failures["check"] == "duplicate"]
    assert new.index[5] in set(duplicates["row"])
    email = before.failures["column"] == "email"
    assert after.failures[after.failures["column"] == "email"].reset_index(drop=True).equals(
        before.failures[email].reset_index(drop=True))


def test_other_rows_are_checked_in_full(frame):
    fewer = frame.iloc[:-3]
    assert recheck(validate(frame), fewer, {"email"}).failures.equals(validate(fewer).failures)


def test_the_workspace_checks_only_the_edited_columns_again_and_keeps_the_place_rule(frame):
    ws = Workspace()
    data = (FIXTURES / "addresses_small.csv").read_bytes()
    ws.set_loaded("addresses_small.csv", data, load(data, "addresses_small.csv"))
    ws.report()
    rule = ws.unknown_places()
    asked: list[frozenset] = []

    def again(report, frame, columns):
        asked.append(columns)
        return recheck(report, frame, columns)

    ws.edit_cells({(3, "email"): "not an email", (4, "phone_number"): "12"})
    report = ws.report(recheck=again)
    assert asked == [frozenset({"email", "phone_number"})]
    assert report.failures.equals(validate(ws.frame).failures)
    assert ws.unknown_places() is rule  # no place column changed: Akinon's place rule not asked again
    ws.edit_cells({(3, "city"): "Atlantis"})
    report = ws.report(recheck=again)
    assert asked[-1] == frozenset({"city"}) and report.failures.equals(validate(ws.frame).failures)
    row = ws.frame.index.get_loc(3)
    assert ws.unknown_places() is not rule and not rule[row] and ws.unknown_places()[row]  # its city unknown now
    ws.undo()
    report = ws.report(recheck=again)
    assert asked[-1] == frozenset({"city"}) and report.failures.equals(validate(ws.frame).failures)
