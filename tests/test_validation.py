"""validate(frame) -> Report, and the safe auto-fix trim(frame)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from addrmig.errors import MissingColumns
from addrmig.fields import COLUMNS
from addrmig.trimming import trim, undo_changes
from addrmig.validation import CHECKS, Report, validate

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = Path(__file__).parent.parent / "addrmig" / "data" / "sample_addresses.csv"
KIND_TO_CHECK = {"format": "email", "required": "required", "max_length": "max_length"}

GOOD = {"user": "C1", "email": "ali@example.com", "phone_number": "05321234567", "first_name": "Ali",
        "last_name": "Yılmaz", "title": "Ev", "line": "Atatürk Cad. No:1", "tax_office": "", "tax_no": "",
        "country": "Türkiye", "city": "İstanbul", "township": "Kadıköy", "district": "Caferağa Mah",
        "company_name": ""}


def rows(*changes: dict[str, str], first_row: int = 2) -> pd.DataFrame:
    """An address frame of one good row per ``changes`` dict (distinct users), index from ``first_row``."""
    frame = pd.DataFrame([{**GOOD, "user": f"C{i}", **change} for i, change in enumerate(changes, 1)],
                         columns=list(COLUMNS), dtype="str")
    frame.index = pd.RangeIndex(first_row, len(frame) + first_row)
    return frame


@pytest.fixture(scope="module", params=["dev", "generated"])
def dev(request) -> tuple[pd.DataFrame, pd.DataFrame, Report]:
    """The dev sample, and a fresh file with the same kinds of problems from the benchmark generator."""
    if request.param == "dev":
        # The bundled sample: the dev sample's rows with phone numbers of prefixes that exist.
        frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
        truth = pd.read_csv(FIXTURES / "addresses_dev.truth.csv", dtype=str, keep_default_na=False)
    else:
        from benchmarks.generate import generate
        frame, truth = generate(4000, seed=31)
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame, truth, validate(frame)


def _injected(truth: pd.DataFrame) -> set[tuple[int, str, str]]:
    found = set()
    for row, problems in zip(truth["row"].astype(int), truth["problems"]):
        for problem in filter(None, problems.split(";")):
            column, kind = problem.split(":")
            if kind != "formula":
                found.add((row + 1, column, KIND_TO_CHECK[kind]))  # truth row 1 = spreadsheet row 2
    return found


# --- the dev sample ---------------------------------------------------------------------

def test_dev_sample_errors_are_exactly_the_injected_problems(dev):
    _, truth, report = dev
    errors = report.failures[report.failures["severity"] == "error"]
    found = set(zip(errors["row"].astype(int), errors["column"].astype(str), errors["check"].astype(str)))
    assert len(found) == len(errors)
    assert found == _injected(truth)


def test_every_injected_formula_line_carries_a_formula_warning(dev):
    _, truth, report = dev
    expected = {int(r) + 1 for r, p in zip(truth["row"], truth["problems"]) if "line:formula" in p}
    warned = report.failures[(report.failures["check"] == "formula") & (report.failures["column"] == "line")]
    assert expected and expected <= set(warned["row"].astype(int))
    assert set(warned["severity"].astype(str)) == {"warning"}


def test_dev_sample_stray_spaces_are_warnings_only(dev):
    frame, _, report = dev
    spaces = report.failures[report.failures["check"] == "whitespace"]
    assert len(spaces) > 0 and set(spaces["severity"].astype(str)) == {"warning"}
    assert all(frame.loc[r, c] != frame.loc[r, c].strip() for r, c in zip(spaces["row"], spaces["column"]))


def test_report_counts_rows_with_and_without_errors(dev):
    frame, truth, report = dev
    assert report.rows == len(frame)
    assert len(report.error_rows) == len({r for r, _, _ in _injected(truth)})
    assert len(report.ok_rows) + len(report.error_rows) == len(frame)
    assert report.has_errors


# --- failures ---------------------------------------------------------------------------

def test_failure_table_has_the_documented_columns():
    report = validate(rows({"email": "a@b"}))
    assert list(report.failures.columns) == ["row", "column", "value", "severity", "check", "message"]
    assert report.failures.iloc[0].to_dict() == {
        "row": 2, "column": "email", "value": "a@b", "severity": "error", "check": "email",
        "message": "email is not a valid e-mail address (expected something like name@example.com)"}


def test_rows_are_the_frames_index_so_title_rows_shift_them():
    report = validate(rows({}, {"first_name": ""}, first_row=5))
    assert report.failures["row"].tolist() == [6]
    assert report.error_rows.tolist() == [6] and report.ok_rows.tolist() == [5]


def test_max_length_message_gives_the_length_and_the_limit():
    report = validate(rows({"line": "x" * 300, "title": "ğ" * 129}))
    messages = dict(zip(report.failures["column"].astype(str), report.failures["message"]))
    assert messages["line"] == "line has 300 characters; Akinon accepts at most 255"
    assert messages["title"] == "title has 129 characters; Akinon accepts at most 128"


def test_whitespace_only_required_field_is_a_required_error():
    report = validate(rows({"first_name": "   "}))
    errors = report.failures[report.failures["severity"] == "error"]
    assert list(zip(errors["column"].astype(str), errors["check"].astype(str))) == [("first_name", "required")]
    assert len(report.failures) == 1  # no "trimming fixes this" warning: it would not


def test_spaces_only_in_an_optional_field_are_a_whitespace_warning():
    report = validate(rows({"phone_number": "   "}))
    assert list(zip(report.failures["column"].astype(str), report.failures["check"].astype(str),
                    report.failures["severity"].astype(str))) == [("phone_number", "whitespace", "warning")]


def test_duplicate_warning_names_the_first_row():
    report = validate(rows({"user": "C1"}, {"user": "C2"}, {"user": "c1", "city": "İSTANBUL"}, first_row=10))
    dup = report.failures[report.failures["check"] == "duplicate"]
    assert dup["row"].tolist() == [12] and dup["severity"].tolist() == ["warning"]
    assert dup["message"].iloc[0].startswith("duplicate of row 10")


def test_formula_warning_says_which_character():
    report = validate(rows({"company_name": "=cmd|' /C calc'!A0"}))
    (message,) = report.failures.loc[report.failures["check"] == "formula", "message"]
    assert message.startswith("company_name starts with '='")


def test_plausible_international_phone_gets_no_warning():
    assert validate(rows({"phone_number": "+905321234567"})).failures.empty


def test_failures_of_a_row_follow_the_field_order_then_the_check_order():
    report = validate(rows({"district": " x", "email": " a@b", "user": ""}))
    assert list(zip(report.failures["column"].astype(str), report.failures["check"].astype(str))) == [
        ("user", "required"), ("email", "email"), ("email", "whitespace"), ("district", "whitespace")]


def test_clean_frame_has_no_failures():
    report = validate(rows({}, {}, {"phone_number": "", "tax_no": "1234567890"}))
    assert report.failures.empty and not report.has_errors
    assert report.ok_rows.tolist() == [2, 3, 4] and report.error_rows.tolist() == []


def test_warnings_alone_do_not_make_errors():
    report = validate(rows({"city": "İstanbul "}))
    assert not report.has_errors and report.warning_count == 1
    assert report.warning_rows.tolist() == [2] and report.ok_rows.tolist() == [2]


def test_counts_per_column_and_check_include_zeros():
    report = validate(rows({"email": "a@b", "city": " x"}, {"email": "b@c"}))
    by_column, by_check = report.counts("column"), report.counts("check")
    assert list(by_column.index) == list(COLUMNS) and list(by_check.index) == list(CHECKS)
    assert by_column.loc["email"].tolist() == [2, 0] and by_column.loc["city"].tolist() == [0, 1]
    assert by_check.loc["email", "error"] == 2 and by_check.loc["duplicate"].tolist() == [0, 0]
    assert report.by_severity == {"error": 2, "warning": 1}


def test_summary_names_rows_and_problems_per_column():
    text = validate(rows({"email": "a@b"}, {"title": "t" * 200, "city": " x"})).summary()
    assert text.splitlines()[0] == ("2 rows checked: 0 without errors, 2 with errors; "
                                    "2 errors and 1 warning in all.")
    assert "  email: 1 email error" in text and "  city: 1 whitespace warning" in text


def test_progress_is_reported_up_to_the_total():
    seen: list[tuple[float, float]] = []
    validate(rows({}), progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1] and len(seen) > 2


def test_missing_column_is_reported_as_missing_columns():
    with pytest.raises(MissingColumns, match="township"):
        validate(rows({}).drop(columns=["township"]))


def test_object_dtype_frame_gives_the_same_report():
    frame = rows({"email": "a@b", "city": " x"}, {"line": "a\nb"})
    as_object = frame.astype(object)
    pd.testing.assert_frame_equal(validate(frame).failures, validate(as_object).failures)


def test_empty_frame_gives_an_empty_report():
    report = validate(rows({}).iloc[:0])
    assert report.rows == 0 and report.failures.empty and not report.has_errors


# --- trim -------------------------------------------------------------------------------

def test_trim_removes_outer_spaces_and_lists_each_change():
    frame = rows({"city": "  İstanbul", "district": "Caferağa Mah\u00a0"}, {})
    new, changes = trim(frame)
    assert new.loc[2, "city"] == "İstanbul" and new.loc[2, "district"] == "Caferağa Mah"
    assert changes.to_dict("records") == [
        {"row": 2, "column": "city", "before": "  İstanbul", "after": "İstanbul"},
        {"row": 2, "column": "district", "before": "Caferağa Mah\u00a0", "after": "Caferağa Mah"}]


def test_trim_keeps_inner_spaces_index_and_untouched_values():
    frame = rows({"line": " Gül  Sok. "}, first_row=7)
    new, _ = trim(frame)
    assert new.loc[7, "line"] == "Gül  Sok." and new.index.tolist() == [7]
    assert new.drop(columns="line").equals(frame.drop(columns="line"))
    assert frame.loc[7, "line"] == " Gül  Sok. "  # the input is not changed


def test_trimmed_frame_has_no_whitespace_warnings():
    frame = rows({"city": " x ", "user": " C1"}, {"township": "\tKadıköy"})
    new, _ = trim(frame)
    assert (validate(new).failures["check"] != "whitespace").all()


def test_undo_changes_restores_the_original_values():
    frame = rows({"city": "  İstanbul"}, {"township": "Kadıköy "})
    new, changes = trim(frame)
    pd.testing.assert_frame_equal(undo_changes(new, changes), frame)


def test_trim_of_a_clean_frame_changes_nothing():
    frame = rows({})
    new, changes = trim(frame)
    assert changes.empty and list(changes.columns) == ["row", "column", "before", "after"]
    pd.testing.assert_frame_equal(new, frame)


def test_trim_of_a_big_frame_in_two_threads_gives_what_one_at_a_time_gives(monkeypatch):
    import addrmig.parallel

    monkeypatch.setenv("ADDRMIG_WORKERS", "2")
    frame = pd.concat([rows({"city": "  İstanbul", "district": "Caferağa Mah\u00a0"},
                            {"township": "Kadıköy ", "line": " Gül  Sok. "}, {})] * 400, ignore_index=True)
    frame["user"] = frame["user"].astype(object)  # one column of Python strings, the others Arrow's
    frame.loc[5, "user"] = " C5"
    monkeypatch.setattr(addrmig.parallel, "THREADED_ROWS", 10 ** 9)
    one, one_changes = trim(frame)
    monkeypatch.setattr(addrmig.parallel, "THREADED_ROWS", 1)
    two, two_changes = trim(frame)
    pd.testing.assert_frame_equal(two, one)
    pd.testing.assert_frame_equal(two_changes, one_changes)
    assert len(one_changes) == 1601 and one.loc[5, "user"] == "C5" and one.loc[0, "city"] == "İstanbul"


def test_email_and_phone_rules_tested_once_per_distinct_value_give_the_report_of_every_value(dev, monkeypatch):
    import addrmig.validation

    frame, _, report = dev
    repeated = pd.concat([frame, frame.iloc[::-1]], ignore_index=True)  # customers with several addresses
    repeated.index = pd.RangeIndex(2, len(repeated) + 2)
    repeated.loc[[3, 7], "email"] = None
    repeated.loc[[5, 8], "phone_number"] = None
    assert set(addrmig.validation.PER_DISTINCT) == {"email", "phone_number"}
    once = validate(repeated)
    monkeypatch.setattr(addrmig.validation, "PER_DISTINCT", ())
    every = validate(repeated)
    pd.testing.assert_frame_equal(once.failures, every.failures)
    assert once.failures["column"].isin(["email", "phone_number"]).sum() >= 2 * report.failures["column"].isin(
        ["email", "phone_number"]).sum()  # each failing value of the file, at each of its rows


def test_frame_of_many_arrow_chunks_gives_every_failure(dev):
    frame, _, report = dev
    tripled = pd.concat([frame, frame, frame])  # Arrow-backed columns now hold several chunks
    tripled.index = pd.RangeIndex(2, len(tripled) + 2)
    big = validate(tripled)
    assert big.error_count == 3 * report.error_count
    dup = big.failures[big.failures["check"] == "duplicate"]
    assert len(dup) >= 2 * len(frame) - 50  # copies repeat the first block, bar blank addresses
    assert dup["message"].iloc[0] == (f"duplicate of row {dup['row'].iloc[0] - len(frame)}: "
                                      "same user, line, city, township and district")


def test_refused_rows_are_the_rows_failing_a_rule_akinon_enforces_itself():
    frame = rows({"email": "not-an-email"}, {"first_name": ""}, {"title": "x" * 129}, {})
    report = validate(frame)
    assert list(report.error_rows) == [2, 3, 4]
    assert list(report.refused_rows) == [3, 4]


@pytest.mark.parametrize("here", [True, False])
def test_checks_shared_out_to_worker_processes_give_the_same_report(dev, monkeypatch, tmp_path, here):
    import os

    import addrmig.validation as validation

    frame, _, report = dev
    monkeypatch.setattr(validation, "PARALLEL_ROWS", 0)
    seen: list[tuple[float, float]] = []
    pids_of_parts = log_check_parts(monkeypatch, tmp_path / "parts")
    shared = validate(frame, lambda done, total: seen.append((done, total)), workers=2, here=here)
    pd.testing.assert_frame_equal(shared.failures, report.failures)
    assert seen[-1][0] == seen[-1][1] and len(seen) > 2
    pids = pids_of_parts()
    assert len(pids) == len({rule.column for rule in validation.schema.column_rules()}) + 1  # + duplicates
    if not here:
        assert str(os.getpid()) not in pids  # away from here, workers do every part


def test_checks_started_ahead_give_the_same_report_from_threads_while_this_thread_goes_on(dev, monkeypatch):
    """``fix`` starts the checks, writes the file meanwhile, then takes the report: two threads
    did every part in this process while this thread went on, and the report is validate's
    (ragged rows included)."""
    import os
    import threading

    import addrmig.validation as validation
    from addrmig.io.table import RaggedRow

    frame, _, _ = dev
    ran, gate = [], threading.Event()
    check_part = validation._check_part

    def logged(*args):
        gate.wait(30)  # held until this thread has gone on past the start
        ran.append((os.getpid(), threading.current_thread().name))
        return check_part(*args)

    monkeypatch.setattr(validation, "_check_part", logged)
    ragged = [RaggedRow(int(frame.index[1]), 3, 14, "a,b,c")]
    parts = len({rule.column for rule in validation.schema.column_rules()}) + 1
    report = validation.validate_started(frame, row_problems=ragged, workers=2)
    assert not ran  # started, not waited for
    gate.set()
    expected = validate(frame, row_problems=ragged)
    ahead = report()
    pd.testing.assert_frame_equal(ahead.failures, expected.failures)
    assert "ragged_row" in set(ahead.failures["check"])
    started = ran[:parts]
    assert len(started) == parts and {pid for pid, _ in started} == {os.getpid()}
    threads = {name for _, name in started}
    assert len(threads) == 2 and all(name.startswith("addrmig-checks") for name in threads)


def log_check_parts(monkeypatch, log) -> Callable[[], list[str]]:
    """Make each part of the checks note the process that ran it in the file ``log`` (the workers'
    own memory does not come back: a file does); returns the reader of those process ids."""
    import os

    import addrmig.validation as validation

    check_part = validation._check_part

    def logged(*args):
        with log.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return check_part(*args)

    monkeypatch.setattr(validation, "_check_part", logged)
    return lambda: log.read_text().split() if log.exists() else []
