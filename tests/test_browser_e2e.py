"""End to end in a real headless Chromium: raw file in, a cell fixed, places accepted,
sent to the built-in sandbox, finished chart on screen. Screenshots of every page go to
test-output/screenshots/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import ROOT, SHOTS, app_server, launch, opened
from playwright.sync_api import sync_playwright


@pytest.fixture
def app_url(tmp_path):
    with app_server(tmp_path) as url:
        yield url


def other_shop_file(folder: Path) -> Path:
    """A second user's file: 3 rows with a name found nowhere in the first user's file."""
    header = "user,email,first_name,last_name,line,country,city,township,district\n"
    rows = "".join(f"O{n},z{n}@example.com,Zeynep,Otherhouse,Elm Sok {n},Türkiye,İzmir,Buca,Adatepe Mah\n"
                   for n in range(3))
    path = folder / "other_shop.csv"
    path.write_text(header + rows, encoding="utf-8")
    return path


@pytest.mark.timeout(150)
def test_raw_file_to_finished_sandbox_migration_in_a_real_browser(app_url, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = opened(browser, app_url)
            other = opened(browser, app_url)  # a second user, uploading at the same time
            page.locator("input[type=file]").first.set_input_files(str(ROOT / "tests/fixtures/addresses_small.csv"))
            other.locator("input[type=file]").first.set_input_files(str(other_shop_file(tmp_path)))
            page.get_by_text("79 rows").first.wait_for(timeout=30_000)
            other.get_by_text("3 rows").first.wait_for(timeout=30_000)
            assert "other_shop.csv" not in page.content() and "Otherhouse" not in page.content()
            assert "addresses_small.csv" not in other.content() and "79 rows" not in other.content()
            page.screenshot(path=SHOTS / "1_upload.png", full_page=True)
            other.screenshot(path=SHOTS / "1_upload_second_user.png", full_page=True)

            page.get_by_role("link", name="2. Check & fix").first.click()
            page.get_by_text("Rows with errors").first.wait_for(timeout=30_000)
            page.locator(".st-key-only_columns input").first.click()  # only the rows with e-mail errors
            page.keyboard.type("email")
            page.keyboard.press("Enter")
            page.keyboard.press("Escape")
            page.get_by_text("2 rows with errors.").first.wait_for(timeout=15_000)
            grid = page.locator('.st-key-failing_rows [data-testid="stDataFrame"]').last
            grid.wait_for(timeout=30_000)
            page.wait_for_timeout(1500)  # the grid draws on a canvas after the element appears
            grid.scroll_into_view_if_needed()
            # The grid draws on a canvas, so go by keyboard: one line per failing cell, the
            # problem, row and column pinned first, then the value to correct.
            page.locator("#glide-cell-0-0").focus()
            for _ in range(3):
                page.keyboard.press("ArrowRight")
            page.keyboard.press("Enter")
            editor = page.locator("#portal textarea, #portal input").first
            editor.wait_for(timeout=10_000)
            assert editor.input_value() == "mustafa.ozdemir2example.com"
            editor.fill("mustafa.ozdemir@example.com")
            editor.press("Enter")
            # Two rows had a bad e-mail; the corrected one is checked again and leaves the list.
            page.get_by_text("1 row with errors.").first.wait_for(timeout=15_000)
            page.screenshot(path=SHOTS / "2_check.png", full_page=True)

            page.get_by_role("link", name="3. Places").first.click()
            page.get_by_text("Places to decide").first.wait_for(timeout=60_000)
            page.get_by_role("button", name="Accept these suggestions").click()
            page.wait_for_timeout(1500)
            page.screenshot(path=SHOTS / "3_places.png", full_page=True)

            page.get_by_role("link", name="4. Export").first.click()
            # The main file holds the rows that pass: no errors and every place known.
            download = page.get_by_role("button", name=re.compile(r"^Download [\d,]+ rows? as CSV$"))
            download.wait_for(timeout=30_000)
            passing = re.search(r"[\d,]+", download.inner_text()).group(0)
            assert 0 < int(passing.replace(",", "")) <= 76
            page.get_by_text("Preview of the main file").first.wait_for(timeout=10_000)
            page.screenshot(path=SHOTS / "4_export.png", full_page=True)

            page.get_by_role("link", name="5. Submit").first.click()
            page.get_by_text("Before sending").first.wait_for(timeout=30_000)
            page.get_by_role("button", name="Send the addresses").click()
            page.get_by_text("Finished:").first.wait_for(timeout=60_000)
            page.get_by_text("Processed and errors over time").first.wait_for(timeout=10_000)
            page.wait_for_timeout(1000)
            page.screenshot(path=SHOTS / "5_submit.png", full_page=True)
            # Sent by default: the same rows the Export page offers, the ones Akinon accepts.
            assert passing in page.locator('[data-testid="stMetricValue"]').all_inner_texts()
            assert "Otherhouse" not in page.content()

            other.get_by_role("link", name="2. Check & fix").first.click()
            other.get_by_text("Rows with errors").first.wait_for(timeout=30_000)
            assert other.locator('[data-testid="stMetricValue"]').first.inner_text() == "3"
            assert "addresses_small" not in other.content()
        finally:
            browser.close()
