"""The places read from the address text, written into an address frame and shown to a person.

:func:`fill_from_text` is the step ``fix`` and the app run before the resolver: rows whose
city, township and district are all blank get the places their ``line`` names (the database's
spelling), and a record of what was read. :func:`review_lines` lists the rows it left open once
per distinct text, and :func:`source_words` gives back the words as the text writes them.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.formatting import number
from addrmig.i18n import _
from addrmig.locations.db import LocationDB
from addrmig.locations.freetext.deciding import FOUND
from addrmig.locations.freetext.places import places_from_text
from addrmig.text import fold

#: The place columns that must all be blank for a row's places to be read from its text.
PLACE_COLUMNS = ("city", "township", "district")


def rows_to_read(frame: pd.DataFrame) -> np.ndarray:
    """Per row: its city, township and district are blank and its ``line`` is not."""
    # Each column is looked at only in the rows still in question: in a file with places
    # nearly every row drops out at the first column.
    rows = np.arange(len(frame))
    for column in (*PLACE_COLUMNS, "line"):
        values = frame[column] if len(rows) == len(frame) else frame[column].iloc[rows]
        blank = (values.astype("string").fillna("").str.strip() == "").to_numpy()
        rows = rows[~blank if column == "line" else blank]
        if not len(rows):
            break
    wanted = np.zeros(len(frame), dtype=bool)
    wanted[rows] = True
    return wanted


def fill_from_text(frame: pd.DataFrame, db: LocationDB, postcodes: pd.Series | None = None,
                   progress: Callable[[float, float], None] | None = None,
                   workers: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(new frame, places read)``: the rows of :func:`rows_to_read` with the country, city,
    township and district their ``line`` settles (a blank country only), and
    :func:`places_from_text`'s answer for those rows (index = their rows). ``frame`` is not
    modified; when no row is to be read, it is returned as it is, with an empty answer.
    ``workers``: as :func:`places_from_text`'s."""
    report = progress or (lambda done, total: None)
    report(0, 2)
    wanted = rows_to_read(frame)
    if not wanted.any():
        report(2, 2)
        return frame, places_from_text(frame["line"].iloc[:0], db)
    index = frame.index[wanted]
    codes = None if postcodes is None else postcodes.reindex(index)
    read = places_from_text(frame["line"][wanted], db, codes, workers=workers)
    report(1, 2)
    new = frame.copy(deep=False)
    everything = bool(wanted.all())
    for level in LEVELS:
        values = _text(read[level])
        if level == "country":
            # A country written stays; the text's fills only a blank one.
            written = frame.loc[index, "country"].astype("str")
            values = values.where(values != "", written) if (written != "").any() else values
        if everything:
            new[level] = values.to_numpy() if values.dtype != frame[level].dtype else values.set_axis(frame.index)
        else:
            column = frame[level].copy()
            column[wanted] = values.to_numpy()
            new[level] = column
    report(2, 2)
    return new, read


def _text(values: pd.Series) -> pd.Series:
    """A categorical of text as a Series of the ``str`` dtype, through Arrow (no Python string
    per row)."""
    import pyarrow as pa

    codes = values.cat.codes.to_numpy()
    categories = pa.array(list(values.cat.categories), type=pa.large_string())
    return pd.Series(pd.array(categories.take(pa.array(codes)), dtype="str"), index=values.index)


def summary(read: pd.DataFrame) -> dict[str, int]:
    """Counts for a person: ``rows`` read, ``found`` (city and township), ``district`` (a
    district too), ``city`` (the city alone), and per status."""
    status = read["status"].astype(str)
    found = status == FOUND
    out = {"rows": len(read), "found": int(found.sum()),
           "district": int((found & (read["district"].astype(str) != "")).sum()),
           "city": int((~found & (read["city"].astype(str) != "")).sum())}
    for name, count in status.value_counts().items():
        out[str(name)] = int(count)
    return out


def text_summary(read: pd.DataFrame, filled: bool = True) -> str:
    """One line for the command line about the places read (``filled``: written into the rows,
    else only found)."""
    counts = summary(read)
    left = counts["rows"] - counts["found"]
    return (_("address text: {rows} rows have no place columns; their address text names city and township in "
              "{found} (the district too in {district}), the city alone in {city}").format(
                rows=number(counts["rows"]), found=number(counts["found"]), district=number(counts["district"]),
                city=number(counts["city"]))
            + ("" if filled else _(" (addrmig fix fills them)"))
            + (_("; {n} left for review (several places fit, the names disagree, or none is named).").format(
                n=number(left)) if left else "."))


#: The columns of :func:`readings`.
READING_COLUMNS = ("text", "rows", "row", "example_rows", "status", "city", "township", "district", "evidence",
                   "suggestions", "note")


def readings(read: pd.DataFrame, lines: pd.Series, only_open: bool = False) -> pd.DataFrame:
    """One line per distinct address text read (most rows first): ``text``, ``rows``, ``row``
    (the first of them), ``example_rows`` (up to three row numbers, ", " between), ``status``, ``city``, ``township``,
    ``district``, ``evidence`` (the words read, folded: :func:`source_words` gives them as
    written), ``suggestions`` and ``note``. ``only_open``: only the texts whose places were not
    found. Vectorised but for the example rows (one short string per distinct text)."""
    if only_open:
        read = read[(read["status"].astype(str) != FOUND).to_numpy()]
    if not len(read):
        return pd.DataFrame({column: pd.Series(dtype=int if column in ("rows", "row") else str)
                             for column in READING_COLUMNS})
    codes, texts = pd.factorize(lines.reindex(read.index).astype(str))
    counts = np.bincount(codes)
    order = np.argsort(codes, kind="stable")
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    rows = read.index.to_numpy()[order]
    examples = [", ".join(map(str, rows[start:start + min(3, count)].tolist()))
                for start, count in zip(starts.tolist(), counts.tolist())]
    first = order[starts]
    out = pd.DataFrame({"text": np.asarray(texts, dtype=object), "rows": counts, "row": rows[starts],
                        "example_rows": examples})
    for column in ("status", "city", "township", "district", "evidence", "suggestions", "note"):
        out[column] = read[column].astype(str).to_numpy()[first]
    return out.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)[list(READING_COLUMNS)]


_WORD = re.compile(r"[^\W_]+")


def source_words(text: str, evidence: str) -> str:
    """The words of ``evidence`` (folded phrases, `` · `` between) as ``text`` writes them:
    ``"kultur mah · besiktas · istanbul"`` -> ``"Kültür Mahallesi · Beşiktaş · İstanbul"``. A
    phrase not found as written is given folded."""
    if not evidence:
        return ""
    # Combining marks ("i̇" from str.lower) are dropped first, so every word is one token.
    clean = "".join(ch for ch in unicodedata.normalize("NFC", text) if not unicodedata.combining(ch))
    spans = [(match.start(), match.end(), fold(match.group())) for match in _WORD.finditer(clean)]
    keys = [key.replace(" ", "") for _, _, key in spans]
    out = []
    for phrase in evidence.split(" · "):
        words = phrase.split()
        found = _find(keys, words)
        if found is None and len(words) > 1:
            found = _find(keys, words[:-1])  # the kind word may be written otherwise ("Mh." for "mah")
            if found is not None and found[1] < len(spans):
                found = (found[0], found[1] + 1)
        out.append(clean[spans[found[0]][0]:spans[found[1] - 1][1]] if found else phrase)
    return " · ".join(out)


def _find(keys: list[str], words: list[str]) -> tuple[int, int] | None:
    """The first span of ``keys`` whose joined keys equal the joined ``words``."""
    target = "".join(words)
    for start in range(len(keys)):
        joined = ""
        for end in range(start, len(keys)):
            joined += keys[end]
            if joined == target:
                return start, end + 1
            if not target.startswith(joined):
                break
    return None


def with_text_lines(review: pd.DataFrame, resolution, read: pd.DataFrame) -> pd.DataFrame:
    """The review list (:func:`addrmig.locations.review.review_table`) with a ``source_text``
    column. The rows whose places were read from the address text and are still not resolved
    say little by their place columns (the text says it all), so they are listed once per
    distinct text, with the text, the words read in the note and the candidate places as
    suggestions; the resolver's lines made only of such rows give way to them."""
    status = resolution.row_status
    open_rows = _open_rows(resolution, read)
    out = review.copy()
    out.insert(len(LEVELS), "source_text", "")
    if not len(open_rows):
        return out
    out = without_text_rows(out, resolution, read)
    lines = readings(read.loc[open_rows], resolution.frame["line"])
    first = lines["row"].tolist()
    written = resolution.original.loc[first, list(LEVELS)].reset_index(drop=True)
    added = written.assign(source_text=lines["text"].to_numpy(), rows=lines["rows"].to_numpy(),
                           example_rows=lines["example_rows"].to_numpy(),
                           status=status.loc[first].astype(str).to_numpy(),
                           level=["city" if not c else "township" for c in written["city"]],
                           note=[_note(s, n, w) for s, n, w in zip(lines["status"], lines["note"], lines["evidence"])])
    suggestions = [s.split("; ") if s else [] for s in lines["suggestions"]]
    for k in range(3):
        added[f"suggestion_{k + 1}"] = [items[k] if k < len(items) else "" for items in suggestions]
        added[f"score_{k + 1}"] = ""
    return pd.concat([out, added[out.columns]], ignore_index=True)


def _open_rows(resolution, read: pd.DataFrame) -> pd.Index:
    """The rows read from the address text whose places are not resolved."""
    from addrmig.locations.resolver import RESOLVED

    return read.index[~resolution.row_status.reindex(read.index).isin(RESOLVED).to_numpy()]


def without_text_rows(lines: pd.DataFrame, resolution, read: pd.DataFrame) -> pd.DataFrame:
    """``lines`` (review lines with the written ``country, city, township, district``) without
    those whose rows are all rows read from the address text and left open."""
    from addrmig.locations.resolver import RESOLVED

    open_rows = _open_rows(resolution, read)
    if not len(open_rows) or not len(lines):
        return lines
    status = resolution.row_status
    others = ~status.isin(RESOLVED).to_numpy() & ~status.index.isin(open_rows)
    kept = set(resolution.original.loc[others, list(LEVELS)].itertuples(index=False, name=None))
    return lines[[tuple(values) in kept for values in lines[list(LEVELS)].itertuples(index=False, name=None)]]


def _note(status: str, note: str, words: str) -> str:
    said = {"ambiguous": _("the address text does not settle the place"),
            "conflicting": _("the places in the address text contradict each other"),
            "none": _("the address text names no place")}.get(status, "")
    if note and status == "ambiguous":
        said += f": {note}"
    return said + (_("; read: {words}").format(words=words) if words else "")
