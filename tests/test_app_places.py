"""The Places page, driven headless: a pick changes only the written place it was made for,
and one session's picks never reach another session."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest
from test_app_pages import new_app, texts
from test_workspace_places import BALIKESIR_KUMLU, KUMLU, LEVELS, TIREBOLU, file_bytes


def places_page() -> AppTest:
    at = new_app()
    at.file_uploader(key="upload_file").upload("atlantis.csv", file_bytes(), "text/csv")
    at.run()
    at.switch_page("pages/locations.py").run()
    assert not at.exception
    return at


def pick(at: AppTest, label: str) -> None:
    """Choose the option whose label starts with ``label`` on the review line offering it, and save."""
    for box in at.selectbox:
        found = [k for k, option in enumerate(box.options) if option.startswith(label)]
        if found:
            box.set_value(found[0]).run()
            break
    else:
        raise AssertionError(f"no review line offers {label}")
    at.button(key="save_choices").click().run()
    assert not at.exception


def places(at: AppTest) -> list[tuple]:
    frame = at.session_state["workspace"].frame
    return [tuple(row) for row in frame[LEVELS].itertuples(index=False, name=None)]


def test_a_pick_on_the_places_page_changes_only_that_written_place():
    at = places_page()
    pick(at, "Balıkesir › Dursunbey › Kumlu Mah")
    rows = places(at)
    assert rows[0] == rows[4] == BALIKESIR_KUMLU
    assert rows[1] == rows[2] == TIREBOLU  # also written "Atlantis": not moved to Balıkesir
    assert "Tirebolu" in texts(at)  # still waiting for the user


def test_a_pick_in_one_session_is_not_applied_in_another():
    first = places_page()
    pick(first, "Balıkesir › Dursunbey › Kumlu Mah")
    second = places_page()
    assert places(second)[0] == KUMLU
    assert any(option.startswith("Balıkesir › Dursunbey › Kumlu Mah") for box in second.selectbox
               for option in box.options)
