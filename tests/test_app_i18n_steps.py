"""The Check & fix and Export pages, their downloads (built on click or in a worker), the sign-in gate
and the workspace notes in Turkish (``?lang=tr``) leave no English sentence of theirs on the page, and
are in English by default."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from test_app_i18n_pages import ROOT, app, english_in, strings, upload
from test_app_places import AUTH

from addrmig import jobs
from addrmig.i18n import _, set_language

SOURCES = ["pages/check.py", "pages/export.py", "pages/_common.py", "pages/_jobs.py", "pages/_session.py",
           "addrmig/workspace.py", "addrmig/jobs.py"]


def english_left(at: AppTest) -> list[str]:
    return english_in(strings(at), SOURCES)


def page(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception
    return at


def with_file(language: str | None = "tr") -> AppTest:
    return upload(app(language))


def download_labels(at: AppTest) -> list[str]:
    return [button.proto.label for button in at.get("download_button")]


def test_the_check_page_in_turkish_before_a_file_and_with_its_error_list_and_quick_fixes():
    at = page(app("tr"), "check")
    assert at.title[0].value == "2. Kontrol ve düzeltme"
    assert "Henüz dosya yok" in at.info[0].value
    assert not english_left(at), english_left(at)

    at = page(with_file(), "check")
    assert not english_left(at), english_left(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Satır"] == "79" and metrics["Akinon'un reddedeceği"].endswith(" satır")
    assert "Uyarılar" in metrics
    assert "Raporu indir (CSV)" in download_labels(at)
    assert at.toggle(key="by_cell").label == "Her hatalı hücre için bir satır"

    # the quick fixes: trimmed, then the undo button and what changed, in Turkish
    assert at.button(key="trim_button").label.startswith("Fazla boşlukları kırp (")
    at.button(key="trim_button").click().run()
    assert not at.exception
    assert at.button(key="undo_button").label.startswith("Geri al: boşluklar kırpıldı (")
    assert [e for e in at.expander if e.label.startswith("Neler değişti")]
    assert not english_left(at), english_left(at)

    # the phone form, and a search that finds nothing
    assert at.selectbox(key="phone_style").format_func("national").startswith("05XXXXXXXXX (yurt içi")
    at.button(key="phone_button").click().run()
    at.text_input(key="fr_find").input("zzz-yok").run()
    at.button(key="fr_button").click().run()
    assert not at.exception
    assert any("içeren hücre yok" in info.value for info in at.info)
    assert not english_left(at), english_left(at)

    # whole rows instead of one line per cell, and rows edited by hand
    at.toggle(key="by_cell").set_value(False).run()
    assert not at.exception
    assert not english_left(at), english_left(at)


def test_the_export_page_in_turkish_before_a_file_and_with_its_files_set_apart():
    at = page(app("tr"), "export")
    assert at.title[0].value == "4. Düzeltilmiş dosyayı dışa aktarın"
    assert not english_left(at), english_left(at)

    at = page(with_file(), "export")
    assert not english_left(at), english_left(at)
    formats = at.radio(key="export_format")
    assert formats.options == ["CSV (Akinon ve çoğu araç için)", "Excel (XLSX)", "JSON (Omnitron biçiminde)"]
    labels = download_labels(at)
    assert any(label.endswith("satırı CSV olarak indir") for label in labels)
    assert any(label.startswith("Ayrılan ") for label in labels)
    # everything in the main file: Akinon will refuse some of it
    at.checkbox(key="export_hold_refused").uncheck().run()
    formats.set_value("xlsx").run()
    assert not at.exception
    assert "Akinon ana dosyadaki" in at.warning[0].value
    assert any(label.endswith("satırı XLSX olarak indir") for label in download_labels(at))
    assert not english_left(at), english_left(at)


def test_downloads_built_in_a_worker_in_turkish(monkeypatch):
    monkeypatch.setenv("ADDRMIG_WORKER_ROWS", "10")
    at = page(with_file(), "check")
    prepare = at.button(key="report_xlsx_prepare")
    assert prepare.label == "Hazırla: Sorunları işaretlenmiş satırlarınızı indir (Excel)"
    at.button(key="report_csv_prepare").click().run()
    assert not at.exception
    assert any(caption.value.endswith(" saniyede hazırlandı.") for caption in at.caption)
    assert not english_left(at), english_left(at)
    # the report was written in the language of the page
    job = at.session_state["job_folder"].jobs["report_csv"][1]
    assert job.path.read_text(encoding="utf-8-sig").splitlines()[0] == "satır,alan,değer,önem,kontrol,açıklama"

    page(at, "export")
    at.button(key="export_good_prepare").click().run()
    assert not at.exception
    assert any(label.endswith("satırı CSV olarak indir") for label in download_labels(at))
    assert not english_left(at), english_left(at)


def test_a_file_built_in_a_thread_is_in_the_language_it_was_asked_in(tmp_path, monkeypatch):
    """Where fork is not available: a new thread starts in English, the job brings the language along."""
    monkeypatch.setattr(jobs, "_can_fork", lambda: False)
    set_language("tr")
    try:
        job = jobs.Job(lambda path, progress: path.write_text(_("Stopped."), encoding="utf-8"), tmp_path / "x.txt")
    finally:
        set_language("en")
    assert job.wait(10).state == jobs.DONE
    assert (tmp_path / "x.txt").read_text(encoding="utf-8") == "Durdu."


def test_the_sign_in_gate_follows_the_language_of_the_link():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.query_params["lang"] = "tr"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Akinon'a adres aktarımı"
    assert at.button(key="sign_in").label == "Oturum aç"
    assert not english_left(at), english_left(at)

    refused = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    refused.secrets["auth"] = AUTH
    refused.secrets["addrmig"] = {"allowed_users": ["@shop.example"]}
    refused.user = {"is_logged_in": True, "email": "someone@elsewhere.example"}
    refused.query_params["lang"] = "tr"
    refused.run()
    assert not refused.exception
    assert refused.error[0].value.startswith("**someone@elsewhere.example** olarak oturum açtınız")
    assert refused.button(key="sign_out_refused").label == "Oturumu kapat"
    assert not english_left(refused), english_left(refused)

    english = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    english.secrets["auth"] = AUTH
    english.run()
    assert english.title[0].value == "Address migration to Akinon"
    assert english.button(key="sign_in").label == "Sign in"


def test_the_note_of_a_link_whose_workspace_is_gone_is_in_turkish():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "tr"
    at.query_params["w"] = "no-such-workspace"
    at.run()
    assert not at.exception
    assert at.info[0].value.startswith("Bu bağlantının çalışma alanı artık bu sunucuda yok")
    assert not english_left(at), english_left(at)


@pytest.mark.parametrize("name, title", [("check", "2. Check & fix"), ("export", "4. Export the corrected file")])
def test_the_check_and_export_pages_are_in_english_by_default(name, title):
    at = page(app(), name)
    assert at.title[0].value == title
    assert "There is no file yet" in at.info[0].value
    at = page(with_file(None), name)
    assert at.title[0].value == title
    shown = "\n".join(strings(at))
    assert "satır" not in shown and "Satır" not in shown
    assert english_left(at)  # the check above finds English where it is shown
    if name == "check":
        assert {m.label for m in at.metric} >= {"Rows", "Akinon would refuse", "Worth fixing", "Warnings"}
        assert "Download the report (CSV)" in download_labels(at)
    else:
        formats = at.radio(key="export_format")
        assert formats.options == ["CSV (for Akinon and most tools)", "Excel (XLSX)", "JSON (Omnitron style)"]
        assert any(label.endswith("rows as CSV") for label in download_labels(at))
