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

``--corrections FILE.csv`` imports such a CSV in bulk. The store is a sqlite file in
the user's data directory (``platformdirs.user_data_dir("addrmig")``), overridable by
the ``ADDRMIG_DATA_DIR`` environment variable or the ``path`` argument. Each call opens
its own connection (WAL journal), so several app sessions can share it.
"""
from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pandas as pd

from addrmig.errors import BadArguments, UnreadableFile
from addrmig.store import connect, data_dir, use_wal

from addrmig.locations.keys import name_key
from addrmig.locations.resolver import CORRECTION_COLUMNS

FILE_NAME = "corrections.sqlite"


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
                      & frame["level"].str.lower().isin(("country", "city", "township", "district"))]
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
