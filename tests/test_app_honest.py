"""What the app says matches what is true: loud failures, empty files, mapping changes, the sidebar."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from addrmig.columns import choose_field

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
HEADER_ONLY = b"user,email,first_name,last_name,line,country,city,township,district\n"


def new_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="upload_file").upload(name, data, "text/csv")
    at.run()
    assert not at.exception
    return at


def sidebar(at: AppTest) -> str:
    """The sidebar's step states (AppTest does not redraw the sidebar on reruns: read what it draws)."""
    return "\n".join(f"{step.icon} {step.text}" for step in at.session_state["workspace"].steps())


def test_an_unreadable_upload_says_why_in_red_and_that_the_previous_file_is_still_in_use():
    at = upload(new_app(), "good.csv", (FIXTURES / "addresses_small.csv").read_bytes())
    upload(at, "broken.csv", b"\x00\x01\x02" * 50)
    errors = [str(e.value) for e in at.error]
    assert len(errors) == 1 and "broken.csv could not be read" in errors[0]
    assert any("still working on **good.csv** (79 rows)" in str(w.value) for w in at.warning)
    assert at.session_state["workspace"].file_name == "good.csv"


def test_the_sample_button_works_while_a_file_sits_in_the_uploader():
    at = upload(new_app(), "good.csv", (FIXTURES / "addresses_small.csv").read_bytes())
    at.button(key="sample_button").click().run()
    assert at.session_state["workspace"].file_name == "sample_addresses.csv"
    at.run()  # the uploader still holds good.csv: it is not read again
    assert at.session_state["workspace"].file_name == "sample_addresses.csv"


def test_choosing_a_field_taken_by_another_column_moves_it_and_says_which():
    fields = {"il": "city", "sehir": None, "ilce": "township"}
    chosen, moved = choose_field(fields, "sehir", "city")
    assert chosen == {"il": None, "sehir": "city", "ilce": "township"}
    assert moved == [("city", "il")]
    assert choose_field(chosen, "sehir", None) == ({"il": None, "sehir": None, "ilce": "township"}, [])


def test_a_header_only_file_is_a_problem_everywhere_and_never_ticked():
    at = upload(new_app(), "empty.csv", HEADER_ONLY)
    assert any("no address rows" in str(w.value) for w in at.warning)
    assert not at.success
    assert "✓" not in sidebar(at) and "no address rows" in sidebar(at)
    for page in ("pages/check.py", "pages/locations.py", "pages/export.py", "pages/submit.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert any("no address rows" in str(w.value) for w in at.warning), page
        assert not at.success and "✓" not in sidebar(at)
