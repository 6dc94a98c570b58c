"""The Submit page on a flaky network: a stalled progress endpoint never freezes it, and a
connection lost while sending says whether the migration may have started (never resends)."""
from __future__ import annotations

import csv
import io
import socket
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from addrmig.akinon.connection import AKINON
from addrmig.fields import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
ROW = {"user": "C1", "email": "a@b.co", "first_name": "Ayşe", "last_name": "Işık", "line": "Gül Sok. 1",
       "country": "TÜRKİYE", "city": "İSTANBUL", "township": "ÜSKÜDAR", "district": "ALTUNİZADE MAH"}

pytestmark = pytest.mark.timeout(60)


def clean_csv(rows: int = 40) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(dict(ROW, user=f"C{n}") for n in range(rows))
    return out.getvalue().encode()


def submit_page(url: str, token: str, *, rows: int = 40, timeout: float = 20) -> AppTest:
    """A session with a file of ``rows`` rows, connected to ``url`` (as the sidebar would set it),
    on the Submit page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    conn = at.session_state["workspace"].connection
    conn.mode, conn.url, conn.token = AKINON, url, token
    at.file_uploader(key="upload_file").upload("addresses.csv", clean_csv(rows), "text/csv")
    at.run()
    at.switch_page("pages/submit.py").run()
    if "send_anyway" in [c.key for c in at.checkbox]:
        at.checkbox(key="send_anyway").check().run()
    return at


def shown(at: AppTest, kind: str) -> str:
    return "\n".join(str(e.value) for e in getattr(at, kind))


def test_stalled_progress_endpoint_shows_retrying_and_the_page_goes_on(make_sandbox):
    server = make_sandbox(rows_per_second=5000, fail_rate=1.0, faults=("stall",), stall_seconds=30)
    at = submit_page(server.url, server.token)
    at.button(key="send_button").click().run()  # a run that polls a stalled server still returns
    assert not at.exception
    assert len(server.state.migrations) == 1
    assert "retrying every second" in shown(at, "warning")
    assert "did not answer" in shown(at, "warning")
    assert at.session_state["workspace"].submission.status == "started"
    server.state.fail_rate = 0.0  # the network comes back
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "Finished" not in shown(at, "success"):
        time.sleep(0.2)
        at.run()
    assert "Finished" in shown(at, "success")
    assert "retrying" not in shown(at, "warning")


class DroppingServer:
    """Reads each request whole, then closes the connection without answering (a lost line)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests: list[bytes] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                self.requests.append(head.split(b"\r\n")[0])

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def dropping_server():
    server = DroppingServer()
    yield server
    server.close()


def test_connection_lost_while_sending_says_the_migration_may_have_started_and_never_resends(dropping_server):
    at = submit_page(dropping_server.url, "some-token")
    at.button(key="send_button").click().run()
    assert not at.exception
    assert "broke the connection" in shown(at, "error") and "MAY have started" in shown(at, "error")
    assert "may have started" in shown(at, "warning") and "Do not send the file again" in shown(at, "warning")
    posts = lambda: [r for r in dropping_server.requests if r.startswith(b"POST")]  # noqa: E731
    assert len(posts()) == 1  # the token question before it is a GET, safe to ask again
    at.button(key="send_button").click().run()  # a second press is refused, nothing is sent
    assert not at.exception
    assert "already sent" in shown(at, "error")
    assert at.button(key="force_button")
    assert len(posts()) == 1


def test_server_not_reached_says_no_migration_started():
    with socket.create_server(("127.0.0.1", 0)) as sock:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    at = submit_page(url, "some-token")
    at.button(key="send_button").click().run()
    assert not at.exception
    assert "could not be reached" in shown(at, "error")
    assert "No migration was started" in shown(at, "info")
    assert at.session_state["workspace"].submission is None
