"""Score ``fix``'s places on the real-world set (``shared/data/realworld``, see its README).

Place names copied verbatim from three public lists, with a truth established from
postcodes and exact name cores: ``known`` (one place), ``ambiguous`` (several places fit,
so any single answer is a guess) or ``unknown`` (coverage only). The figures are those of
the shared scorer (``shared/tools/realworld_score.py``), computed here in process.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.locations.db import LocationDB

ROOT = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    """``shared/data`` beside the checkout or a folder above it (a git worktree); raises
    FileNotFoundError saying where it was looked for."""
    for folder in ROOT.parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    raise FileNotFoundError(f"shared/data was not found beside {ROOT} or any folder above it: the real-world "
                            "set (shared/data/realworld) is needed to measure place resolution")


def realworld_set(folder: Path | None = None) -> tuple[Path, pd.DataFrame]:
    """(the set's CSV, its truth) from ``folder`` (default ``shared/data/realworld``)."""
    folder = folder or shared_data() / "realworld"
    return folder / "realworld.csv", pd.read_csv(folder / "realworld.truth.csv", dtype=str, keep_default_na=False)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("I", "ı").replace("İ", "i").lower().replace("\u0307", "")
    return re.sub(r"\s+", " ", text).strip()


def _full_key(name: str) -> str:
    """All words of a name, parenthetical ones included, less the "mahalle" words (the scorer's)."""
    words = re.sub(r"[^0-9a-zçğıöşü ]", " ", _fold(name)).split()
    return "".join(w for w in words if w not in ("mah", "mahallesi", "mahalle", "mh"))


def score_realworld(output: pd.DataFrame, written: pd.DataFrame, review: pd.DataFrame, truth: pd.DataFrame,
                    db: LocationDB) -> dict:
    """Figures for ``output`` (the corrected frame) against ``truth``, row by row in order;
    ``written`` is the input frame and ``review`` the review table (its suggestions). A row
    is resolved when its output is a place of ``db``. Returns a dict with the counts and:

    - ``precision``: of resolved rows with an established truth (known or ambiguous), the
      share that is the known place; ``precision_without_collisions`` leaves out the rows
      whose written name is word for word another real district (only a postcode settles those);
    - ``recall``: of known rows, the share output as the truth's place;
    - ``guessed``: of ambiguous rows, the share output as one place (``guessed_without_collisions``);
    - ``suggestion_hit``: of known rows left for review, the share whose place is among the
      review's three suggestions.
    """
    out = output[list(LEVELS)].reset_index(drop=True)
    written = written[list(LEVELS)].reset_index(drop=True)
    truth = truth.reset_index(drop=True)
    if not len(out) == len(written) == len(truth):
        raise ValueError(f"{len(out)} output rows, {len(written)} written, {len(truth)} truth rows")
    places = set(map(tuple, db.frame[list(LEVELS)].itertuples(index=False, name=None)))
    suggestions = {tuple(r[:4]): r[4:] for r in review[list(LEVELS) + [f"suggestion_{k}" for k in (1, 2, 3)]]
                   .itertuples(index=False, name=None)}
    c = dict.fromkeys(("rows", "resolved", "known", "ambiguous", "unknown", "judged", "correct", "wrong",
                       "wrong_collision", "guessed", "guessed_collision", "known_review", "suggestion_hit"), 0)
    for o, w, t in zip(out.itertuples(index=False, name=None), written.itertuples(index=False, name=None),
                       truth.itertuples(index=False)):
        c["rows"] += 1
        c[t.truth] += 1
        collision = t.collision == "1"
        if o in places:
            c["resolved"] += 1
            if t.truth == "unknown":
                continue
            c["judged"] += 1
            accept = {t.district} | set(filter(None, t.accept.split(" | ")))
            if t.truth == "known" and o[:3] == (t.country, t.city, t.township) and o[3] in accept:
                c["correct"] += 1
                continue
            c["wrong"] += 1
            c["wrong_collision"] += collision
            if t.truth == "ambiguous":
                c["guessed"] += 1
                c["guessed_collision"] += collision or _full_key(o[3]) == _full_key(w[3])
        elif t.truth == "known":
            c["known_review"] += 1
            c["suggestion_hit"] += any(s.endswith(" / " + t.district) for s in suggestions.get(tuple(w), ()))
    share = lambda a, b: a / b if b else 1.0
    c["precision"] = share(c["correct"], c["judged"])
    c["precision_without_collisions"] = share(c["correct"], c["judged"] - c["wrong_collision"])
    c["recall"] = share(c["correct"], c["known"])
    c["guessed_share"] = share(c["guessed"], c["ambiguous"])
    c["guessed_without_collisions"] = share(c["guessed"] - c["guessed_collision"], c["ambiguous"])
    c["suggestion_hit_share"] = share(c["suggestion_hit"], c["known_review"])
    return c


def fix_realworld(work: Path, folder: Path | None = None, postcodes: bool = False) -> dict:
    """Run :func:`addrmig.fixing.fix_file` on the set (in this process, no memory; with
    ``postcodes`` the truth's postcodes as the file's postcode column) and score it."""
    from addrmig.fixing import fix_file

    source, truth = realworld_set(folder)
    if postcodes:
        frame = pd.read_csv(source, dtype=str, keep_default_na=False).assign(posta_kodu=truth["postcode"].to_numpy())
        source = work / "realworld_with_postcodes.csv"
        frame.to_csv(source, index=False)
    db = LocationDB.bundled()
    outcome = fix_file(source, work / "out.csv", "csv", db)
    resolution = outcome.resolution
    return score_realworld(resolution.frame, resolution.original, outcome.review, truth, db)
