"""The app as people use it, in Debian's Chromium: a reload keeps the work, other people see
none of it, failures are loud, empty files are not ticked, and every number agrees — while a
migration runs and after. Screenshots go to test-output/screenshots/."""
from __future__ import annotations

import re

import pytest
from browser import app_server, goto, launch, opened, settled, shot, sidebar_text, upload_small, wait_sidebar
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright

HEADER_ONLY = "user,email,first_name,last_name,line,country,city,township,district\n"


def metric(page, label: str) -> str:
    """The value of the metric with this label."""
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def rows_in(text: str) -> int:
    return int(re.search(r"[\d,]+", text).group(0).replace(",", ""))


#: A submission's progress as ``progress_text`` writes it: "28% processed (5,067 of 18,282)" (or
#: "28 %", "%28", as the language writes a percentage).
RUNNING = r"(?:\d+\s?%|%\s?\d+) processed \([\d,.]+ of [\d,.]+\)"
#: In the browser, at one moment: the Submit page's progress bar, the sidebar and the history
#: table each read for the pattern given; the text when the three show the same one, else null.
AGREEING = """(pattern) => {
    const re = new RegExp(pattern);
    const found = (text) => { const m = (text || "").match(re); return m ? m[0] : null; };
    const side = document.querySelector('[data-testid=stSidebar]');
    const bars = [...document.querySelectorAll('[data-testid=stProgress]')].filter(e => !side.contains(e));
    const bar = bars.map(e => found(e.innerText)).find(Boolean);
    const sidebar = found(side.innerText);
    const cells = [...document.querySelectorAll('[id^="glide-cell-"]')].map(e => found(e.innerText)).filter(Boolean);
    return bar && bar === sidebar && cells.length && cells[0] === bar ? bar : null;
}"""


def grid_cells(page) -> list[str]:
    """The visible cells of the page's data grids (glide keeps an accessible copy of them)."""
    cells = page.locator('[id^="glide-cell-"]')
    return [cells.nth(i).inner_text() for i in range(cells.count())]


@pytest.mark.timeout(240)
def test_a_reload_keeps_the_work_and_a_second_browser_sees_none_of_it(tmp_path):
    with app_server(tmp_path) as url, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = opened(browser, url)
            upload_small(page)
            assert "?w=" in page.url  # the workspace's id is in the address
            page.get_by_role("link", name="2. Check & fix").first.click()
            page.get_by_role("button", name=re.compile("^Trim stray spaces")).click()
            page.get_by_role("button", name=re.compile("^Undo: trimmed spaces")).wait_for(timeout=30_000)
            page.get_by_role("link", name="3. Places").first.click()
            page.get_by_text("Places to decide").first.wait_for(timeout=60_000)
            waiting_before = metric(page, "Rows waiting for you")
            # Pick the suggestion of the first written place that has one, and save the choice: the
            # pick has registered once the page says how many rows it changes and the button counts it.
            settled(page)
            shot(page, "flow_places_review", height=1800)
            card = page.locator('[data-testid="stHorizontalBlock"]').filter(has_text="Suggested:").first
            suggestion = page.get_by_role("option").nth(1)  # the first candidate, after "leave as written"
            for _ in range(3):  # a rerun still under way may close the list as it opens
                card.locator('[data-testid="stSelectbox"]').first.click()
                try:
                    suggestion.wait_for(timeout=10_000)
                    break
                except PlaywrightTimeout:
                    settled(page)
            suggestion.click()
            card.get_by_text(re.compile(r"^Saving this changes [\d,]+ rows?")).wait_for(timeout=30_000)
            save = page.get_by_role("button", name="Save my choices (1)")
            expect(save).to_be_enabled(timeout=30_000)
            shot(page, "flow_places_picked", height=1800)
            save.click()
            page.wait_for_function(
                "(before) => [...document.querySelectorAll('[data-testid=stMetric]')].some(m => "
                "m.innerText.includes('Rows waiting for you') && !m.innerText.includes(before))",
                arg=waiting_before, timeout=30_000)
            waiting = metric(page, "Rows waiting for you")
            shot(page, "flow_places_before_reload")
            address = page.url

            page.reload()  # the laptop slept, the connection dropped, someone pressed F5
            page.get_by_text("Places to decide").first.wait_for(timeout=60_000)
            assert page.url == address and "/locations" in address
            assert metric(page, "Rows waiting for you") == waiting  # the choices survived
            wait_sidebar(page, "✓ 79 rows")
            page.get_by_role("link", name="2. Check & fix").first.click()
            page.get_by_role("button", name=re.compile("^Undo: ")).wait_for(timeout=30_000)  # the edits too
            shot(page, "flow_check_after_reload")

            # A new tab with the same address continues the same work.
            tab = page.context.new_page()
            goto(tab, address, "Places to decide")
            assert metric(tab, "Rows waiting for you") == waiting

            # Somebody else, in another browser, sees none of it.
            other = opened(browser, url)
            assert "addresses_small" not in other.content()
            assert "Nothing uploaded yet" in other.content()
            other.get_by_role("link", name="5. Submit").first.click()
            other.get_by_text("Earlier submissions").first.wait_for(timeout=30_000)
            other.get_by_text("Nothing sent yet").first.wait_for(timeout=30_000)
        finally:
            browser.close()


@pytest.mark.timeout(180)
def test_failures_are_loud_and_an_empty_file_is_never_ticked(tmp_path):
    png = tmp_path / "photo.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER_ONLY, encoding="utf-8")
    with app_server(tmp_path) as url, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = opened(browser, url)
            page.locator("input[type=file]").first.set_input_files(str(png))
            alert = page.get_by_text("photo.csv could not be read").first
            alert.wait_for(timeout=30_000)
            assert alert.is_visible()  # in a red box on the page, not folded away
            page.get_by_text("No file is loaded").first.wait_for(timeout=30_000)  # drawn after the alert
            shot(page, "flow_upload_refused")

            upload_small(page)
            page.locator("input[type=file]").first.set_input_files(str(png))
            page.get_by_text("still working on").first.wait_for(timeout=30_000)
            assert "addresses_small.csv" in page.get_by_text("still working on").first.inner_text()

            page.locator("input[type=file]").first.set_input_files(str(empty))
            page.get_by_text("no address rows").first.wait_for(timeout=30_000)
            wait_sidebar(page, "the file has no address rows")
            assert "✓" not in sidebar_text(page)
            for name in ("2. Check & fix", "3. Places", "4. Export", "5. Submit"):
                page.get_by_role("link", name=name).first.click()
                page.get_by_text("has no address rows").first.wait_for(timeout=30_000)
                wait_sidebar(page, "the file has no address rows")
                assert "✓" not in sidebar_text(page), name
            shot(page, "flow_empty_file")
        finally:
            browser.close()


@pytest.mark.timeout(240)
def test_every_number_agrees_while_a_migration_runs_and_after_and_the_refusals_come_true(tmp_path):
    # A slow sandbox, so the run can be watched part way (some ten readings).
    with app_server(tmp_path, env={"ADDRMIG_SANDBOX_ROWS_PER_SECOND": "8"}) as url, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = opened(browser, url)
            upload_small(page)
            page.get_by_role("link", name="3. Places").first.click()
            page.get_by_text("Places to decide").first.wait_for(timeout=60_000)
            page.get_by_role("link", name="2. Check & fix").first.click()
            refused = metric(page, "Akinon would refuse")
            wait_sidebar(page, f"Akinon would refuse {refused}")  # the Check page and the sidebar say the same
            page.get_by_role("link", name="5. Submit").first.click()
            page.get_by_text("Before sending").first.wait_for(timeout=30_000)
            assert metric(page, "Akinon would refuse") == refused
            page.get_by_text(re.compile("^Send all 79 rows")).click()
            page.get_by_role("button", name="Send the addresses").click()

            # While it runs: the page, the sidebar and the history table show one reading. Each is its
            # own fragment, redrawn once a second at its own moment: after a new reading they agree
            # once the last of them has drawn it, until the next. So they are read together, in the
            # browser, at every frame, until they agree.
            running = page.wait_for_function(AGREEING, arg=RUNNING, timeout=60_000, polling="raf").json_value()
            assert re.fullmatch(RUNNING, running) and not running.startswith("100")
            shot(page, "flow_submit_running")

            page.get_by_text("Finished:").first.wait_for(timeout=60_000)
            page.wait_for_timeout(2000)
            server_refused = metric(page, "Refused by the server")
            assert rows_in(server_refused) == rows_in(refused)  # what the app announced is what happened
            finished = f"finished: 79 rows, {rows_in(refused)} refused"  # progress_text's words
            wait_sidebar(page, finished)
            assert page.wait_for_function(AGREEING, arg=re.escape(finished), timeout=30_000).json_value() == finished
            assert finished in grid_cells(page)
            assert "addresses_small.csv" in grid_cells(page) and "Sandbox" in grid_cells(page)
            assert page.get_by_role("button", name="Send the addresses").is_disabled()
            shot(page, "flow_submit_finished")
        finally:
            browser.close()



@pytest.mark.timeout(240)
def test_a_file_sent_in_parts_reaches_finished_with_the_whole_counted_and_each_part_on_demand(tmp_path):
    with app_server(tmp_path, env={"ADDRMIG_PART_ROWS": "20", "ADDRMIG_SANDBOX_ROWS_PER_SECOND": "6"}) as url, \
            sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = opened(browser, url)
            upload_small(page)
            page.get_by_role("link", name="5. Submit").first.click()
            page.get_by_text("Before sending").first.wait_for(timeout=30_000)
            page.get_by_text(re.compile("^Send all 79 rows")).click()
            page.get_by_role("button", name="Send the addresses").click()
            page.get_by_text("Sent 79 rows in 4 parts").first.wait_for(timeout=60_000)
            wait_sidebar(page, "% processed (")  # the whole, while the parts run
            page.get_by_text("The 4 parts: rows, migrations and refusals").first.click()
            page.wait_for_function("() => document.querySelectorAll('[id^=glide-cell-]').length > 0", timeout=30_000)
            shot(page, "flow_parts_running")
            page.get_by_text("Finished:").first.wait_for(timeout=90_000)
            page.wait_for_timeout(1500)
            processed = metric(page, "Processed")
            assert rows_in(processed) == 79
            parts = page.locator('[data-testid="stExpander"]').filter(has_text="The 4 parts")
            if not parts.locator('[data-testid="stDataFrame"]').first.is_visible():
                page.get_by_text("The 4 parts: rows, migrations and refusals").first.click()
            page.wait_for_function("() => [...document.querySelectorAll('[id^=glide-cell-]')]"
                                   ".filter(c => c.innerText === 'finished').length >= 4", timeout=30_000)
            # In one read: the grids are drawn again while a fragment reruns.
            cells = page.eval_on_selector_all('[id^="glide-cell-"]', "cells => cells.map(c => c.innerText)")
            assert "rows 1 to 20" not in cells  # the table holds numbers: first and last row
            assert cells.count("finished") >= 4
            assert page.get_by_role("button", name=re.compile("^Download the rows of the")).count() == 1
            wait_sidebar(page, "finished: 79 rows")
            shot(page, "flow_parts_finished")
        finally:
            browser.close()
