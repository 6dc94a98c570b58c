#!/usr/bin/env python3
"""Set up and run addrmig with nothing but python3 on the machine.

    python3 run.py app     # install into .venv, then: streamlit run app.py
    python3 run.py test    # install into .venv (+ Debian's chromium and postgresql), then: python -m pytest
    python3 run.py cli ... # install into .venv, then: python -m addrmig ...

Only the standard library is used here, so this runs before anything is installed.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("ADDRMIG_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def say(message: str) -> None:
    print(f"[run.py] {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    say(message)
    sys.exit(2)


def ensure_venv() -> None:
    if PYTHON.exists():
        return
    say(f"creating a virtual environment in {VENV}")
    result = subprocess.run([sys.executable, "-m", "venv", str(VENV)])
    if result.returncode != 0:
        shutil.rmtree(VENV, ignore_errors=True)
        fail("python3 could not create a virtual environment; on Debian/Ubuntu install it with "
             "'apt-get install python3-venv' and run this command again.")


def ensure_requirements(requirements: str) -> None:
    """pip install the requirements once; again only when the file changes."""
    files = [ROOT / requirements, ROOT / "requirements.txt"]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    stamp = VENV / f".installed-{requirements}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing {requirements} (first run takes a minute)")
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if subprocess.run(pip + ["-r", str(ROOT / requirements)]).returncode != 0:
        fail(f"pip could not install {requirements}; see the messages above.")
    stamp.write_text(digest)


def ensure_chromium() -> None:
    """The browser tests drive Debian's chromium; install it when we may (root with apt-get)."""
    if os.environ.get("ADDRMIG_CHROMIUM") or shutil.which("chromium"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("installing Debian's chromium for the browser tests")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        ok = subprocess.run(["apt-get", "update", "-qq"], env=env).returncode == 0 and subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"], env=env).returncode == 0
        if ok and shutil.which("chromium"):
            return
    fail("the browser tests need Chromium: install Debian's 'chromium' package "
         "(apt-get install chromium) or set ADDRMIG_CHROMIUM to a Chromium binary, then run again.")


def postgresql_installed() -> bool:
    if os.environ.get("ADDRMIG_PG_BIN") or (shutil.which("pg_ctl") and shutil.which("initdb")):
        return True
    return any(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))


def ensure_postgresql() -> None:
    """The store tests start their own PostgreSQL server from Debian's postgresql; install it when we may."""
    if postgresql_installed():
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("installing Debian's postgresql for the database tests")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        ok = subprocess.run(["apt-get", "update", "-qq"], env=env).returncode == 0 and subprocess.run(
            ["apt-get", "install", "-y", "-qq", "postgresql"], env=env).returncode == 0
        if ok and postgresql_installed():
            return
    fail("the database tests need PostgreSQL's server programs: install Debian's 'postgresql' package "
         "(apt-get install postgresql) or set ADDRMIG_PG_BIN to the folder holding initdb and pg_ctl, then run again.")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"app", "test", "cli"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    ensure_venv()
    if command == "test":
        ensure_requirements("requirements-dev.txt")
        ensure_chromium()
        ensure_postgresql()
        if rest:
            return subprocess.run([str(PYTHON), "-m", "pytest", *rest]).returncode
        # The whole suite: the tests without a browser in two processes (pytest-xdist), then the
        # browser tests one after another, on a machine the other tests no longer load (they
        # drive real servers and Chromium, whose timings a loaded machine stretches).
        browser = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "tests").glob("test_browser_*.py"))
        first = subprocess.run([str(PYTHON), "-m", "pytest", "-n", "2",
                                *[f"--ignore={path}" for path in browser]]).returncode
        second = subprocess.run([str(PYTHON), "-m", "pytest", *browser]).returncode
        return first or second
    ensure_requirements("requirements.txt")
    if command == "cli":
        return subprocess.run([str(PYTHON), "-m", "addrmig", *rest]).returncode
    # A local tool listens on this computer only, unless told otherwise (--server.address 0.0.0.0):
    # then, without sign-in, the server's own Akinon token is not used (see addrmig/access.py).
    if not any(arg.startswith("--server.address") for arg in rest):
        rest = ["--server.address", "localhost", *rest]
    try:
        return subprocess.run([str(PYTHON), "-m", "streamlit", "run", "app.py", *rest]).returncode
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
