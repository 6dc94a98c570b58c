"""The bars for places read from free-text addresses, through the steps ``fix`` runs.

The dev set and the 407 real addresses are in ``shared/data/freetext`` beside the checkout (the
tests fail, never skip, when it is missing); the held-out set is generated in other shapes of
address writing (``benchmarks/freetext_synth.py``); the 50 real addresses checked by hand are
``tests/fixtures/freetext_handchecked.csv``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from addrmig.locations.db import LocationDB
from benchmarks.freetext_scoring import fixed_frame, score
from benchmarks.freetext_synth import freetext_sample

ROOT = Path(__file__).resolve().parents[1]


def _freetext_folder() -> Path:
    for folder in ROOT.parents:
        if (folder / "shared" / "data" / "freetext").is_dir():
            return folder / "shared" / "data" / "freetext"
    pytest.fail("shared/data/freetext was not found beside this checkout or any folder above it; the free-text "
                "accuracy tests read freetext_dev.csv, its truth and freetext_addresses.csv from there.")


@pytest.fixture(scope="module")
def db() -> LocationDB:
    return LocationDB.bundled()


@pytest.fixture(scope="module")
def dev(db):
    folder = _freetext_folder()
    frame, _ = fixed_frame(folder / "freetext_dev.csv", db)
    return score(frame, pd.read_csv(folder / "freetext_dev.truth.csv", dtype=str, keep_default_na=False), db)


@pytest.fixture(scope="module")
def held_out(db):
    rows, truth = freetext_sample(db, 4000, seed=2024)
    frame, _ = fixed_frame(rows.to_csv(index=False).encode(), db)
    return score(frame, truth, db)


@pytest.fixture(params=["dev", "held_out"])
def figures(request):
    return request.getfixturevalue(request.param)


def test_filled_rows_are_the_truths_place(figures):
    assert figures["precision"] >= 0.995


def test_determinable_rows_get_their_city_and_township(figures):
    assert figures["recall"] >= 0.95


def test_a_district_named_in_the_text_is_filled(figures):
    assert figures["district_recall"] >= 0.90


def test_rows_the_text_does_not_settle_are_left_for_the_user(figures):
    assert figures["undeterminable_filled"] <= 0.005


def test_full_names_are_split_into_first_and_last_name(figures):
    assert figures["names"] >= 0.99


@pytest.fixture(scope="module")
def real(db):
    frame, read = fixed_frame(_freetext_folder() / "freetext_addresses.csv", db)
    return frame.reset_index(drop=True).astype(str), read


def test_real_addresses_checked_by_hand_are_never_filled_wrong(real):
    frame, _ = real
    hand = pd.read_csv(ROOT / "tests" / "fixtures" / "freetext_handchecked.csv", dtype=str, keep_default_na=False)
    assert len(hand) == 50
    got = frame.iloc[hand["row"].astype(int) - 1].reset_index(drop=True)
    filled = got["township"] != ""
    right = ((got["city"] == hand["city"]) & (got["township"] == hand["township"])
             & ((got["district"] == hand["district"]) | (got["district"] == "")))
    assert (right | ~filled).all(), got[filled & ~right]
    assert filled.sum() >= 45


def test_most_real_addresses_get_their_city_and_township(real):
    _, read = real
    assert len(read) == 407
    assert (read["status"].astype(str) == "found").sum() >= 250
