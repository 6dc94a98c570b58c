"""places_from_text(): a column of free-text addresses into city, township and district."""
from __future__ import annotations

import numpy as np
import pandas as pd

from addrmig.locations.db import LocationDB
from addrmig.locations.freetext.deciding import FOUND, STATUSES, Decider, Reading
from addrmig.locations.freetext.gazetteer import Gazetteer, gazetteer_for
from addrmig.locations.freetext.reading import Reader
from addrmig.locations.freetext.simple import read_simple
from addrmig.locations.freetext.texts import runs_of, signatures, words_of

#: The columns of :func:`places_from_text`'s answer.
COLUMNS = ("country", "city", "township", "district", "status", "evidence", "suggestions", "note")
#: From this many distinct texts the work is shared between processes (see ``workers``), in
#: parts of at least half as many texts.
PARALLEL_MIN_TEXTS = 100_000


def places_from_text(lines: pd.Series, db: LocationDB, postcodes: pd.Series | None = None,
                     workers: int = 1) -> pd.DataFrame:
    """The places each address text names, same index as ``lines``.

    Columns: ``country, city, township, district`` in the database's spelling (``""`` where
    the text does not settle them: a township and district only when city and township are
    found, a city alone when the text names it but several of its townships fit);
    ``status`` (``found``, ``ambiguous``, ``conflicting`` or ``none``); ``evidence``: the
    words read, folded, `` · `` between; ``suggestions``: candidate places for a question,
    ``city / township / district`` with ``; `` between; ``note``: why it is a question. All
    are categoricals (a million rows name far fewer places). ``postcodes`` (same index) are
    read as if written in the text. ``workers`` > 1 shares many texts between this process and
    forked ones (Linux; see :mod:`addrmig.parallel`); the answer is the same.

    The work is done once per distinct text: the common ones with array operations
    (:mod:`.simple`), the others once per distinct set of mentions (:mod:`.deciding`).
    """
    texts = lines.astype("str").fillna("")
    if postcodes is not None:
        texts = texts + " " + postcodes.reindex(lines.index).astype("str").fillna("")
    codes, uniques = pd.factorize(texts)
    uniques = pd.Series(uniques, dtype="str")
    gazetteer = gazetteer_for(db)  # built here, before any fork, so that workers share it
    count = max(1, min(workers, len(uniques) // (PARALLEL_MIN_TEXTS // 2))) if len(uniques) >= PARALLEL_MIN_TEXTS else 1
    bounds = np.linspace(0, len(uniques), count + 1).astype(int).tolist()

    def run(part: tuple[int, int]) -> pd.DataFrame:
        return _read(uniques.iloc[part[0]:part[1]], gazetteer)

    from addrmig.parallel import map_parts

    table = pd.concat(map_parts(run, list(zip(bounds[:-1], bounds[1:])), count), ignore_index=True)
    out = {}
    for column in COLUMNS:
        values = table[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            # Parts have categories of their own: one set for all.
            values = values.astype(str)
        categories = pd.Index(list(STATUSES)) if column == "status" else pd.Index(pd.unique(values))
        text_codes = categories.get_indexer(values)
        out[column] = pd.Categorical.from_codes(text_codes[codes] if len(codes) else text_codes[:0],
                                                categories=categories)
    return pd.DataFrame(out, index=lines.index)


def _read(texts: pd.Series, gazetteer: Gazetteer) -> pd.DataFrame:
    """One line per text: the answer's values (see :data:`COLUMNS`)."""
    reader, decider = Reader(gazetteer), Decider(gazetteer)
    words = words_of(texts, reader)
    runs = runs_of(words, reader)
    simple = read_simple(words, runs, reader, decider)
    signature, mentions = signatures(words, runs, reader, ~simple.done)
    rows = pd.DataFrame([_row(decider.decide(found), gazetteer) for found in mentions] or None,
                        columns=list(COLUMNS))
    out = rows.iloc[np.maximum(signature, 0)].reset_index(drop=True) if len(rows) else pd.DataFrame(
        {column: [""] * len(texts) for column in COLUMNS})
    done = simple.done
    if done.any():
        names = {"city": gazetteer.city_names, "township": gazetteer.township_names,
                 "district": gazetteer.district_names, "country": gazetteer.city_country}
        ids = {"city": simple.city, "township": simple.township, "district": simple.district, "country": simple.city}
        for column, values in names.items():
            picked = ids[column][done]
            out.loc[done, column] = np.where(picked >= 0, np.asarray(values, dtype=object)[np.maximum(picked, 0)], "")
        out.loc[done, "status"] = FOUND
        out.loc[done, "evidence"] = np.asarray(simple.evidence.filter(done).to_pylist(), dtype=object)
        out.loc[done, ["suggestions", "note"]] = ""
    return out


def _row(reading: Reading, gazetteer: Gazetteer) -> tuple[str, ...]:
    """A reading as the answer's values (see :data:`COLUMNS`)."""
    found = reading.status == FOUND
    city = gazetteer.city_names[reading.city] if reading.city >= 0 else ""
    return (gazetteer.city_country[reading.city] if reading.city >= 0 else "", city,
            gazetteer.township_names[reading.township] if found else "",
            gazetteer.district_names[reading.district] if found and reading.district >= 0 else "",
            reading.status, reading.evidence,
            "; ".join(" / ".join(p for p in place if p) for place in reading.suggestions), reading.note)
