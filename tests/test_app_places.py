"""The Places page, driven headless: a pick changes only the written place it was made for,
and one session's picks never reach another session; a signed-in user's picks are theirs, in
every session of theirs and in nobody else's."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest
from test_app_pages import ROOT, new_app, texts
from test_workspace_places import BALIKESIR_KUMLU, KUMLU, LEVELS, TIREBOLU, file_bytes

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "a-test-cookie-secret-long-enough",
        "client_id": "addrmig", "client_secret": "test-secret",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration"}


def signed_in(email: str) -> AppTest:
    """The app with sign-in configured (the allow-list: everyone at shop.example) and ``email`` signed in."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["addrmig"] = {"allowed_users": ["@shop.example"]}
    at.user = {"is_logged_in": True, "email": email}
    at.run()
    assert not at.exception
    return at


def places_page(at: AppTest | None = None) -> AppTest:
    at = at or new_app()
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


def test_picks_are_kept_in_the_memory_of_the_workspace_that_made_them_and_no_other():
    first = places_page()
    pick(first, "Balıkesir › Dursunbey › Kumlu Mah")
    mine = first.session_state["workspace"]
    assert mine.owner == f"workspace:{mine.id}" and mine.memory.owner == mine.owner  # nobody signed in
    assert [tuple(row)[4:] for row in mine.memory.load_choices().itertuples(index=False)] == [BALIKESIR_KUMLU]
    other = places_page().session_state["workspace"]
    assert other.memory.owner != mine.owner and other.memory.load_choices().empty
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    again.query_params["w"] = mine.id  # the same workspace, reloaded
    again.run()
    assert not again.exception
    back = again.session_state["workspace"]
    assert back.id == mine.id and back.memory.owner == mine.owner and len(back.memory.load_choices()) == 1


def test_a_signed_in_users_picks_follow_them_to_their_next_session_and_no_one_else():
    first = places_page(signed_in("ali@shop.example"))
    pick(first, "Balıkesir › Dursunbey › Kumlu Mah")
    assert first.session_state["workspace"].memory.owner == "user:ali@shop.example"
    later = places_page(signed_in("Ali@Shop.example"))  # the same person, a new workspace
    assert later.session_state["workspace"].id != first.session_state["workspace"].id
    assert places(later)[0] == BALIKESIR_KUMLU and places(later)[1] == TIREBOLU
    colleague = places_page(signed_in("veli@shop.example"))
    assert places(colleague)[0] == KUMLU
    assert places(places_page())[0] == KUMLU  # nor a visitor of a server without sign-in
