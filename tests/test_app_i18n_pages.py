"""The Upload and Submit pages and the sidebar in Turkish (``?lang=tr``) leave no English sentence of
theirs on the page, and are in English by default."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from addrmig.i18n import _, set_language

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "addresses_small.csv"
SOURCES = ["app.py", "pages/upload.py", "pages/submit.py", "pages/_sidebar.py"]


@pytest.fixture(autouse=True)
def _small_parts(monkeypatch):
    monkeypatch.setenv("ADDRMIG_PART_ROWS", "20")
    monkeypatch.setenv("ADDRMIG_SANDBOX_ROWS_PER_SECOND", "20000")


def english_messages(sources: list[str] = SOURCES) -> list[str]:
    """Every English text marked in ``sources`` (both forms of a counted one), as Babel extracts them."""
    found = []
    for source in sources:
        for _line, message, _comments, _context in extract_from_file(
                "python", str(ROOT / source), keywords={"_": None, "N_": None, "ngettext": (1, 2)}):
            found += [message] if isinstance(message, str) else [m for m in message if m]
    return found


def kept_in_turkish(message: str) -> bool:
    """Messages that read the same in both languages (none today but the safe case: "Akinon")."""
    set_language("tr")
    try:
        return _(message) == message
    finally:
        set_language("en")


def pieces(message: str) -> list[str]:
    """The parts of an English sentence that would show if it were left untranslated: its runs of two or
    more words between placeholders and punctuation (a one-word message is checked whole)."""
    parts = re.split(r"\{[^}]*\}|\*+|[()…—:;.,→🎉]", message)
    return [p.strip() for p in parts if len(re.findall(r"[A-Za-z]+", p)) >= 2 and len(p.strip()) >= 8]


def strings(at: AppTest) -> list[str]:
    """Every text of every element and block on the page, the sidebar included: labels, values, help,
    options, placeholders, and the column titles of tables (their configuration is JSON)."""
    out: list[str] = []

    def collect(value) -> None:
        if isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, str):
            if value.startswith("{"):
                try:
                    collect(json.loads(value))
                    return
                except ValueError:
                    pass
            out.append(value)

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            collect(MessageToDict(proto))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return out


def english_in(texts: list[str], sources: list[str] = SOURCES) -> list[str]:
    """The English messages of ``sources`` (or their runs of words) found among ``texts``."""
    text = "\n".join(texts)
    whole = {s.strip() for s in texts}
    left = []
    for message in english_messages(sources):
        if kept_in_turkish(message):
            continue
        checks = pieces(message)
        if checks:
            left += [piece for piece in checks if piece in text]
        elif message.strip() in whole:
            left.append(message)
    return sorted(set(left))


def english_left(at: AppTest) -> list[str]:
    return english_in(strings(at))


def app(language: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if language:
        at.query_params["lang"] = language
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest) -> AppTest:
    at.file_uploader(key="upload_file").upload(SAMPLE.name, SAMPLE.read_bytes(), "text/csv")
    at.run()
    assert not at.exception
    return at


def wait_finished(at: AppTest) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (at.session_state["workspace"].submission.finished):
        time.sleep(0.5)
        at.run()
    at.run()
    assert at.session_state["workspace"].submission.finished


def test_the_upload_page_and_the_sidebar_in_turkish_leave_no_english_sentence():
    at = app("tr")
    assert not english_left(at), english_left(at)
    assert at.title[0].value == "1. Adres dosyanızı yükleyin"
    assert "Henüz bir şey yüklenmedi" in "\n".join(strings(at))
    upload(at)
    assert not english_left(at), english_left(at)
    assert "addresses_small.csv" in at.success[0].value and "79 satır" in at.success[0].value


def test_the_sidebar_in_turkish_for_a_real_akinon_leaves_no_english_sentence():
    """The URL, channel, token and log-in settings (AppTest draws the sidebar on the first run only)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "tr"
    at.session_state["conn_mode"] = "akinon"
    at.run()
    assert not at.exception
    assert at.text_input(key="conn_url").label == "Akinon adresi (URL)"
    assert at.sidebar.radio(key="conn_mode").format_func("sandbox").startswith("Deneme sunucusu")
    assert not english_left(at), english_left(at)


def test_the_upload_page_tells_a_file_it_could_not_read_in_turkish():
    at = upload(app("tr"))
    at.file_uploader(key="upload_file").upload("broken.csv", b"\x00\x01\x02" * 50, "text/csv")
    at.run()
    assert not at.exception
    assert at.error and "Dosya okunamadı: broken.csv" in at.error[0].value
    assert "**addresses_small.csv** (79 satır)" in at.warning[0].value
    assert not english_left(at), english_left(at)


def test_the_submit_page_in_turkish_from_pre_flight_to_the_parts_and_the_history():
    at = upload(app("tr"))
    at.switch_page("pages/submit.py").run()
    assert not at.exception
    assert at.title[0].value == "5. Akinon'a gönder"
    assert not english_left(at), english_left(at)
    at.radio(key="send_choice").set_value("all").run()
    at.button(key="send_button").click().run()
    assert not at.exception
    assert "Gönderildi: 79 satır, 4 parça hâlinde" in at.success[0].value
    wait_finished(at)
    assert {m.label: m.value for m in at.metric}["İşlenen"] == "79"
    assert [e for e in at.expander if e.label.startswith("4 parça")]
    assert not english_left(at), english_left(at)
    # other rows, then the first ones again: the history stops the resend, in Turkish too
    at.radio(key="send_choice").set_value("only").run()
    at.button(key="send_button").click().run()
    wait_finished(at)
    at.radio(key="send_choice").set_value("all").run()
    at.button(key="send_button").click().run()
    assert not at.exception
    assert "Bu satırlar daha önce gönderildi (hedef: Deneme sunucusu" in at.error[0].value
    assert at.button(key="force_button").label.startswith("Yine de yeniden gönder")
    assert not english_left(at), english_left(at)
    # an earlier submission opened from the history
    ws = at.session_state["workspace"]
    at.selectbox(key="history_pick").set_value(ws.submission.id).run()
    assert not at.exception
    assert not english_left(at), english_left(at)


def test_the_pages_and_the_sidebar_are_in_english_by_default():
    at = app()
    assert at.title[0].value == "1. Upload your address file"
    assert at.radio(key="conn_mode").options == ["Sandbox (practice, no account needed)", "Akinon"]
    assert "Your migration" in "\n".join(strings(at))
    upload(at)
    at.switch_page("pages/submit.py").run()
    assert not at.exception
    assert at.title[0].value == "5. Send to Akinon"
    assert "Rows" in {m.label for m in at.metric}
    assert "Adres" not in "\n".join(strings(at))
