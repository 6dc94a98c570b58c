"""Score places read from free-text addresses against a truth file (``shared/data/freetext``'s layout).

Used by ``benchmarks/freetext.py`` and by the accuracy tests. A file is read, trimmed and its
places filled from the address text exactly as ``python -m addrmig fix`` does, then resolved;
the figures are the ones the issue sets (its README defines *filled*, *right*, *determinable*).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from addrmig.locations.db import LocationDB
from addrmig.locations.freetext.filling import fill_from_text
from addrmig.locations.resolver import resolve
from addrmig.pipeline import load
from addrmig.trimming import trim

ROOT = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    """``shared/data`` beside the checkout (or beside a folder holding it, for a git worktree)."""
    for folder in ROOT.parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    sys.exit("shared/data was not found beside this checkout or any folder above it")


def fixed_frame(source, db: LocationDB) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(the frame fix writes, what was read from the text)`` for a file (path or bytes)."""
    loaded = load(source, "file.csv" if isinstance(source, bytes) else None)
    frame, _ = trim(loaded.frame)
    postcodes = loaded.auxiliary["postcode"] if "postcode" in loaded.auxiliary.columns else None
    frame, read = fill_from_text(frame, db, postcodes)
    return resolve(frame, db).frame, read


def score(frame: pd.DataFrame, truth: pd.DataFrame, db: LocationDB) -> dict:
    """The issue's figures for ``frame`` (rows in the truth's order) against ``truth``:

    - ``precision``: of the rows filled (city and township a database place), the share right
      (city and township the truth's, the district the truth's or blank);
    - ``recall``: of the determinable rows, the share with the truth's city and township;
    - ``district_recall``: of the determinable rows whose truth names a district, the share with it;
    - ``undeterminable_filled``: of the rows not determinable, the share filled;
    - ``names``: the share of rows whose first and last name are the truth's;
    plus the counts behind them.
    """
    out = frame.reset_index(drop=True).astype(str)
    truth = truth.reset_index(drop=True).astype(str)
    if len(out) != len(truth):
        raise ValueError(f"{len(out)} output rows but {len(truth)} truth rows")
    places = set(db.frame[["city", "township"]].itertuples(index=False, name=None))
    filled = pd.Series([(c, t) in places for c, t in zip(out["city"], out["township"])])
    city_township = (out["city"] == truth["city"]) & (out["township"] == truth["township"])
    right = city_township & ((out["district"] == truth["district"]) | (out["district"] == ""))
    determinable = truth["determinable"] == "1"
    with_district = determinable & (truth["district"] != "")
    names = (out["first_name"] == truth["first_name"]) & (out["last_name"] == truth["last_name"])
    share = lambda hits, among: float(hits[among].mean()) if among.any() else 1.0  # noqa: E731
    return {
        "rows": len(out), "filled": int(filled.sum()), "wrong": int((filled & ~right).sum()),
        "precision": share(right, filled),
        "determinable": int(determinable.sum()), "recall": share(city_township, determinable),
        "with_district": int(with_district.sum()), "district_recall": share(out["district"] == truth["district"],
                                                                            with_district),
        "undeterminable": int((~determinable).sum()), "undeterminable_filled": share(filled, ~determinable),
        "names": float(names.mean()) if len(names) else 1.0,
    }


def failures(frame: pd.DataFrame, truth: pd.DataFrame, lines: pd.Series) -> pd.DataFrame:
    """The rows that count against the figures, with the text, the output and the truth."""
    out = frame.reset_index(drop=True).astype(str)[["city", "township", "district"]]
    truth = truth.reset_index(drop=True).astype(str)
    wrong = ((out["city"] != truth["city"]) | (out["township"] != truth["township"])
             | ((out["district"] != truth["district"]) & (out["district"] != "")))
    table = pd.concat([lines.reset_index(drop=True).rename("text"), out,
                       truth[["city", "township", "district", "determinable", "format"]].add_prefix("truth_")], axis=1)
    return table[wrong.to_numpy()]
