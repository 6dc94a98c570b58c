"""resolve(): an address frame's places against a LocationDB (see :mod:`.choosing` for the user's choices)."""
from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.limits import collector_paused
from addrmig.locations.corrections import Corrections, choice_records, correction_records, corrections_by_parent
from addrmig.locations.db import LocationDB
from addrmig.locations.postcodes import normalised_postcodes
from addrmig.locations.resolver.choosing import latest_choices, picks_by_key
from addrmig.locations.resolver.lookup import Lookup, lookup_for
from addrmig.locations.resolver.merges import merge_targets, namesakes
from addrmig.locations.resolver.moved import postal_areas
from addrmig.locations.resolver.parts import Part, Progress, merge, partition, resolve_part
from addrmig.locations.resolver.postcodes import shared_plain, townships_by_postcode
from addrmig.locations.resolver.result import Resolution

#: Below this many rows a file is resolved in one process: starting workers would cost
#: more than it saves. Above it each worker takes up to PARTS_PER_WORKER parts of at
#: least PARALLEL_MIN_ROWS / 2 rows, one after the other: smaller parts keep each
#: process's working memory small. A file that writes few distinct places gets fewer parts,
#: of up to about PLACES_PER_PART district spellings each: a part costs time of its own
#: (0.3 s each on a million rows), and memory grows with its places, not its rows.
PARALLEL_MIN_ROWS = 100_000
PARTS_PER_WORKER = 3
PLACES_PER_PART = 100_000


def resolve(frame: pd.DataFrame, db: LocationDB,
            corrections: pd.DataFrame | Corrections | Iterable[Mapping[str, str]] | None = None,
            progress: Progress | None = None, workers: int = 1, *, postcodes: pd.Series | None = None,
            choices: pd.DataFrame | Mapping[tuple, tuple] | None = None, here: bool = True, nice: int = 0,
            cancel: threading.Event | None = None) -> Resolution:
    """Resolve the location columns of an address frame against ``db``.

    ``choices`` (written tuple -> place, or records with ``CHOICE_COLUMNS``, newest first;
    see :mod:`addrmig.locations.corrections`) set the places of the tuples written as they
    were, and of no other, before any matching. ``corrections`` (rules: a DataFrame or
    records with ``level, country, city, township, written, place``) are applied to every
    value under its parent, before any matching.
    ``progress(done, total)`` is called as the steps advance. ``workers`` > 1 shares a big
    file's rows between this process and forked workers (Linux; see :mod:`addrmig.parallel`);
    the result is the same; ``here=False`` (a server) leaves every part of a big file to
    ``workers`` children, ``nice`` steps nicer, and only waits for them (``cancel``, once set,
    stops them: :class:`addrmig.parallel.Cancelled`). ``postcodes`` (aligned with ``frame``: same index, or same
    length) is the file's postcode column, when it has one: it settles places the names
    alone cannot (see :mod:`.postcodes`) and is never written out. Returns a
    :class:`Resolution`; ``frame`` is not modified.

    Every decision is a function of the written tuple (country, city, township, district)
    alone, so the work runs on the distinct tuples (and rows may be shared out by their
    written city and township). Each level is decided once per distinct (resolved parent,
    written value) — and, where the written children can confirm or rescue a fuzzy name,
    per distinct (parent, value, children) among the tuples left over — never per row;
    rows follow by integer codes.
    """
    report = progress or (lambda done, total: None)
    report(0, 6)
    corrections_frame = correction_records(corrections)
    look = prepare(db)
    corrections_map = corrections_by_parent(corrections_frame, db)
    choice_frame = latest_choices(choice_records(choices))
    picks = picks_by_key(choice_frame, db)
    places = frame[[level for level in LEVELS if level in frame.columns]]
    postcodes = aligned_postcodes(postcodes, frame, db)
    if postcodes is not None:
        places = places.assign(postcode=postcodes)
    n = len(frame)
    workers = max(1, workers) if n >= PARALLEL_MIN_ROWS else 1
    count = workers * max(1, min(PARTS_PER_WORKER, n // max(1, PARALLEL_MIN_ROWS // 2) // workers))
    parts = partition(places, count, workers, PLACES_PER_PART)
    report(1, 6)
    this_process = os.getpid()
    done_here = [0]
    from addrmig.parallel import Shares, map_parts

    away = not here and n >= PARALLEL_MIN_ROWS
    # Away, the workers say how far each part is, and the progress moves as they go.
    shares = Shares(len(parts)) if away else None

    def step(done: float, total: float) -> None:
        # Steps of the parts done here, as 1..5 of 6 (the workers keep pace).
        report(1 + 4 * min(1.0, (done_here[0] + (done - 1) / 4) * workers / len(parts)), 6)

    def run(k: int) -> Part:
        rows, progress = parts[k], None
        if os.getpid() == this_process:
            progress = step
        elif shares is not None:
            progress = lambda done, total: shares.set(k, (done - 1) / (total - 1))  # noqa: E731
        part = resolve_part(places.iloc[rows] if len(parts) > 1 else places, rows, db, look, corrections_map,
                            progress, picks)
        done_here[0] += 1
        if shares is not None:
            shares.set(k, 1.0)
        return part

    # The parts make millions of small objects that live until the part is done: the
    # collector's passes over them took a sixth of the time on a million rows. It stays
    # off in the workers, which end after.
    with collector_paused():
        results = map_parts(run, range(len(parts)), workers, here=not away, nice=nice, cancel=cancel,
                            on_done=(lambda done, total: report(1 + 4 * done / total, 6)) if away else None,
                            shares=shares)
    report(5, 6)
    result = merge(frame, parts, results, look, db, corrections_frame)
    result.postcodes = postcodes
    result.choices = choice_frame if len(choice_frame) else None
    report(6, 6)
    return result


def prepare(db: LocationDB) -> Lookup:
    """Build ``db``'s index and the resolver's lookups now, with the tables the steps would build
    on first use (all cached on ``db``), e.g. in a thread while the file is read. :func:`resolve`
    calls it before it forks: its workers share the tables instead of each building its own (the
    common names alone took 0.6 s per process)."""
    look = lookup_for(db)
    if "_prepared" not in look.extra:
        for build in (merge_targets, namesakes, postal_areas, townships_by_postcode, shared_plain):
            build(look, db.index)
        look.extra["_prepared"] = True
    return look


def aligned_postcodes(postcodes: pd.Series | None, frame: pd.DataFrame, db: LocationDB) -> np.ndarray | None:
    """The postcodes normalised, one per row of ``frame`` (by index when it matches, else by
    position); None when there are none to use (no column, or a reference without postcodes)."""
    if postcodes is None or "district" not in db.levels or not (db.index.districts["postcode"] != "").any():
        return None
    if len(postcodes) != len(frame):
        raise ValueError(f"{len(postcodes)} postcodes for {len(frame)} rows")
    if isinstance(postcodes, pd.Series) and postcodes.index.equals(frame.index):
        postcodes = postcodes.reset_index(drop=True)
    values = normalised_postcodes(pd.Series(np.asarray(postcodes, dtype=object)))
    return values.to_numpy(dtype=object) if (values != "").any() else None
