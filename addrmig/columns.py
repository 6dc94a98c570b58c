"""Which column of the merchant's file is which Akinon field, and where the header row is.

``map_columns`` tries, for every header: the exact field name, the same name
ignoring case/accents/Turkish letters/punctuation (``addrmig.text.fold``), a
known synonym from ``addrmig.fields``, and finally a fuzzy match (rapidfuzz).
Every choice carries a confidence (0–100) and how it was made, so the user can
see and override it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

import pandas as pd
from rapidfuzz import fuzz, process

from addrmig.errors import BadArguments
from addrmig.fields import AUXILIARY_COLUMNS, COLUMNS, INPUT_FIELDS, REQUIRED
from addrmig.i18n import N_, _
from addrmig.text import fold

#: Confidence by method; fuzzy matches scale below ``synonym``.
CONFIDENCE = {"override": 100, "exact": 100, "folded": 95, "synonym": 90}
#: A fuzzy match below this similarity (0–100) is no match at all.
FUZZY_CUTOFF = 85
#: Fuzzy matching on very short headers ("ad", "il", "vd") only produces noise.
FUZZY_MIN_LENGTH = 4
#: How many rows from the top may be title rows above the header.
HEADER_SCAN_ROWS = 20
#: Headers that say "name" without saying which: a first name beside a last-name column, the
#: full name when the file has none ("İsim: Ayşe Nur Yılmaz"). "Ad"/"Adı" say first name: the
#: other half of "Ad"/"Soyad".
NAME_ALONE = ("name", "isim", "alıcı adı", "alıcı", "customer name")
#: What a column fills besides its own field, when those fields have no column of their own:
#: the full name splits into first and last name, the address text holds the places.
FILLS: dict[str, tuple[tuple[str, ...], str]] = {
    "full_name": (("first_name", "last_name"), N_("full name → first and last name")),
    "line": (("country", "city", "township", "district"), N_("address text → city, township, district")),
}
#: The address text fills the places only when none of these has a column.
PLACE_COLUMNS = ("city", "township", "district")


@dataclass
class ColumnMapping:
    """The answer of ``map_columns``.

    ``mapping``: source header -> Akinon field, for the columns used;
    ``confidence`` / ``method``: per mapped source header (0–100; "override",
    "exact", "folded", "synonym" or "fuzzy"); ``unknown``: headers not used, in
    file order; ``missing_required``: required fields no column maps to;
    ``headers``: all source headers in file order.
    """

    mapping: dict[str, str]
    confidence: dict[str, int]
    method: dict[str, str]
    unknown: list[str]
    missing_required: list[str]
    headers: list[str] = field(default_factory=list)

    @property
    def by_field(self) -> dict[str, str]:
        """Akinon field -> source header, for the fields found."""
        return {target: source for source, target in self.mapping.items()}

    @property
    def derived(self) -> dict[str, str]:
        """Field -> source header, for the fields without a column that another column fills
        (``FILLS``): first and last name from a full name, the places from the address text."""
        return derived_fields(self.mapping)

    def fills(self, header: str) -> str:
        """What ``header`` fills besides its own field, for the person ("" for nothing)."""
        target = self.mapping.get(header)
        return _(FILLS[target][1]) if target in FILLS and any(
            source == header for source in self.derived.values()) else ""

    def rows(self) -> list[dict[str, object]]:
        """One dict per source header (source, field, confidence, method), for display."""
        return [{"source": h, "field": self.mapping.get(h), "confidence": self.confidence.get(h, 0),
                 "method": self.method.get(h, "")} for h in self.headers]

    def table(self, headers: list[str] | None = None) -> pd.DataFrame:
        """The mapping as a table for a person: ``column``, ``field`` ("" when ignored),
        ``confidence`` (0–100), ``how`` ("not used" for ignored columns) and ``fills`` (what
        else the column fills, see :meth:`fills`), one row per header of ``headers`` (default:
        every source header)."""
        rows = []
        for header in self.headers if headers is None else headers:
            target = self.mapping.get(header) or ""
            rows.append((header, target, int(round(float(self.confidence.get(header, 0) or 0))) if target else 0,
                         str(self.method.get(header, "") or ("" if target else _("not used"))), self.fills(header)))
        return pd.DataFrame(rows, columns=["column", "field", "confidence", "how", "fills"])


@cache
def _vocabulary() -> tuple[dict[str, str], dict[str, str], list[str], list[str]]:
    """(folded field name -> field, folded synonym -> field, fuzzy choices, their fields)."""
    by_name = {fold(f.name): f.name for f in INPUT_FIELDS}
    by_synonym: dict[str, str] = {}
    for f in INPUT_FIELDS:
        for synonym in f.synonyms:
            by_synonym.setdefault(fold(synonym), f.name)
    choices, owners = [], []
    for key, name in list(by_name.items()) + list(by_synonym.items()):
        choices.append(key)
        owners.append(name)
    return by_name, by_synonym, choices, owners


@lru_cache(maxsize=4096)
def match_header(header: str, fuzzy: bool = True) -> tuple[str, int, str] | None:
    """Best field for one header as (field, confidence, method), or None."""
    if header in COLUMNS or header in AUXILIARY_COLUMNS:
        return header, CONFIDENCE["exact"], "exact"
    key = fold(header)
    if not key:
        return None
    by_name, by_synonym, choices, owners = _vocabulary()
    if key in by_name:
        return by_name[key], CONFIDENCE["folded"], "folded"
    if key in by_synonym:
        return by_synonym[key], CONFIDENCE["synonym"], "synonym"
    compact = key.replace(" ", "")
    for table, method in ((by_name, "folded"), (by_synonym, "synonym")):
        for known, name in table.items():  # "E Mail", "phonenumber": same words, other spacing
            if known.replace(" ", "") == compact:
                return name, CONFIDENCE[method] - 2, method
    if not fuzzy or len(compact) < FUZZY_MIN_LENGTH:
        return None
    best = process.extractOne(key, choices, scorer=_similarity, score_cutoff=FUZZY_CUTOFF)
    if best is None:
        return None
    _name, score, index = best
    # Scale into 60–85 so a fuzzy guess always ranks below any certain match.
    return owners[index], int(round(60 + (score - FUZZY_CUTOFF) * 25 / (100 - FUZZY_CUTOFF))), "fuzzy"


def _similarity(a: str, b: str, **kwargs: object) -> float:
    # ratio catches typos ("adress"), token_sort_ratio catches word order ("name first").
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def map_columns(headers: Iterable[str], overrides: Mapping[str, str | None] | None = None) -> ColumnMapping:
    """Map source headers to Akinon fields; returns a ``ColumnMapping``.

    ``overrides`` pins choices: ``{"Kod": "user"}`` maps that column,
    ``{"Notlar": None}`` ignores it. Each field gets at most one column: when
    several compete, the most confident wins and the others stay unknown.
    """
    headers = [str(h) for h in headers]
    overrides = dict(overrides or {})
    for source, target in overrides.items():
        if source not in headers:
            raise BadArguments(_("Column {source} given in the column choices is not in the file; the file's columns are: "
                                 "{headers}.").format(source=repr(source), headers=', '.join(headers)))
        if target is not None and target not in COLUMNS and target not in AUXILIARY_COLUMNS:
            raise BadArguments(_("{target} is not an Akinon address field; choose one of: {fields}.").format(target=repr(target), fields=', '.join(COLUMNS + AUXILIARY_COLUMNS)))
    pinned = [t for t in overrides.values() if t is not None]
    duplicates = sorted({t for t in pinned if pinned.count(t) > 1})
    if duplicates:
        raise BadArguments(_("Field {field} is chosen for more than one column; choose one column per field.").format(field=repr(duplicates[0])))

    mapping: dict[str, str] = {}
    confidence: dict[str, int] = {}
    method: dict[str, str] = {}
    taken: set[str] = set()
    for source, target in overrides.items():
        if target is not None:
            mapping[source], confidence[source], method[source] = target, CONFIDENCE["override"], "override"
            taken.add(target)

    candidates = []
    for position, header in enumerate(headers):
        if header in overrides:
            continue
        found = match_header(header)
        if found and found[0] not in taken:
            candidates.append((-found[1], position, header, found))
    for _rank, _position, header, (target, score, how) in sorted(candidates):
        if target in taken or header in mapping:
            continue
        mapping[header], confidence[header], method[header] = target, score, how
        taken.add(target)

    _name_alone(mapping, taken, overrides)
    ordered = {h: mapping[h] for h in headers if h in mapping}
    unknown = [h for h in headers if h not in ordered]
    derived = derived_fields(ordered)
    missing = [name for name in REQUIRED if name not in taken and name not in derived]
    return ColumnMapping(ordered, {h: confidence[h] for h in ordered}, {h: method[h] for h in ordered},
                         unknown, missing, headers)


def _name_alone(mapping: dict[str, str], taken: set[str], overrides: Mapping[str, str | None]) -> None:
    """A column called just "name" or "isim" holds the full name when no column holds the last
    name (changed in place)."""
    if "last_name" in taken or "full_name" in taken:
        return
    alone = {fold(header) for header in NAME_ALONE}
    for source, target in list(mapping.items()):
        if target == "first_name" and source not in overrides and fold(source) in alone:
            mapping[source] = "full_name"
            taken.discard("first_name")
            taken.add("full_name")


def derived_fields(mapping: Mapping[str, str]) -> dict[str, str]:
    """Field -> source header for the fields ``FILLS`` fills from another column (``mapping``:
    source header -> field)."""
    by_field = {target: source for source, target in mapping.items()}
    out: dict[str, str] = {}
    for source_field, (fields, _how) in FILLS.items():
        source = by_field.get(source_field)
        if source is None or (source_field == "line" and any(f in by_field for f in PLACE_COLUMNS)):
            continue
        out.update({name: source for name in fields if name not in by_field})
    return out


def header_score(cells: Sequence[object]) -> int:
    """How many distinct Akinon fields a row's cells name (without fuzzy guesses)."""
    found = set()
    for cell in cells:
        if isinstance(cell, str) and cell.strip() and len(cell) <= 100:
            hit = match_header(cell, fuzzy=False)
            if hit:
                found.add(hit[0])
    return len(found)


@dataclass
class HeaderGuess:
    """Where ``find_header`` put the header: ``index`` (0-based row), ``score`` (how many
    Akinon fields it names) and ``note`` (a sentence for the user when rows above it were
    left out, or when another row might be the header; "" otherwise)."""

    index: int
    score: int
    note: str = ""


#: A cell that reads as data rather than a column name: a number, amount, percentage or date.
_DATA_LIKE = re.compile(r"[-+(]?[$€£₺¥]?\s*\d[\d.,:/ -]*%?\)?|(?i:true|false)")


def _filled(row: Sequence[object]) -> list[str]:
    return [c for c in row if isinstance(c, str) and c.strip()]


def _looks_like_header(row: list[str], below: list[list[str]]) -> bool:
    """Several cells of text (not numbers or dates), about as wide as the row below."""
    if len(row) < 2 or sum(bool(_DATA_LIKE.fullmatch(c.strip())) for c in row) * 4 > len(row):
        return False
    return not below or len(row) // 2 <= len(below[0]) <= len(row) * 2


def _text_over_data(header: Sequence[object], below: Sequence[Sequence[object]]) -> bool:
    """Whether some column holds text in ``header`` and data (numbers, dates) in most rows below."""
    for position, cell in enumerate(header):
        if not (isinstance(cell, str) and cell.strip()) or _DATA_LIKE.fullmatch(cell.strip()):
            continue
        values = [r[position].strip() for r in below if position < len(r) and isinstance(r[position], str)
                  and r[position].strip()]
        if len(values) >= 2 and sum(bool(_DATA_LIKE.fullmatch(v)) for v in values) * 4 >= len(values) * 3:
            return True
    return False


def _quote(row: list[str]) -> str:
    text = " | ".join(c.strip() for c in row)
    return text if len(text) <= 60 else text[:57] + "…"


def find_header(rows: Sequence[Sequence[object]], scan: int = HEADER_SCAN_ROWS) -> HeaderGuess:
    """The header among the first ``scan`` rows (cells as text).

    The first row holding a value is the header, unless everything above a later row is a
    title, a note or a ``#`` comment (each row far narrower than that row) and that row looks
    like a header: several cells of text, and either naming two Akinon fields or holding text
    where the rows below hold numbers or dates. A lone synonym ("IL", "Telephone") never makes
    a data row the header, and rows are never left out on a guess: when unsure, the first row
    is the header and the note names the other candidate.
    """
    top = [list(r) for r in rows[:scan]]
    filled = [_filled(r) for r in top]
    first = next((i for i, cells in enumerate(filled) if cells), -1)
    if first < 0:
        return HeaderGuess(0, 0)
    scores = [header_score(r) if cells else 0 for r, cells in zip(top, filled)]
    candidates = []
    for index in range(first + 1, len(top)):
        width = len(filled[index])
        if not width:
            continue
        above = [cells for cells in filled[first:index] if cells]
        if not all(len(cells) <= max(1, width // 2) or cells[0].lstrip().startswith("#") for cells in above):
            break  # a row about as wide as this one above it: the table starts higher
        below = [cells for cells in filled[index + 1:] if cells]
        if _looks_like_header(filled[index], below) and (
                scores[index] >= 2 or _text_over_data(top[index], top[index + 1:])):
            candidates.append(index)
    if candidates:
        # a group row above the column names is narrower than they are: the widest wins
        index = max(candidates, key=lambda i: (len(filled[i]), -i))
        above = [cells for cells in filled[first:index] if cells]
        first_number, last_number = first + 1, index
        one = first_number == last_number
        quoted = "; ".join(_quote(cells) for cells in above[:3]) + (" …" if len(above) > 3 else "")
        if one:
            sentence = _("Row {first} above the header (row {header}) looks like a title or notes and is not read as "
                         "data: “{quoted}”. If the header is another row, choose it.")
        else:
            sentence = _("Rows {first}–{last} above the header (row {header}) look like a title or notes and are not "
                         "read as data: “{quoted}”. If the header is another row, choose it.")
        return HeaderGuess(index, scores[index], sentence.format(first=first_number, last=last_number,
                                                                 header=index + 1, quoted=quoted))
    note = ""
    others = [i for i in range(first + 1, len(top)) if scores[i] >= 2 and scores[i] > scores[first]]
    if others:
        note = _("Row {other} names address fields too (“{quoted}”), but the rows above it hold data, so row "
                 "{header} is read as the header. If row {other} is the header, choose it.").format(
            other=others[0] + 1, quoted=_quote(filled[others[0]]), header=first + 1)
    return HeaderGuess(first, scores[first], note)


def choose_field(fields: Mapping[str, str | None], column: str, field: str | None) -> tuple[dict[str, str | None], list[tuple[str, str]]]:
    """``fields`` (column -> field or None) after the user chose ``field`` for ``column``.

    A field goes to one column: a column that had it loses it (becomes None). Returns the
    new choices and the ``(field, column that lost it)`` pairs, for telling the user."""
    chosen = dict(fields)
    moved = []
    if field is not None:
        for other, target in fields.items():
            if other != column and target == field:
                chosen[other] = None
                moved.append((field, other))
    chosen[column] = field
    return chosen, moved


def auxiliary_frame(frame: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """The auxiliary columns the file has (``fields.AUXILIARY``: postcode, full name), by name,
    same index; no column when the file has none."""
    by_field = {target: source for source, target in mapping.mapping.items()}
    return pd.DataFrame({name: frame[by_field[name]].astype("str") for name in AUXILIARY_COLUMNS if name in by_field},
                        index=frame.index)


def apply_mapping(frame: pd.DataFrame, mapping: ColumnMapping | Mapping[str, str]) -> pd.DataFrame:
    """The address frame: exactly ``COLUMNS`` in order, fields without a column as "", index kept;
    first and last name split from a full-name column when they have no column of their own
    (:func:`addrmig.names.split_full_names`)."""
    chosen = mapping.mapping if isinstance(mapping, ColumnMapping) else dict(mapping)
    by_field = {target: source for source, target in chosen.items()}
    split = None
    if "full_name" in by_field and ("first_name" not in by_field or "last_name" not in by_field):
        from addrmig.names import split_full_names

        split = split_full_names(frame[by_field["full_name"]])
    data = {}
    for name in COLUMNS:
        source = by_field.get(name)
        if source is not None:
            data[name] = frame[source].astype("str")
        elif split is not None and name in split.columns:
            data[name] = split[name]
        else:
            data[name] = pd.Series([""] * len(frame), index=frame.index, dtype="str")
    return pd.DataFrame(data, index=frame.index, columns=list(COLUMNS))
