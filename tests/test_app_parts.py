"""The Submit page with a file sent in parts (AppTest): the whole's progress, each part on demand,
Continue after the server stopped taking parts, and a part whose answer was lost sent again only
once the user confirms it did not start."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from streamlit.testing.v1 import AppTest
from test_app_network import submit_page as network_submit_page

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def _small_parts(monkeypatch):
    monkeypatch.setenv("ADDRMIG_PART_ROWS", "20")
    monkeypatch.setenv("ADDRMIG_SANDBOX_ROWS_PER_SECOND", "20000")


class FlakyProxy:
    """Passes requests on to ``target``; ``rule(n)`` says what happens to the n-th migration start:
    ``"pass"``, ``"503"`` (the server is unavailable: nothing starts) or ``"drop"`` (the connection
    breaks after the body arrived and before any answer; nothing is passed on)."""

    def __init__(self, target: str) -> None:
        self.target, self.starts = target, 0
        self.rule = lambda n: "pass"
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.command == "POST" and "/migrations/start/" in self.path:
                    proxy.starts += 1
                    what = proxy.rule(proxy.starts)
                    if what == "drop":
                        self.close_connection = True
                        return
                    if what == "503":
                        self._answer(503, b'{"detail": "Service unavailable."}', "application/json")
                        return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = requests.request(self.command, proxy.target + self.path, headers=headers, data=body,
                                          timeout=30, allow_redirects=False)
                self._answer(answer.status_code, answer.content, answer.headers.get("Content-Type", "text/plain"))

            def _answer(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _relay

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxied(make_sandbox):
    server = make_sandbox(rows_per_second=20000)
    proxy = FlakyProxy(server.url)
    yield server, proxy
    proxy.close()


def submit_page(url: str, token: str) -> AppTest:
    """A session with a 100-row file on the Submit page, connected to ``url``."""
    return network_submit_page(url, token, rows=100, timeout=60)


def shown(at: AppTest, *kinds: str) -> str:
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def wait_finished(at: AppTest) -> None:
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and "Finished" not in shown(at, "success", "warning"):
        time.sleep(0.3)
        at.run()
    assert "Finished" in shown(at, "success", "warning")


def users_started(server) -> list[str]:
    return sorted((u for m in server.state.migrations.values() for u in m.frame["user"]), key=lambda u: int(u[1:]))


def test_a_file_sent_in_parts_shows_the_whole_and_each_part_on_demand():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.file_uploader(key="upload_file").upload("addresses_small.csv",
                                               (ROOT / "tests" / "fixtures" / "addresses_small.csv").read_bytes(),
                                               "text/csv")
    at.run()
    at.switch_page("pages/submit.py").run()
    at.radio(key="send_choice").set_value("all").run()
    at.button(key="send_button").click().run()
    assert not at.exception
    assert "Sent 79 rows in 4 parts" in shown(at, "success")
    wait_finished(at)
    assert {m.label: m.value for m in at.metric}["Processed"] == "79"
    ws = at.session_state["workspace"]
    assert (ws.submission.parts, ws.submission.parts_finished) == (4, 4)
    [expander] = [e for e in at.expander if "The 4 parts" in e.label]
    table = expander.dataframe[0].value
    assert list(table["part"]) == [1, 2, 3, 4] and list(table["rows"]) == [20, 20, 20, 19]
    assert int(table["refused"].sum()) == ws.submission.errors > 0
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Download the rows of the") and "with refusals" in label for label in labels)
    assert at.button(key="send_button").disabled


def test_continue_sends_only_the_parts_never_sent_after_the_server_stopped_taking_them(proxied):
    server, proxy = proxied
    proxy.rule = lambda n: "503" if n >= 3 else "pass"  # the server goes down after two parts
    at = submit_page(proxy.url, server.token)
    at.button(key="send_button").click().run()
    assert not at.exception
    assert "HTTP 503" in shown(at, "error") and "Sending stopped part way" in shown(at, "info")
    assert "2 of 5 parts were sent; 3 parts never were" in shown(at, "info")
    assert len(server.state.migrations) == 2 and at.button(key="send_button").disabled
    proxy.rule = lambda n: "pass"  # the server is back
    at.button(key="continue_button").click().run()
    assert not at.exception
    wait_finished(at)
    assert users_started(server) == [f"C{n}" for n in range(100)]  # every row once
    assert len(server.state.migrations) == 5


def test_a_part_whose_answer_was_lost_is_sent_again_only_once_the_user_confirms(proxied):
    server, proxy = proxied
    proxy.rule = lambda n: "drop" if n == 2 else "pass"  # the line breaks while part 2 is sent
    at = submit_page(proxy.url, server.token)
    at.button(key="send_button").click().run()
    assert not at.exception
    assert "MAY have started" in shown(at, "error")
    assert "The answer to part 2 (rows 21 to 40" in shown(at, "warning")
    assert at.button(key="force_uncertain_button").disabled  # not before the user says they checked
    at.button(key="continue_button").click().run()  # the parts never sent: 3 to 5
    assert not at.exception
    assert len(server.state.migrations) == 4 and "part 2" in shown(at, "warning")
    at.checkbox(key=f"uncertain_checked_{at.session_state['workspace'].submission.id}").check().run()
    at.button(key="force_uncertain_button").click().run()
    assert not at.exception
    wait_finished(at)
    assert users_started(server) == [f"C{n}" for n in range(100)]
