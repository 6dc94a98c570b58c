"""Accuracy floors on the dev sample and on a generated held-out sample with more typos."""
import pandas as pd
import pytest

from addrmig.locations import LocationDB, resolve
from addrmig.trimming import trim
from benchmarks.scoring import read_truth, score
from benchmarks.synth import messy_sample

FIXTURES = "tests/fixtures"


@pytest.fixture(scope="module")
def db():
    return LocationDB.bundled()


@pytest.fixture(scope="module")
def dev(db):
    frame = pd.read_csv(f"{FIXTURES}/addresses_dev.csv", dtype=str, keep_default_na=False)
    frame.index = range(2, len(frame) + 2)
    frame, _ = trim(frame)
    return score(resolve(frame, db), read_truth(f"{FIXTURES}/addresses_dev.truth.csv"), db)


@pytest.fixture(scope="module")
def held_out(db):
    frame, truth = messy_sample(db, n=4000, seed=2024, typo_rate=0.15)
    return score(resolve(frame, db), truth, db)


@pytest.fixture(params=["dev", "held_out"])
def figures(request):
    return request.getfixturevalue(request.param)


def test_placed_rows_are_the_truths_place(figures):
    assert figures["precision"] >= 0.999


def test_resolvable_unambiguous_rows_come_out_as_the_truths_place(figures):
    assert figures["recall"] >= 0.98


def test_ambiguous_and_unresolvable_rows_are_left_for_the_user(figures):
    assert figures["wrongly_assigned_visible"] <= 0.005


def test_hard_rows_written_as_another_real_place_are_the_only_excess_over_the_ceiling(figures):
    # Such a row (the dev sample's Erzincan / Merkez / Bahçelievler Mah, which the truth
    # says means Kemaliye / Çat Köyü) names a real place: taking it as written is all a
    # resolver can do, so only these rows may push the raw figure over 0.5 %.
    placed_hard = figures["wrongly_assigned"] * figures["hard_rows"]
    assert placed_hard <= 0.005 * figures["hard_rows"] + figures["hard_written_as_places"]


def test_right_place_is_among_three_suggestions_for_rows_left_unresolved(figures):
    assert figures["suggestion_hit"] >= 0.9
