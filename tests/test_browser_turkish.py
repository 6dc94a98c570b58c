"""The whole flow once in Turkish (``?lang=tr``), in Debian's Chromium: upload, check, places,
export, submit to the sandbox until it finishes. No English sentence of addrmig's is left on any
page (Akinon's field names and the file's own values aside). Screenshots go to
test-output/screenshots/tr_*.png."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import ROOT, app_server, goto, launch, shot, upload_small
from playwright.sync_api import sync_playwright
from test_app_i18n_pages import english_messages, kept_in_turkish

SOURCES = sorted([ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("addrmig/**/*.py")])
PAGES = ("check", "locations", "export", "submit")


def english_pieces() -> set[str]:
    """The parts of every marked English message that would show if it were left untranslated:
    runs of two or more words between placeholders and punctuation, at least 12 letters long."""
    found = set()
    for text in english_messages([str(source.relative_to(ROOT)) for source in SOURCES]):
        if kept_in_turkish(text):
            continue  # reads the same in Turkish
        for part in re.split(r"\{[^}]*\}|\*+|`[^`]*`|[()…—:;.,!?→🎉\"“”'‘’\[\]|/]", text):
            part = " ".join(part.split())
            if " " in part and len(re.findall(r"[A-Za-z]+", part)) >= 2 and len(part) >= 12:
                found.add(part)
    return found


def left_in_english(page, pieces: set[str]) -> list[str]:
    text = " ".join(page.locator("body").inner_text().split())
    return sorted(p for p in pieces if p in text)


@pytest.mark.timeout(300)
def test_the_whole_flow_in_turkish_leaves_no_english_sentence_on_any_page(tmp_path: Path):
    pieces = english_pieces()
    assert len(pieces) > 300  # the messages were found
    with app_server(tmp_path) as url, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="tr-TR").new_page()
            goto(page, url + "?lang=tr", "Adres dosyanızı yükleyin")
            upload_small(page, "79 satır")
            page.wait_for_timeout(1500)
            shot(page, "tr_1_upload")
            assert left_in_english(page, pieces) == []
            workspace = re.search(r"[?&]w=([^&]+)", page.url).group(1)

            texts = {"check": "Hatalı satırlar", "locations": "Karar verilecek yerler",
                     "export": "Ana dosyanın önizlemesi", "submit": "Göndermeden önce"}
            for number, name in enumerate(PAGES, start=2):
                goto(page, f"{url}{name}?w={workspace}&lang=tr", texts[name])
                page.wait_for_timeout(2000)  # the sidebar and the fragments draw after the page
                if name == "submit":
                    page.get_by_role("button", name=re.compile("^Adresleri gönder")).click()
                    page.get_by_text("Bitti").first.wait_for(timeout=90_000)
                    page.wait_for_timeout(1500)
                shot(page, f"tr_{number}_{name}")
                assert left_in_english(page, pieces) == [], name
        finally:
            browser.close()
