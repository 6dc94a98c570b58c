"""Shared fixtures: a sandbox Akinon server on a free loopback port, a private data dir, and the
databases the stores run on (sqlite in the data dir, and a PostgreSQL server of the test session)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from throwaway_postgres import PostgresServer, binaries

from addrmig.akinon.sandbox import Sandbox
from addrmig.storage.database import close_database


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Keep every test's history and caches out of the real user data directory, and the
    prepared tables (shared by the tests of a session) out of the user cache folder."""
    monkeypatch.setenv("ADDRMIG_DATA_DIR", str(tmp_path_factory.mktemp("addrmig-data")))
    monkeypatch.setenv("ADDRMIG_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "addrmig-cache"))


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server for the whole session (see tests/throwaway_postgres.py), stopped at the end."""
    bin_dir = binaries()
    if bin_dir is None:
        pytest.fail("PostgreSQL is not installed, and the store tests run on it: `python3 run.py test` installs "
                    "Debian's postgresql package (as root), or run `apt-get install postgresql`, or set "
                    "ADDRMIG_PG_BIN to the folder holding initdb and pg_ctl.")
    server = PostgresServer(bin_dir).start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server):
    """A new, empty PostgreSQL database on the session's server (dropped afterwards); its URL."""
    url = postgres_server.create_database()
    yield url
    close_database(url)
    postgres_server.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, monkeypatch):
    """Run the test on each database: sqlite (the default file in the test's data dir; yields None) and
    PostgreSQL (a fresh database, set as ADDRMIG_DATABASE_URL; yields its URL)."""
    if request.param == "sqlite":
        monkeypatch.delenv("ADDRMIG_DATABASE_URL", raising=False)
        yield None
        return
    url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("ADDRMIG_DATABASE_URL", url)
    yield url


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

