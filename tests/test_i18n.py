"""Türkçe and English: every user-facing string is in the catalog, translated, and the compiled
catalog is the one the sources say; numbers and dates follow the language."""
from __future__ import annotations

import ast
import datetime
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from addrmig.formatting import number, percent
from addrmig.i18n import _, language_from_environment, normalise, set_language

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "addrmig" / "locale"


def extracted(tmp_path: Path):
    """The messages marked in the code now, as pybabel extracts them."""
    pot = tmp_path / "now.pot"
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F", "babel.cfg", "-k", "N_",
                    "-o", str(pot), "--no-location", "--sort-output", "."], cwd=ROOT, check=True)
    with open(pot, "rb") as handle:
        return read_po(handle)


def test_no_message_is_marked_inside_an_f_string():
    """Babel cannot extract ``f"{_('…')}"``: such a message would never reach the catalog."""
    hidden = []
    for path in sorted([*ROOT.glob("addrmig/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            for call in ast.walk(node):
                name = getattr(getattr(call, "func", None), "id", None) or getattr(getattr(call, "func", None), "attr", None)
                if isinstance(call, ast.Call) and name in ("_", "ngettext", "N_") and call.args \
                        and isinstance(call.args[0], ast.Constant):
                    hidden.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not hidden, f"write _('… {{x}} …').format(x=…) instead: {hidden}"


def turkish():
    with open(LOCALE / "tr" / "LC_MESSAGES" / "addrmig.po", "rb") as handle:
        return read_po(handle, locale="tr")


def test_every_marked_message_is_in_the_turkish_catalog(tmp_path):
    catalog = turkish()
    missing = [m.id for m in extracted(tmp_path) if m.id and m.id not in catalog]
    assert not missing, f"run pybabel extract/update (see babel.cfg); not in the catalog: {missing[:10]}"


def test_every_turkish_translation_is_there_and_none_is_fuzzy():
    untranslated, fuzzy = [], []
    for message in turkish():
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"


def test_the_compiled_catalog_is_the_one_the_sources_say():
    catalog = turkish()
    with open(LOCALE / "tr" / "LC_MESSAGES" / "addrmig.mo", "rb") as handle:
        compiled = read_mo(handle)
    def pairs(messages):  # plural forms as tuples: read_mo gives lists
        return {_tuple(m.id): _tuple(m.string) for m in messages if m.id}

    assert pairs(catalog) == pairs(compiled), "run pybabel compile -d addrmig/locale -D addrmig"


def _tuple(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_the_language_comes_from_the_environment_and_only_turkish_and_english_are_spoken():
    assert language_from_environment({"LANG": "tr_TR.UTF-8"}) == "tr"
    assert language_from_environment({"LC_ALL": "en_GB.UTF-8", "LANG": "tr_TR.UTF-8"}) == "en"
    assert language_from_environment({"LANG": "de_DE.UTF-8"}) == "en"
    assert language_from_environment({}) == "en"
    assert normalise("tr-TR") == "tr" and normalise("fr") is None


def test_numbers_and_percentages_are_written_the_way_each_language_writes_them():
    set_language("tr")
    try:
        assert (number(1234567), number(1234.56), percent(0.9861)) == ("1.234.567", "1.234,6", "%98,6")
        from babel.dates import format_date
        assert format_date(datetime.date(2026, 12, 1), format="long", locale="tr") == "1 Aralık 2026"
        assert _("Your migration") == "Aktarımınız"
    finally:
        set_language("en")
    assert (number(1234567), number(1234.56), percent(0.9861)) == ("1,234,567", "1,234.6", "98.6%")
