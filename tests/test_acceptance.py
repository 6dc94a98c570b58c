"""Which rows Akinon would refuse for their place (addrmig.locations.acceptance.unknown_places):
the combinations of places are told apart by one packed number per row, and the answer is the
one the row-sorting way gives."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from addrmig.locations import acceptance
from addrmig.locations.db import LocationDB
from addrmig.pipeline import load

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_packed_combinations_answer_as_sorted_rows_do(monkeypatch):
    db = LocationDB.bundled()
    frame = load((FIXTURES / "addresses_small.csv").read_bytes(), "addresses_small.csv").frame
    extra = pd.DataFrame([["Türkiye", "İSTANBUL", "kadıköy", ""], ["Türkiye", "Atlantis", "", ""],
                          ["", "", "", ""], ["TÜRKİYE", "istanbul", "Kadıköy", "Nowhere Mah"]],
                         columns=["country", "city", "township", "district"])
    frame = pd.concat([frame, extra.reindex(columns=frame.columns, fill_value="")], ignore_index=True)
    packed = acceptance.unknown_places(frame, db)
    monkeypatch.setattr(math, "prod", lambda values: 2 ** 63)  # as for a reference too big to pack
    assert np.array_equal(packed, acceptance.unknown_places(frame, db))
    assert packed[-4:].tolist() == [False, True, False, True]


def test_a_resolutions_place_rule_looks_up_only_its_unresolved_rows_and_answers_as_the_whole_frame():
    from addrmig.locations import resolve
    from benchmarks.synth import messy_sample

    db = LocationDB.bundled()
    frame, _ = messy_sample(db, n=3000, seed=11, typo_rate=0.3)
    resolution = resolve(frame, db)
    resolved = resolution.row_status.isin(("exact", "normalized", "fuzzy")).to_numpy()
    whole = acceptance.unknown_places(resolution.frame, db)
    assert resolved.any() and (~resolved).any() and whole.any()
    assert np.array_equal(resolution.unknown_places(), whole)
