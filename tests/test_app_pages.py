"""The web app page by page, driven headless with Streamlit's AppTest."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PAGES = ["pages/upload.py", "pages/check.py", "pages/locations.py", "pages/export.py", "pages/submit.py"]


@pytest.fixture(autouse=True)
def _fast_sandbox(monkeypatch):
    monkeypatch.setenv("ADDRMIG_SANDBOX_ROWS_PER_SECOND", "20000")


def new_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str = "addresses_small.csv") -> AppTest:
    at.file_uploader(key="upload_file").upload(name, (FIXTURES / name).read_bytes(), "text/csv")
    at.run()
    assert not at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "info", "success", "warning", "error", "caption", "title")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_upload_page_on_a_fresh_start_offers_the_uploader_and_the_sample():
    at = new_app()
    assert at.file_uploader(key="upload_file")
    assert at.button(key="sample_button")
    assert "Nothing uploaded yet" in texts(at)


@pytest.mark.parametrize("page", PAGES[1:])
def test_later_page_without_a_file_says_so_and_links_back_to_upload(page):
    at = new_app()
    at.switch_page(page).run()
    assert not at.exception
    assert "There is no file yet" in texts(at)
    assert any(link.proto.page.endswith("upload.py") or "Upload" in link.label for link in at.page_link)


def test_uploaded_csv_shows_what_was_detected_the_mapping_and_a_preview():
    at = upload(new_app())
    assert "79 rows" in texts(at)
    assert "Encoding" in texts(at)
    assert len(at.dataframe) >= 2  # the mapping editor and the preview
    preview = at.dataframe[-1].value
    assert len(preview) <= 50


def test_sample_button_loads_the_bundled_sample():
    at = new_app()
    at.button(key="sample_button").click().run()
    assert "5,000 rows" in texts(at)


def test_turkish_headers_are_mapped_to_akinon_fields():
    at = upload(new_app(), "addresses_small_tr_headers.csv")
    mapping = at.dataframe[0].value
    assert "Notlar" in set(mapping["column"])
    assert set(mapping.loc[mapping["column"] == "Notlar", "field"]) == {"(ignore this column)"}


def test_check_page_shows_headline_numbers_with_separators():
    at = new_app()
    at.button(key="sample_button").click().run()
    at.switch_page("pages/check.py").run()
    assert not at.exception
    numbers = metrics(at)
    assert numbers["Rows"] == "5,000"
    assert int(numbers["Akinon would refuse"].split()[0].replace(",", "")) > 1000
    assert numbers["Worth fixing"].endswith("rows")


def test_trim_can_be_undone_on_the_check_page():
    at = upload(new_app())
    at.switch_page("pages/check.py").run()
    warnings_before = metrics(at)["Warnings"]
    at.button(key="trim_button").click().run()
    assert metrics(at)["Warnings"] != warnings_before
    at.button(key="undo_button").click().run()
    assert metrics(at)["Warnings"] == warnings_before


def test_find_and_replace_revalidates_the_rows():
    at = upload(new_app())
    at.switch_page("pages/check.py").run()
    ws = at.session_state["workspace"]
    bad = ws.report().failures
    bad = bad[(bad["check"] == "email")]
    assert len(bad), "the small sample has a bad e-mail"
    emails = len(bad)
    value = bad.iloc[0]["value"]
    at.selectbox(key="fr_column").select("email").run()
    at.text_input(key="fr_find").input(value).run()
    at.text_input(key="fr_replace").input("someone@example.com").run()
    at.checkbox(key="fr_whole").check().run()
    at.button(key="fr_button").click().run()
    failures = at.session_state["workspace"].report().failures
    assert (failures["check"] == "email").sum() < emails


def test_places_page_resolves_and_accepting_suggestions_leaves_fewer_to_decide():
    at = upload(new_app())
    at.switch_page("pages/locations.py").run()
    assert not at.exception
    numbers = metrics(at)
    assert numbers["Places found"].endswith("%")
    waiting = int(numbers["Rows waiting for you"].replace(",", ""))
    at.slider(key="accept_min").set_value(60).run()
    at.button(key="accept_button").click().run()
    assert not at.exception
    assert int(metrics(at)["Rows waiting for you"].replace(",", "")) <= waiting


def test_export_page_offers_the_file_and_the_rows_left_out():
    at = upload(new_app())
    at.switch_page("pages/export.py").run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Download") and "rows as CSV" in label for label in labels)
    assert any("set apart" in label for label in labels)


def test_export_page_after_places_sets_unknown_places_apart_and_previews_one_page():
    at = upload(new_app())
    at.switch_page("pages/locations.py").run()
    at.switch_page("pages/export.py").run()
    assert not at.exception
    assert at.checkbox(key="export_hold_refused").value is True
    assert at.checkbox(key="export_hold_advisory").value is False
    assert "Main file" in texts(at) and "Fix later" in texts(at)
    assert all(len(frame.value) <= 50 for frame in at.dataframe)
    at.checkbox(key="export_hold_refused").uncheck().run()
    assert "Akinon will refuse" in texts(at)


def test_submit_preflight_sends_what_akinon_accepts_unless_told_otherwise():
    at = upload(new_app())
    at.switch_page("pages/locations.py").run()
    at.switch_page("pages/submit.py").run()
    assert not at.exception
    choice = at.radio(key="send_choice")
    assert choice.value == "only" and "Akinon will accept" in choice.options[0]
    assert any(option.startswith("Send all") for option in choice.options)


def _wait_until_finished(at: AppTest) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "Finished" not in texts(at):
        time.sleep(0.5)
        at.run()
    assert "Finished" in texts(at)


def test_the_refusals_the_app_announces_are_the_ones_the_sandbox_makes_and_a_resend_is_stopped():
    at = upload(new_app())
    at.switch_page("pages/locations.py").run()
    at.switch_page("pages/submit.py").run()
    announced = int(metrics(at)["Akinon would refuse"].split()[0].replace(",", ""))
    assert announced > 0
    at.radio(key="send_choice").set_value("all").run()
    at.button(key="send_button").click().run()
    assert not at.exception
    _wait_until_finished(at)
    assert metrics(at)["Time left"] == "done"
    assert int(metrics(at)["Refused by the server"].replace(",", "")) == announced
    assert at.button(key="send_button").disabled  # finished: these rows are not sent twice by a click
    # Send other rows, then try the first ones again: the history stops the resend.
    at.radio(key="send_choice").set_value("only").run()
    at.button(key="send_button").click().run()
    _wait_until_finished(at)
    at.radio(key="send_choice").set_value("all").run()
    at.button(key="send_button").click().run()
    assert "already sent" in texts(at)
    assert at.button(key="force_button")


def test_two_sessions_never_see_each_others_file():
    first, second = new_app(), new_app()
    upload(first)
    second.switch_page("pages/check.py").run()
    assert "There is no file yet" in texts(second)
    assert second.session_state["workspace"] is not first.session_state["workspace"]
    assert not second.session_state["workspace"].has_file


def test_check_page_charts_give_each_column_a_band_of_its_own():
    """The per-column charts size their bands, not their whole height, so column names never
    overlap however many columns fail (a fixed height squeezed four names into 50 pixels)."""
    import json

    at = new_app()
    at.button(key="sample_button").click().run()
    at.switch_page("pages/check.py").run()
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    assert [spec["title"] for spec in specs] == ["Errors per column", "Warnings per column"]
    assert all(spec["height"]["step"] >= 24 for spec in specs)
