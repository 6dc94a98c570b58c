"""Corrections memory: choices the user confirmed, applied first on later files.

A correction says "this written value, under this parent, means that place":

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

:func:`choices_to_corrections` turns the user's choices into such records; the resolver
reads them through :func:`correction_records` and :func:`corrections_by_parent`.
``--corrections FILE.csv`` imports such a CSV in bulk. The store is a sqlite file in
the user's data directory (``platformdirs.user_data_dir("addrmig")``), overridable by
the ``ADDRMIG_DATA_DIR`` environment variable or the ``path`` argument. Each call opens
its own connection (WAL journal), so several app sessions can share it.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from addrmig.errors import BadArguments, UnreadableFile
from addrmig.fields import LOCATION_LEVELS
from addrmig.locations.keys import name_key
from addrmig.store import connect, data_dir, use_wal

if TYPE_CHECKING:
    from addrmig.locations.db import LocationDB

FILE_NAME = "corrections.sqlite"
CORRECTION_COLUMNS = ("level", "country", "city", "township", "written", "place")


def default_path() -> Path:
    """Where the corrections live: ``$ADDRMIG_DATA_DIR`` or the platform's user data dir."""
    return data_dir() / FILE_NAME


class Corrections:
    """The corrections store at ``path`` (default :func:`default_path`)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(connect(self.path)) as conn:
            use_wal(conn)

    def _connect(self) -> sqlite3.Connection:
        conn = connect(self.path)
        conn.execute("""CREATE TABLE IF NOT EXISTS corrections (
            level TEXT NOT NULL, country TEXT NOT NULL, city TEXT NOT NULL, township TEXT NOT NULL,
            written TEXT NOT NULL, written_key TEXT NOT NULL, place TEXT NOT NULL, updated REAL NOT NULL,
            PRIMARY KEY (level, country, city, township, written_key))""")
        return conn

    def load(self) -> pd.DataFrame:
        """All corrections, newest first, with the columns ``CORRECTION_COLUMNS``."""
        with closing(self._connect()) as conn:
            rows = conn.execute("SELECT level, country, city, township, written, place FROM corrections "
                                "ORDER BY updated DESC, rowid DESC").fetchall()
        return pd.DataFrame(rows, columns=list(CORRECTION_COLUMNS), dtype=str)

    def save(self, records: pd.DataFrame | list[dict]) -> int:
        """Remember ``records`` (columns ``CORRECTION_COLUMNS``); a later record for the same
        written value under the same parent replaces the earlier one. Returns how many."""
        frame = records if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
        missing = [c for c in CORRECTION_COLUMNS if c not in frame.columns]
        if missing:
            raise BadArguments(f"Corrections need the columns {', '.join(CORRECTION_COLUMNS)}; "
                               f"missing: {', '.join(missing)}.")
        frame = frame[list(CORRECTION_COLUMNS)].astype(object).where(lambda f: f.notna(), "").astype(str)
        frame = frame.apply(lambda col: col.str.strip())
        frame = frame[(frame["written"] != "") & (frame["place"] != "")
                      & frame["level"].str.lower().isin(LOCATION_LEVELS)]
        now = time.time()
        rows = [(r.level.lower(), r.country, r.city, r.township, r.written, name_key(r.written), r.place, now + k * 1e-6)
                for k, r in enumerate(frame.itertuples(index=False))]
        with closing(self._connect()) as conn, conn:
            conn.executemany("INSERT OR REPLACE INTO corrections VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def import_csv(self, path: str | Path) -> int:
        """Import a corrections CSV (columns as in this module's docstring). Returns how many."""
        return self.save(read_corrections_csv(path))

    def clear(self) -> None:
        """Forget every correction."""
        with closing(self._connect()) as conn, conn:
            conn.execute("DELETE FROM corrections")


def read_corrections_csv(path: str | Path) -> pd.DataFrame:
    """A corrections CSV as a DataFrame with the columns ``CORRECTION_COLUMNS``.

    Raises :class:`UnreadableFile` when it cannot be read and :class:`BadArguments` when
    columns are missing."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise UnreadableFile(f"The corrections file {path} does not exist; check the path.") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise UnreadableFile(f"The corrections file {path} could not be read as CSV ({error}); save it as "
                             f"UTF-8 CSV with columns {', '.join(CORRECTION_COLUMNS)}.") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("level", "written", "place") if c not in frame.columns]
    if missing:
        raise BadArguments(f"The corrections file {path} lacks the column(s) {', '.join(missing)}; "
                           f"expected {', '.join(CORRECTION_COLUMNS)}.")
    for col in CORRECTION_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    return frame[list(CORRECTION_COLUMNS)]


def choices_to_corrections(choices: Mapping[tuple, tuple]) -> pd.DataFrame:
    """The user's choices as correction records (columns ``CORRECTION_COLUMNS``).

    ``choices`` maps a written tuple ``(country, city, township, district)`` to a place
    ``(country, city, township, district)`` in the database's spelling. Each level whose
    written value differs from the place becomes "this value under this parent means that".
    """
    records = []
    for written, place in choices.items():
        written = tuple(written) + ("",) * (4 - len(written))
        place = tuple(place) + ("",) * (4 - len(place))
        for depth, level in enumerate(LOCATION_LEVELS):
            if not place[depth]:
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
