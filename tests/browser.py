"""Shared by the browser tests: an app server per test, Debian's Chromium, pages of their own.

Not a test module (no ``test_`` prefix): ``tests/test_browser_*.py`` import it.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-output" / "screenshots"
SMALL = ROOT / "tests" / "fixtures" / "addresses_small.csv"
CHROMIUM = os.environ.get("ADDRMIG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def app_server(folder: Path, *, address: str = "127.0.0.1", env: dict[str, str] | None = None,
               log_name: str = "streamlit.log", port: int | None = None, args: tuple[str, ...] = ()) -> Iterator[str]:
    """``streamlit run app.py`` on ``port`` (default: a free one), data in ``folder``, more
    ``args`` for Streamlit; yields its URL. The server's log must hold no traceback."""
    port = port or free_port()
    environ = dict(os.environ, ADDRMIG_DATA_DIR=str(folder / "data"), ADDRMIG_SANDBOX_ROWS_PER_SECOND="2000")
    environ.update(env or {})
    log_path = folder / log_name
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                                 "--server.port", str(port), "--server.address", address, *args],
                                cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            _connections_closed(port)
            proc.terminate()
            proc.wait(timeout=20)
    assert "Traceback" not in ours(log_path.read_text())


#: Where a record of Streamlit's server log starts: a timestamped line, an unhandled exception's
#: first line, or one of the server's own notes (a record runs to the line before the next).
_RECORD = re.compile(r"^(?=\d{4}-\d\d-\d\d |Exception in |  Stopping|  You can now|  URL: )", re.M)


def ours(log: str) -> str:
    """The server's log without the records of a websocket the browser closed while Streamlit's own
    endpoint was closing it too (every exception in them ``starlette.websockets.WebSocketDisconnected``,
    raised in Streamlit's websocket endpoint): a race inside Streamlit at a disconnect, seen once in a
    few hundred browser runs, that no code of the app takes part in."""
    records = _RECORD.split(log)
    return "".join(record for record in records if not _disconnect_race(record))


def _disconnect_race(record: str) -> bool:
    raised = [line for line in record.splitlines() if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Disconnected)\b", line)]
    return ("starlette_websocket.py" in record and bool(raised)
            and all(line.startswith("starlette.websockets.WebSocketDisconnected") for line in raised))


def _connections_closed(port: int, timeout: float = 5.0) -> None:
    """Wait (at most ``timeout``) until no connection to ``port`` is open: a server stopped while
    it still handles a page that just closed logs Streamlit's own traceback for that socket."""
    hex_port = f":{port:04X} "
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        open_ = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(OSError), open(table) as handle:
                # local address is field 1, state field 3: "01" established, "08" closed by the
                # page and not yet by the server (it has still to handle the close)
                open_ += sum(1 for line in handle if hex_port in line.split(None, 2)[1] + " "
                             and line.split()[3] in ("01", "08"))
        if not open_:
            return
        time.sleep(0.1)


def launch(playwright):
    """Debian's Chromium, headless."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def opened(browser, url: str, wait_for: str = "Upload your address file"):
    """A page in a browser context of its own (its own cookies and Streamlit session)."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    goto(page, url, wait_for)
    return page


def goto(page, url: str, wait_for: str | None = None) -> None:
    for _ in range(120):  # the server takes a moment to listen
        try:
            page.goto(url)
            break
        except Exception:  # playwright raises its own Error while nothing listens
            time.sleep(0.25)
    if wait_for:
        page.get_by_text(wait_for).first.wait_for(timeout=30_000)


def sidebar_text(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def wait_sidebar(page, text: str, timeout: float = 30_000) -> None:
    """Wait until the sidebar shows ``text`` (it is drawn after the page's own content)."""
    page.wait_for_function("(text) => (document.querySelector('[data-testid=stSidebar]')?.innerText || '')"
                           ".includes(text)", arg=text, timeout=timeout)


def settled(page, timeout: float = 60_000) -> None:
    """Wait until the app's run is over: while a script runs, Streamlit marks what it has not
    redrawn yet as stale (``data-stale``), and a widget used then may be redrawn under the click."""
    page.wait_for_function("() => !document.querySelector('[data-stale=true]')", timeout=timeout)


def shot(page, name: str, height: int | None = None) -> None:
    """A screenshot in test-output/screenshots/; ``height`` makes the window that tall for it (the
    app scrolls inside its own frame, so a full-page shot holds only the window)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    if height:
        page.set_viewport_size({"width": size["width"], "height": height})
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    if height:
        page.set_viewport_size(size)


def upload_small(page, read: str = "79 rows") -> None:
    """Upload addresses_small.csv on the Upload page and wait until the page says it was ``read``."""
    page.locator("input[type=file]").first.set_input_files(str(SMALL))
    page.get_by_text(read).first.wait_for(timeout=30_000)
