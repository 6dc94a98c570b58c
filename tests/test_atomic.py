"""Outputs are written whole or not at all: the command's file, or the old one, and no leftovers."""
from __future__ import annotations

import stat
from pathlib import Path

import pandas as pd
import pytest

import addrmig.io.write as writing
from addrmig.cli import main
from addrmig.io import atomic_output, save_table, write_atomically, write_table

FIXTURES = Path(__file__).parent / "fixtures"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_write_atomically_writes_the_bytes_and_leaves_no_temporary_file(tmp_path):
    write_atomically(tmp_path / "out.csv", b"a,b\n")
    assert (tmp_path / "out.csv").read_bytes() == b"a,b\n"
    assert leftovers(tmp_path) == []


def test_a_failure_while_writing_keeps_the_old_file_and_removes_the_temporary_one(tmp_path):
    path = tmp_path / "out.csv"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(path) as stream:
        stream.write(b"half of the new")
        raise RuntimeError("disk gone")
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_a_missing_folder_is_named_in_the_error_not_the_temporary_file(tmp_path):
    path = tmp_path / "missing" / "out.csv"
    with pytest.raises(FileNotFoundError) as caught:
        write_atomically(path, b"x")
    assert caught.value.filename == str(path)


def test_an_existing_file_keeps_its_permissions_and_a_new_one_gets_the_usual_ones(tmp_path):
    kept = tmp_path / "kept.csv"
    kept.write_bytes(b"old")
    kept.chmod(0o640)
    write_atomically(kept, b"new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    plain = tmp_path / "plain.csv"
    plain.write_bytes(b"by open()")
    fresh = tmp_path / "fresh.csv"
    write_atomically(fresh, b"new")
    assert stat.S_IMODE(fresh.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


def test_a_symbolic_link_stays_a_link_to_the_new_content(tmp_path):
    (tmp_path / "real.csv").write_bytes(b"old")
    link = tmp_path / "link.csv"
    link.symlink_to("real.csv")
    write_atomically(link, b"new")
    assert link.is_symlink() and (tmp_path / "real.csv").read_bytes() == b"new"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_table_saved_in_slices_that_fails_half_way_keeps_the_old_output(tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(writing, "CSV_CHUNK_ROWS", 2)
    monkeypatch.setattr(writing, "XLSX_CHUNK_ROWS", 2)
    frame = pd.DataFrame({"user": list("abcdef"), "line": "x"}, dtype="str")
    path = tmp_path / f"out.{fmt}"
    path.write_bytes(b"old")

    def progress(done: int, total: int) -> None:
        if done >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        save_table(frame, path, fmt, progress=progress)
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []
    save_table(frame, path, fmt)
    assert path.read_bytes() == write_table(frame, fmt)


@pytest.mark.parametrize("argv", [
    ["fix", "{input}", "-o", "{out}/missing/out.csv"],
    ["fix", "{input}", "-o", "{out}/out.csv", "--review", "{out}/missing/review.xlsx"],
    ["validate", "{input}", "--report", "{out}/missing/report.xlsx"],
    ["convert", "{input}", "-o", "{out}/missing/out.json"],
])
def test_an_output_that_cannot_be_written_exits_2_naming_it(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.setenv("ADDRMIG_DATA_DIR", str(tmp_path / "data"))
    args = [a.format(input=FIXTURES / "addresses_small.csv", out=tmp_path) for a in argv]
    assert main(args) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: No such file or directory") and f"{tmp_path}/missing/" in error
    assert leftovers(tmp_path) == []
