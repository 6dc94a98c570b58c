"""Shared fixtures: a sandbox Akinon server on a free loopback port, and a private data dir."""
from __future__ import annotations

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
