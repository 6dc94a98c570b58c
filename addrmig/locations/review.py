"""The review list: each unresolved or ambiguous group of rows once, for a person."""
from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pandas as pd

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.fields import heading
from addrmig.i18n import N_, _
from addrmig.io.sanitise import neutralise, xlsx_texts
from addrmig.locations.resolver import Resolution
from addrmig.locations.resolver.statuses import status_label

#: The review list's own columns as a person reads them (the place columns are Akinon's fields:
#: :func:`addrmig.fields.heading`).
HEADINGS = {"source_text": N_("source_text"), "rows": N_("rows"), "example_rows": N_("example_rows"),
            "status": N_("status"), "level": N_("level"), "note": N_("note"),
            "suggestion_1": N_("suggestion_1"), "suggestion_2": N_("suggestion_2"), "suggestion_3": N_("suggestion_3"),
            "score_1": N_("score_1"), "score_2": N_("score_2"), "score_3": N_("score_3")}


def for_reading(table: pd.DataFrame) -> pd.DataFrame:
    """The review table as a person downloads it in the current language: headings, statuses
    and levels translated (in English, the table as it is); the written values as written."""
    out = table.copy()
    if "status" in out.columns:
        out["status"] = [status_label(str(value)) for value in out["status"]]
    if "level" in out.columns:
        out["level"] = [heading(str(value)) if value else value for value in out["level"]]
    out.columns = [_(HEADINGS[c]) if c in HEADINGS else heading(str(c)) for c in out.columns]
    return out


def review_table(resolution: Resolution) -> pd.DataFrame:
    """One row per written tuple that is not resolved, most rows first: the written
    values (and ``postcode`` when the file's were used), ``rows``, ``example_rows``, ``status``, ``level`` (first unresolved level),
    ``note``, and ``suggestion_1..3`` (``city / township / district``) with ``score_1..3``."""
    todo = resolution.unresolved()
    out = todo[list(LEVELS)].copy()
    if "postcode" in todo.columns:  # the file's postcode, read to resolve and never sent
        out["postcode"] = todo["postcode"]
    out["rows"] = todo["rows"].astype(int)
    out["example_rows"] = [", ".join(map(str, rows)) for rows in todo["examples"]]
    out["status"] = todo["status"]
    out["level"] = todo["level"]
    out["note"] = todo["note"]
    names = [[], [], []]
    scores = [[], [], []]
    by_level = {level: todo[f"suggestions_{level}"].tolist() for level in LEVELS}
    for n, (places, level) in enumerate(zip(todo["suggestions"].tolist(), todo["level"].tolist())):
        # Whole places when there are some, else the names for the failing level.
        items = places if places else (by_level[level][n] if level in by_level else [])
        for k in range(3):
            item = items[k] if k < len(items) else None
            if item is None:
                names[k].append("")
                scores[k].append("")
            elif places:
                names[k].append(" / ".join(p for p in item[0][1:] if p))
                scores[k].append(item[1])
            else:
                names[k].append(item[0])
                scores[k].append(item[1])
    for k in range(3):
        out[f"suggestion_{k + 1}"] = names[k]
        out[f"score_{k + 1}"] = scores[k]
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- the app's review step
Place = tuple[str, str, str, str]


def review_items(resolution: Resolution,
                 keep: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> pd.DataFrame:
    """One line per written place that needs the user, most rows first; places written in ways
    one choice settles together are one line (:func:`one_line_per_choice`). ``keep`` filters
    the written places first (each as written)."""
    lines = resolution.unresolved().reset_index(drop=True)
    return one_line_per_choice(keep(lines) if keep is not None else lines)


def one_line_per_choice(lines: pd.DataFrame) -> pd.DataFrame:
    """``lines`` (written places, most rows first) with those a choice settles together — the
    same written place but for case, Turkish letters, punctuation and spaces
    (:func:`addrmig.locations.corrections.choice_key`) — as one line: the most frequent
    spelling's, with ``rows`` counting the rows of every spelling, ``examples`` the first
    row numbers among them, and ``spellings`` how many ways the place was written. Most
    rows first again."""
    from addrmig.locations.keys import name_keys

    out = lines.reset_index(drop=True)
    if out.empty:
        return out.assign(spellings=pd.Series(dtype="int64"))
    keys = pd.DataFrame({level: name_keys(out[level].astype(str)) for level in LEVELS})
    group = keys.groupby(list(LEVELS), sort=False).ngroup().to_numpy()
    spellings = np.bincount(group)
    if spellings.max() == 1:
        return out.assign(spellings=1)
    first = np.unique(group, return_index=True)[1]  # the line with the most rows of each place
    merged = out.iloc[first].copy()
    merged["rows"] = np.bincount(group, weights=out["rows"].to_numpy()).astype(int)
    merged["spellings"] = spellings
    # Only the places written several ways gather their examples (a list each): the others keep
    # their line's own, so a review of tens of thousands of lines makes no object per line.
    own = out["examples"].tolist()
    examples = [own[line] for line in first.tolist()]
    gathered: dict[int, list] = {int(code): [] for code in np.flatnonzero(spellings > 1).tolist()}
    for code, rows in zip(group.tolist(), own):
        if code in gathered:
            gathered[code].extend(rows)
    for code, rows in gathered.items():
        examples[code] = _first_rows(rows)
    merged["examples"] = pd.Series(examples, index=merged.index, dtype=object)
    return merged.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)


def _first_rows(rows: list, count: int = 3) -> tuple:
    """The first ``count`` of these row numbers (in the order given when they do not compare)."""
    try:
        return tuple(sorted(rows)[:count])
    except TypeError:
        return tuple(rows[:count])


def written_key(item: pd.Series) -> Place:
    """The written (country, city, township, district) of a review line: the key of a choice."""
    return tuple(str(item[level]) for level in LEVELS)


def place_label(place: tuple[str, ...]) -> str:
    """A place as a person reads it: ``Kütahya › Pazarlar › Atatürk Mah`` (country left out)."""
    parts = [p for p in place[1:] if p]
    return " › ".join(parts) if parts else " › ".join(p for p in place if p)


def place_options(item: pd.Series) -> list[tuple[Place, float]]:
    """The places one review line can be set to, best first, as ((country, city, township, district), score).

    Full-place suggestions when the resolver has them; otherwise the suggestions for the
    first unresolved level, under the levels that were resolved.
    """
    full = [(tuple(place) + ("",) * (4 - len(place)), float(score)) for place, score in (item["suggestions"] or [])]
    if full:
        return full
    level = item["level"]
    if level not in LEVELS:
        return []
    depth = LEVELS.index(level)
    prefix = tuple(item[f"place_{lv}"] or item[lv] or "" for lv in LEVELS[:depth])
    return [(prefix + (name,) + ("",) * (3 - depth), float(score)) for name, score in item[f"suggestions_{level}"] or []]


def clear_choices(items: pd.DataFrame, min_score: float) -> dict[Place, Place]:
    """Choices for every review line (of :func:`review_items`) whose best suggestion scores
    ``min_score`` or more AND is strictly ahead of the next one (a tie is a question for
    the user, never a guess)."""
    choices = {}
    for _position, item in items.iterrows():
        options = place_options(item)
        if not options:
            continue
        best = options[0][1]
        if best < min_score or (len(options) > 1 and options[1][1] >= best):
            continue
        choices[written_key(item)] = options[0][0]
    return choices


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading ``'``."""
    return frame.astype(str).apply(neutralise)


def write_review(table: pd.DataFrame, fmt: str) -> bytes:
    """The review table as ``csv`` (UTF-8 with BOM, for Excel) or ``xlsx`` bytes, formulas neutralised
    (and, in XLSX, control characters shown as ``\\xNN``: ``xlsx_text(value, report=True)``)."""
    safe = neutralise_frame(for_reading(table))
    if fmt == "xlsx":
        from addrmig.io.xlsx import Workbook, text_array

        buffer = io.BytesIO()
        with Workbook(buffer) as book, book.sheet("review") as sheet:
            sheet.append([str(c) for c in safe.columns])
            sheet.write_rows(np.arange(2, len(safe) + 2), [xlsx_texts(text_array(safe[c]), report=True) for c in safe.columns])
        return buffer.getvalue()
    return safe.to_csv(index=False).encode("utf-8-sig")
