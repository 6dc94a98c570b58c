"""Score a resolved address frame against a truth file (see tests/fixtures/README.md).

Used by ``benchmarks/accuracy.py`` and by the accuracy tests; the four figures are the
ones the product promises (precision, recall, wrongly assigned, suggestion hit rate).
"""
from __future__ import annotations

import pandas as pd

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.locations.db import LocationDB
from addrmig.locations.resolver import Resolution
from addrmig.text import fold


def read_truth(path) -> pd.DataFrame:
    """The truth CSV with its ``row`` (1 = first data row) as text columns."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def score(resolution: Resolution, truth: pd.DataFrame, db: LocationDB) -> dict:
    """Figures for ``resolution.frame`` against ``truth`` (aligned by position: truth row k is
    the k-th row of the frame). Returns a dict:

    - ``precision``: of rows whose output is a real place, the share that is the truth's place
      (for ``ambiguous=2`` rows, the exact-named district of the same township counts as right);
    - ``recall``: of resolvable, not ambiguous rows, the share output exactly as the truth;
    - ``wrongly_assigned``: of ambiguous (1) or unresolvable rows, the share output as a place
      (``wrongly_assigned_visible``: the same among those whose written values are not
      themselves a real place, the only ones a resolver can tell);
    - ``suggestion_hit``: of resolvable, not ambiguous rows left unresolved, the share whose
      truth place is among the first three suggestions (``suggestion_hit_all`` counts the
      ambiguous ones too);
    plus the counts behind each figure.
    """
    out = resolution.frame[list(LEVELS)].reset_index(drop=True)
    truth = truth.reset_index(drop=True)
    if len(out) != len(truth):
        raise ValueError(f"{len(out)} output rows but {len(truth)} truth rows")
    places = set(map(tuple, db.frame[list(db.levels)].itertuples(index=False, name=None)))
    out_t = list(out[list(db.levels)].itertuples(index=False, name=None))
    truth_t = list(truth[list(db.levels)].itertuples(index=False, name=None))
    is_place = pd.Series([p in places for p in out_t])
    right = pd.Series([o == t for o, t in zip(out_t, truth_t)])
    resolvable = truth["resolvable"] == "1"
    amb = truth["ambiguous"]
    fair = right | ((amb == "2") & is_place & pd.Series([o[:3] == t[:3] for o, t in zip(out_t, truth_t)]))
    clear = resolvable & (amb == "0")
    hard = (amb == "1") | ~resolvable
    suggestions = resolution.tuples["suggestions"].to_numpy()[resolution.row_tuple]
    hit = pd.Series([any(tuple(p) == t for p, _ in (s or [])[:3]) for s, t in zip(suggestions, truth_t)])
    left = ~is_place
    # A hard row whose city, township and district are written as another real place (up
    # to case and Turkish letters) cannot be told from a right one by anything in the row.
    folded_places = {tuple(fold(v) for v in p[1:]) for p in places}
    written = resolution.original[list(db.levels[1:])].reset_index(drop=True)
    written_is_place = pd.Series([tuple(fold(v) for v in w) in folded_places
                                  for w in written.itertuples(index=False, name=None)])
    visible = hard & ~written_is_place
    figures = {
        "rows": len(out),
        "placed": int(is_place.sum()),
        "precision": float(fair[is_place].mean()) if is_place.any() else 1.0,
        "wrong_placed": int((is_place & ~fair).sum()),
        "recall": float(right[clear].mean()) if clear.any() else 1.0,
        "clear_rows": int(clear.sum()),
        "wrongly_assigned": float(is_place[hard].mean()) if hard.any() else 0.0,
        "hard_rows": int(hard.sum()),
        "wrongly_assigned_visible": float(is_place[visible].mean()) if visible.any() else 0.0,
        "hard_written_as_places": int((hard & written_is_place).sum()),
        "suggestion_hit": float(hit[clear & left].mean()) if (clear & left).any() else 1.0,
        "left_clear_rows": int((clear & left).sum()),
        "suggestion_hit_all": float(hit[resolvable & left].mean()) if (resolvable & left).any() else 1.0,
    }
    return figures


def failures(resolution: Resolution, truth: pd.DataFrame, db: LocationDB) -> pd.DataFrame:
    """Rows that count against the figures, with written, output and truth places (for study)."""
    out = resolution.frame[list(LEVELS)].reset_index(drop=True)
    original = resolution.original[list(LEVELS)].reset_index(drop=True).add_prefix("w_")
    truth = truth.reset_index(drop=True)
    places = set(map(tuple, db.frame[list(db.levels)].itertuples(index=False, name=None)))
    is_place = pd.Series([p in places for p in out.itertuples(index=False, name=None)])
    right = (out == truth[list(LEVELS)]).all(axis=1)
    status = resolution.row_status.reset_index(drop=True)
    bad = (is_place & ~right & (truth["ambiguous"] != "2")) | (~right & (truth["resolvable"] == "1")
                                                                & (truth["ambiguous"] == "0"))
    table = pd.concat([original, out.add_prefix("o_"), truth[list(LEVELS) + ["resolvable", "ambiguous", "ops"]],
                       status], axis=1)
    return table[bad]
