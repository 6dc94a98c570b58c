"""Comparison keys for place names (never shown: output keeps the database's spelling).

Every key is built from :func:`addrmig.text.fold` (Turkish-aware case, ASCII letters,
punctuation gone) with the spaces then removed, so ``DUMANL IKÖYÜ`` and ``Dumanlı Köyü``
meet. District names are split into parts so that the forms legacy exports use meet the
database's form::

    "Yeni Mah (nar Beldesi)"  -> base "yeni", kind "mah", paren "narbelde"
    "YENİ MAHALLESİ", "yeni mh.", "Yeni"  -> base "yeni", kind "mah" (or none), no paren

``Mah``/``Mah.``/``Mh.``/``Mahallesi`` fold to ``mah``, ``Köyü``/``Köy``/``Koyu`` to
``koy``, ``Beldesi``/``Belde`` to ``belde``; the parenthetical village part is kept apart
so a name written without it can still be found.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from addrmig.text import fold, fold_lowered_series, fold_series, tr_lower_series

# Suffix words, folded, and the kind they stand for. Only the last word of the main part
# is read as the kind: "Köy Mah" is a neighbourhood called Köy.
_KIND_WORDS = {
    "mahallesi": "mah", "mahalle": "mah", "mah": "mah", "mh": "mah", "mahal": "mah",
    "koyu": "koy", "koy": "koy", "koyleri": "koy",
    "beldesi": "belde", "belde": "belde", "bld": "belde",
}
_KIND_AT_END = re.compile(r"\s+(" + "|".join(sorted(_KIND_WORDS, key=len, reverse=True)) + r")$")
_GLUED_KIND = re.compile(r"(mahallesi|koyu|beldesi)")
# For pyarrow's regex kernel (RE2): "\z" where Python's "$" would be, because pandas runs
# a pattern ending in "$" in a Python loop instead (the texts here hold no line breaks).
_KIND_AT_END_ARROW = r"\s+(?P<kind>" + "|".join(sorted(_KIND_WORDS, key=len, reverse=True)) + r")\z"
# "Y BELDESİ, X MAHALLESİ" / "Y KÖYÜ, X MAHALLESİ", lower-cased (RE2 syntax, "\z" as above).
_VILLAGE_FIRST = r"^\s*([^,()]+?)\s+(beldesi|belde|köyü|köy|koyu)\s*,\s*([^,()]+?)\s*\z"
# "x (y) mah." (lower-cased): a neighbourhood and its former name, then the kind word.
_ALIAS_BEFORE_KIND = r"^\s*([^()]+?)\s*\(([^()]+)\)\s*(?:mahallesi|mahalle|mah|mh)\.?\s*\z"
# The village part at the end of a folded parenthetical part, its kind word canonical.
_VILLAGE_AT_END = r"^(?:.*\bmah )?(?P<village>.*?) (?:koy|belde)\W*\z"
_KIND_ANYWHERE = re.compile(r"\b(" + "|".join(sorted(_KIND_WORDS, key=len, reverse=True)) + r")\b")

#: Former and popular city names, folded (spaces removed) -> folded official name.
CITY_ALIASES: dict[str, str] = {
    "afyon": "afyonkarahisar", "afyonkarahisar": "afyonkarahisar",
    "maras": "kahramanmaras", "kmaras": "kahramanmaras", "kahramaras": "kahramanmaras",
    "urfa": "sanliurfa", "surfa": "sanliurfa",
    "antep": "gaziantep", "gantep": "gaziantep",
    "icel": "mersin", "icelmersin": "mersin", "mersinicel": "mersin",
    "adapazari": "sakarya", "izmit": "kocaeli", "antakya": "hatay", "dersim": "tunceli",
    "ist": "istanbul", "istanbulanadolu": "istanbul", "istanbulavrupa": "istanbul",
    "ank": "ankara", "izm": "izmir", }

#: Renamed townships, folded -> folded current name (looked up only within the city).
TOWNSHIP_ALIASES: dict[str, str] = {
    "eyup": "eyupsultan", "kazan": "kahramankazan",
}

#: Country names, folded -> folded name as most databases hold it.
COUNTRY_ALIASES: dict[str, str] = {
    "turkey": "turkiye", "tr": "turkiye", "tur": "turkiye", "turkiye": "turkiye",
    "turkiyecumhuriyeti": "turkiye", "republicofturkey": "turkiye", "republicofturkiye": "turkiye",
    "turkei": "turkiye", "turquie": "turkiye",
}


def _extract(values: pd.Series, pattern: str) -> pd.Series:
    """The first (named) group of ``pattern`` in each Arrow-backed text (``""`` where it does not
    match), with pyarrow's kernel: pandas' ``str.extract`` loops in Python."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.struct_field(pc.extract_regex(pa.chunked_array(pa.array(values.array)), pattern), [0])
    return pd.Series(pd.array(found.fill_null(""), dtype=values.dtype), index=values.index)


def _look_like_mahallesi(words: pd.Series) -> pd.Series:
    """Per word: a misspelt "mahallesi" (7+ letters, rapidfuzz ratio ≥ 80); each distinct word scored once."""
    from rapidfuzz import fuzz, process

    codes, uniques = pd.factorize(words)
    unique_words = [str(w) for w in uniques]
    long = np.array([len(w) >= 7 for w in unique_words], dtype=bool)
    hit = np.zeros(len(unique_words), dtype=bool)
    if long.any():
        scores = process.cdist([w for w, ok in zip(unique_words, long) if ok], ["mahallesi"], scorer=fuzz.ratio,
                               dtype=np.float64)
        hit[long] = scores[:, 0] >= 80
    return pd.Series(hit[codes] if len(codes) else np.zeros(0, dtype=bool), index=words.index)


def name_key(text: str) -> str:
    """Key for a country, city or township name: folded, without spaces."""
    return fold(text).replace(" ", "")


def name_keys(values: pd.Series) -> pd.Series:
    """:func:`name_key` over a Series, vectorised; returns a Series of ``str``. Each distinct
    text is folded once when texts repeat (a review list's cities and townships: a tenth of
    the time on a million rows)."""
    if len(values) > 1 and not values.hasnans:
        codes, uniques = pd.factorize(values)
        if len(uniques) * 2 <= len(values):
            keys = _name_keys(pd.Series(uniques, dtype=values.dtype))
            return pd.Series(keys.to_numpy()[codes], index=values.index, dtype=keys.dtype)
    return _name_keys(values)


def _name_keys(values: pd.Series) -> pd.Series:
    return fold_series(values).str.replace(" ", "", regex=False).astype(str)


def district_keys(values: pd.Series, villages: bool = False) -> pd.DataFrame:
    """Split district names into comparison keys, vectorised.

    Returns a DataFrame (same index) with ``base`` (the name without its kind word),
    ``kind`` (``mah``/``koy``/``belde`` or ``""``), ``paren`` (the parenthetical part,
    ``""`` when there is none), ``short`` (base + kind), ``full`` (short + paren),
    ``bp`` (base + paren), all folded and without spaces; with ``villages`` also
    ``village`` (the village or belde the name lies in or is: ``eric`` for "Merkez Mah
    (eriç Köyü)" and for "Eriç Köyü"; ``""`` for a neighbourhood of no village), which the
    database's names need and a written name only rarely (see :func:`village_of`).
    """
    text = values.astype("string").fillna("")
    # Keys are case-blind, so each distinct spelling is split once, and spellings that
    # differ only in case share the work ("MERKEZ MAH", "Merkez Mah"). A name whose "("
    # was lost keeps its case: finding the kind word there reads the letters as written.
    lost = text.str.contains(")", regex=False) & ~text.str.contains("(", regex=False)
    text = tr_lower_series(text).where(~lost, text)
    codes, uniques = pd.factorize(text)
    if len(uniques) == len(text):
        out = _district_keys(text, villages)
    else:
        keys = _district_keys(pd.Series(uniques, dtype="string"), villages)
        out = pd.DataFrame({col: take_text(keys[col], codes) for col in keys.columns})
    out.index = values.index
    return out


def take_text(values: pd.Series, positions) -> pd.Series:
    """``values[positions]`` keeping Arrow-backed text in Arrow (no Python string per value)."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa

        return pd.Series(pd.array(pa.chunked_array(pa.array(values.array)).take(pa.array(positions)), dtype=dtype))
    return pd.Series(values.to_numpy()[positions], dtype=dtype)


#: The end of a short kind word cut off by a space typed one letter early ("m ah"), with
#: the whole word as folded and its kind.
_KIND_FRAGMENTS = {"ah": ("mah", "mah"), "h": ("mah", "mah"), "oyu": ("koyu", "koy"), "yu": ("koyu", "koy"),
                   "oy": ("koy", "koy")}

_KIND_BY_WORD = {kind: "|".join(sorted((w for w, k in _KIND_WORDS.items() if k == kind), key=len, reverse=True))
                 for kind in ("mah", "koy", "belde")}


def _fold(text: pd.Series, lowered: pd.Series) -> pd.Series:
    """``fold_series(text)``; the rows where ``lowered`` is True are ``tr_lower``'s output
    already, so only the steps after the lower-casing run on them."""
    out = fold_lowered_series(text)
    if not lowered.all():
        out[~lowered] = fold_series(text[~lowered])
    return out


def _rewritten(text: pd.Series, maybe: pd.Series, pattern: str, replacement: str) -> pd.Series:
    """``text`` with ``pattern`` replaced where it matches, looked for only where ``maybe``
    (a cheap test first: setting values in a long column costs more than the regex)."""
    if not maybe.any():
        return text
    candidates = text[maybe]
    found = candidates.str.contains(pattern, regex=True)
    if not found.any():
        return text
    text = text.copy()
    text[found[found].index] = candidates[found].str.replace(pattern, replacement, regex=True)
    return text


def _district_keys(text: pd.Series, villages: bool) -> pd.DataFrame:
    """Keys of texts that are lower-cased by ``tr_lower`` except those whose "(" was lost
    (see :func:`district_keys`)."""
    text = text.reset_index(drop=True)
    # The NVI register's form "SIZIR BELDESİ, ARPAÖZÜ MAHALLESİ" (the belde or village,
    # then the neighbourhood in it) is the database's "Arpaözü Mah (sızır Beldesi)".
    text = _rewritten(text, text.str.contains(",", regex=False), _VILLAGE_FIRST, r"\3 (\1 \2)")
    # The former name in parentheses before the kind word, as the postcode registry of
    # 2017 writes it ("Aydınlık (Zuğur) Mah."), is the database's "Aydınlık Mah (zuğur Mah)".
    has_close = text.str.contains(")", regex=False)
    text = _rewritten(text, has_close & ~text.str.endswith(")"), _ALIAS_BEFORE_KIND, r"\1 mah (\2 mah)")
    # "X Mah yamaçdere Köyü)": the opening parenthesis lost to a typo; the village part
    # then starts after the first kind word.
    lost = has_close & ~text.str.contains("(", regex=False)
    if lost.any():
        text = text.copy()
        text[lost] = text[lost].str.replace(
            r"^(.*?\b(?:[Mm][Aa][Hh](?:allesi|ALLESİ|ALLESI)?|[Mm][Hh])\.?)\s*", r"\1 (", regex=True)
    # Split at the first "(" (two regex kernels: str.split(expand=True) loops in Python).
    main = _fold(text.str.replace(r"(?s)\(.*", "", regex=True), ~lost)
    # Most names have no parenthetical part: fold and canonicalise only those that do
    # (the rest keep "", as folding "" gives).
    has_open = text.str.contains("(", regex=False)
    paren = pd.Series("", index=text.index, dtype=text.dtype)
    village = pd.Series("", index=text.index, dtype=text.dtype)
    if has_open.any():
        part = _fold(_extract(text[has_open], r"(?s)\((?P<paren>.*)"), ~lost[has_open])
        # Whole kind words are canonicalised kind by kind (plain patterns run in pyarrow; a
        # replacement function would loop in Python).
        for canonical, words in _KIND_BY_WORD.items():
            part = part.str.replace(r"\b(?:" + words + r")\b", canonical, regex=True)
        paren[has_open] = part
        if villages:
            # The village or belde a neighbourhood lies in: the last parenthetical part, when
            # it ends in its kind word ("(merkez Mah) (kalkantepe Köyü)" -> "kalkantepe").
            village[has_open] = _extract(part, _VILLAGE_AT_END).str.replace(" ", "", regex=False)
    # One kind word at the end of the main part; kind words anywhere in the paren part
    # are canonicalised so "(X Koyu)" and "(x köyü)" meet.
    kind_word = _extract(main, _KIND_AT_END_ARROW)
    base = main.str.replace(_KIND_AT_END_ARROW, "", regex=True)
    # A name made only of a kind word ("Mahalle") keeps it as its base.
    only_kind = base.str.len() == 0
    base = base.where(~only_kind, main)
    kind_word = kind_word.where(~only_kind, "")
    kind = kind_word.map(_KIND_WORDS).fillna("").astype(str)
    # A mistyped or glued "Mahallesi" ("mhaallesi", "ZaferM ahallesi") still says "mah".
    no_kind = (kind == "") & (base.str.len() > 0)
    if no_kind.any():
        # The last word and what comes before it (pyarrow's kernel; str.rsplit loops in Python).
        head = _extract(base[no_kind], r"^(?P<head>.*) [^ ]*\z")
        tail = _extract(base[no_kind], r"(?P<tail>[^ ]*)\z")
        glued = base[no_kind].str.replace(" ", "", regex=False)
        typo_kind = _look_like_mahallesi(tail)
        glued_kind = glued.str.endswith("mahallesi") & (glued.str.len() > len("mahallesi") + 1)
        new_base = glued.str.slice(0, -len("mahallesi")).where(glued_kind, head.where(typo_kind & (head != ""),
                                                                                       base[no_kind]))
        hit = (typo_kind & (head != "")) | glued_kind
        base.loc[hit[hit].index] = new_base[hit]
        kind.loc[hit[hit].index] = "mah"
        # A space typed one letter early inside a short kind word: "MerkezM ah", "Dere K oyu".
        cut = ~hit & tail.isin(list(_KIND_FRAGMENTS)) & (head != "")
        if cut.any():
            # Few rows: one at a time, then one assignment per column (each costs a pass).
            split = {}
            for index, h, t in zip(cut[cut].index, head[cut].tolist(), tail[cut].tolist()):
                word, canonical = _KIND_FRAGMENTS[t]
                joined = h + t
                if joined.endswith(word) and len(joined) > len(word) + 2:
                    split[index] = (joined[:-len(word)], canonical)
            if split:
                at = list(split)
                base.loc[at] = [b for b, _ in split.values()]
                kind.loc[at] = [k for _, k in split.values()]
    out = pd.DataFrame(index=text.index)
    out["base"] = base.str.replace(" ", "", regex=False).astype(str)
    out["kind"] = kind
    # Applied on both sides alike, so a glued "ikoyu" (space typed one letter early) meets.
    out["paren"] = (paren.str.replace(" ", "", regex=False).str.replace("mahallesi", "mah", regex=False)
                    .str.replace("koyu", "koy", regex=False).str.replace("beldesi", "belde", regex=False)
                    .astype(str))
    out["short"] = out["base"] + out["kind"]
    # "Taşlık Köyü Mahallesi": a village that became a neighbourhood, written with both
    # words; "alt" is the village reading ("taslikkoy") to try against the database.
    both = (out["kind"] == "mah") & base.str.contains(r"\s(?:koyu|koy)\z", regex=True)
    out["alt"] = ""
    out.loc[both, "alt"] = base[both].str.replace(r"\s(?:koyu|koy)$", "", regex=True).str.replace(
        " ", "", regex=False) + "koy"
    has_paren = out["paren"] != ""
    if villages:
        out["village"] = village.astype(str).where(has_paren, named_village(out))
    out["full"] = out["short"].where(~has_paren, out["short"] + "(" + out["paren"])
    out["bp"] = out["base"].where(~has_paren, out["base"] + "(" + out["paren"])
    return out


def named_village(keys: pd.DataFrame) -> pd.Series:
    """The village a name written as a village or belde names ("Eriç Köyü" -> ``eric``; the
    database may list it only as its neighbourhoods, "Merkez Mah (eriç Köyü)"), ``""`` for
    other names (``keys``: of :func:`district_keys`)."""
    return keys["base"].where(keys["kind"].isin(["koy", "belde"]) & (keys["paren"] == ""), "")


def village_of(paren: str, villages: frozenset[str]) -> str:
    """The village (one of ``villages``, folded) a written parenthetical key names: its last
    part before the kind word ("erickoy" -> ``eric``, "merkezmahkalkantepekoy" ->
    ``kalkantepe``, a former name "merkez mah" before it), ``""`` when it names none."""
    for kind in ("koy", "belde"):
        if not paren.endswith(kind):
            continue
        core = paren[:-len(kind)]
        if core in villages:
            return core
        start = core.find("mah")
        while start >= 0:
            if core[start + 3:] in villages:
                return core[start + 3:]
            start = core.find("mah", start + 1)
        return ""
    return ""


def district_key(text: str) -> dict[str, str]:
    """:func:`district_keys` for one name, as a dict. Remembered (the review cards ask for the
    same names on every rerun, and one name through the vectorised steps takes milliseconds);
    :func:`remember_district_keys` computes many at once."""
    found = _ONE_KEYS.get(text)
    if found is None:
        found = remember_district_keys([text])[text]
    return dict(found)


#: District keys of single names asked for (name -> key items), at most _ONE_KEYS_LIMIT.
_ONE_KEYS: dict[str, tuple[tuple[str, str], ...]] = {}
_ONE_KEYS_LIMIT = 100_000


def remember_district_keys(texts: Iterable[str]) -> dict[str, tuple[tuple[str, str], ...]]:
    """The keys of ``texts`` (name -> key items) for :func:`district_key`, the ones not known yet
    computed in one vectorised pass; each name's keys do not depend on the others'."""
    wanted = list(dict.fromkeys(texts))
    known = {text: _ONE_KEYS[text] for text in wanted if text in _ONE_KEYS}
    todo = [text for text in wanted if text not in known]
    if todo:
        table = district_keys(pd.Series(todo, dtype=str))
        columns = list(table.columns)
        if len(_ONE_KEYS) + len(todo) > _ONE_KEYS_LIMIT:
            _ONE_KEYS.clear()
        for text, values in zip(todo, zip(*(table[c].tolist() for c in columns))):
            known[text] = _ONE_KEYS[text] = tuple(zip(columns, values))
    return known
