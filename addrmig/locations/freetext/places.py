"""places_from_text(): a column of free-text addresses into city, township and district."""
from __future__ import annotations

from dataclasses import dataclass

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


@dataclass
class _Part:
    """What a part of the texts says, per text: place ids (-1 for none; the city also of an
    open question when the text settles it), status codes (into ``STATUSES``) and the three
    texts (Arrow string arrays)."""

    city: np.ndarray
    township: np.ndarray
    district: np.ndarray
    status: np.ndarray
    evidence: object
    suggestions: object
    note: object


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
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = lines.astype("str").fillna("")
    if postcodes is not None:
        texts = texts + " " + postcodes.reindex(lines.index).astype("str").fillna("")
    codes, uniques = pd.factorize(texts)
    uniques = pd.Series(uniques, dtype="str")
    gazetteer = gazetteer_for(db).prepared()  # built here, before any fork, so that workers share it
    count = max(1, min(workers, len(uniques) // (PARALLEL_MIN_TEXTS // 2))) if len(uniques) >= PARALLEL_MIN_TEXTS else 1
    bounds = np.linspace(0, len(uniques), count + 1).astype(int).tolist()

    def run(part: tuple[int, int]) -> _Part:
        return _read(uniques.iloc[part[0]:part[1]], gazetteer)

    from addrmig.parallel import map_parts

    parts = map_parts(run, list(zip(bounds[:-1], bounds[1:])), count)
    names = gazetteer.names_table()
    out = {}
    for column in ("country", "city", "township", "district"):
        ids = np.concatenate([getattr(part, "city" if column == "country" else column) for part in parts])
        name_codes, categories = names[column]
        text_codes = np.where(ids >= 0, name_codes[np.maximum(ids, 0)], len(categories) - 1)
        out[column] = pd.Categorical.from_codes(text_codes[codes], categories=categories)
    status = np.concatenate([part.status for part in parts])
    out["status"] = pd.Categorical.from_codes(status[codes], categories=list(STATUSES))
    for column in ("evidence", "suggestions", "note"):
        values = pa.chunked_array([getattr(part, column) for part in parts], type=pa.large_string())
        encoded = pc.dictionary_encode(pc.fill_null(values, "")).combine_chunks()
        categories = pd.Index(encoded.dictionary.to_pylist(), dtype=object)
        text_codes = np.asarray(encoded.indices).astype(np.int64)
        out[column] = pd.Categorical.from_codes(text_codes[codes] if len(codes) else text_codes[:0],
                                                categories=categories)
    return pd.DataFrame(out, index=lines.index)


def _read(texts: pd.Series, gazetteer: Gazetteer) -> _Part:
    """What each of ``texts`` says (see :class:`_Part`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    reader, decider = Reader(gazetteer), Decider(gazetteer)
    words = words_of(texts, reader)
    runs = runs_of(words, reader)
    simple = read_simple(words, runs, reader, decider)
    signature, mentions = signatures(words, runs, reader, ~simple.done)
    readings = [decider.decide(found) for found in mentions] or [Reading("none")]
    take, done = np.maximum(signature, 0), simple.done
    found = [r.status == FOUND for r in readings]

    def ids(values: list[int]) -> np.ndarray:
        return np.asarray(values, dtype=np.int64)[take]

    city = np.where(done, simple.city, ids([r.city for r in readings]))
    township = np.where(done, simple.township, ids([r.township if f else -1 for r, f in zip(readings, found)]))
    district = np.where(done, simple.district, ids([r.district if f else -1 for r, f in zip(readings, found)]))
    status = np.where(done, STATUSES.index(FOUND), ids([STATUSES.index(r.status) for r in readings])).astype(np.int8)
    mask, nothing = pa.array(done), pa.scalar("", pa.large_string())

    def strings(values: list[str], simple_values) -> object:
        return pc.if_else(mask, simple_values, pa.array(values, type=pa.large_string()).take(pa.array(take)))

    return _Part(city, township, district, status,
                 strings([r.evidence for r in readings], simple.evidence),
                 strings([suggestions_text(r) for r in readings], nothing),
                 strings([r.note for r in readings], nothing))


def suggestions_text(reading: Reading) -> str:
    """A reading's suggestions as one text: ``city / township / district``, ``; `` between."""
    return "; ".join(" / ".join(p for p in place if p) for place in reading.suggestions)


def reading_values(reading: Reading, gazetteer: Gazetteer) -> tuple[str, ...]:
    """A reading as the answer's values (see :data:`COLUMNS`), for one text at a time."""
    found = reading.status == FOUND
    city = gazetteer.city_names[reading.city] if reading.city >= 0 else ""
    return (gazetteer.city_country[reading.city] if reading.city >= 0 else "", city,
            gazetteer.township_names[reading.township] if found else "",
            gazetteer.district_names[reading.district] if found and reading.district >= 0 else "",
            reading.status, reading.evidence, suggestions_text(reading), reading.note)
