"""Place resolution on place names as other organisations write them (shared/data/realworld:
the PTT postcode lists of 2017 and 2024 and the NVI address register), run through ``fix``."""
import pytest

from benchmarks.realworld import fix_realworld


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    return fix_realworld(tmp_path_factory.mktemp("realworld"))


@pytest.fixture(scope="module")
def with_postcodes(tmp_path_factory):
    return fix_realworld(tmp_path_factory.mktemp("realworld-postcodes"), postcodes=True)


def test_resolved_rows_are_the_true_place_but_for_names_only_a_postcode_can_tell(figures):
    assert figures["precision_without_collisions"] >= 0.999


def test_known_places_are_found(figures):
    assert figures["recall"] >= 0.99


def test_places_that_are_several_entries_go_to_the_user(figures):
    assert figures["guessed_without_collisions"] <= 0.01


def test_the_true_place_is_among_the_suggestions_of_known_rows_left_for_review(figures):
    assert figures["suggestion_hit_share"] >= 0.95


def test_a_postcode_column_settles_the_names_that_are_word_for_word_another_place(with_postcodes):
    assert with_postcodes["precision"] >= 0.999
    assert with_postcodes["guessed_share"] <= 0.01
    assert with_postcodes["recall"] >= 0.99
