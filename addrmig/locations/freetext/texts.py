"""Many texts read at once: words, runs and mentions as arrays, Python only per distinct thing.

:meth:`.reading.Reader.read` reads one text; a million-row file holds a million distinct texts
but far fewer distinct words and runs. Here the texts are split at spaces with Arrow's kernel,
each distinct piece is folded once (:func:`.reading.fold_token`), every word becomes a code
into the vocabulary, and the runs (see :mod:`.reading`) are found with array operations.
:mod:`.simple` reads the common texts from these arrays alone; for the others each distinct
run is read by the reader once, and the texts with the same mentions in the same order share
a *signature* that :mod:`.deciding` weighs once.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

from addrmig.locations.freetext.gazetteer import MAX_NAME_WORDS
from addrmig.locations.freetext.reading import Mention, Reader, fix_up, fold_token
from addrmig.locations.freetext.vocabulary import (
    ADMIN,
    BELDE,
    BUILDING,
    COUNTRY,
    KINDS,
    KOY,
    LONG_NUMBER,
    NUMBER,
    SEPARATOR,
    STREET,
    UNIT,
    WORD,
)

_PRIME = np.uint64(1_000_003)
#: The classes a word inside a name may have been given on its own ("Sanayi", "Camii", "Yanı", "Köy", "24").
_WORDISH = (WORD, NUMBER, STREET, BUILDING, UNIT, KOY, BELDE, ADMIN, COUNTRY, LONG_NUMBER)


@dataclass
class Words:
    """The words of many texts in order: ``text`` (the text of each word), ``code`` (into
    ``vocab``), ``cls`` (its class, :mod:`.vocabulary`, fixed up as :func:`.reading.fix_up`
    does), ``same_next`` (the next word belongs to the same text); ``count`` texts."""

    text: np.ndarray
    code: np.ndarray
    cls: np.ndarray
    same_next: np.ndarray
    vocab: list[str]
    count: int


@dataclass
class Runs:
    """The runs of :class:`Words` that may name places (street and building names left out),
    past their leading numbers: ``first`` and ``last`` word positions, ``follows`` (the class of
    the word after, ``SEPARATOR`` at a separator or the end of the text)."""

    first: np.ndarray
    last: np.ndarray
    follows: np.ndarray


def words_of(texts: pd.Series, reader: Reader) -> Words:
    """The folded words of ``texts``: split at spaces by Arrow's kernel, each distinct piece
    folded once, classified once per distinct word."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pa.array(texts.astype("str").array).cast(pa.large_string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    pieces = pc.split_pattern(pc.fill_null(values, ""), " ")
    piece_text = np.asarray(pc.list_parent_indices(pieces)).astype(np.int32)
    encoded = pc.dictionary_encode(pc.list_flatten(pieces))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    piece_codes = np.asarray(encoded.indices).astype(np.int32)
    index: dict[str, int] = {}
    folded = [[index.setdefault(word, len(index)) for word in fold_token(piece)]
              for piece in encoded.dictionary.to_pylist()]
    # Each piece's first word, spread to as many places as it has words; the other words after.
    lengths = np.fromiter(map(len, folded), dtype=np.int32, count=len(folded))
    table = np.zeros((len(folded), max(1, int(lengths.max()) if len(lengths) else 1)), dtype=np.int32)
    flat = np.fromiter(chain.from_iterable(folded), dtype=np.int32, count=int(lengths.sum()))
    rows = np.repeat(np.arange(len(folded)), lengths)
    table[rows, np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)] = flat
    counts = lengths[piece_codes]
    codes = np.repeat(table[piece_codes, 0], counts)
    text_of = np.repeat(piece_text, counts)
    if table.shape[1] > 1:
        many = np.flatnonzero(counts > 1)
        starts = (np.cumsum(counts, dtype=np.int64) - counts)[many]
        for k in range(1, table.shape[1]):
            more = counts[many] > k
            codes[starts[more] + k] = table[piece_codes[many[more]], k]
    vocab = list(index)
    text_of = np.repeat(piece_text, counts)
    cls = np.asarray(reader.classes(vocab), dtype=np.int8)[codes]
    same_next = np.r_[text_of[1:] == text_of[:-1], False] if len(codes) else np.zeros(0, dtype=bool)
    words = Words(text_of, codes, cls, same_next, vocab, len(texts))
    _fix_up(words, reader)
    return words


def runs_of(words: Words, reader: Reader) -> Runs:
    """The runs of ``words`` (see :class:`Runs`)."""
    cls, same_next = words.cls, words.same_next
    name = (cls == WORD) | (cls == NUMBER)
    starts = name & ~np.r_[False, name[:-1] & same_next[:-1]]
    ends = name & ~(np.r_[name[1:], False] & same_next)
    first, last = np.flatnonzero(starts), np.flatnonzero(ends)
    follows = np.where(same_next[last], cls[np.minimum(last + 1, max(len(cls) - 1, 0))], SEPARATOR)
    keep = (follows != STREET) & (follows != BUILDING)  # a street's or building's name is never a place
    first, last, follows = first[keep], last[keep], follows[keep].astype(np.int8)
    first = _skip_numbers(first, last, words, reader)
    keep = first <= last
    return Runs(first[keep], last[keep], follows[keep])


def signatures(words: Words, runs: Runs, reader: Reader, wanted: np.ndarray
               ) -> tuple[np.ndarray, list[tuple[Mention, ...]]]:
    """``(signature of each text, -1 for the texts not ``wanted``; the mentions of each
    signature)``: each distinct run of the wanted texts is read by ``reader`` once, and texts
    with the same mentions in the same order share a signature."""
    out = np.full(words.count, -1, dtype=np.int64)
    run_wanted = wanted[words.text[runs.first]] if len(runs.first) else np.zeros(0, dtype=bool)
    first, last, follows = runs.first[run_wanted], runs.last[run_wanted], runs.follows[run_wanted]
    codes, vocab = words.code, words.vocab
    key = _sequence_hash(codes, first, last - first + 1) * _PRIME + follows.astype(np.uint64) + np.uint64(1)
    where, run_kind = distinct(key)
    run_mentions = [reader.run(tuple(vocab[c] for c in codes[first[i]:last[i] + 1].tolist()), int(follows[i]))
                    for i in where.tolist()]
    useful = np.array([bool(m) for m in run_mentions], dtype=bool)
    postcode_at = postcodes(words, reader)
    postcode_at = postcode_at[wanted[words.text[postcode_at]]]

    # A text's items in the order written: its useful runs, its postcodes.
    run_items = useful[run_kind] if len(run_kind) else np.zeros(0, dtype=bool)
    item_text = np.r_[words.text[first[run_items]], words.text[postcode_at]]
    item_position = np.r_[first[run_items], postcode_at]
    item_id = np.r_[run_kind[run_items], len(where) + codes[postcode_at]].astype(np.int64)
    order = np.lexsort((item_position, item_text))
    item_text, item_id = item_text[order], item_id[order]
    signature = np.zeros(words.count, dtype=np.uint64)
    if len(item_text):
        bounds = np.flatnonzero(np.r_[True, item_text[1:] != item_text[:-1]])
        per_text = _sequence_hash(item_id, bounds, np.diff(np.r_[bounds, len(item_id)]))
        signature[item_text[bounds]] = per_text + np.uint64(1)
    texts = np.flatnonzero(wanted)
    if not len(texts):
        return out, []
    representative, text_signature = distinct(signature[texts])
    representative = texts[representative]
    item_start = np.searchsorted(item_text, representative, side="left")
    item_end = np.searchsorted(item_text, representative, side="right")
    mentions = []
    for start, end in zip(item_start.tolist(), item_end.tolist()):
        found: list[Mention] = []
        for item in item_id[start:end].tolist():
            if item < len(where):
                found.extend(run_mentions[item])
            else:
                word = vocab[item - len(where)]
                found.append(("postcode", word[:2], word))
        mentions.append(tuple(found))
    out[texts] = text_signature
    return out, mentions


def postcodes(words: Words, reader: Reader) -> np.ndarray:
    """Positions of the postcodes: 5-digit numbers opening with a plate code, not a street's number."""
    plates = reader.gazetteer.plates
    plate_ok = np.array([len(w) == 5 and w.isdigit() and w[:2] in plates for w in words.vocab], dtype=bool)
    at = np.flatnonzero(plate_ok[words.code])
    after = np.where(words.same_next[at], words.cls[np.minimum(at + 1, len(words.cls) - 1)], SEPARATOR)
    return at[(after != STREET) & (after != BUILDING)]


def distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(where each distinct value first appears, each value's number among them)``, the values
    numbered in order of first appearance (hash tables: no sorting of millions of values)."""
    inverse, _ = pd.factorize(values)
    first = pd.Series(inverse).drop_duplicates().index.to_numpy()
    return first, inverse.astype(np.int64)


def _sequence_hash(values: np.ndarray, first: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A 64-bit polynomial hash of ``values[first[i]:first[i] + lengths[i]]`` for each i."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(len(first), dtype=np.uint64)
    offsets = np.cumsum(lengths) - lengths
    inside = np.arange(total) - np.repeat(offsets, lengths)
    positions = np.repeat(first, lengths) + inside
    powers = _powers(int(lengths.max()))
    exponents = np.repeat(lengths, lengths) - 1 - inside
    with np.errstate(over="ignore"):
        terms = (values[positions].astype(np.uint64) + np.uint64(1)) * powers[exponents]
        return np.add.reduceat(terms, offsets) + lengths.astype(np.uint64)


def _powers(count: int) -> np.ndarray:
    out = np.ones(max(count, 1), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(1, len(out)):
            out[k] = out[k - 1] * _PRIME
    return out


def _skip_numbers(first: np.ndarray, last: np.ndarray, words: Words, reader: Reader) -> np.ndarray:
    """Runs' first positions past their leading numbers ("Daire 9 Kadıköy"), unless a number
    begins a name with the word after it ("16 Eylül", "1200 Evler")."""
    prefixes = reader.gazetteer.prefixes
    codes, cls, vocab = words.code, words.cls, words.vocab
    size = len(vocab) + 1
    first = first.copy()
    for _ in range(3):
        numbered = np.flatnonzero((first <= last) & (cls[np.minimum(first, len(cls) - 1)] == NUMBER))
        if not len(numbered):
            break
        single = first[numbered] == last[numbered]
        pairs = np.where(single, -1, codes[np.minimum(first[numbered] + 1, len(codes) - 1)])
        pair_keys = codes[first[numbered]] * size + pairs + 1
        where, inverse = distinct(pair_keys)
        begins = np.array([second > 0 and (vocab[number] + vocab[second - 1]) in prefixes
                           for number, second in zip((pair_keys[where] // size).tolist(),
                                                     (pair_keys[where] % size).tolist())], dtype=bool)
        moved = numbered[~begins[inverse]]
        if not len(moved):
            break
        first[moved] += 1
    return first


def _fix_up(words: Words, reader: Reader) -> None:
    """:func:`.reading.fix_up` over all texts, changing ``words.cls``: the positions where it can
    change anything (a kind word after a suffix word that occurs in names, "İş Hanı") are found
    with array operations, and the words there looked at once per distinct window."""
    codes, cls, same_next, vocab = words.code, words.cls, words.same_next, words.vocab
    if not len(codes):
        return
    index = {word: code for code, word in enumerate(vocab)}
    if "is" in index:
        at = np.flatnonzero(codes[:-1] == index["is"])
        at = at[same_next[at] & np.isin(codes[at + 1], [index[w] for w in ("hani", "merkezi") if w in index])]
        cls[at] = BUILDING
        cls[at + 1] = BUILDING
    is_kind = np.zeros(16, dtype=bool)
    is_kind[list(KINDS)] = True
    is_wordish = np.zeros(16, dtype=bool)
    is_wordish[list(_WORDISH)] = True
    # Only a suffix word that is a word of some district's name (or a whole one: "Evka4") can be
    # part of one ("Sanayi", "Camii", "Küme", "Köy"; not "Cad" or "Apt"); "Köy" before "Mah" is.
    names, keys = reader.gazetteer.name_words, reader.district_names
    in_names = np.array([word in names or word in keys for word in vocab], dtype=bool)
    positions = np.flatnonzero(is_kind[cls])
    positions = positions[positions > 0]
    if not len(positions):
        return
    # Per kind word, the words before it that could be part of its name (same text, no separator
    # between, at most MAX_NAME_WORDS): where the window starts and whether it holds an odd one.
    start = positions.copy()
    odd = np.zeros(len(positions), dtype=bool)
    open_ = np.ones(len(positions), dtype=bool)
    for back in range(1, MAX_NAME_WORDS + 1):
        at = positions - back
        open_ &= (at >= 0) & same_next[np.maximum(at, 0)]
        if not open_.any():
            break
        word_class = cls[np.maximum(at, 0)]
        open_ &= is_wordish[word_class]
        start = np.where(open_, at, start)
        odd |= open_ & (((word_class != WORD) & (word_class != NUMBER) & in_names[codes[np.maximum(at, 0)]])
                        | ((back == 1) & ((word_class == KOY) | (word_class == BELDE))))
    seen: dict[tuple, list[int]] = {}
    for position, first in zip(positions[odd].tolist(), start[odd].tolist()):
        window = tuple(codes[first:position + 1].tolist())
        classes = seen.get(window)
        if classes is None:
            classes = cls[first:position + 1].tolist()
            fix_up([vocab[c] for c in window], classes, reader.district_names)
            seen[window] = classes
        cls[first:position + 1] = classes
