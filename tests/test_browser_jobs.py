"""A big download in a real Chromium: prepared in a worker process, its progress shown, then
downloaded from the file on the server's disk (ADDRMIG_WORKER_ROWS makes the small fixture
count as big), byte for byte the file the worker wrote."""
from __future__ import annotations

import re

import pytest
from browser import app_server, launch, opened, upload_small
from playwright.sync_api import sync_playwright

from addrmig.io import read_table


@pytest.mark.timeout(120)
def test_a_prepared_export_downloads_the_file_the_worker_wrote(tmp_path):
    with app_server(tmp_path, env={"ADDRMIG_WORKER_ROWS": "10"}) as url, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = opened(browser, url)
            upload_small(page)
            page.get_by_role("link", name="4. Export").first.click()
            page.get_by_text("Excel (XLSX)").first.click()
            page.get_by_role("button", name=re.compile(r"^Prepare: Download [\d,]+ rows as XLSX")).click()
            button = page.get_by_role("button", name=re.compile(r"^Download [\d,]+ rows as XLSX"))
            button.wait_for(timeout=60_000)
            page.get_by_text(re.compile(r"^Built in ")).first.wait_for(timeout=10_000)
            with page.expect_download(timeout=30_000) as download:
                button.click()
            saved = tmp_path / "downloaded.xlsx"
            download.value.save_as(saved)
            assert download.value.suggested_filename == "addresses_small_akinon.xlsx"
            built = list((tmp_path / "data" / "jobs").glob("*/*/addresses_small_akinon.xlsx"))
            assert len(built) == 1 and built[0].read_bytes() == saved.read_bytes()  # the file on disk
        finally:
            browser.close()
    rows = read_table(saved).frame
    assert len(rows) > 0 and "email" in rows.columns
