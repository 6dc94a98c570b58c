"""Many folded texts read at once: words, runs and mentions as arrays, Python only per distinct thing.

:meth:`Reader.read` reads one text; a million-row file holds a million distinct texts, but far
fewer distinct words, runs and sets of mentions. Here the texts are split into words with
Arrow's kernels, every word is a code into the vocabulary, the runs (see :mod:`.reading`) are
found with array operations, and each *distinct* run is read once by the reader. A text's
mentions are then the sequence of its runs' readings and its postcodes, and the texts with the
same sequence share one *signature*, which :mod:`.deciding` weighs once.
"""
from __future__ import annotations

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
#: The classes a word inside a name may have been given on its own ("Sanayi", "Camii", "Yanı", "Köy").
_WORDISH = (WORD, STREET, BUILDING, UNIT, KOY, BELDE, ADMIN, COUNTRY, LONG_NUMBER)


def words_of(texts: pd.Series) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(text of each word, code of each word, vocabulary)``: the folded words of all the texts
    in order (:func:`.reading.fold_token`). The texts are split at spaces by Arrow's kernel, and
    each distinct piece is folded once."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pa.array(texts.astype("str").array).cast(pa.large_string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    pieces = pc.split_pattern(pc.fill_null(values, ""), " ")
    piece_text = np.asarray(pc.list_parent_indices(pieces), dtype=np.int64)
    encoded = pc.dictionary_encode(pc.list_flatten(pieces))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    piece_codes = np.asarray(encoded.indices, dtype=np.int64)
    vocab: dict[str, int] = {}
    folded = [[vocab.setdefault(word, len(vocab)) for word in fold_token(piece)]
              for piece in encoded.dictionary.to_pylist()]
    lengths = np.array([len(words) for words in folded], dtype=np.int64)
    flat = np.fromiter((code for words in folded for code in words), dtype=np.int64, count=int(lengths.sum()))
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    counts = lengths[piece_codes]
    total = int(counts.sum())
    inside = np.arange(total) - np.repeat(np.r_[0, np.cumsum(counts)[:-1]], counts)
    codes = flat[np.repeat(offsets[piece_codes], counts) + inside] if total else np.zeros(0, dtype=np.int64)
    return np.repeat(piece_text, counts), codes, list(vocab)


def read_texts(texts: pd.Series, reader: Reader) -> tuple[np.ndarray, list[tuple[Mention, ...]]]:
    """``(signature of each text, the mentions of each signature)``: texts with the same mentions
    in the same order share a signature."""
    count = len(texts)
    text_of, codes, vocab = words_of(texts)
    if not len(codes):
        return np.zeros(count, dtype=np.int64), [()]
    cls = np.asarray(reader.classes(vocab), dtype=np.int8)[codes]
    same_next = np.r_[text_of[1:] == text_of[:-1], False]
    _fix_up(codes, cls, same_next, vocab, reader)

    # Runs: words and numbers between the other classes; what follows says what they are.
    name = (cls == WORD) | (cls == NUMBER)
    starts = name & ~np.r_[False, name[:-1] & same_next[:-1]]
    ends = name & ~(np.r_[name[1:], False] & same_next)
    first, last = np.flatnonzero(starts), np.flatnonzero(ends)
    follows = np.where(same_next[last], cls[np.minimum(last + 1, len(cls) - 1)], SEPARATOR)
    keep = (follows != STREET) & (follows != BUILDING)  # a street's or building's name is never a place
    first, last, follows = first[keep], last[keep], follows[keep]
    first = _skip_numbers(first, last, codes, cls, vocab, reader)
    keep = first <= last
    first, last, follows = first[keep], last[keep], follows[keep]

    # Each distinct run (its words and what follows) read once.
    lengths = last - first + 1
    key = _sequence_hash(codes, first, lengths) * _PRIME + follows.astype(np.uint64) + np.uint64(1)
    distinct, where, run_kind = np.unique(key, return_index=True, return_inverse=True)
    run_mentions = [reader.run(tuple(vocab[c] for c in codes[first[i]:last[i] + 1].tolist()), int(follows[i]))
                    for i in where.tolist()]
    useful = np.array([bool(m) for m in run_mentions], dtype=bool)

    # Postcodes: a 5-digit number opening with a plate code, not a street's number.
    plate_ok = np.array([len(w) == 5 and w.isdigit() and w[:2] in reader.gazetteer.plates for w in vocab], dtype=bool)
    after = np.where(same_next, cls[np.minimum(np.arange(len(cls)) + 1, len(cls) - 1)], SEPARATOR)
    postcode_at = np.flatnonzero(plate_ok[codes] & (after != STREET) & (after != BUILDING))

    # A text's items in the order written: its useful runs, its postcodes.
    run_items = useful[run_kind]
    item_text = np.r_[text_of[first[run_items]], text_of[postcode_at]]
    item_position = np.r_[first[run_items], postcode_at]
    item_id = np.r_[run_kind[run_items], len(distinct) + codes[postcode_at]].astype(np.int64)
    order = np.lexsort((item_position, item_text))
    item_text, item_id = item_text[order], item_id[order]
    signature = np.zeros(count, dtype=np.uint64)
    if len(item_text):
        bounds = np.flatnonzero(np.r_[True, item_text[1:] != item_text[:-1]])
        per_text = _sequence_hash(item_id, bounds, np.diff(np.r_[bounds, len(item_id)]))
        signature[item_text[bounds]] = per_text + np.uint64(1)
    kinds, representative, text_signature = np.unique(signature, return_index=True, return_inverse=True)
    item_start = np.searchsorted(item_text, representative, side="left")
    item_end = np.searchsorted(item_text, representative, side="right")
    mentions = []
    for start, end in zip(item_start.tolist(), item_end.tolist()):
        found: list[Mention] = []
        for item in item_id[start:end].tolist():
            if item < len(distinct):
                found.extend(run_mentions[item])
            else:
                word = vocab[item - len(distinct)]
                found.append(("postcode", word[:2], word))
        mentions.append(tuple(found))
    return text_signature.astype(np.int64), mentions


def _sequence_hash(values: np.ndarray, first: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A 64-bit polynomial hash of ``values[first[i]:first[i] + lengths[i]]`` for each i."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(len(first), dtype=np.uint64)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
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


def _skip_numbers(first: np.ndarray, last: np.ndarray, codes: np.ndarray, cls: np.ndarray, vocab: list[str],
                  reader: Reader) -> np.ndarray:
    """Runs' first positions past their leading numbers ("Daire 9 Kadıköy"), unless a number
    begins a name with the word after it ("16 Eylül", "1200 Evler")."""
    prefixes = reader.gazetteer.prefixes
    first = first.copy()
    for _ in range(3):
        numbered = np.flatnonzero((cls[first] == NUMBER) & (first <= last))
        if not len(numbered):
            break
        single = first[numbered] == last[numbered]
        pairs = np.where(single, -1, codes[np.minimum(first[numbered] + 1, len(codes) - 1)])
        pair_key = codes[first[numbered]] * (len(vocab) + 1) + pairs + 1
        distinct, inverse = np.unique(pair_key, return_inverse=True)
        begins = np.array([second > 0 and (vocab[number] + vocab[second - 1]) in prefixes
                           for number, second in zip((distinct // (len(vocab) + 1)).tolist(),
                                                     (distinct % (len(vocab) + 1)).tolist())], dtype=bool)
        moved = numbered[~begins[inverse]]
        if not len(moved):
            break
        first[moved] += 1
    return first


def _fix_up(codes: np.ndarray, cls: np.ndarray, same_next: np.ndarray, vocab: list[str], reader: Reader) -> None:
    """:func:`.reading.fix_up` over all texts: the positions where it can change anything (a
    kind word with a suffix word among the few words before it, "İş Hanı") are found with
    array operations, and the words there looked at once per distinct window."""
    index = {word: code for code, word in enumerate(vocab)}
    if "is" in index:
        at = np.flatnonzero((codes[:-1] == index["is"]) & same_next[:-1]
                            & np.isin(codes[1:], [index[w] for w in ("hani", "merkezi") if w in index]))
        cls[at] = cls[at + 1] = BUILDING
    kind = np.isin(cls, list(KINDS))
    wordish = np.isin(cls, _WORDISH)
    odd = wordish & (cls != WORD)
    # For each kind word: the words before it that could be part of its name (same text, no
    # separator or number between, at most MAX_NAME_WORDS); it needs a look when they hold a
    # suffix word ("Sanayi Mah", "Camii Kebir Mah", "Yeni Köy Mah"), once per distinct window.
    positions = np.flatnonzero(kind)
    positions = positions[positions > 0]
    if not len(positions):
        return
    same_prev = np.r_[False, same_next[:-1]]
    blocked = ~wordish | ~same_prev  # a word that does not continue the window of the word before it
    last_block = np.maximum.accumulate(np.where(blocked, np.arange(len(cls)), 0))
    inside = wordish[positions - 1] & same_prev[positions]
    window_start = np.where(inside, np.maximum(last_block[positions - 1], positions - MAX_NAME_WORDS), positions)
    odd_count = np.r_[0, np.cumsum(odd)]
    needs = (odd_count[positions] - odd_count[window_start]) > 0
    seen: dict[tuple, list[int]] = {}
    for position, start in zip(positions[needs].tolist(), window_start[needs].tolist()):
        window = tuple(codes[start:position + 1].tolist())
        classes = seen.get(window)
        if classes is None:
            classes = cls[start:position + 1].tolist()
            fix_up([vocab[c] for c in window], classes, reader.district_names)
            seen[window] = classes
        cls[start:position + 1] = classes
