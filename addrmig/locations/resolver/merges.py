"""District merges: the written name's key variants against a township's districts.

The merges find districts by exact keys only (never by a fuzzy score), most specific
first: the name as written, a remembered correction, the folded name with its kind word
and village part, without them, then the village itself ("Eriç Köyü" for the village
the database lists only as its neighbourhoods "Merkez Mah (eriç Köyü)", …).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from addrmig.locations.db import Index
from addrmig.locations.keys import village_of
from addrmig.locations.resolver.lookup import Lookup
from addrmig.locations.resolver.state import Work
from addrmig.locations.resolver.statuses import METHOD

#: A name the township's villages give this many of their neighbourhoods or more ("Merkez Mah
#: (x Köyü)", "Cami Mah (y Köyü)", … beside the town's own "Merkez Mah") is a common name, not
#: the town's alone: written without its village in a way of its own ("MERKEZ MAH.", "Merkez
#: Mh."), it is any of them, a choice for the user with the town's first. Fewer namesakes: the
#: town's neighbourhood, the common case. (Written exactly as the database writes the town's, it
#: is the town's: such a file came from a system that knew the villages' names.)
COMMON_NAME_VILLAGES = 4


class Merged:
    """What the merges decided for each written pair: ``method`` (a code of METHODS, 0 when
    no merge decided it), ``district`` (id, -1 none), ``score``, and ``several`` (pair
    position -> the ids it fits equally, for the pairs found ambiguous)."""

    def __init__(self, n: int) -> None:
        self.method = np.zeros(n, dtype=np.int8)
        self.district = np.full(n, -1, dtype=np.int64)
        self.score = np.full(n, np.nan)
        self.several: dict[int, list[int]] = {}
        self.every: set[int] = set()  # pairs whose every candidate is suggested (a village, a postcode's choice)

    def take(self, where: np.ndarray, ids: np.ndarray, method: str, score: float) -> None:
        self.method[where] = METHOD[method]
        self.district[where] = ids
        self.score[where] = score
        if self.several:
            for j in set(where.tolist()).intersection(self.several):
                del self.several[j]

    def ambiguous(self, where: list[int], ids: list[list[int]], score: float | np.ndarray) -> None:
        self.method[where] = METHOD["ambiguous"]
        self.district[where] = -1
        self.score[where] = score
        self.several.update(zip(where, ids))


def merge_targets(look: Lookup, index: Index) -> dict[str, np.ndarray]:
    """The districts each merge looks in, by right-hand key, as row positions: every
    spelling for the name as written, one spelling per place for the keys (see Lookup),
    only the districts that have the key for the rarer ones (kept with the lookups)."""
    found = look.extra.get("merge_targets")
    if found is None:
        d_all = index.districts
        keys = np.flatnonzero(~d_all.duplicated(["tid", "full"]).to_numpy())
        found = {"name": np.arange(len(d_all)), "keys": keys}
        for key in ("village", "bv", "fa"):
            found[key] = keys[(d_all[key].to_numpy()[keys] != "")]
        look.extra["merge_targets"] = found
    return found


def _target(work: Work, positions: np.ndarray, columns: list[str], tids: np.ndarray | None = None) -> pd.DataFrame:
    """The districts at ``positions`` (in the townships ``tids`` only, when given), ``columns`` only."""
    d_all = work.index.districts
    if tids is not None:
        positions = positions[np.isin(d_all["tid"].to_numpy()[positions], tids)]
    return d_all[columns].iloc[positions]


def namesakes(look: Lookup, index: Index) -> dict[int, list[int]]:
    """A town's neighbourhood (its id) -> its namesakes in :data:`COMMON_NAME_VILLAGES` or more
    villages of its township (kept with the lookups)."""
    found = look.extra.get("common_names")
    if found is None:
        d_all = index.districts.drop_duplicates("did")
        villages = d_all[d_all["has_paren"]]
        # The few names given often enough first: a list per group of all of them took 0.3 s.
        often = villages.groupby(["tid", "base", "kind"])["did"].transform("size") >= COMMON_NAME_VILLAGES
        qualified = villages[often.to_numpy()].groupby(["tid", "base", "kind"])["did"].agg(list)
        plain = d_all[~d_all["has_paren"]].join(qualified.rename("namesakes"), on=["tid", "base", "kind"], how="inner")
        found = dict(zip(plain["did"].tolist(), plain["namesakes"].tolist()))
        look.extra["common_names"] = found
    return found


def _common_names(work: Work, ids: pd.Series, out: Merged, score: float) -> pd.Series:
    """``ids`` (pair position -> district taken) less the town's neighbourhoods of a common name:
    those pairs are made a choice, with every namesake suggested."""
    namesakes_of = namesakes(work.look, work.index)
    if not namesakes_of:
        return ids
    common = ids.isin(list(namesakes_of))
    if not common.any():
        return ids
    where = ids.index[common.to_numpy()].tolist()
    out.ambiguous(where, [[did, *namesakes_of[did]] for did in ids[common].tolist()], score)
    out.every.update(where)
    return ids[~common]


def merge_districts(work: Work, pairs: pd.DataFrame) -> Merged:
    """Merges of the pairs' keys (``tid`` and the columns of :func:`district_keys`, plus
    ``w_district`` and ``corr``) with their township's districts."""
    targets = merge_targets(work.look, work.index)
    n = len(pairs)
    if n * 8 < len(targets["keys"]):
        # A few pairs (a township renamed, a postcode): their townships' districts only.
        tids = np.unique(pairs["tid"].to_numpy())
        d_tid = work.index.districts["tid"].to_numpy()
        targets = {key: positions[np.isin(d_tid[positions], tids)] for key, positions in targets.items()}
    out = Merged(n)
    base = pairs.reset_index(drop=True)
    base["index"] = np.arange(n)
    has_kind = base["kind"] != ""
    no_paren = base["paren"] == ""
    as_village = (base["village"] != "") & no_paren
    base["bv"] = ""  # the written village is looked for only where that step needs it (below)
    steps = (
        # (method, score, rows of pairs it applies to, left key, right key)
        ("exact", 100.0, base.index, "w_district", "name"),
        ("normalized", 100.0, base.index if work.corrections else base.index[:0], "corr", "name"),
        ("normalized", 100.0, base.index[has_kind], "full", "full"),
        ("normalized", 100.0, base.index[~has_kind & ~no_paren], "bp", "bp"),
        # The village part with the other kind word: NVI's "KALFAT BELDESİ, …" for the
        # database's "… (kalfat Köyü)" (a belde became a village).
        ("normalized", 100.0, base.index[~no_paren], "bv", "bv"),
        ("normalized", 100.0, base.index[has_kind & no_paren], "short", "short"),
        ("normalized", 100.0, base.index[~has_kind & no_paren], "base", "base"),
        # Village became neighbourhood (or the other way): same name, other kind word.
        ("fuzzy", 90.0, base.index[has_kind & no_paren], "base", "base"),
        # A village written as such ("Eriç Köyü", "ERİÇ BELDESİ") that the database lists
        # only as its neighbourhoods ("Merkez Mah (eriç Köyü)"): one neighbourhood is the
        # village, several are a choice. After the step above: a place of that very name
        # is what the name says first.
        ("normalized", 100.0, base.index[as_village], "village", "village"),
        ("normalized", 100.0, base.index[~has_kind & no_paren], "base", "village"),
        ("fuzzy", 90.0, base.index[(base["alt"] != "") & no_paren], "alt", "short"),
    )
    decided = np.zeros(n, dtype=bool)
    for method, score, rows, left, right in steps:
        rows = rows[~decided[rows.to_numpy()]]
        if len(rows) == 0:
            continue
        if left == "bv":
            villages = work.look.village_names
            base.loc[rows, "bv"] = [f"{b}({v}" if v else "" for b, v in zip(
                base.loc[rows, "base"].tolist(), (village_of(p, villages) for p in base.loc[rows, "paren"].tolist()))]
        positions = targets[right if right in targets else "keys"]
        # Few rows (the later steps, or a few pairs): look in their townships only.
        tids = base["tid"].to_numpy()[rows.to_numpy()] if len(rows) * 8 < len(positions) else None
        target = _target(work, positions, ["tid", right, "did", "has_paren", "kind"], tids)
        hits = base.loc[rows, ["index", "tid", left, "kind"]].rename(columns={"kind": "_wkind"}).merge(
            target.rename(columns={right: "_k"}),
            left_on=["tid", left], right_on=["tid", "_k"])
        hits = hits[hits[left] != ""]
        if hits.empty:
            continue
        size = hits.groupby("index")["did"].transform("size")
        # An unqualified name ("Orta") means the neighbourhood ("Orta Mah"), the common case.
        plain = ~hits["has_paren"] & (hits["kind"] == hits["_wkind"].replace("", "mah"))
        n_plain = plain.groupby(hits["index"]).transform("sum")
        single = hits[(size == 1) | (plain & (n_plain == 1))]
        several = hits[(size > 1) & (n_plain != 1)]
        ids_single = single.groupby("index")["did"].first()
        decided[ids_single.index.to_numpy()] = True  # taken, or (a common name) made a choice
        if left not in ("w_district", "corr"):  # not as written, nor as the user said
            ids_single = _common_names(work, ids_single, out, score)
        out.take(ids_single.index.to_numpy(), ids_single.to_numpy(), method, score)
        if len(several):
            ids_several = several.groupby("index")["did"].agg(list)
            where = ids_several.index.to_numpy()
            out.ambiguous(where.tolist(), ids_several.tolist(), score)
            decided[where] = True
            if right == "village":
                out.every.update(where.tolist())
    former = (~decided) & has_kind.to_numpy() & (~no_paren).to_numpy()
    _former_names(work, base[former], targets, out)
    return out


def _former_names(work: Work, pairs: pd.DataFrame, targets: dict[str, np.ndarray], out: Merged) -> None:
    """A neighbourhood written with its former name and without its village ("Kalkantepe
    (Merkez) Mah." for "Kalkantepe Mah (merkez Mah) (kalkantepe Köyü)"). Taken when the
    name is the only one of its kind in the township; else a choice, the one the former
    name points at first (a list that drops the village is not sure evidence of it)."""
    if pairs.empty:
        return
    tids = pairs["tid"].to_numpy()
    d_keys = _target(work, targets["keys"], ["tid", "short", "did"], tids)
    hits = pairs[["index", "tid", "full"]].merge(_target(work, targets["fa"], ["tid", "fa", "did", "short"], tids),
                                                 left_on=["tid", "full"], right_on=["tid", "fa"])
    hits = hits.drop_duplicates("index")
    if hits.empty:
        return
    same = hits[["index", "tid", "short", "did"]].merge(d_keys.rename(columns={"did": "other"}), on=["tid", "short"])
    others = same[same["other"] != same["did"]].groupby("index")["other"].agg(list)
    alone = hits[~hits["index"].isin(others.index)]
    out.take(alone["index"].to_numpy(), alone["did"].to_numpy(), "normalized", 100.0)
    shared = hits[hits["index"].isin(others.index)]
    if len(shared):
        out.ambiguous(shared["index"].tolist(), [[d] + others[j] for j, d in zip(shared["index"].tolist(),
                                                                                 shared["did"].tolist())], 100.0)
