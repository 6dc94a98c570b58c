"""The Places page's review, driven headless: the best suggestion inline with its reason, the
cascading pickers, how many rows a pick changes, the user's text safe in Markdown, a pick
changing only its written place, and a rule shown with its rows before it is applied."""
from __future__ import annotations

import io
import re

import pandas as pd
from streamlit.testing.v1 import AppTest
from test_app_pages import new_app, texts
from test_workspace_places import BALIKESIR_KUMLU, KUMLU, LEVELS, TIREBOLU, file_bytes

from addrmig.fields import COLUMNS

SPACED = [(" Türkiye", " Atlantis ", "Dursunbey ", " Kumlu Mh. "), ("Türkiye", "Ankara", "Çankaya", "Kızılay Mah")]


def places_page(data: bytes | None = None) -> AppTest:
    at = new_app()
    at.file_uploader(key="upload_file").upload("atlantis.csv", data or file_bytes(), "text/csv")
    at.run()
    at.switch_page("pages/locations.py").run()
    assert not at.exception
    return at


def spaced_file() -> bytes:
    rows = [dict(dict.fromkeys(COLUMNS, "x"), email=f"u{k}@example.com", **dict(zip(LEVELS, place)))
            for k, place in enumerate(SPACED)]
    buffer = io.StringIO()
    pd.DataFrame(rows, columns=list(COLUMNS)).to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def line_box(at: AppTest, offering: str):
    """The picker of the review line that offers ``offering``."""
    for box in at.selectbox:
        if str(box.key).startswith("pick_") and any(o.startswith(offering) for o in box.options):
            return box
    raise AssertionError(f"no review line offers {offering}")


def choose(at: AppTest, offering: str) -> None:
    box = line_box(at, offering)
    box.set_value(next(k for k, o in enumerate(box.options) if o.startswith(offering))).run()
    assert not at.exception


def places(at: AppTest) -> list[tuple]:
    frame = at.session_state["workspace"].frame
    return [tuple(row) for row in frame[LEVELS].itertuples(index=False, name=None)]


def test_the_best_suggestion_is_shown_on_the_line_with_its_reason():
    at = places_page()
    shown = texts(at)
    assert "Suggested: **Balıkesir › Dursunbey › Kumlu Mah**" in shown
    assert "the township “Dursunbey” and the district “Kumlu Mh\\.” are found there" in shown
    assert "Suggested: **Giresun › Tirebolu**" in shown
    assert "(0)" not in " ".join(o for box in at.selectbox for o in box.options)


def test_any_place_can_be_picked_with_the_city_township_district_pickers():
    at = places_page()
    box = line_box(at, "Giresun › Tirebolu")
    line = box.key.rsplit("_", 1)[1]
    box.set_value(len(box.options) - 1).run()  # "Another place…"
    version = at.session_state["workspace"].version
    at.selectbox(key=f"city_{version}_{line}").set_value("Trabzon").run()
    township = at.selectbox(key=f"township_{version}_{line}_Trabzon")
    assert "Akçaabat" in township.options and "Tirebolu" not in township.options
    township.set_value("Akçaabat").run()
    district = at.selectbox(key=f"district_{version}_{line}_Trabzon_Akçaabat")
    assert "Yıldızlı Mah" in district.options
    district.set_value("Yıldızlı Mah").run()
    assert "Saving this changes 2 rows: those written exactly this way." in texts(at)
    at.button(key="save_choices").click().run()
    assert not at.exception
    rows = places(at)
    assert rows[1] == rows[2] == ("Türkiye", "Trabzon", "Akçaabat", "Yıldızlı Mah")
    assert rows[0] == rows[4] == KUMLU  # the other written places as they were
    assert rows[3] == ("Türkiye", "Atlantis", "Görele", "Güney Mah.")


def test_before_saving_the_page_says_how_many_rows_each_choice_changes():
    at = places_page()
    choose(at, "Balıkesir › Dursunbey › Kumlu Mah")
    choose(at, "Giresun › Tirebolu")
    shown = texts(at)
    assert shown.count("Saving this changes 2 rows: those written exactly this way.") == 2
    assert "Saving changes **4** rows:" in shown
    table = next(frame.value for frame in at.dataframe if "written" in frame.value.columns)
    assert sorted(table["rows"].tolist()) == [2, 2]
    assert at.button(key="save_choices").label == "Save my choices (2)"


def test_a_place_written_with_spaces_around_it_shows_no_stars():
    at = places_page(spaced_file())
    bold = [part for element in at.markdown for part in re.findall(r"\*\*(.*?)\*\*", str(element.value))]
    assert "Atlantis › Dursunbey › Kumlu Mh\\." in bold
    assert all(part == part.strip() for part in bold)
    assert "(written with spaces around a name)" in texts(at)


def test_a_pick_changes_only_the_rows_written_that_way():
    at = places_page()
    choose(at, "Balıkesir › Dursunbey › Kumlu Mah")
    at.button(key="save_choices").click().run()
    rows = places(at)
    assert rows[0] == rows[4] == BALIKESIR_KUMLU
    assert rows[1] == rows[2] == TIREBOLU
    assert rows[3] == ("Türkiye", "Atlantis", "Görele", "Güney Mah.")


def test_a_rule_for_every_row_writing_a_value_shows_those_rows_before_it_is_applied():
    at = places_page()
    choose(at, "Balıkesir › Dursunbey › Kumlu Mah")
    line = line_box(at, "Balıkesir › Dursunbey › Kumlu Mah").key.rsplit("_", 1)[1]
    version = at.session_state["workspace"].version
    assert at.radio(key=f"gen_level_{version}_{line}").value == "city"
    at.button(key=f"gen_show_{version}_{line}").click().run()
    assert not at.exception
    preview = next(frame.value for frame in at.dataframe if "after" in frame.value.columns)
    assert int(preview["rows"].sum()) == 5  # every row writing the city "Atlantis"
    assert places(at)[1] == TIREBOLU  # nothing changed yet
    apply = at.button(key=f"gen_apply_{version}_{line}")
    assert apply.label == "Apply to these 5 rows"
    apply.click().run()
    assert not at.exception
    rows = places(at)
    assert rows[0] == BALIKESIR_KUMLU and rows[1][1] == "Balıkesir"


def test_a_pick_that_overrides_a_rule_is_listed():
    at = places_page()
    choose(at, "Balıkesir › Dursunbey › Kumlu Mah")
    at.button(key="save_choices").click().run()
    # Every "Atlantis" made Giresun, from the Tirebolu line: the Kumlu pick still holds, and says so.
    choose(at, "Giresun › Tirebolu")
    line = line_box(at, "Giresun › Tirebolu").key.rsplit("_", 1)[1]
    version = at.session_state["workspace"].version
    at.button(key=f"gen_show_{version}_{line}").click().run()
    at.button(key=f"gen_apply_{version}_{line}").click().run()
    assert not at.exception
    assert places(at)[0] == BALIKESIR_KUMLU and places(at)[1][1] == "Giresun"
    assert "1 choice overrides another: each holds for its written place." in texts(at)
    table = next(frame.value for frame in at.dataframe if "reason" in frame.value.columns)
    assert table["chosen"].tolist() == ["Balıkesir › Dursunbey › Kumlu Mah"]
    assert "Atlantis" in table["reason"].iloc[0] and "Giresun" in table["reason"].iloc[0]


def test_a_place_written_several_ways_is_one_line_and_one_pick_changes_every_spelling():
    spellings = [("Türkiye", "Atlantis", "Dursunbey", "Kumlu Mh."), ("TÜRKİYE", "ATLANTIS", "DURSUNBEY", "KUMLU MH."),
                 ("Türkiye", "atlantis ", "dursunbey", "kumlu mh"), ("Türkiye", "Atlantis", "Tirebolu", "")]
    rows = [dict(dict.fromkeys(COLUMNS, "x"), email=f"u{k}@example.com", **dict(zip(LEVELS, place)))
            for k, place in enumerate(spellings + spellings[:1])]
    buffer = io.StringIO()
    pd.DataFrame(rows, columns=list(COLUMNS)).to_csv(buffer, index=False)
    at = places_page(buffer.getvalue().encode())
    shown = texts(at)
    assert len([box for box in at.selectbox if str(box.key).startswith("pick_")]) == 2  # Kumlu once, Tirebolu
    assert "(also written 2 other ways: case, letters or spaces apart)" in shown
    assert "4 rows (e.g. row 2, 3, 4)" in shown
    choose(at, "Balıkesir › Dursunbey › Kumlu Mah")
    assert "Saving this changes 4 rows: those written exactly this way." in texts(at)
    at.button(key="save_choices").click().run()
    assert not at.exception
    written = places(at)
    assert [written[k] for k in (0, 1, 2, 4)] == [BALIKESIR_KUMLU] * 4
    assert written[3] == TIREBOLU
