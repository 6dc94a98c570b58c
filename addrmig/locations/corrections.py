"""Corrections memory: the places the user chose, applied first on later files.

Two kinds of record, kept apart:

- a *choice* (``CHOICE_COLUMNS``) says "this written place means that place": the
  written country, city, township and district exactly (compared folded: case, Turkish
  letters and punctuation aside) -> a place in the database's spelling. It changes
  the rows written that way and no other: what the user picks in the review.
- a *correction* (``CORRECTION_COLUMNS``), or rule, says "this written value, under this
  parent, means that place", for every row: what the user generalises a choice into,
  after seeing the rows it would change, or imports with ``--corrections FILE.csv``.

A correction:

=========  ==================================================================
column     meaning
=========  ==================================================================
level      ``country``, ``city``, ``township`` or ``district``
country    the parent country, database spelling (empty for level country)
city       the parent city (empty for levels country and city)
township   the parent township (only for level district)
written    the value as the merchant's file writes it (compared folded)
place      the place it means, in the database's spelling
=========  ==================================================================

:func:`choices_to_corrections` generalises choices into such rules (the explicit action
only: a pick is a choice); the resolver reads rules through :func:`correction_records` and
:func:`corrections_by_parent`, choices through :func:`choice_records`.
``--corrections FILE.csv`` imports rules in bulk.

:class:`Corrections` remembers both for one owner, in the project's database
(``addrmig.storage``: the tables ``place_choices`` and ``place_rules``, through
``addrmig.storage.memory``): on a server each signed-in user has their own, a browser
workspace without sign-in its own, and the command line ``local``'s; one owner's choices
never reach another's files. The ``corrections.sqlite`` of the version before the database
is carried over into ``local``'s on the first upgrade (``addrmig.storage.legacy``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from addrmig.errors import BadArguments, UnreadableFile
from addrmig.fields import LOCATION_LEVELS
from addrmig.i18n import _
from addrmig.locations.keys import name_key

if TYPE_CHECKING:
    from addrmig.locations.db import LocationDB
    from addrmig.storage.database import Database

CORRECTION_COLUMNS = ("level", "country", "city", "township", "written", "place")
#: A choice: the written place, then the place it means (database spelling).
CHOICE_COLUMNS = ("country", "city", "township", "district",
                  "place_country", "place_city", "place_township", "place_district")


class Corrections:
    """``owner``'s choices and rules in ``database`` (default: ``open_database()``, the one the
    environment names). The owner is who made them: ``local`` on the command line,
    ``user:<e-mail>`` for a signed-in user of the app, ``workspace:<id>`` for a browser workspace
    without sign-in (see ``addrmig.storage.visibility``). Every read and write is of that owner's
    records only."""

    def __init__(self, database: Database | None = None, *, owner: str) -> None:
        from addrmig.storage.database import open_database
        from addrmig.storage.memory import PlaceMemory

        self.store = PlaceMemory(database if database is not None else open_database(), owner)

    def __repr__(self) -> str:
        return f"Corrections({self.store.database.shown_url!r}, owner={self.owner!r})"

    @property
    def owner(self) -> str:
        """Whose choices and rules these are."""
        return self.store.owner

    def load_choices(self) -> pd.DataFrame:
        """All choices, newest first, with the columns ``CHOICE_COLUMNS``."""
        return pd.DataFrame(self.store.choices(), columns=list(CHOICE_COLUMNS), dtype=str)

    def save_choices(self, records: pd.DataFrame) -> int:
        """Remember choices (columns ``CHOICE_COLUMNS``, see :func:`choice_records`); a later
        choice for the same written place replaces the earlier one. Returns how many."""
        frame = choice_records(records)
        return self.store.save_choices([("\x1f".join(choice_key(row[:4])), *row)
                                        for row in frame.itertuples(index=False, name=None)])

    def load(self) -> pd.DataFrame:
        """All corrections, newest first, with the columns ``CORRECTION_COLUMNS``."""
        return pd.DataFrame(self.store.rules(), columns=list(CORRECTION_COLUMNS), dtype=str)

    def save(self, records: pd.DataFrame | list[dict]) -> int:
        """Remember ``records`` (columns ``CORRECTION_COLUMNS``); a later record for the same
        written value under the same parent replaces the earlier one. Returns how many."""
        frame = records if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
        missing = [c for c in CORRECTION_COLUMNS if c not in frame.columns]
        if missing:
            raise BadArguments(_("Corrections need the columns {columns}; missing: {missing}.").format(
                columns=", ".join(CORRECTION_COLUMNS), missing=", ".join(missing)))
        frame = frame[list(CORRECTION_COLUMNS)].astype(object).where(lambda f: f.notna(), "").astype(str)
        frame = frame.apply(lambda col: col.str.strip())
        frame = frame[(frame["written"] != "") & (frame["place"] != "")
                      & frame["level"].str.lower().isin(LOCATION_LEVELS)]
        return self.store.save_rules([(name_key(r.written), r.level.lower(), r.country, r.city, r.township,
                                       r.written, r.place) for r in frame.itertuples(index=False)])

    def import_csv(self, path: str | Path) -> int:
        """Import a corrections CSV (columns as in this module's docstring). Returns how many."""
        return self.save(read_corrections_csv(path))

    def clear(self) -> None:
        """Forget every correction and every choice (of this owner)."""
        self.store.clear()


def read_corrections_csv(path: str | Path) -> pd.DataFrame:
    """A corrections CSV as a DataFrame with the columns ``CORRECTION_COLUMNS``.

    Raises :class:`UnreadableFile` when it cannot be read and :class:`BadArguments` when
    columns are missing."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise UnreadableFile(_("The corrections file {path} does not exist; check the path.").format(path=path)) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise UnreadableFile(_("The corrections file {path} could not be read as CSV ({error}); save it as UTF-8 CSV "
                               "with columns {columns}.").format(path=path, error=error,
                                                                 columns=", ".join(CORRECTION_COLUMNS))) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("level", "written", "place") if c not in frame.columns]
    if missing:
        raise BadArguments(_("The corrections file {path} lacks the column(s) {missing}; expected {columns}.").format(
            path=path, missing=", ".join(missing), columns=", ".join(CORRECTION_COLUMNS)))
    for col in CORRECTION_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    return frame[list(CORRECTION_COLUMNS)]


def choice_key(written: tuple) -> tuple[str, ...]:
    """What a choice is matched on: each written level folded (:func:`name_key`: case,
    Turkish letters, punctuation and spaces aside)."""
    written = tuple(written) + ("",) * (4 - len(written))
    return tuple(name_key(str(value)) for value in written[:4])


def choice_records(choices: Mapping[tuple, tuple] | pd.DataFrame | Iterable[Mapping[str, str]] | None
                   ) -> pd.DataFrame:
    """Choices as records with the columns ``CHOICE_COLUMNS`` (text, trimmed; a missing
    level empty): from a mapping written ``(country, city, township, district)`` -> place
    ``(country, city, township, district)``, a frame or records. Empty for ``None``."""
    if choices is None:
        return pd.DataFrame(columns=list(CHOICE_COLUMNS), dtype=str)
    if isinstance(choices, Mapping):
        rows = [(tuple(w) + ("",) * (4 - len(w)))[:4] + (tuple(p) + ("",) * (4 - len(p)))[:4]
                for w, p in choices.items()]
        frame = pd.DataFrame(rows, columns=list(CHOICE_COLUMNS))
    else:
        frame = choices if isinstance(choices, pd.DataFrame) else pd.DataFrame(list(choices))
        for col in CHOICE_COLUMNS:
            if col not in frame.columns:
                frame = frame.assign(**{col: ""})
    frame = frame[list(CHOICE_COLUMNS)].astype(object).where(lambda f: f.notna(), "").astype(str)
    frame = frame.apply(lambda col: col.str.strip()).reset_index(drop=True)
    return frame[frame["place_country"] != ""].reset_index(drop=True)


def choices_to_corrections(choices: Mapping[tuple, tuple], levels: Iterable[str] = LOCATION_LEVELS) -> pd.DataFrame:
    """Choices generalised into rules (columns ``CORRECTION_COLUMNS``): the explicit action
    that makes one choice apply to every row writing a value the same way.

    ``choices`` maps a written tuple ``(country, city, township, district)`` to a place
    ``(country, city, township, district)`` in the database's spelling. Each of ``levels``
    whose written value differs from the place becomes "this value under this parent
    means that" (see :func:`addrmig.locations.resolver.generalise_preview` for the rows
    such a rule would change).
    """
    records = []
    levels = set(levels)
    for written, place in choices.items():
        written = tuple(written) + ("",) * (4 - len(written))
        place = tuple(place) + ("",) * (4 - len(place))
        for depth, level in enumerate(LOCATION_LEVELS):
            if not place[depth] or level not in levels:
                continue
            if written[depth] == place[depth]:
                continue
            parents = list(place[:depth]) + [""] * (3 - depth)
            records.append(dict(zip(CORRECTION_COLUMNS, [level, *parents[:3], written[depth], place[depth]])))
    return pd.DataFrame(records, columns=list(CORRECTION_COLUMNS))


def correction_records(corrections: pd.DataFrame | Corrections | Iterable[Mapping[str, str]] | None
                       ) -> pd.DataFrame | None:
    """Corrections given as a frame, records or a store, as a frame of text with the
    columns ``CORRECTION_COLUMNS`` (a missing column empty); ``None`` for ``None``."""
    if corrections is None:
        return None
    if hasattr(corrections, "load") and not isinstance(corrections, pd.DataFrame):
        corrections = corrections.load()
    frame = corrections if isinstance(corrections, pd.DataFrame) else pd.DataFrame(list(corrections))
    for col in CORRECTION_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    return frame[list(CORRECTION_COLUMNS)].astype(object).where(lambda f: f.notna(), "").astype(str)


def corrections_by_parent(frame: pd.DataFrame | None, db: LocationDB) -> dict[tuple[str, int, str], str]:
    """``(level, parent id, written key) -> place name`` for the corrections whose parent
    exists in ``db`` (the first record for a key wins)."""
    if frame is None or frame.empty:
        return {}
    idx = db.index
    country_id = dict(zip(idx.countries["key"], idx.countries["cid"]))
    city_id = dict(zip(zip(idx.cities["cid"], idx.cities["key"]), idx.cities["ciid"]))
    township_id = dict(zip(zip(idx.townships["ciid"], idx.townships["key"]), idx.townships["tid"]))
    out = {}
    for row in frame.itertuples(index=False):
        level = row.level.strip().lower()
        parent = 0
        chain = {"country": [], "city": ["country"], "township": ["country", "city"],
                 "district": ["country", "city", "township"]}.get(level)
        if chain is None:
            continue
        for lv in chain:
            key = name_key(getattr(row, lv))
            if lv == "country":
                parent = country_id.get(key)
            else:
                parent = (city_id if lv == "city" else township_id).get((parent, key))
            if parent is None:
                break
        if parent is None:
            continue
        # The first record for a key wins: callers put the newest choices first.
        out.setdefault((level, int(parent), name_key(row.written)), row.place.strip())
    return out
