"""LocationDB: the reference of places (country → city → township → district)."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from addrmig.errors import AddrmigError, LocationDBError
from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.i18n import _
from addrmig.locations.keys import district_keys, name_keys

#: The optional column of a reference that holds each district's postcode.
POSTCODE = "postcode"


@dataclass
class Index:
    """Integer ids and folded keys per level, built once per database.

    ``countries`` [cid, name, key]; ``cities`` [ciid, cid, name, key];
    ``townships`` [tid, ciid, name, key]; ``districts`` [did, tid, name, base, kind,
    paren, short, full, bp, village, bv, fa, has_paren, postcode] (postcode ``""`` where the
    reference has none). A level the database does not hold is an empty frame.
    """

    countries: pd.DataFrame
    cities: pd.DataFrame
    townships: pd.DataFrame
    districts: pd.DataFrame


@dataclass
class LocationDB:
    """Places as a DataFrame with the columns ``LEVELS`` (a prefix of them for a shallow
    reference), every value text in the reference's own spelling; ``source`` says where
    it came from (shown to the user); ``postcodes``, when the reference has them, each
    row's postcode (same index as ``frame``)."""

    frame: pd.DataFrame
    source: str = "custom"
    extra: dict = field(default_factory=dict)
    postcodes: pd.Series | None = field(default=None, repr=False)

    @property
    def levels(self) -> tuple[str, ...]:
        levels = []
        for level in LEVELS:  # a prefix: stop at the first level the reference lacks
            if level not in self.frame.columns:
                break
            levels.append(level)
        return tuple(levels)

    @classmethod
    def bundled(cls) -> LocationDB:
        """The Türkiye database shipped with addrmig (81 cities, 973 townships, 73,305 districts)."""
        return cls(_bundled_frame().copy(), source="bundled Türkiye database", extra={"_bundled": True},
                   postcodes=_bundled_postcodes())

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, source: str = "custom") -> LocationDB:
        """A database from any DataFrame holding a prefix of ``country, city, township,
        district`` (header case and surrounding spaces ignored); values are kept as text,
        trimmed, duplicates dropped. Raises :class:`LocationDBError` when no ``country``
        column is there or no place is left."""
        renamed = {c: str(c).strip().lower() for c in frame.columns}
        frame = frame.rename(columns=renamed)
        if "country" not in frame.columns:
            raise LocationDBError(
                _("The location reference from {source} has no 'country' column; it needs the columns "
                  "country, city, township, district (or the first ones of them). Found: {columns}.").format(source=source, columns=', '.join(map(str, frame.columns)) or _('none')))
        levels = [level for level in LEVELS if level in frame.columns]
        levels = list(LEVELS[:len(levels)]) if levels == list(LEVELS[:len(levels)]) else None
        if levels is None:
            raise LocationDBError(
                _("The location reference from {source} skips a level: its columns must be a prefix of "
                  "country, city, township, district (e.g. country and city only).").format(source=source))
        # A postcode per district is kept when the reference has one (see resolve's postcodes).
        kept = levels + ([POSTCODE] if POSTCODE in frame.columns and "district" in levels else [])
        out = frame[kept].astype(object).where(frame[kept].notna(), "")
        out = out.astype(str).apply(lambda col: col.str.strip())
        out = out[out["country"] != ""].drop_duplicates(levels).reset_index(drop=True)
        if out.empty:
            raise LocationDBError(_("The location reference from {source} holds no places.").format(source=source))
        return cls(out[levels], source=source, postcodes=out[POSTCODE] if POSTCODE in out.columns else None)

    @classmethod
    def from_file(cls, path: str | Path) -> LocationDB:
        """A database from a CSV/XLSX/ODS/JSON file with columns ``country, city, township,
        district`` (or a prefix). Raises :class:`LocationDBError` when it cannot be used."""
        path = Path(path)
        if not path.exists():
            raise LocationDBError(_("The location reference {path} does not exist; check the path.").format(path=path))
        from addrmig.io import read_table  # the project's reader: every format, every limit

        try:
            table = read_table(path)
        except AddrmigError as error:
            raise LocationDBError(_("The location reference {path} could not be read: {error} Save it as CSV (UTF-8) or XLSX "
                                    "with columns country, city, township, district.").format(path=path, error=error)) from error
        return cls.from_frame(table.frame, source=str(path))

    @property
    def index(self) -> Index:
        """Folded keys and ids per level; built on first use and cached on this object
        (the bundled database's index is shared by all its copies). Thread-safe."""
        with _INDEX_LOCK:
            built = self.extra.get("_index")
            if built is None:
                built = (_bundled_index() if self.extra.get("_bundled")
                         else _build_index(self.frame, self.levels, self.postcodes))
                self.extra["_index"] = built
            return built


_INDEX_LOCK = threading.Lock()


def _build_index(frame: pd.DataFrame, levels: tuple[str, ...], postcodes: pd.Series | None = None) -> Index:
    if postcodes is not None:
        frame = frame.assign(**{POSTCODE: postcodes.to_numpy()})
    empty = pd.DataFrame({"name": pd.Series(dtype=str), "key": pd.Series(dtype=str)})
    parts: dict[str, pd.DataFrame] = {}
    parent_cols: list[str] = []
    parent_id = None
    id_names = {"country": "cid", "city": "ciid", "township": "tid", "district": "did"}
    for level in LEVELS:
        if level not in levels:
            # Same columns as a real level, no rows: lookups then find nothing.
            frame_level = empty.copy()
            for col in (id_names[level], parent_id):
                if col:
                    frame_level[col] = pd.Series(dtype="int64")
            if level == "district":
                for col in ("base", "kind", "paren", "short", "full", "bp", "village", "bv", "fa"):
                    frame_level[col] = pd.Series(dtype=str)
                frame_level["has_paren"] = pd.Series(dtype=bool)
                frame_level[POSTCODE] = pd.Series(dtype=str)
            parts[level] = frame_level
            parent_id = id_names[level]
            continue
        cols = parent_cols + [level]
        nodes = frame[cols].drop_duplicates()
        nodes = nodes[nodes[level] != ""].reset_index(drop=True)
        nodes[id_names[level]] = range(len(nodes))
        if parent_id is not None:
            prev = parts[parent_cols[-1]]
            nodes = nodes.merge(prev[["_path_" + p for p in parent_cols] + [parent_id]].rename(
                columns={"_path_" + p: p for p in parent_cols}), on=parent_cols, how="left")
        for p in cols:
            nodes["_path_" + p] = nodes[p]
        nodes["name"] = nodes[level]
        if level == "district":
            keys = district_keys(nodes["name"], villages=True)
            nodes = pd.concat([nodes, keys], axis=1)
            nodes["has_paren"] = keys["paren"] != ""
            # The name with its village, whatever the village's kind word (see merges).
            nodes["bv"] = (keys["base"] + "(" + keys["village"]).where(nodes["has_paren"] & (keys["village"] != ""), "")
            nodes["fa"] = _with_former_name(keys)
            nodes[POSTCODE] = _postcodes_of(frame, cols, nodes)
        else:
            nodes["key"] = name_keys(nodes["name"])
        parts[level] = nodes
        parent_cols, parent_id = cols, id_names[level]
    return Index(parts["country"], parts["city"], parts["township"], parts["district"])


def _with_former_name(keys: pd.DataFrame) -> pd.Series:
    """``short(former name`` of a village's neighbourhood listed with its former name, as
    "Kalkantepe Mah (merkez Mah) (kalkantepe Köyü)" -> ``kalkantepemah(merkezmah``: the
    name as a list that drops the village writes it ("Kalkantepe (Merkez) Mah."); else ``""``."""
    out = []
    for short, paren, village in zip(keys["short"].tolist(), keys["paren"].tolist(), keys["village"].tolist()):
        former = ""
        if village and (paren.endswith("mah" + village + "koy") or paren.endswith("mah" + village + "belde")):
            former = paren[:paren.rindex(village)]
        out.append(short + "(" + former if former else "")
    return pd.Series(out, index=keys.index, dtype=str)


def _postcodes_of(frame: pd.DataFrame, cols: list[str], nodes: pd.DataFrame) -> pd.Series:
    """Each district's postcode (5 digits; the first when the reference gives several), ``""``
    where it gives none."""
    if POSTCODE not in frame.columns:
        return pd.Series("", index=nodes.index, dtype=str)
    from addrmig.locations.postcodes import normalised_postcodes

    first = frame[cols + [POSTCODE]].drop_duplicates(cols)
    found = nodes[cols].merge(first, on=cols, how="left")[POSTCODE].fillna("")
    return pd.Series(normalised_postcodes(found).to_numpy(), index=nodes.index, dtype=str)


@lru_cache(maxsize=1)
def shared_bundled() -> LocationDB:
    """One bundled database per process, for code that only reads it (checks against it,
    results remembered by its identity)."""
    return LocationDB.bundled()


@lru_cache(maxsize=1)
def _bundled_index() -> Index:
    return _build_index(_bundled_frame(), LEVELS, _bundled_postcodes())


@lru_cache(maxsize=1)
def _bundled_table() -> pd.DataFrame:
    path = resources.files("addrmig") / "data" / "tr_locations.csv.gz"
    with resources.as_file(path) as real_path:
        return pd.read_csv(real_path, dtype=str, keep_default_na=False, compression="gzip")


def _bundled_frame() -> pd.DataFrame:
    return _bundled_table()[list(LEVELS)]


def _bundled_postcodes() -> pd.Series:
    return _bundled_table()[POSTCODE]
