"""The app on a real server with a million-row file, driven in headless Chromium: how long each
step takes, whether the server keeps answering while the heavy work runs, and its memory.

    python benchmarks/bench_server.py FILE [--format xlsx] [--keep-log]

(also ``python benchmarks/bench_app.py --server --rows1m FILE``). One ``streamlit run app.py``
in a temporary data folder (its disconnected sessions closed after 2 s instead of 120 s, so
the end of a session can be seen). Session A uploads FILE, opens Check & fix, Places and
Export, prepares the file in ``--format`` and downloads it. While that file is built, a
thread asks ``/_stcore/health`` every 0.2 s, and session B (a browser context of its own)
opens the app's first page. Memory is the server and its worker processes together, as PSS
(pages shared between them counted once), sampled every 0.2 s: idle (after a first small
file has been through Upload and Places and its session has gone), the peak of session A, and what remains once A has closed and
Streamlit has dropped it (it does when its time to live has passed and another session
comes or goes: a third short visit stands for that).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("ADDRMIG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SMALL = ROOT / "tests" / "fixtures" / "addresses_small.csv"
FORMATS = {"csv": "CSV (for Akinon and most tools)", "xlsx": "Excel (XLSX)", "json": "JSON (Omnitron style)"}


def pss_kb(pid: int) -> int:
    """The PSS of ``pid`` and its descendants, in kB (0 for a process that has gone)."""
    total = 0
    for process in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{process}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def descendants(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                for child in children.read().split():
                    found.append(int(child))
                    found.extend(descendants(int(child)))
    except OSError:
        pass
    return found


class Sampler(threading.Thread):
    """Memory every 0.2 s; ``peak()`` since the last ``mark()``."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.stopped, self.high = pid, threading.Event(), 0

    def run(self) -> None:
        while not self.stopped.is_set():
            self.high = max(self.high, pss_kb(self.pid))
            time.sleep(0.2)

    def mark(self) -> None:
        self.high = pss_kb(self.pid)

    def peak(self) -> float:
        return max(self.high, pss_kb(self.pid)) / 1024

    def step(self) -> float:
        """The peak since the last step (MB), and a new step begins."""
        peak = self.peak()
        self.mark()
        return peak


class Health(threading.Thread):
    """``/_stcore/health`` every 0.2 s while ``active`` is set; the slowest answer (s)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.active, self.stopped = url + "_stcore/health", threading.Event(), threading.Event()
        self.slowest, self.asked = 0.0, 0

    def run(self) -> None:
        while not self.stopped.is_set():
            if self.active.is_set():
                start = time.perf_counter()
                try:
                    urllib.request.urlopen(self.url, timeout=30).read()
                    took = time.perf_counter() - start
                except OSError:
                    took = 30.0
                self.slowest, self.asked = max(self.slowest, took), self.asked + 1
            time.sleep(0.2)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nav(page, name: str) -> None:
    say(name)
    page.get_by_role("link", name=name).first.click()


def say(step: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {step}", file=sys.stderr, flush=True)


def first_page(browser, url: str) -> float:
    """Seconds until a new session's first page shows its title."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    page.get_by_text("Upload your address file").first.wait_for(timeout=120_000)
    took = time.perf_counter() - start
    context.close()
    return took


def warm_up(browser, url: str) -> None:
    """A small file through Upload and Places, as a first user would: what every server holds once
    it has served anyone (the code imported, the location database and its lookups loaded)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    page.get_by_text("Upload your address file").first.wait_for(timeout=120_000)
    page.locator("input[type=file]").first.set_input_files(str(SMALL))
    page.get_by_text(f"{SMALL.name}: ").first.wait_for(timeout=120_000)
    nav(page, "3. Places")
    page.get_by_text("Places found").first.wait_for(timeout=120_000)
    context.close()


def run(path: Path, fmt: str, keep_log: bool) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="addrmig-bench-server-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, ADDRMIG_DATA_DIR=str(folder / "data"))
    log = open(folder / "streamlit.log", "w")  # noqa: SIM115 - closed in the finally below, after the server
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                               "--server.port", str(port), "--server.address", "127.0.0.1",
                               "--server.disconnectedSessionTTL", "2", "--server.maxUploadSize", "400"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    say(f"server on {url}, log {folder / 'streamlit.log'}")
    figures: dict[str, float] = {}
    memory = Sampler(server.pid)
    health = Health(url)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM,
                                         args=["--headless", "--no-sandbox", "--disable-gpu"])
            for _ in range(240):
                try:
                    urllib.request.urlopen(url + "_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.25)
            warm_up(browser, url)  # imports done, the location database loaded: the server as it idles
            time.sleep(4)
            first_page(browser, url)  # the warm-up session dropped
            time.sleep(6)
            figures["server idle (MB)"] = pss_kb(server.pid) / 1024
            memory.start()
            health.start()
            memory.mark()

            context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page = context.new_page()
            page.goto(url)
            page.get_by_text("Upload your address file").first.wait_for(timeout=60_000)
            say("upload")
            start = time.perf_counter()
            page.locator("input[type=file]").first.set_input_files(str(path))
            page.get_by_text(f"{path.name}: ").first.wait_for(timeout=600_000)
            figures["upload -> file read"] = time.perf_counter() - start
            steps = {"upload": memory.step()}
            mark = time.perf_counter()
            nav(page, "2. Check & fix")
            page.get_by_text("Akinon would refuse").first.wait_for(timeout=600_000)
            figures["check results shown"] = time.perf_counter() - mark
            steps["check"] = memory.step()
            mark = time.perf_counter()
            health.active.set()
            nav(page, "3. Places")
            page.get_by_text("Places found").first.wait_for(timeout=600_000)
            figures["places resolved"] = time.perf_counter() - mark
            figures["upload -> places resolved"] = time.perf_counter() - start
            figures["health, slowest while places resolved (s)"] = health.slowest
            steps["places"] = memory.step()
            health.slowest = 0.0
            nav(page, "4. Export")
            page.get_by_text("Rows set apart").first.wait_for(timeout=600_000)
            page.get_by_text(FORMATS[fmt]).first.click()
            prepare = page.get_by_role("button", name=re.compile("^Prepare: Download [\\d,]+ rows"))
            prepare.wait_for(timeout=120_000)
            mark = time.perf_counter()
            say("prepare")
            prepare.click()
            page.get_by_text("Building").first.wait_for(timeout=60_000)
            figures["second session's first page, while the file is built"] = first_page(browser, url)
            button = page.get_by_role("button", name=re.compile("^Download [\\d,]+ rows"))
            button.wait_for(timeout=600_000)
            figures[f"{fmt.upper()} export built"] = time.perf_counter() - mark
            figures["health, slowest while the export was built (s)"] = health.slowest
            mark = time.perf_counter()
            with page.expect_download(timeout=600_000) as download:
                button.click()
            saved = folder / "download"
            download.value.save_as(saved)
            figures["download (s)"] = time.perf_counter() - mark
            figures["downloaded file (MB)"] = saved.stat().st_size / 1e6
            steps["export and download"] = memory.step()
            saved.unlink()
            health.active.clear()
            page.wait_for_timeout(2000)
            figures["session peak (MB)"] = max(memory.peak(), *steps.values())
            for step, peak in steps.items():
                figures[f"  peak during {step} (MB)"] = peak
            context.close()
            # Streamlit drops a disconnected session once its time to live (2 s here) has passed
            # and another session comes or goes: another user's visit stands for that.
            time.sleep(4)
            first_page(browser, url)
            time.sleep(6)  # the memory given back 2 s after the session went
            figures["after the session ended (MB)"] = pss_kb(server.pid) / 1024
            figures["job files left on disk"] = sum(1 for _ in (folder / "data" / "jobs").glob("*/*/*"))
            browser.close()
    finally:
        memory.stopped.set()
        health.stopped.set()
        server.terminate()
        server.wait(30)
        log.close()
        text = (folder / "streamlit.log").read_text()
        if "Traceback" in text:
            print(text[-4000:], file=sys.stderr)
        if keep_log:
            print(f"server log: {folder / 'streamlit.log'}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return figures


def show(figures: dict[str, float]) -> None:
    for name, value in figures.items():
        if "(MB)" in name:
            print(f"  {name:60s} {value:8,.0f}")
        elif "files" in name:
            print(f"  {name:60s} {value:8.0f}")
        else:
            print(f"  {name:60s} {value:8.2f} s")
    print(f"  {'session peak above idle (MB)':60s} {figures['session peak (MB)'] - figures['server idle (MB)']:8,.0f}")
    print(f"  {'left above idle after the session (MB)':60s} "
          f"{figures['after the session ended (MB)'] - figures['server idle (MB)']:8,.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="a CSV (benchmarks/generate.py 1000000 FILE)")
    parser.add_argument("--format", choices=list(FORMATS), default="xlsx")
    parser.add_argument("--keep-log", action="store_true", help="keep the server's log and print where")
    args = parser.parse_args(argv)
    figures = run(args.file, args.format, args.keep_log)
    print(f"== server, {args.file.name} ({args.file.stat().st_size / 1e6:,.0f} MB)")
    show(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
