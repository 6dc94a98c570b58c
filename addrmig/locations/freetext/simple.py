"""The common texts read from the word arrays alone, without a Python step per text.

Most addresses name their place plainly: a neighbourhood (or village) before its suffix word,
a township, perhaps its city (``Kültür Mah. … Beşiktaş/İstanbul``, ``Hıcıp Köyü … Korgun/
Çankırı``). When a text's runs (:mod:`.texts`) are *plain* — their single-word names lengthened
by no neighbouring word into another name, a neighbourhood's name one ending of its run and
no other — the reader's mentions follow from the words themselves; and when they name one
township (in the one city named), at most one neighbourhood and one village that it holds,
:meth:`.deciding.Decider._quick` takes that township whatever else is written. Those texts
are decided here with array operations, with Python only per distinct word, pair of words,
name, and (township, neighbourhood, village); the others go to the reader and the decider
(:func:`.texts.signatures`). The answers are the same (tests hold the two equal).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from addrmig.locations.freetext.deciding import Decider
from addrmig.locations.freetext.gazetteer import HASH_BASE, MAX_NAME_WORDS, text_hash
from addrmig.locations.freetext.reading import Reader
from addrmig.locations.freetext.texts import Runs, Words, _sequence_hash, distinct, postcodes
from addrmig.locations.freetext.vocabulary import KINDS, MAH

_KIND_CODES = {kind: code for code, kind in KINDS.items()}


@dataclass
class Simple:
    """Per text: ``done`` (decided here), the ``city``, ``township``, ``district`` ids found
    (-1 for none) and ``evidence`` (an Arrow string array, null where not done)."""

    done: np.ndarray
    city: np.ndarray
    township: np.ndarray
    district: np.ndarray
    evidence: object


def read_simple(words: Words, runs: Runs, reader: Reader, decider: Decider) -> Simple:
    """The texts of ``words`` this module can decide (see the module's docstring)."""
    gazetteer = reader.gazetteer
    count, vocab, codes = words.count, words.vocab, words.code
    facts = _WordFacts(vocab, reader)
    first, last, follows = runs.first, runs.last, runs.follows
    # What a run is depends on its words and what follows only: worked out once per distinct run.
    where, kind_of = distinct(_sequence_hash(codes, first, last - first + 1) * np.uint64(16)
                              + follows.astype(np.uint64))
    one_first, one_last, one_follows = first[where], last[where], follows[where]
    name_offset, plain = _plain_runs(one_first, one_last, one_follows, codes, vocab, facts, gazetteer)
    plain = plain[kind_of]
    is_district_run = np.isin(follows, list(KINDS))
    name_start = first + name_offset[kind_of]
    plain_end = np.where(is_district_run, name_start - 1, last)

    run_text = words.text[first]
    not_plain = np.bincount(run_text[~plain], minlength=count) if len(first) else np.zeros(count, dtype=np.int64)
    def in_plain_runs(positions: np.ndarray, room: int = 0) -> np.ndarray:
        """The positions inside a plain run, with ``room`` more words of it after them."""
        if not len(first):
            return positions[:0]
        run_of = np.maximum(np.searchsorted(first, positions, side="right") - 1, 0)
        return positions[(positions >= first[run_of]) & plain[run_of] & (positions + room <= plain_end[run_of])]

    # The place words inside plain runs (a neighbourhood's own name left out), and a district's
    # name right before a place's in a plain run: a neighbourhood named bare.
    place_at = in_plain_runs(np.flatnonzero(facts.place[codes]))
    free_at = in_plain_runs(np.flatnonzero(facts.only_district[codes[:-1]] & facts.place[codes[1:]]), room=1)
    city_at = place_at[facts.city[codes[place_at]] >= 0]
    town_at = place_at[facts.township[codes[place_at]] >= 0]

    # The neighbourhoods and villages: each distinct name once.
    named = np.flatnonzero(plain & is_district_run)
    name_id, names = _distinct_names(codes, name_start[named], last[named], follows[named], vocab)
    is_mah = follows[named] == MAH
    per = _PerText(words.text, count)
    n_city, city_low, city_high = per.spread(city_at, facts.city[codes[city_at]])
    n_town, town_low, town_high = per.spread(town_at, facts.township[codes[town_at]])
    _, town_word, _ = per.spread(town_at, codes[town_at])
    _, city_word, _ = per.spread(city_at, codes[city_at])
    n_mah, mah_name, _ = per.spread(first[named[is_mah]], name_id[is_mah])
    n_village, village_name, _ = per.spread(first[named[~is_mah]], name_id[~is_mah])
    _, mah_at, _ = per.spread(first[named[is_mah]], first[named[is_mah]])
    _, village_at, _ = per.spread(first[named[~is_mah]], first[named[~is_mah]])
    n_free, free_word, _ = per.spread(free_at, codes[free_at])
    code_at = postcodes(words, reader)
    n_code, code_low, code_high = per.spread(code_at, codes[code_at])
    done = ((not_plain == 0) & (n_town >= 1) & (town_low == town_high) & ((n_city == 0) | (city_low == city_high))
            & (n_mah <= 1) & (n_village <= 1) & (n_free <= 1) & ((n_code == 0) | (code_low == code_high)))

    # The township: named in the city named, or a name no other township has.
    township = np.full(count, -1, dtype=np.int64)
    city_of = np.where(n_city > 0, city_low, -1)
    todo = np.flatnonzero(done)
    if len(todo):
        keys = (city_of[todo] + 1) * (len(facts.township_keys) + 1) + town_low[todo]
        where, inverse = distinct(keys)
        found = []
        for ciid, key in zip(city_of[todo][where].tolist(), town_low[todo][where].tolist()):
            tids = gazetteer.townships[facts.township_keys[key]]
            if ciid >= 0:
                tids = [tid for tid in tids if gazetteer.township_city[tid] == ciid]
            found.append(tids[0] if len(tids) == 1 else -1)
        township[todo] = np.asarray(found, dtype=np.int64)[inverse]
    done &= township >= 0
    # The district: once per distinct (township, neighbourhood, village, bare name), as the
    # decider chooses it.
    district = np.full(count, -1, dtype=np.int64)
    mah_of = np.where(n_mah > 0, mah_name, -1)
    village_of = np.where(n_village > 0, village_name, -1)
    free_of = np.where(n_free > 0, free_word, -1)
    village_first = (n_village > 0) & ((n_mah == 0) | (village_at < mah_at))
    todo = np.flatnonzero(done & ((n_mah > 0) | (n_village > 0) | (n_free > 0)))
    if len(todo):
        size, words_size = len(names) + 1, len(vocab) + 1
        keys = (((((township[todo] + 1) * size + mah_of[todo] + 1) * size + village_of[todo] + 1) * words_size
                 + free_of[todo] + 1) * 2 + village_first[todo])
        where, inverse = distinct(keys)
        chosen = []
        for tid, mah, village, free, village_is_first in zip(
                township[todo][where].tolist(), mah_of[todo][where].tolist(), village_of[todo][where].tolist(),
                free_of[todo][where].tolist(), village_first[todo][where].tolist()):
            mentions = [names[i] for i in ((village, mah) if village_is_first else (mah, village)) if i >= 0]
            chosen.append(decider.district_of(tid, mentions, [vocab[free]] if free >= 0 else []))
        district[todo] = np.asarray(chosen, dtype=np.int64)[inverse]
    done &= district != -2  # a name the township does not hold: perhaps mistyped, for the decider
    district[~done] = -1
    city = np.where(done, gazetteer.township_city[np.maximum(township, 0)], -1)
    evidence = _evidence(done, facts, names, mah_of, village_of, village_first, town_word, city_word, n_city,
                         n_code, code_low, city, len(vocab), gazetteer)
    return Simple(done, city, township, district, evidence)


def _plain_runs(first, last, follows, codes, vocab, facts, gazetteer) -> tuple[np.ndarray, np.ndarray]:
    """Per (distinct) run: where its neighbourhood's name starts, from its first word (district
    runs: the start of its one ending that names a district, or a village; -1 for none), and
    whether it is plain: free runs of single-word names; district runs with one name ending,
    after single-word names ("Köyü Mah", a village that became a neighbourhood, is the reader's).
    A district's name standing among the single-word names is the reader's *free* name when a
    city's or township's follows it, and nothing otherwise."""
    is_district_run = np.isin(follows, list(KINDS))
    name_start = np.full(len(first), -1, dtype=np.int64)
    endings = np.zeros(len(first), dtype=np.int64)
    runs = np.flatnonzero(is_district_run)
    suffix = np.zeros(len(runs), dtype=np.uint64)
    suffix_length = np.zeros(len(runs), dtype=np.int64)
    all_digits = np.ones(len(runs), dtype=bool)
    districts, places = gazetteer.name_hashes
    for back in range(MAX_NAME_WORDS):
        runs = runs[last[runs] - back >= first[runs]] if back else runs
        if not len(runs):
            break
        live = np.searchsorted(np.flatnonzero(is_district_run), runs)
        at = last[runs] - back
        word = codes[at]
        with np.errstate(over="ignore"):
            power = facts.power[np.minimum(suffix_length[live], len(facts.power) - 1)]
            suffix[live] = facts.hash[word] * power + suffix[live]
        suffix_length[live] += facts.length[word]
        all_digits[live] &= facts.digits[word]
        names = np.where(follows[runs] == MAH, _member(suffix[live], districts), _member(suffix[live], places))
        names &= ~all_digits[live]
        endings[runs] += names
        name_start[runs[names]] = at[names]
    plain_end = np.where(is_district_run, name_start - 1, last)
    bad = _lengthened(first, plain_end, codes, vocab, gazetteer.prefixes)
    plain = ~bad & np.where(is_district_run, (endings == 1) & ~facts.koy[codes[last]], True)
    return np.where(name_start >= 0, name_start - first, -1), plain


def _member(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Per value: it is one of ``sorted_values``."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[at] == values


class _WordFacts:
    """What each word of the vocabulary is, as arrays indexed by word code (one more entry, for
    "none", at the end)."""

    def __init__(self, vocab: list[str], reader: Reader) -> None:
        gazetteer = reader.gazetteer
        township_index = {key: number for number, key in enumerate(gazetteer.townships)}
        self.township_keys = list(gazetteer.townships)
        self.township = np.array([township_index.get(w, -1) for w in vocab] + [-1], dtype=np.int64)
        self.city = np.array([gazetteer.cities.get(w, -1) if w not in gazetteer.townships else -1 for w in vocab]
                             + [-1], dtype=np.int64)
        self.place = (self.township >= 0) | (self.city >= 0)
        named = np.array([not w.isdigit() and (w in gazetteer.districts or w in gazetteer.villages) for w in vocab]
                         + [False], dtype=bool)
        self.only_district = named & ~self.place  # read by the reader: a bare neighbourhood's name
        self.vocab = vocab
        self.koy = np.array([w in ("koy", "koyu") for w in vocab] + [False], dtype=bool)
        self.digits = np.array([w.isdigit() for w in vocab] + [False], dtype=bool)
        self.hash = np.array([text_hash(w) for w in vocab] + [0], dtype=np.uint64)
        self.length = np.array([len(w) for w in vocab] + [0], dtype=np.int64)
        powers = [1]
        for _ in range(MAX_NAME_WORDS * 40):
            powers.append(powers[-1] * HASH_BASE % (1 << 64))
        self.power = np.array(powers, dtype=np.uint64)


class _PerText:
    """Counts and extremes of values per text, for positions in word order."""

    def __init__(self, text_of: np.ndarray, count: int) -> None:
        self.text_of, self.count = text_of, count

    def spread(self, positions: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(how many, the smallest, the largest value) per text; ``positions`` ascending."""
        low = np.full(self.count, np.iinfo(np.int64).max, dtype=np.int64)
        high = np.full(self.count, -1, dtype=np.int64)
        if not len(positions):
            return np.zeros(self.count, dtype=np.int64), low, high
        texts = self.text_of[positions]
        starts = np.flatnonzero(np.r_[True, texts[1:] != texts[:-1]])
        values = values.astype(np.int64)
        low[texts[starts]] = np.minimum.reduceat(values, starts)
        high[texts[starts]] = np.maximum.reduceat(values, starts)
        return np.bincount(texts, minlength=self.count), low, high


def _lengthened(first: np.ndarray, end: np.ndarray, codes: np.ndarray, vocab: list[str], prefixes) -> np.ndarray:
    """Per run: two neighbouring words of ``first..end`` begin a longer name together."""
    bad = np.zeros(len(first), dtype=bool)
    multi = np.flatnonzero(end > first)
    if not len(multi):
        return bad
    pair_count = end[multi] - first[multi]
    offsets = np.cumsum(pair_count) - pair_count
    left = np.repeat(first[multi], pair_count) + (np.arange(int(pair_count.sum())) - np.repeat(offsets, pair_count))
    size = len(vocab) + 1
    pair_keys = codes[left] * size + codes[left + 1]
    where, inverse = distinct(pair_keys)
    begins = np.array([vocab[a] + vocab[b] in prefixes for a, b in zip((pair_keys[where] // size).tolist(),
                                                                        (pair_keys[where] % size).tolist())],
                      dtype=bool)
    bad[multi] = np.add.reduceat(begins[inverse].astype(np.int64), offsets) > 0
    return bad


def _distinct_names(codes: np.ndarray, start: np.ndarray, last: np.ndarray, follows: np.ndarray,
                    vocab: list[str]) -> tuple[np.ndarray, list[tuple[str, str, str]]]:
    """Each name (the words ``start..last`` before kind word ``follows``) as an id into a list of
    ``(key, kind, words)``."""
    if not len(start):
        return np.zeros(0, dtype=np.int64), []
    key = _sequence_hash(codes, start, last - start + 1) * np.uint64(7) + follows.astype(np.uint64)
    where, name_id = distinct(key)
    names = []
    for at in where.tolist():
        parts = [vocab[c] for c in codes[start[at]:last[at] + 1].tolist()]
        names.append(("".join(parts), KINDS[int(follows[at])], " ".join(parts)))
    return name_id, names


def _evidence(done, facts, names, mah_of, village_of, village_first, town_word, city_word, n_city, n_code,
              code_low, city, none, gazetteer):
    """The words read, as the decider writes them: neighbourhood and village in the order
    written, township, city, postcode (of the city)."""
    import pyarrow as pa

    from addrmig.locations.freetext.deciding import kind_word

    text_names = pa.array([f"{words} {kind_word(kind)}" for _, kind, words in names] + [None],
                          type=pa.large_string())
    nothing = len(names)
    mah = np.where(done & (mah_of >= 0), mah_of, nothing)
    village = np.where(done & (village_of >= 0), village_of, nothing)
    vocab_text = pa.array(facts.vocab + [None], type=pa.large_string())
    city_plate = np.array([int(gazetteer.city_plate.get(c, "-1")) for c in range(len(gazetteer.city_names))] + [-1],
                          dtype=np.int64)
    code_plate = np.array([int(w[:2]) if len(w) == 5 and w.isdigit() else -2 for w in facts.vocab] + [-2],
                          dtype=np.int64)
    code_word = np.where(n_code > 0, code_low, none)
    parts = [text_names.take(np.where(village_first, village, mah)),
             text_names.take(np.where(village_first, mah, village)),
             vocab_text.take(np.where(done, town_word, none)),
             vocab_text.take(np.where(done & (n_city > 0), city_word, none)),
             vocab_text.take(np.where(done & (code_plate[code_word] == city_plate[city]), code_word, none))]
    return _joined(parts, " · ")


def _joined(parts: list, separator: str):
    """The non-null values of ``parts`` (Arrow string arrays of one length) joined by ``separator``,
    element by element; null where all are null. (Arrow's own join with ``null_handling="skip"``
    drops the elements where all are null.)"""
    import pyarrow as pa
    import pyarrow.compute as pc

    glue = pa.scalar(separator, pa.large_string())
    out = parts[0]
    for part in parts[1:]:
        both = pc.binary_join_element_wise(out, part, glue)
        out = pc.if_else(pc.is_null(out), part, pc.if_else(pc.is_null(part), out, both))
    return out
