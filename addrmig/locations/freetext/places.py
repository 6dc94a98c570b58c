"""places_from_text(): a column of free-text addresses into city, township and district."""
from __future__ import annotations

import numpy as np
import pandas as pd

from addrmig.locations.db import LocationDB
from addrmig.locations.freetext.deciding import FOUND, STATUSES, Decider, Reading
from addrmig.locations.freetext.gazetteer import gazetteer_for
from addrmig.locations.freetext.reading import Reader, normalise

#: The columns of :func:`places_from_text`'s answer.
COLUMNS = ("country", "city", "township", "district", "status", "evidence", "suggestions", "note")


def places_from_text(lines: pd.Series, db: LocationDB, postcodes: pd.Series | None = None) -> pd.DataFrame:
    """The places each address text names, same index as ``lines``.

    Columns: ``country, city, township, district`` in the database's spelling (``""`` where
    the text does not settle them: a township and district only when city and township are
    found, a city alone when the text names it but several of its townships fit);
    ``status`` (``found``, ``ambiguous``, ``conflicting`` or ``none``); ``evidence``: the
    words read, folded, `` · `` between; ``suggestions``: candidate places for a question,
    ``city / township / district`` with ``; `` between; ``note``: why it is a question.
    ``postcodes`` (same index) are read as if written in the text.

    The work is done once per distinct text and once per distinct set of mentions.
    """
    texts = lines.astype("string").fillna("")
    if postcodes is not None:
        texts = texts + " " + postcodes.reindex(lines.index).astype("string").fillna("")
    codes, uniques = pd.factorize(texts)
    gazetteer = gazetteer_for(db)
    reader, decider = Reader(gazetteer), Decider(gazetteer)
    folded = normalise(pd.Series(uniques, dtype="string")).tolist()
    mention_codes: dict[tuple, int] = {}
    text_reading = np.array([mention_codes.setdefault(reader.read(text), len(mention_codes)) for text in folded],
                            dtype=np.int64)
    readings = [decider.decide(mentions) for mentions in mention_codes]
    table = _table(readings, gazetteer)
    row_reading = text_reading[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    out = {}
    for column in COLUMNS:
        # One small table of distinct values per column, rows pointing into it.
        values = table[column]
        categories = pd.Index(list(STATUSES)) if column == "status" else pd.Index(values.unique())
        out[column] = pd.Categorical.from_codes(categories.get_indexer(values)[row_reading], categories=categories)
    return pd.DataFrame(out, index=lines.index)


def _table(readings: list[Reading], gazetteer) -> pd.DataFrame:
    rows = []
    for reading in readings:
        found = reading.status == FOUND
        city = gazetteer.city_names[reading.city] if reading.city >= 0 else ""
        rows.append((gazetteer.city_country[reading.city] if reading.city >= 0 else "", city,
                     gazetteer.township_names[reading.township] if found else "",
                     gazetteer.district_names[reading.district] if found and reading.district >= 0 else "",
                     reading.status, reading.evidence,
                     "; ".join(" / ".join(p for p in place if p) for place in reading.suggestions), reading.note))
    return pd.DataFrame(rows, columns=list(COLUMNS))
