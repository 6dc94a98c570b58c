"""The resolver's ranking and deciding rules, as plain functions."""
import numpy as np
import pytest

from addrmig.locations.resolver.caches import Caches
from addrmig.locations.resolver.ranking import (
    ACCEPT,
    MARGIN,
    RESCUE,
    decide,
    decide_with_children,
    rank,
    rank_many,
    top_order,
)


def test_a_candidate_clearly_ahead_is_taken():
    assert decide([(1, 90.0), (2, 90.0 - MARGIN)]) == ("take", [1], 90.0)


def test_a_best_candidate_below_accept_is_not_taken():
    assert decide([(1, ACCEPT - 1)]) == ("none", [], ACCEPT - 1)
    assert decide([]) == ("none", [], 0.0)


def test_candidates_within_the_margin_are_ambiguous():
    assert decide([(1, 90.0), (2, 85.0), (3, 70.0)]) == ("ambiguous", [1, 2], 90.0)


def test_one_plain_name_among_tied_ones_is_taken():
    assert decide([(1, 90.0), (2, 90.0)], plain_ok=lambda owner: owner == 2) == ("take", [2], 90.0)


def test_children_rescue_a_misspelt_name_from_rescue_up_when_they_match_exactly():
    ranked = [(1, RESCUE + 5), (2, RESCUE - 10)]
    fit = {1: 100.0, 2: 110.0}.get
    assert decide_with_children(ranked, fit, decide(ranked)) == ("take", [1], RESCUE + 5)
    assert decide_with_children(ranked, {1: 90.0, 2: 110.0}.get, decide(ranked)) == ("none", [], RESCUE + 5)


def test_children_that_do_not_fit_move_a_taken_name_to_the_one_they_fit():
    ranked = [(1, 90.0), (2, 81.0)]
    assert decide(ranked) == ("take", [1], 90.0)
    assert decide_with_children(ranked, {1: 0.0, 2: 110.0}.get, decide(ranked)) == ("take", [2], 81.0)


def test_children_that_fit_two_close_candidates_leave_the_name_ambiguous():
    ranked = [(1, 85.0), (2, 84.0)]
    assert decide_with_children(ranked, {1: 100.0, 2: 100.0}.get, decide(ranked))[:2] == ("ambiguous", [1, 2])


def test_rank_keeps_each_owners_best_key_best_first():
    assert rank("ankara", ["ankra", "ankara", "izmir"], [7, 7, 8]) == [(7, 100.0)]
    assert rank("", ["ankara"], [7]) == [] and rank("ankara", [], []) == []


@pytest.mark.parametrize("owners", [[1, 2, 3, 4], [1, 2, 1, 3]], ids=["one key each", "aliases"])
def test_rank_many_ranks_as_rank_does(owners):
    keys = ["istanbul", "izmir", "ist", "ankara"]
    queries = ["istanbl", "izmit", "", "ankra", "zzzz"]
    assert rank_many(queries, keys, owners) == [rank(q, keys, owners) for q in queries]


def test_top_order_is_a_stable_sort_of_the_best_scores():
    scores = np.random.default_rng(3).integers(0, 20, size=(30, 200)).astype(np.float32) * 5
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :4]
    np.testing.assert_array_equal(top_order(scores, 4), expected)


def test_forgetting_the_levels_keeps_what_the_place_suggestions_use():
    caches = Caches()
    caches.candidates[("city", 0, "x")] = []
    caches.district_ranked[(1, "x")] = ([], {})
    caches.ids_by_name[("city", 0)] = {"X": 1}
    caches.forget_names()
    assert not caches.candidates and caches.district_ranked
    caches.forget_levels()
    assert not caches.district_ranked and caches.ids_by_name == {("city", 0): {"X": 1}}
