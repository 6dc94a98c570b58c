"""``python -m addrmig submit / progress / history`` against the sandbox over loopback."""
from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from addrmig.cli import main
from addrmig.fields import COLUMNS

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
SECRET = "cli-SECRET-token-5a4b3c2d1e0f"
GOOD_ROW = {"user": "C1", "email": "a@b.co", "first_name": "Ayşe", "last_name": "Işık", "line": "Gül Sok. 1",
            "country": "TÜRKİYE", "city": "İSTANBUL", "township": "ÜSKÜDAR", "district": "ALTUNİZADE MAH"}


def write_csv(path: Path, rows: list[dict]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def clean_file(tmp_path) -> Path:
    return write_csv(tmp_path / "clean.csv", [dict(GOOD_ROW, user=f"C{n}") for n in range(40)])


@pytest.fixture
def env_token(monkeypatch, sandbox):
    monkeypatch.setenv("AKINON_TOKEN", sandbox.token)
    return sandbox.token


def submit_args(sandbox, path: Path, *extra: str) -> list[str]:
    return ["submit", str(path), "--url", sandbox.url, "--channel", "1", *extra]


@pytest.mark.usefixtures("env_token")
def test_submit_prints_the_migration_id_and_exits_0(sandbox, clean_file, capsys):
    assert main(submit_args(sandbox, clean_file)) == 0
    migration_id = capsys.readouterr().out.strip()
    assert migration_id in sandbox.state.migrations


@pytest.mark.usefixtures("env_token")
def test_submit_wait_of_a_clean_file_ends_with_no_errors_and_exit_0(sandbox, clean_file, capsys):
    assert main(submit_args(sandbox, clean_file, "--wait", "--poll", "0.05")) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "finished: processed 40 of 40, 0 errors"


def test_submit_wait_of_the_raw_dev_file_reports_its_errors_and_exits_1(make_sandbox, monkeypatch, capsys):
    server = make_sandbox(rows_per_second=None)
    monkeypatch.setenv("AKINON_TOKEN", server.token)
    code = main(submit_args(server, FIXTURES / "addresses_dev.csv", "--wait", "--poll", "0.05"))
    migration_id, last = capsys.readouterr().out.splitlines()
    _, errors, total = server.migration(migration_id).counts()
    assert code == 1 and last == f"finished: processed {total} of {total}, {errors} errors" and errors > 1000


def test_submit_wait_reaches_the_final_counts_at_30_percent_faults(make_sandbox, monkeypatch, tmp_path, capsys):
    server = make_sandbox(rows_per_second=400, fail_rate=0.3, stall_seconds=1.0, seed=3)
    monkeypatch.setenv("AKINON_TOKEN", server.token)
    rows = [dict(GOOD_ROW, user=f"C{n}", township="Atlantis" if n % 10 == 0 else "ÜSKÜDAR") for n in range(200)]
    path = write_csv(tmp_path / "mixed.csv", rows)
    code = main(submit_args(server, path, "--wait", "--poll", "0.05", "--read-timeout", "0.3", "--timeout", "60"))
    assert server.state.faults > 0
    assert (code, capsys.readouterr().out.splitlines()[-1]) == (1, "finished: processed 200 of 200, 20 errors")


@pytest.mark.usefixtures("env_token")
def test_submitting_the_same_file_twice_is_refused_with_exit_2(sandbox, clean_file, capsys):
    assert main(submit_args(sandbox, clean_file)) == 0
    first = capsys.readouterr().out.strip()
    assert main(submit_args(sandbox, clean_file)) == 2
    assert first in capsys.readouterr().err and len(sandbox.state.migrations) == 1


@pytest.mark.usefixtures("env_token")
def test_force_sends_the_same_file_again(sandbox, clean_file):
    assert main(submit_args(sandbox, clean_file)) == 0
    assert main(submit_args(sandbox, clean_file, "--force")) == 0
    assert len(sandbox.state.migrations) == 2


def test_submit_without_a_token_exits_2_saying_how_to_give_one(sandbox, clean_file, monkeypatch, capsys):
    monkeypatch.delenv("AKINON_TOKEN", raising=False)
    assert main(submit_args(sandbox, clean_file)) == 2
    assert "AKINON_TOKEN" in capsys.readouterr().err


def test_submit_with_a_wrong_token_exits_2(sandbox, clean_file, capsys):
    assert main(submit_args(sandbox, clean_file, "--token", "wrong")) == 2
    assert "refused the API token" in capsys.readouterr().err


def test_progress_prints_the_counts(make_sandbox, monkeypatch, clean_file, capsys):
    server = make_sandbox(rows_per_second=None)
    monkeypatch.setenv("AKINON_TOKEN", server.token)
    main(submit_args(server, clean_file))
    migration_id = capsys.readouterr().out.strip()
    assert main(["progress", migration_id, "--url", server.url, "--channel", "1"]) == 0
    assert capsys.readouterr().out.strip() == "finished: processed 40 of 40, 0 errors"


@pytest.mark.usefixtures("env_token")
def test_history_lists_submissions_with_their_final_counts(sandbox, clean_file, capsys):
    main(submit_args(sandbox, clean_file, "--wait", "--poll", "0.05"))
    migration_id = capsys.readouterr().out.splitlines()[0]
    assert main(["history"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["#", "sent", "(UTC)"]
    assert migration_id in row and "clean.csv" in row and re.search(r"finished\s+40/40\s+0$", row)


def test_token_is_in_no_file_and_no_output_of_a_full_run(make_sandbox, tmp_path, monkeypatch, capsys):
    server = make_sandbox(token=SECRET, rows_per_second=2000)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("ADDRMIG_DATA_DIR", str(data_dir))
    monkeypatch.setenv("AKINON_TOKEN", SECRET)
    path = write_csv(tmp_path / "run.csv", [dict(GOOD_ROW, user=f"C{n}") for n in range(300)])
    assert main(submit_args(server, path, "--wait", "--poll", "0.05")) == 0
    migration_id = capsys.readouterr().out.splitlines()[0]
    assert main(["progress", migration_id, "--url", server.url, "--channel", "1"]) == 0
    assert main(["history"]) == 0
    assert main(submit_args(server, path)) == 2  # refused: the error names the earlier send
    assert main(["progress", "0" * 32, "--url", server.url, "--channel", "1"]) == 2
    output = capsys.readouterr()
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "addrmig.sqlite3" for p in written)  # the history, the copy of the file inside it
    assert [p for p in written if SECRET.encode() in p.read_bytes()] == []
    assert SECRET not in output.out + output.err
    assert not [p for p in Path(os.environ["ADDRMIG_DATA_DIR"]).rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]


def test_progress_wait_follows_a_migration_sent_from_elsewhere(make_sandbox, monkeypatch, clean_file, capsys):
    from addrmig.akinon.client import AkinonClient

    server = make_sandbox(rows_per_second=200)
    monkeypatch.setenv("AKINON_TOKEN", server.token)
    migration_id = AkinonClient(server.url, server.token).start_migration(1, clean_file.read_bytes(), filename="x.csv")
    assert main(["progress", migration_id, "--url", server.url, "--channel", "1", "--wait", "--poll", "0.05"]) == 0
    assert capsys.readouterr().out.strip() == "finished: processed 40 of 40, 0 errors"


# ---------------------------------------------------------------- in parts
def mixed_file(path: Path, count: int = 100) -> Path:
    """``count`` rows, users C0…; every 7th has a township the sandbox refuses."""
    return write_csv(path, [dict(GOOD_ROW, user=f"C{n}", township="Atlantis" if n % 7 == 0 else "ÜSKÜDAR")
                            for n in range(count)])


def each_part_started_once(server, data_dir: Path | None = None) -> bool:
    """The sandbox started each part of the history's one submission exactly once, and nothing else."""
    from addrmig.history import History

    history = History(data_dir)
    [submission] = history.list()
    planned = sorted(part.sha256 for part in history.parts(submission.id))
    return sorted(m.sha256 for m in server.state.migrations.values()) == planned


def test_submit_in_parts_prints_each_parts_migration_the_parts_with_errors_and_the_whole(make_sandbox, monkeypatch,
                                                                                         tmp_path, capsys):
    server = make_sandbox(rows_per_second=None)
    monkeypatch.setenv("AKINON_TOKEN", server.token)
    path = mixed_file(tmp_path / "big.csv")
    assert main(submit_args(server, path, "--part-rows", "30", "--wait", "--poll", "0.05")) == 1
    lines = capsys.readouterr().out.splitlines()
    ids = list(server.state.migrations)
    assert lines[:4] == [f"part 1 of 4 (rows 1 to 30): {ids[0]}", f"part 2 of 4 (rows 31 to 60): {ids[1]}",
                         f"part 3 of 4 (rows 61 to 90): {ids[2]}", f"part 4 of 4 (rows 91 to 100): {ids[3]}"]
    assert lines[4] == f"part 1 (rows 1 to 30, migration {ids[0]}): 5 errors"
    assert lines[-1] == "finished: processed 100 of 100, 15 errors"


def test_the_part_size_is_taken_from_the_environment(make_sandbox, monkeypatch, tmp_path, capsys):
    server = make_sandbox(rows_per_second=None)
    monkeypatch.setenv("AKINON_TOKEN", server.token)
    monkeypatch.setenv("ADDRMIG_PART_BYTES", "4KB")
    assert main(submit_args(server, mixed_file(tmp_path / "big.csv"))) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(server.state.migrations) == 3  # 10 KB in 4 KB parts
    assert all(m.size <= 4_000 for m in server.state.migrations.values())


def run_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "addrmig", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_killing_submit_after_the_second_part_and_running_it_again_sends_only_the_rest(make_sandbox, monkeypatch,
                                                                                        tmp_path, capsys, stop):
    # Each start is answered a moment late (the migration has started by then), as a busy server does.
    server = make_sandbox(rows_per_second=None, start_fail_rate=1.0, faults=("stall",), stall_seconds=0.3)
    monkeypatch.setenv("AKINON_TOKEN", server.token)
    path = mixed_file(tmp_path / "big.csv")
    args = ["submit", str(path), "--url", server.url, "--channel", "1", "--part-rows", "20"]
    first = run_cli(*args, "--wait", "--poll", "0.05")
    wait_for(lambda: len(server.state.migrations) >= 2)
    first.send_signal(stop)
    out, err = first.communicate(timeout=60)
    assert first.returncode == 2, err
    assert "stopping once the part on its way has arrived" in err and "--resume 1" in err
    sent = len(server.state.migrations)
    assert 2 <= sent < 5 and len(out.splitlines()) == sent  # the part on its way arrived and was recorded

    assert main(args) == 2  # the same command again: refused, saying how to continue
    err = capsys.readouterr().err
    assert "continue it with: python -m addrmig submit" in err and "--resume 1" in err
    assert len(server.state.migrations) == sent

    assert main([*args, "--resume", "1", "--wait", "--poll", "0.05"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "finished: processed 100 of 100, 15 errors"
    assert each_part_started_once(server) and len(server.state.migrations) == 5


def test_a_second_interrupt_leaves_the_part_on_its_way_uncertain_and_it_is_sent_again_only_when_told(
        make_sandbox, monkeypatch, tmp_path, capsys):
    server = make_sandbox(rows_per_second=None, start_fail_rate=1.0, faults=("stall",), stall_seconds=1.5)
    monkeypatch.setenv("AKINON_TOKEN", server.token)
    path = mixed_file(tmp_path / "big.csv")
    args = ["submit", str(path), "--url", server.url, "--channel", "1", "--part-rows", "20"]
    first = run_cli(*args)
    wait_for(lambda: len(server.state.migrations) >= 3)  # part 3 has started; its answer is on its way
    first.send_signal(signal.SIGINT)
    time.sleep(0.2)
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=60)
    assert first.returncode == 2 and "MAY have started" in err and "--force-uncertain" in err

    server.state.start_fail_rate = 0.0
    assert main([*args, "--resume", "1", "--wait", "--poll", "0.05"]) == 1
    assert "1 part(s) MAY have started" in capsys.readouterr().err
    assert each_part_started_once(server)  # part 3 started once (the first time), never again
    from addrmig.history import History

    assert [p.state for p in History().parts(1)] == ["finished", "finished", "uncertain", "finished", "finished"]


def test_history_with_an_id_lists_the_parts_and_writes_those_with_errors(make_sandbox, monkeypatch, tmp_path, capsys):
    server = make_sandbox(rows_per_second=None)
    monkeypatch.setenv("AKINON_TOKEN", server.token)
    path = mixed_file(tmp_path / "big.csv", 40)
    main(submit_args(server, path, "--part-rows", "10", "--wait", "--poll", "0.05"))
    capsys.readouterr()
    out_file = tmp_path / "errors.csv"
    assert main(["history", "1", "--parts-with-errors", str(out_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "in 4 parts (finished)" in lines[0] and lines[1].split() == ["part", "rows", "bytes", "status", "migration",
                                                                        "processed", "errors"]
    assert lines[2].split()[:5] == ["1", "rows", "1", "to", "10"] and lines[2].split()[-1] == "2"
    assert lines[-1].startswith("wrote the rows of part(s) 1, 2, 3, 4")
    assert out_file.read_bytes() == path.read_bytes()
