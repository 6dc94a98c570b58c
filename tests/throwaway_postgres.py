"""A throwaway PostgreSQL server for the test session: initdb and pg_ctl in a temporary folder,
listening on a unix socket only, with one fresh database per test.

The server binaries come from ``$ADDRMIG_PG_BIN``, else ``pg_ctl`` on the PATH, else the
newest ``/usr/lib/postgresql/<version>/bin`` (Debian's ``postgresql`` package, which
``python3 run.py test`` installs). PostgreSQL refuses to run as root, so as root the
server runs as the ``postgres`` user (``runuser``). Durability is switched off: the
data is thrown away at the end.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

PORT = 5432  # only names the socket file inside our own folder: no clash with another server


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    if os.environ.get("ADDRMIG_PG_BIN"):
        return Path(os.environ["ADDRMIG_PG_BIN"])
    if shutil.which("pg_ctl") and shutil.which("initdb"):
        return Path(shutil.which("pg_ctl")).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
                      if p.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


class PostgresServer:
    """``start()`` a server in a new temporary folder; ``database()`` a fresh database's URL; ``stop()``."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        # As root the server's user must reach the folder: keep it out of a private TMPDIR.
        self.folder = Path(tempfile.mkdtemp(prefix="addrmig-pg-", dir="/tmp" if self.as_root else None))
        self.data = self.folder / "data"
        self.user = "postgres"

    def _run(self, *argv: str) -> None:
        command = [str(self.bin_dir / argv[0]), *argv[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            log = self.folder / "server.log"
            raise RuntimeError(f"{' '.join(argv[:2])} failed: {result.stdout}{result.stderr}"
                               + (log.read_text(errors="replace")[-2000:] if log.exists() else ""))

    def start(self) -> PostgresServer:
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", self.user, "-A", "trust", "-E", "UTF8", "--no-locale",
                  "--no-sync")
        options = (f"-k {self.folder} -c listen_addresses='' -p {PORT} -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", options, "-w",
                  "-t", "60", "start")
        return self

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://{self.user}@/{database}?host={self.folder}&port={PORT}"

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(host=str(self.folder), port=PORT, user=self.user, dbname="postgres", autocommit=True)

    def create_database(self) -> str:
        """A new empty database; its URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.split("/")[-1].split("?")[0]
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
