"""LocationDB: the reference of places (country → city → township → district)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import pandas as pd

LEVELS = ("country", "city", "township", "district")


@dataclass
class LocationDB:
    """Places as a DataFrame with the columns ``LEVELS`` (a prefix of them for a shallow
    reference), every value text in the reference's own spelling; ``source`` says where
    it came from (shown to the user)."""

    frame: pd.DataFrame
    source: str = "custom"
    extra: dict = field(default_factory=dict)

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(level for level in LEVELS if level in self.frame.columns)

    @classmethod
    def bundled(cls) -> "LocationDB":
        """The Türkiye database shipped with addrmig (81 cities, 973 townships, 73,305 districts)."""
        return cls(_bundled_frame().copy(), source="bundled Türkiye database")


@lru_cache(maxsize=1)
def _bundled_frame() -> pd.DataFrame:
    path = resources.files("addrmig") / "data" / "tr_locations.csv.gz"
    with resources.as_file(path) as real_path:
        frame = pd.read_csv(real_path, dtype=str, keep_default_na=False, compression="gzip")
    return frame[list(LEVELS)]
