"""What addrmig says in Turkish: the error reports (CSV and XLSX), the review list, the library's
errors, the command line (a real process under LANG=tr_TR.UTF-8), plural forms and numbers; and
English, the default, as before."""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from addrmig.errors import AddrmigError, BadArguments, UnreadableFile
from addrmig.fields import COLUMNS
from addrmig.formatting import number
from addrmig.i18n import _, language, ngettext, set_language
from addrmig.io import format_for_path, read_table
from addrmig.locations import LocationDB
from addrmig.locations.resolver import resolve
from addrmig.locations.review import review_table, write_review
from addrmig.report_files import write_report_csv, write_report_xlsx
from addrmig.validation import validate

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "fixtures" / "addresses_small.csv"
GOOD = {"user": "C1", "email": "ali@example.com", "phone_number": "05321234567", "first_name": "Ali",
        "last_name": "Yılmaz", "title": "Ev", "line": "Atatürk Cad. No:1", "tax_office": "", "tax_no": "",
        "country": "Türkiye", "city": "İstanbul", "township": "Kadıköy", "district": "Caferağa Mah",
        "company_name": ""}


@pytest.fixture
def turkish():
    """Turkish for the test, English again after it."""
    set_language("tr")
    try:
        yield
    finally:
        set_language("en")


def rows(*changes: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame([{**GOOD, "user": f"C{i}", **change} for i, change in enumerate(changes, 1)],
                         columns=list(COLUMNS), dtype="str")
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    return subprocess.run([sys.executable, "-m", "addrmig", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**environment, **env}, timeout=300)


# --- the error report -----------------------------------------------------------------------

def test_a_csv_report_made_in_turkish_has_turkish_headings_severities_and_messages(turkish):
    frame = rows({"email": "ali.example.com", "city": " İstanbul"}, {"title": "t" * 130, "user": ""})
    data = write_report_csv(validate(frame))
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert lines[0] == ["satır", "alan", "değer", "önem", "kontrol", "açıklama"]
    by_check = {line[4]: line for line in lines[1:]}
    # the data stays as it is: row numbers, Akinon's field names, the values, the check codes
    assert by_check["email"][:3] == ["2", "email", "ali.example.com"]
    assert by_check["email"][3] == "hata" and by_check["whitespace"][3] == "uyarı"
    assert by_check["email"][5] == ("email geçerli bir e-posta adresi değil (ad@example.com gibi bir şey "
                                    "bekleniyor)")
    assert by_check["required"][5] == "user zorunlu ama boş; doldurun"
    assert by_check["max_length"][5] == "title değeri 130 karakter; Akinon en çok 128 karakter kabul eder"


def test_an_xlsx_report_made_in_turkish_has_turkish_sheets_headings_comments_and_summary(turkish):
    frame = rows({"email": "ali.example.com"}, {"phone_number": "123"})
    book = load_workbook(io.BytesIO(write_report_xlsx(frame, validate(frame))))
    assert book.sheetnames == ["Adresler", "Sorunlar", "Özet"]
    addresses, failures, summary = (book[name] for name in book.sheetnames)
    header = [cell.value for cell in next(addresses.iter_rows(max_row=1))]
    assert header[:4] == ["satır", "user (müşteri kodu)", "email (e-posta)", "phone_number (telefon)"]
    assert "city (il)" in header and "township (ilçe)" in header and "district (mahalle/köy)" in header
    assert addresses["C2"].comment.text.startswith("hata: email geçerli bir e-posta adresi değil")
    assert [cell.value for cell in failures[1]] == ["satır", "alan", "değer", "önem", "kontrol", "açıklama"]
    assert [cell.value for cell in failures[2]][:5] == [2, "email", "ali.example.com", "hata", "email"]
    labels = [row[0] for row in summary.iter_rows(values_only=True)]
    assert labels[:4] == ["satır", "hatasız satır", "hata", "uyarı"]


def test_a_report_made_in_english_reads_as_before():
    assert language() == "en"
    frame = rows({"email": "ali.example.com"})
    lines = list(csv.reader(io.StringIO(write_report_csv(validate(frame)).decode("utf-8-sig"), newline="")))
    assert lines[0] == ["row", "column", "value", "severity", "check", "message"]
    assert lines[1][3] == "error" and lines[1][5].startswith("email is not a valid e-mail address")
    book = load_workbook(io.BytesIO(write_report_xlsx(frame, validate(frame))))
    assert book.sheetnames == ["Addresses", "Failures", "Summary"]


def test_the_summary_says_rows_and_errors_in_turkish_with_turkish_numbers(turkish):
    frame = rows(*({"email": "x"} for _ in range(3)))
    text = validate(frame).summary()
    assert text.splitlines()[0] == ("3 satır kontrol edildi: 0 satır hatasız, 3 satır hatalı; toplam 3 hata ve "
                                    "0 uyarı.")
    assert text.splitlines()[1] == "  email: 3 hata (email)"


# --- the review list ------------------------------------------------------------------------

def test_the_review_list_in_turkish_keeps_the_written_places_and_translates_headings_and_statuses(turkish):
    frame = rows({"city": "Atlantis", "township": "Merkez", "district": ""})
    review = review_table(resolve(frame, LocationDB.bundled()))
    listed = pd.read_csv(io.BytesIO(write_review(review, "csv")), encoding="utf-8-sig", dtype=str,
                         keep_default_na=False)
    assert list(listed.columns[:4]) == ["country (ülke)", "city (il)", "township (ilçe)", "district (mahalle/köy)"]
    assert {"satır", "örnek satırlar", "durum", "düzey", "not", "öneri 1", "puan 1"} <= set(listed.columns)
    assert listed.loc[0, "city (il)"] == "Atlantis" and listed.loc[0, "durum"] == "eşleşmedi"
    assert listed.loc[0, "düzey"] == "city (il)"


# --- errors raised by the library -----------------------------------------------------------

def test_an_error_raised_in_turkish_reads_turkish(turkish):
    with pytest.raises(UnreadableFile) as empty:
        read_table(b"", name="adresler.csv")
    assert str(empty.value) == ("adresler.csv dosyası boş (0 bayt). Adresleri yeniden dışa aktarın ve o dosyayı "
                                "seçin.")
    with pytest.raises(BadArguments) as named:
        format_for_path("adresler.txt")
    assert isinstance(named.value, AddrmigError)
    assert "Çıktı biçimi 'adresler.txt' adından anlaşılamıyor" in str(named.value)


def test_the_same_error_reads_english_by_default():
    with pytest.raises(UnreadableFile, match=r"adresler\.csv is empty \(0 bytes\)"):
        read_table(b"", name="adresler.csv")


# --- plural forms and numbers ---------------------------------------------------------------

def test_plural_forms_for_one_and_many_in_both_languages():
    def rows_text(n: int) -> str:
        return ngettext("{n} row", "{n} rows", n).format(n=number(n))

    assert (rows_text(1), rows_text(3), rows_text(1234567)) == ("1 row", "3 rows", "1,234,567 rows")
    set_language("tr")
    try:
        # Turkish nouns after a number take no plural suffix: "3 satır", "1.102 hata"
        assert (rows_text(1), rows_text(3), rows_text(1234567)) == ("1 satır", "3 satır", "1.234.567 satır")
        errors = ngettext("{n} error", "{n} errors", 1102).format(n=number(1102))
        assert errors == "1.102 hata"
        assert _("Submit") == "Akinon'a gönder"
    finally:
        set_language("en")
    assert ngettext("{n} error", "{n} errors", 1).format(n=1) == "1 error"


def test_turkish_upper_and_lower_case_letters_are_right_in_the_catalog(turkish):
    # İ/ı: "İl" with a dotted capital İ, "ilçe" with a dotless-free lower i
    assert _("City (il); must match the location database under its country.").startswith("İl (city)")
    assert _("Township (ilçe); must match the location database under its city.").startswith("İlçe (township)")


# --- the command line -----------------------------------------------------------------------

def test_the_command_line_speaks_turkish_under_a_turkish_lang(tmp_path):
    report = tmp_path / "rapor.csv"
    result = run_cli("validate", str(SMALL), "--report", str(report), LANG="tr_TR.UTF-8")
    assert result.returncode == 1, result.stderr
    first = result.stdout.splitlines()[0]
    assert first == "79 satır kontrol edildi: 42 satır hatasız, 37 satır hatalı; toplam 39 hata ve 15 uyarı."
    assert "Akinon şu haliyle 46 satırı reddederdi" in result.stdout
    assert f"rapor: {report} (54 sorun)" in result.stdout
    assert report.read_text(encoding="utf-8-sig").splitlines()[0] == "satır,alan,değer,önem,kontrol,açıklama"


def test_the_command_line_takes_lang_and_its_errors_and_help_speak_it_too(tmp_path):
    missing = tmp_path / "yok.csv"
    result = run_cli("--lang", "tr", "validate", str(missing))
    assert result.returncode == 2
    assert result.stderr.strip() == f"hata: {missing} yok. Yolu kontrol edip yeniden deneyin."
    helped = run_cli("validate", "--help", LC_ALL="tr_TR.UTF-8")
    assert "Bir dosyayı Akinon'un adres kurallarına göre kontrol edin" in helped.stdout
    assert helped.stdout.startswith("kullanım: python -m addrmig validate") and "seçenekler:" in helped.stdout
    wrong = run_cli("validate", LANG="tr_TR.UTF-8")
    assert (wrong.returncode, wrong.stderr.splitlines()[-1]) == (
        2, "python -m addrmig validate: hata: şu argümanlar zorunlu: INPUT")


def test_the_command_line_speaks_english_by_default_and_for_other_languages():
    for env in ({}, {"LANG": "de_DE.UTF-8"}):
        result = run_cli("validate", str(SMALL), **env)
        assert result.stdout.splitlines()[0] == ("79 rows checked: 42 without errors, 37 with errors; 39 errors and "
                                                 "15 warnings in all.")


def test_a_limit_exceeded_says_its_numbers_the_turkish_way(turkish):
    from addrmig.limits import Limits

    limits = Limits.from_env()
    rows_text = str(limits.exceeded("max_rows", limits.max_rows + 1, _("of {label}").format(label="büyük.csv")))
    assert rows_text.startswith("Sınır aşıldı: satır sayısı (büyük.csv), addrmig'in ")
    assert f"(bulunan: {number(limits.max_rows + 1)} satır)" in rows_text and "." in number(limits.max_rows + 1)
    size_text = str(limits.exceeded("max_file_bytes", 3 * 2 ** 29, _("of {label}").format(label="büyük.csv")))
    assert "(bulunan: 1,5 GB)" in size_text  # 1.5 GiB, with a decimal comma


def test_submit_wait_and_history_speak_turkish_and_leave_the_language_as_it_was(sandbox, tmp_path, capsys,
                                                                                monkeypatch):
    from addrmig.cli import main

    monkeypatch.setenv("AKINON_TOKEN", sandbox.token)
    good = {**GOOD, "country": "TÜRKİYE", "city": "İSTANBUL", "township": "KADIKÖY", "district": "CAFERAĞA MAH"}
    path = tmp_path / "adresler.csv"
    rows(*({"user": f"C{n}", **{k: v for k, v in good.items() if k != "user"}} for n in range(3))).to_csv(
        path, index=False)
    assert main(["--lang", "tr", "submit", str(path), "--url", sandbox.url, "--channel", "1", "--wait",
                 "--poll", "0.05"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "bitti: işlenen 3 / 3, 0 hata"
    assert language() == "en"
    assert main(["--lang", "tr", "history"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].split()[:3] == ["#", "gönderim", "(UTC)"] and "durum" in listed[0].split()
    assert listed[1].split()[-3:] == ["bitti", "3/3", "0"]  # the status in Turkish, the counts as they are
    assert main(["history"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split()[:3] == ["#", "sent", "(UTC)"]
