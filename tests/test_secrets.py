"""The API token never lands in a file, an output a person sees, an error message or a log.

A full run with a recognisable token (CLI in subprocesses against ``addrmig sandbox
--token``, and the web app in AppTest connected to a sandbox with that token), then
every file the run wrote — data dir, temp dir, working dir, and anything new in the
project folder — is searched for the token.
"""
from __future__ import annotations

import csv
import io
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from addrmig.akinon.client import AkinonClient
from addrmig.akinon.connection import AKINON, check_connection
from addrmig.errors import AddrmigError, AlreadySubmitted
from addrmig.fields import COLUMNS
from addrmig.history import History

ROOT = Path(__file__).resolve().parent.parent
#: Made at run time, so neither this file nor its compiled copy holds it.
SECRET = f"tok-SECRET-{uuid.uuid4().hex}"
ROW = {"user": "C1", "email": "a@b.co", "first_name": "Ayşe", "last_name": "Işık", "line": "Gül Sok. 1",
       "country": "TÜRKİYE", "city": "İSTANBUL", "township": "ÜSKÜDAR", "district": "ALTUNİZADE MAH"}


def clean_csv(path: Path, rows: int = 60) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(dict(ROW, user=f"C{n}") for n in range(rows))
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def files_holding_the_token(folders: list[Path], since: float) -> list[Path]:
    """Files under ``folders`` changed since ``since`` whose bytes contain the token (.git and .venv skipped)."""
    found, seen = [], 0
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if d not in (".git", ".venv", "node_modules")]
            for name in filenames:
                path = Path(dirpath, name)
                try:
                    if path.stat().st_mtime < since or path.is_symlink():
                        continue
                    seen += 1
                    if SECRET.encode() in path.read_bytes():
                        found.append(path)
                except OSError:  # another engineer's file vanished meanwhile
                    continue
    assert seen, "the run should have written files"
    return found


@pytest.mark.timeout(60)
def test_cli_full_run_leaves_the_token_in_no_file_and_no_output(tmp_path):
    since = time.time() - 1
    data, tmp, work = tmp_path / "data", tmp_path / "tmp", tmp_path / "work"
    for folder in (data, tmp, work):
        folder.mkdir()
    env = dict(os.environ, ADDRMIG_DATA_DIR=str(data), TMPDIR=str(tmp), AKINON_TOKEN=SECRET, PYTHONPATH=str(ROOT))
    server = subprocess.Popen([sys.executable, "-m", "addrmig", "sandbox", "--port", "0", "--token", SECRET,
                               "--rows-per-second", "3000"], cwd=work, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().split(" at ")[1].strip()
        path = clean_csv(work / "addresses.csv")

        def cli(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "addrmig", *args], cwd=work, env=env,
                                  capture_output=True, text=True, timeout=40)

        runs = [cli("submit", str(path), "--url", url, "--channel", "1", "--wait", "--poll", "0.05")]
        assert runs[0].returncode == 0, runs[0].stderr
        migration_id = runs[0].stdout.splitlines()[0]
        runs.append(cli("progress", migration_id, "--url", url, "--channel", "1"))
        runs.append(cli("history"))
        runs.append(cli("submit", str(path), "--url", url, "--channel", "1"))  # refused: sent already
        runs.append(cli("progress", "0" * 32, "--url", url, "--channel", "1"))  # not found
        runs.append(cli("progress", migration_id, "--url", url + "/wrong", "--channel", "1"))
        assert [r.returncode for r in runs] == [0, 0, 0, 2, 2, 2]
        assert migration_id in runs[2].stdout
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert not [r for r in runs if SECRET in r.stdout + r.stderr]
    assert files_holding_the_token([data, tmp, work, ROOT], since) == []


def element_texts(at: AppTest) -> list[str]:
    """Every element's protobuf as text, except the password box that holds the token on purpose."""
    texts = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(node, "key", None) != "conn_token":
            texts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return texts


def poll_until(at: AppTest, text: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not any(text in str(s.value) for s in [*at.success, *at.warning]):
        time.sleep(0.3)
        at.run()


@pytest.mark.timeout(90)
def test_app_full_run_leaves_the_token_in_no_file_no_element_and_no_log(tmp_path, make_sandbox, monkeypatch, caplog):
    since = time.time() - 1
    caplog.set_level(logging.DEBUG)
    data, tmp = tmp_path / "data", tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("ADDRMIG_DATA_DIR", str(data))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # so gettempdir() reads TMPDIR again
    server = make_sandbox(token=SECRET, rows_per_second=5000)
    other = make_sandbox(token="another-token")

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    # After its first run AppTest re-runs only the current page of an st.navigation app, never the
    # sidebar code in app.py; so the connection is set on the session's Workspace the way the
    # sidebar sets it, and "Test connection" is the function its button calls.
    conn = at.session_state["workspace"].connection
    conn.mode, conn.url, conn.token = AKINON, other.url, SECRET
    with pytest.raises(AddrmigError) as caught:
        check_connection(conn)
    assert "token" in str(caught.value).lower() and SECRET not in str(caught.value) + repr(caught.value)
    conn.url = server.url
    assert "accepted the token" in check_connection(conn)
    assert SECRET not in repr(at.session_state["workspace"].connection)

    at.file_uploader(key="upload_file").upload("addresses.csv", clean_csv(tmp_path / "a.csv").read_bytes(), "text/csv")
    at.run()
    at.switch_page("pages/submit.py").run()
    if "send_anyway" in [c.key for c in at.checkbox]:
        at.checkbox(key="send_anyway").check().run()
    at.button(key="send_button").click().run()
    poll_until(at, "Finished")
    assert any("Finished" in str(s.value) for s in [*at.success, *at.warning])
    assert len(server.state.migrations) == 1  # it went to the server with the token, not the built-in one
    assert at.button(key="send_button").disabled  # finished: the page does not offer to send it again
    ws = at.session_state["workspace"]
    with pytest.raises(AlreadySubmitted) as refused:  # and the store refuses it, quoting the earlier one
        ws.send(AkinonClient(server.url, SECRET), History(), ws.export_split(ws.report()).send)
    assert "already sent" in str(refused.value) and SECRET not in str(refused.value) + repr(refused.value.earlier)

    shown = element_texts(at)
    assert len(shown) > 20 and not [text for text in shown if SECRET in text]
    assert SECRET not in caplog.text
    assert files_holding_the_token([data, tmp, ROOT], since) == []
