"""Shared fixtures: a sandbox Akinon server on a free loopback port, and a private data dir."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from addrmig.akinon.sandbox import Sandbox


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Keep every test's history and caches out of the real user data directory."""
    monkeypatch.setenv("ADDRMIG_DATA_DIR", str(tmp_path_factory.mktemp("addrmig-data")))


@pytest.fixture
def sandbox():
    """A running sandbox (demo token ``sandbox.token``, 5,000 rows/s, no faults); stopped afterwards."""
    with Sandbox(port=0) as server:
        yield server


@pytest.fixture
def make_sandbox():
    """``make_sandbox(**options)`` starts a Sandbox with those options; all are stopped afterwards."""
    started: list[Sandbox] = []

    def make(**options) -> Sandbox:
        server = Sandbox(port=0, **options).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def html_server():
    """A real server that answers every GET and POST with 200 and an HTML page, like a shop's
    storefront at a URL that is not Akinon's."""
    class Handler(BaseHTTPRequestHandler):
        def _page(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            body = b"<html><body>Welcome to our shop</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _page

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
