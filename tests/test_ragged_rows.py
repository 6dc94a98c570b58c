"""Rows of a delimited file with another number of fields than the header: read as best they
could be, an error (``ragged_row``) on the Check page and in the CLI, fixed by editing the row
in the grid, left out by holding back rows Akinon accepts, counted by ``fix``."""
from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from addrmig.cli import main
from addrmig.export import row_verdicts, split_rows
from addrmig.pipeline import load
from addrmig.validation import validate, with_row_problems
from addrmig.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
LINES = (FIXTURES / "addresses_small.csv").read_text(encoding="utf-8").splitlines()
#: Row 3 lost its last five fields; row 5 has an unquoted comma in its company name.
SHORT_ROW = ",".join(LINES[2].split(",")[:9])
LONG_ROW = LINES[4] + "Kaya Ltd, Şti."
RAGGED = "\n".join([LINES[0], LINES[1], SHORT_ROW, LINES[3], LONG_ROW, LINES[5]]).encode("utf-8") + b"\n"


@pytest.fixture
def loaded():
    return load(RAGGED, "ragged.csv")


@pytest.fixture
def ws(loaded) -> Workspace:
    ws = Workspace()
    ws.set_loaded("ragged.csv", RAGGED, loaded)
    return ws


def ragged_rows(report) -> list[int]:
    failures = report.failures
    return failures.loc[failures["check"] == "ragged_row", "row"].tolist()


def test_the_file_is_read_with_every_row_and_its_ragged_rows_listed(loaded):
    assert list(loaded.frame.index) == [2, 3, 4, 5, 6]
    assert [(p.row, p.fields, p.expected) for p in loaded.table.row_problems] == [(3, 9, 14), (5, 15, 14)]
    assert any("2 rows (3, 5) have another number of fields" in note for note in loaded.table.notes)


def test_ragged_rows_do_not_ride_on_the_frame_so_arrow_serialises_it_without_a_warning(loaded):
    assert loaded.table.frame.attrs == {} and loaded.frame.attrs == {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pa.Table.from_pandas(loaded.frame)


def test_validate_reports_each_ragged_row_as_an_error_on_the_address_line(loaded):
    report = validate(loaded.frame, row_problems=loaded.table.row_problems)
    lines = report.failures[report.failures["check"] == "ragged_row"]
    assert lines["row"].tolist() == [3, 5]
    assert set(lines["column"]) == {"line"} and set(lines["severity"]) == {"error"}
    assert "has 9 fields where the header has 14" in lines["message"].iloc[0]
    assert {3, 5} <= set(report.error_rows)


def test_without_row_problems_validate_knows_nothing_of_ragged_rows(loaded):
    assert ragged_rows(validate(loaded.frame)) == []


def test_ragged_rows_added_to_a_report_give_the_report_validate_makes(loaded):
    problems = loaded.table.row_problems
    added = with_row_problems(validate(loaded.frame), loaded.frame, problems)
    pd.testing.assert_frame_equal(added.failures, validate(loaded.frame, row_problems=problems).failures)


def test_a_ragged_row_left_out_of_the_frame_is_not_reported(loaded):
    frame = loaded.frame.drop(index=[3])
    assert ragged_rows(validate(frame, row_problems=loaded.table.row_problems)) == [5]


def test_the_check_page_report_lists_the_ragged_rows(ws):
    assert ragged_rows(ws.report()) == [3, 5]
    assert {3, 5} <= set(ws.failing_rows(ws.report()).index)


def test_editing_a_ragged_row_in_the_grid_clears_its_error_and_undo_brings_it_back(ws):
    ws.edit_cells({(3, "city"): "Zonguldak"})
    assert ragged_rows(ws.report()) == [5]
    ws.undo()
    assert ragged_rows(ws.report()) == [3, 5]


def test_a_bulk_fix_that_touches_a_ragged_row_does_not_count_as_checking_it(ws):
    ws.find_replace("line", "Gül Sok.", "Gül Sokak")
    ws.apply_trim()
    assert ragged_rows(ws.report()) == [3, 5]


def test_a_ragged_row_is_a_problem_akinon_accepts_that_the_user_can_hold_back(loaded):
    frame = loaded.frame.drop(index=[3])  # row 3 misses required values: Akinon refuses it anyway
    report = validate(frame, row_problems=loaded.table.row_problems)
    verdicts = row_verdicts(frame, report, None)
    assert not verdicts.refused[frame.index.get_loc(5)] and verdicts.advisory_only[frame.index.get_loc(5)]
    assert 5 in split_rows(frame, verdicts).send.index
    held = split_rows(frame, verdicts, hold_back_advisory=True)
    assert 5 in held.later.index and 5 not in held.send.index


def test_fix_counts_ragged_rows_as_rows_with_errors_and_says_which(tmp_path, capsys):
    source, out = tmp_path / "ragged.csv", tmp_path / "out.csv"
    source.write_bytes(RAGGED)
    assert main(["fix", str(source), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert "2 rows (3, 5) have another number of fields" in captured.err
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(written) == 5  # every row written, none dropped


def test_fix_outcome_report_holds_the_ragged_rows(tmp_path):
    from addrmig.fixing import fix_file
    from addrmig.locations.db import LocationDB

    source = tmp_path / "ragged.csv"
    source.write_bytes(RAGGED)
    outcome = fix_file(source, tmp_path / "out.csv", "csv", LocationDB.bundled())
    assert ragged_rows(outcome.report) == [3, 5]
    assert outcome.invalid[outcome.resolution.frame.index.get_indexer([3, 5])].all()



@pytest.mark.parametrize("big", [False, True])
def test_fix_outcome_report_is_the_same_when_a_big_files_checks_run_beside_the_writing(monkeypatch, tmp_path, big):
    """For a big file ``fix`` checks the rows part by part in threads while it writes, and the
    report is the one of a plain validate."""
    import threading

    from addrmig import fixing, parallel, validation

    if big:
        monkeypatch.setattr(fixing, "PARALLEL_CHECK_ROWS", 1)
        monkeypatch.setattr(parallel, "available_workers", lambda: 2)
    threads, check_part = [], validation._check_part

    def logged(*args):
        threads.append(threading.current_thread().name)
        return check_part(*args)

    monkeypatch.setattr(validation, "_check_part", logged)
    source = tmp_path / "ragged.csv"
    source.write_bytes(RAGGED)
    outcome = fix_file_of(source, tmp_path)
    expected = validate(outcome.resolution.frame, row_problems=load(RAGGED, "ragged.csv").table.row_problems)
    pd.testing.assert_frame_equal(outcome.report.failures, expected.failures)
    if big:
        assert threads and all(name.startswith("addrmig-checks") for name in threads)
    else:
        assert not threads  # a small file is checked by validate here, not part by part


def fix_file_of(source, tmp_path):
    from addrmig.fixing import fix_file
    from addrmig.locations.db import LocationDB

    return fix_file(source, tmp_path / "out.csv", "csv", LocationDB.bundled())

def test_validate_command_reports_ragged_rows(tmp_path, capsys):
    source, report = tmp_path / "ragged.csv", tmp_path / "report.csv"
    source.write_bytes(RAGGED)
    assert main(["validate", str(source), "--report", str(report)]) == 1
    listed = pd.read_csv(report, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert listed.loc[listed["check"] == "ragged_row", "row"].tolist() == ["3", "5"]
