"""Resolve written places against a :class:`LocationDB`.

Work happens on distinct written (country, city, township, district) tuples, never row
by row: rows are mapped to tuples with factorize codes, exact and folded matches are
pandas merges on folded keys, and only what is left goes to fuzzy search (rapidfuzz,
blocked by the resolved parent). A name is assigned only when its best candidate is
clearly ahead; everything else is left as written, with suggestions, for the user.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from addrmig.locations.db import LEVELS, LocationDB
from addrmig.locations.keys import (CITY_ALIASES, COUNTRY_ALIASES, TOWNSHIP_ALIASES,
                                    district_key, district_keys, name_key, name_keys)

STATUSES = ("exact", "normalized", "fuzzy", "ambiguous", "unmatched", "missing")
RESOLVED = ("exact", "normalized", "fuzzy")
#: Fuzzy scores are rapidfuzz ``ratio`` (0–100) on folded keys without spaces. A candidate
#: is taken when it reaches ACCEPT and beats the next distinct candidate by MARGIN; a
#: parent may be recovered through its children from RESCUE up (a garbage name such as
#: "Atlantis" scores far lower against any real city).
ACCEPT = 80.0
MARGIN = 8.0
RESCUE = 70.0
SUGGEST_MIN = 40.0
_ID = {"country": "cid", "city": "ciid", "township": "tid", "district": "did"}
_PARENT_ID = {"country": None, "city": "cid", "township": "ciid", "district": "tid"}
_ALIASES = {"country": COUNTRY_ALIASES, "city": CITY_ALIASES, "township": TOWNSHIP_ALIASES}
Progress = Callable[[float, float], None]


@dataclass
class Resolution:
    """What :func:`resolve` found.

    - ``tuples``: one row per distinct written tuple: the written values, ``place_<level>``
      (the database's spelling, ``""`` where unresolved), ``status``, ``score``, ``level``
      (the first level that is not resolved, ``""`` when all are), ``note``,
      ``suggestions_<level>`` (up to three ``(name, score)`` per unresolved level),
      ``suggestions`` (up to three full places ``((country, city, township, district), score)``),
      ``rows`` (row count) and ``examples`` (up to three row numbers).
    - ``frame``: the corrected address frame (same index; resolved levels in the
      database's spelling, the rest as written). The input frame is never modified.
    - ``row_status``: the tuple status of each row (same index as the frame).
    - ``changes``: one row per changed value: ``column, written, place, rows``.
    """

    tuples: pd.DataFrame
    frame: pd.DataFrame
    row_status: pd.Series
    changes: pd.DataFrame
    original: pd.DataFrame = field(repr=False)
    db: LocationDB = field(repr=False)
    corrections: pd.DataFrame | None = field(default=None, repr=False)
    row_tuple: np.ndarray = field(default=None, repr=False)

    def summary(self) -> dict:
        """``{"rows": n, "<status>": rows per status…, "resolved": rows resolved,
        "resolved_share": 0..1}``."""
        counts = self.row_status.value_counts()
        out: dict = {"rows": int(len(self.row_status))}
        for status in STATUSES:
            out[status] = int(counts.get(status, 0))
        out["resolved"] = sum(out[s] for s in RESOLVED)
        out["resolved_share"] = out["resolved"] / out["rows"] if out["rows"] else 1.0
        return out

    def unresolved(self) -> pd.DataFrame:
        """The tuples that need the user (ambiguous, unmatched, missing), most rows first."""
        todo = self.tuples[~self.tuples["status"].isin(RESOLVED)]
        return todo.sort_values("rows", ascending=False, kind="stable")


# --------------------------------------------------------------------------- helpers


class _Lookup:
    """Per-database Python lookups for the fuzzy step, built once and cached on the DB."""

    def __init__(self, db: LocationDB) -> None:
        idx = db.index
        self.names = {level: dict(zip(frame[_ID[level]], frame["name"]))
                      for level, frame in (("country", idx.countries), ("city", idx.cities),
                                           ("township", idx.townships), ("district", idx.districts))}
        self.parent = {"city": dict(zip(idx.cities["ciid"], idx.cities["cid"])),
                       "township": dict(zip(idx.townships["tid"], idx.townships["ciid"])),
                       "district": dict(zip(idx.districts["did"], idx.districts["tid"]))}
        self.children: dict[str, dict[int, tuple[list[str], list[int]]]] = {}
        for level, frame in (("country", idx.countries.assign(_p=0)), ("city", idx.cities),
                             ("township", idx.townships)):
            pcol = "_p" if level == "country" else _PARENT_ID[level]
            self.children[level] = {int(p): (g["key"].tolist(), g[_ID[level]].tolist())
                                    for p, g in frame.groupby(pcol, sort=False)}
        # District choices: every key variant -> the districts it names.
        variants = pd.concat([idx.districts[["tid", "did", col]].rename(columns={col: "key"})
                              for col in ("full", "bp", "short", "base")]).drop_duplicates()
        self.district_choices: dict[int, tuple[list[str], list[list[int]]]] = {}
        for tid, g in variants.groupby("tid", sort=False):
            grouped = g.groupby("key", sort=False)["did"].agg(list)
            self.district_choices[int(tid)] = (grouped.index.tolist(), grouped.tolist())
        # The source spells a few districts twice ("X Mah (v Köyü)" and "X Mh. (v Köyü)"):
        # one place, so keys match the first spelling only.
        unique = idx.districts.drop_duplicates(["tid", "full"])
        self.district_arrays: dict[int, tuple] = {
            int(tid): (g["did"].tolist(), g["short"].tolist(), g["base"].tolist(), g["paren"].tolist(),
                       (g["paren"] == "").to_numpy())
            for tid, g in unique.groupby("tid", sort=False)}
        self.has_paren = dict(zip(idx.districts["did"], idx.districts["has_paren"]))
        self.kind = dict(zip(idx.districts["did"], idx.districts["kind"]))
        self.short = dict(zip(idx.districts["did"], idx.districts["short"]))
        # Where a township key exists at all: for "this township only exists under another city".
        # Fuzzy choices: the names plus their known former/popular names.
        self.alias_children = {}
        for level, by_parent in self.children.items():
            self.alias_children[level] = {}
            for p, (keys, ids) in by_parent.items():
                extra = [(alias, ids[keys.index(target)]) for alias, target in _ALIASES[level].items()
                         if target in keys and alias not in keys]
                self.alias_children[level][p] = (keys + [a for a, _ in extra], ids + [o for _, o in extra])
        self.township_anywhere = idx.townships.groupby("key")["ciid"].agg(list).to_dict()
        self.township_keys_in_city = {c: set(keys) for c, (keys, _) in self.children["township"].items()}
        self.district_keys_in_township = {t: set(keys) for t, (keys, _) in self.district_choices.items()}


def _lookup(db: LocationDB) -> _Lookup:
    cached = db.extra.get("_lookup")
    if cached is None or cached[0] is not db.index:
        cached = (db.index, _Lookup(db))
        db.extra["_lookup"] = cached
    return cached[1]


def _ranked(query: str, keys: list[str], owners: list) -> list[tuple]:
    """Owners ranked by their best key's ratio to ``query``: ``[(owner, score), …]``."""
    if not query or not keys:
        return []
    scores = process.cdist([query], keys, scorer=fuzz.ratio, dtype=np.float32)[0]
    best: dict = {}
    for i in np.flatnonzero(scores >= SUGGEST_MIN):
        owner_list = owners[i] if isinstance(owners[i], list) else [owners[i]]
        for owner in owner_list:
            if scores[i] > best.get(owner, -1):
                best[owner] = float(scores[i])
    return sorted(best.items(), key=lambda item: -item[1])


def _decide(ranked: list[tuple], plain_ok: Callable[[int], bool] | None = None) -> tuple[str, list, float]:
    """From ranked candidates: ``("take", [id], score)``, ``("ambiguous", ids, score)`` or
    ``("none", [], best)``."""
    if not ranked or ranked[0][1] < ACCEPT:
        return "none", [], ranked[0][1] if ranked else 0.0
    best = ranked[0][1]
    top = [owner for owner, score in ranked if score >= best - 0.01]
    tied = set(top)
    if len(top) > 1 and plain_ok is not None:
        plain = [owner for owner in top if plain_ok(owner)]
        if len(plain) == 1:
            top = plain
    if len(top) > 1:
        return "ambiguous", top, best
    rest = [(owner, score) for owner, score in ranked if owner not in tied]
    if rest and rest[0][1] > best - MARGIN:
        return "ambiguous", top + [owner for owner, score in rest if score > best - MARGIN], best
    return "take", top, best


# --------------------------------------------------------------------------- resolve


def resolve(frame: pd.DataFrame, db: LocationDB, corrections: pd.DataFrame | Iterable | None = None,
            progress: Progress | None = None) -> Resolution:
    """Resolve the location columns of an address frame against ``db``.

    ``corrections`` (a DataFrame or records with ``level, country, city, township, written,
    place``; see :mod:`addrmig.locations.corrections`) are applied before any matching.
    ``progress(done, total)`` is called as the steps advance. Returns a :class:`Resolution`;
    ``frame`` is not modified.
    """
    report = progress or (lambda done, total: None)
    report(0, 6)
    corrections_frame = _corrections_frame(corrections)
    written = pd.DataFrame({level: (frame[level] if level in frame.columns else pd.Series("", index=frame.index))
                            .astype(object).where(lambda s: s.notna(), "").astype(str) for level in LEVELS},
                           index=frame.index)
    row_tuple, tuples = _distinct_tuples(written)
    report(1, 6)
    look = _lookup(db)
    work = _Work(tuples, db, look, _corrections_map(corrections_frame, db))
    work.country()
    report(2, 6)
    work.city()
    report(3, 6)
    work.township()
    report(4, 6)
    work.district()
    work.finish()
    report(5, 6)
    result = _assemble(frame, written, row_tuple, work, db, corrections_frame)
    report(6, 6)
    return result


def _distinct_tuples(written: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    codes = pd.DataFrame({level: pd.factorize(written[level])[0] for level in LEVELS})
    row_tuple = codes.groupby(list(LEVELS), sort=False).ngroup().to_numpy()
    first = np.unique(row_tuple, return_index=True)[1]
    tuples = written.iloc[first].reset_index(drop=True)
    tuples["rows"] = np.bincount(row_tuple, minlength=len(tuples))
    order = np.argsort(row_tuple, kind="stable")
    starts = np.concatenate([[0], np.cumsum(tuples["rows"].to_numpy())[:-1]])
    index_values = written.index.to_numpy()[order]
    tuples["examples"] = [index_values[s:s + min(3, n)].tolist() for s, n in zip(starts, tuples["rows"])]
    return row_tuple, tuples


class _Work:
    """Per-level resolution state over the distinct tuples (columns on ``self.t``)."""

    def __init__(self, tuples: pd.DataFrame, db: LocationDB, look: _Lookup, corrections: dict) -> None:
        self.t = tuples
        self.db, self.look, self.idx, self.corr = db, look, db.index, corrections
        n = len(tuples)
        self.levels = db.levels
        for level in LEVELS:
            self.t[_ID[level]] = -1
            self.t["m_" + level] = "" if level in self.levels else "skip"
            self.t["s_" + level] = 100.0
            self.t["g_" + level] = [[] for _ in range(n)]
        self.t["note"] = ""
        for level in LEVELS:
            self.t["w_" + level] = self.t[level].str.strip()
        # District keys for every distinct written district (and township, for swaps), once.
        values = pd.Series(pd.unique(pd.concat([self.t["w_district"], self.t["w_township"]])), dtype=str)
        keys = district_keys(values)
        self.dk = dict(zip(values, keys.to_dict("records")))

    # ---- name levels (country, city, township): merges first, fuzzy for the rest

    def _names(self, level: str) -> pd.Series:
        """Rows (tuple positions) whose level still needs fuzzy work; merges done."""
        t, nodes = self.t, {"country": self.idx.countries, "city": self.idx.cities,
                            "township": self.idx.townships}[level]
        pcol = _PARENT_ID[level]
        idcol = _ID[level]
        if level not in self.levels:
            return pd.Series(dtype=bool)
        parent = pd.Series(0, index=t.index) if pcol is None else t[pcol]
        if pcol is not None:
            # Without a resolved parent there is nothing to search in.
            blocked = (parent < 0) & (t["m_" + level] == "")
            t.loc[blocked, "m_" + level] = "blocked"
        todo = t["m_" + level] == ""
        empty = todo & (t["w_" + level] == "")
        t.loc[empty, "m_" + level] = "missing"
        todo &= ~empty
        pairs = pd.DataFrame({"parent": parent[todo], "w": t.loc[todo, "w_" + level]}).drop_duplicates()
        if pairs.empty:
            return todo
        pairs["key"] = name_keys(pairs["w"]).to_numpy()
        pairs["alias"] = pairs["key"].map(_ALIASES[level]).fillna("").astype(str)
        pairs["corr"] = [name_key(self.corr.get((level, int(p), k), "")) for p, k in zip(pairs["parent"], pairs["key"])]
        pnodes = nodes.assign(parent=0 if pcol is None else nodes[pcol])[["parent", "name", "key", idcol]]
        found = []
        for method, left, right in (("exact", "w", "name"), ("normalized", "corr", "key"),
                                    ("normalized", "key", "key"), ("normalized", "alias", "key")):
            hits = pairs.reset_index().merge(pnodes, left_on=["parent", left], right_on=["parent", right])
            hits = hits[hits[left] != ""]
            # A folded key shared by two nodes under one parent is not a match to take.
            hits = hits[~hits.duplicated("index", keep=False)]
            found.append(hits.assign(method=method)[["index", idcol, "method"]])
        found = pd.concat(found).drop_duplicates("index").set_index("index")
        pairs = pairs.join(found)
        rows = pd.DataFrame({"parent": parent[todo], "w": t.loc[todo, "w_" + level]})
        matched = rows.reset_index().merge(pairs.rename(columns={idcol: "_id"}), on=["parent", "w"],
                                           how="left").set_index("index")
        ok = matched["_id"].notna()
        ids = matched.loc[ok, "_id"].astype("int64")
        t.loc[ids.index, idcol] = ids
        t.loc[ids.index, "m_" + level] = matched.loc[ok, "method"]
        t.loc[ids.index, "s_" + level] = 100.0
        return t["m_" + level] == ""

    def _candidates(self, level: str, parent: int, written: str) -> list[tuple]:
        keys, ids = self.look.alias_children[level].get(parent, ([], []))
        return _ranked(name_key(written), keys, ids)

    def country(self) -> None:
        todo = self._names("country")
        cache: dict = {}
        for i in np.flatnonzero(todo.to_numpy()):
            w = self.t.at[i, "w_country"]
            if w not in cache:
                cache[w] = self._candidates("country", 0, w)
            self._take_name(i, "country", cache[w], None)

    def city(self) -> None:
        todo = self._names("city")
        cache: dict = {}
        fit_cache: dict = {}
        for i in np.flatnonzero(todo.to_numpy()):
            t = self.t
            key = (t.at[i, "cid"], t.at[i, "w_city"])
            if key not in cache:
                cache[key] = self._candidates("city", int(key[0]), key[1])
            fit = None
            if "township" in self.levels and t.at[i, "w_township"]:
                w_t, w_d = t.at[i, "w_township"], t.at[i, "w_district"]
                # Township and district may sit in each other's columns: either order fits.
                fit = lambda ciid, w_t=w_t, w_d=w_d: max(
                    self._fit_township(ciid, w_t, w_d, fit_cache),
                    self._fit_township(ciid, w_d, w_t, fit_cache) if w_d else 0.0)
            self._take_name(i, "city", cache[key], fit)
            if t.at[i, "m_city"] == "unmatched" and fit is not None:
                # The township names the city even when the city is garbage: suggest those first.
                homes = self.look.township_anywhere.get(name_key(t.at[i, "w_township"]), [])
                scores = dict(cache[key])
                first = [(c, scores.get(c, 0.0)) for c in homes if self.look.parent["city"][c] == key[0]]
                rest = [item for item in cache[key] if item[0] not in homes]
                t.at[i, "g_city"] = self._named("city", first + rest)

    def _fit_township(self, ciid: int, w_township: str, w_district: str, cache: dict) -> float:
        """How well the written township (and district) fit under city ``ciid``: the
        township's best score there, +10 when the district is found in it by key."""
        key = (ciid, w_township, w_district)
        if key not in cache:
            ranked = self._candidates("township", ciid, w_township)
            score = 0.0
            if ranked:
                tid, score = ranked[0]
                if w_district and "district" in self.levels:
                    dkeys = self._dkeys(w_district)
                    score += 10.0 * bool(dkeys & self.look.district_keys_in_township.get(tid, set()))
            cache[key] = score
        return cache[key]

    def _dkeys(self, written: str) -> set:
        cache = self.__dict__.setdefault("_dk_cache", {})
        if written not in cache:
            cache[written] = set(self._wk(written).values()) - {""}
        return cache[written]

    def township(self) -> None:
        todo = self._names("township")
        cache: dict = {}
        for i in np.flatnonzero(todo.to_numpy()):
            t = self.t
            key = (t.at[i, "ciid"], t.at[i, "w_township"])
            if key not in cache:
                cache[key] = self._candidates("township", int(key[0]), key[1])
            fit = None
            if "district" in self.levels and t.at[i, "w_district"]:
                dkeys = self._dkeys(t.at[i, "w_district"])
                fit = lambda tid, dkeys=dkeys: 100.0 * bool(dkeys & self.look.district_keys_in_township.get(tid, set()))
            tkey = name_key(key[1])
            elsewhere = [c for c in self.look.township_anywhere.get(tkey, []) if c != key[0]]
            if elsewhere:
                # The name is a real township of another city: never move it into this one.
                cities = ", ".join(sorted({self.look.names["city"][c] for c in elsewhere}))
                t.at[i, "m_township"] = "unmatched"
                t.at[i, "s_township"] = 0.0
                t.at[i, "note"] = f"township {key[1]!r} exists only under {cities}"
                t.at[i, "g_township"] = self._named("township", cache[key])
                continue
            self._take_name(i, "township", cache[key], fit)
        self._swapped()

    def _named(self, level: str, ranked: list[tuple]) -> list[tuple]:
        return [(self.look.names[level][owner], round(score, 1)) for owner, score in ranked[:3]]

    def _take_name(self, i: int, level: str, ranked: list[tuple], fit) -> None:
        """Decide a name level from its fuzzy candidates; ``fit(id)`` (0–110) says how
        well the written children fit under a candidate and can confirm or recover it."""
        t = self.t
        verdict, ids, score = _decide(ranked)
        if fit is not None and (verdict != "take" or fit(ids[0]) < ACCEPT):
            # Below ACCEPT the name alone proves little: the children must then match exactly.
            good = sorted(((s + fit(o), o, s) for o, s in ranked
                           if s >= RESCUE and fit(o) >= (ACCEPT if s >= ACCEPT else 100.0)), reverse=True)
            if good and (len(good) == 1 or good[0][0] - good[1][0] >= MARGIN):
                verdict, ids, score = "take", [good[0][1]], good[0][2]
            elif good:
                verdict, ids, score = "ambiguous", [o for _, o, _ in good], good[0][2]
        if verdict == "take":
            t.at[i, _ID[level]] = ids[0]
            t.at[i, "m_" + level] = "fuzzy"
            t.at[i, "s_" + level] = score
            return
        t.at[i, "m_" + level] = "ambiguous" if verdict == "ambiguous" else "unmatched"
        t.at[i, "s_" + level] = score
        suggestions = [(o, s) for o, s in ranked if o in ids] if ids else ranked
        if fit is not None and not ids:
            # Children point at the right parent even when the name itself is garbage.
            suggestions = sorted(ranked, key=lambda item: (fit(item[0]) < ACCEPT, -item[1]))
        t.at[i, "g_" + level] = self._named(level, suggestions)

    def _swapped(self) -> None:
        """Township and district written in each other's columns."""
        if "district" not in self.levels:
            return
        t = self.t
        for i in np.flatnonzero(((t["m_township"] == "unmatched") & (t["ciid"] >= 0)
                                 & (t["w_district"] != "")).to_numpy()):
            ciid = int(t.at[i, "ciid"])
            verdict, tids, t_score = _decide(self._candidates("township", ciid, t.at[i, "w_district"]))
            if verdict != "take":
                continue
            verdict, dids, d_score = self._district_fuzzy(tids[0], t.at[i, "w_township"])
            if verdict != "take":
                continue
            exact = t_score == 100.0 and d_score == 100.0
            t.at[i, "tid"] = tids[0]
            t.at[i, "m_township"] = "normalized" if exact else "fuzzy"
            t.at[i, "s_township"] = t_score
            t.at[i, "did"] = dids[0]
            t.at[i, "m_district"] = "normalized" if exact else "fuzzy"
            t.at[i, "s_district"] = d_score
            t.at[i, "note"] = "township and district were in each other's columns"
            t.at[i, "g_township"] = []

    # ---- districts: merges on key variants, then fuzzy within the township

    def district(self) -> None:
        if "district" not in self.levels:
            return
        t = self.t
        t.loc[(t["tid"] < 0) & (t["m_district"] == ""), "m_district"] = "blocked"
        empty = (t["m_district"] == "") & (t["w_district"] == "")
        t.loc[empty, "m_district"] = "none"  # district is optional
        todo = t["m_district"] == ""
        pairs = t.loc[todo, ["tid", "w_district"]].drop_duplicates().reset_index(drop=True)
        if not pairs.empty:
            pairs = pd.concat([pairs, district_keys(pairs["w_district"])], axis=1)
            pairs["corr"] = [self.corr.get(("district", int(p), name_key(w)), "")
                             for p, w in zip(pairs["tid"], pairs["w_district"])]
            self._district_merges(pairs)
            # Leftovers: fuzzy within the township.
            for j in np.flatnonzero(pairs["_verdict"].isna().to_numpy()):
                verdict, dids, score = self._district_fuzzy(int(pairs.at[j, "tid"]), pairs.at[j, "w_district"])
                pairs.at[j, "_verdict"] = verdict if verdict != "take" else "fuzzy"
                pairs.at[j, "_ids"] = dids if dids else self._district_suggest(
                    int(pairs.at[j, "tid"]), pairs.at[j, "w_district"])
                pairs.at[j, "_score"] = score
            merged = t[todo].reset_index().merge(pairs[["tid", "w_district", "_verdict", "_ids", "_score"]],
                                                 on=["tid", "w_district"], how="left").set_index("index")
            take = merged["_verdict"].isin(RESOLVED)
            t.loc[merged.index[take], "did"] = [ids[0] for ids in merged.loc[take, "_ids"]]
            t.loc[merged.index, "m_district"] = merged["_verdict"].replace({"none": "unmatched"})
            t.loc[merged.index, "s_district"] = merged["_score"].astype(float)
            names = self.look.names["district"]
            lost = merged.index[~take]
            t.loc[lost, "g_district"] = pd.Series(
                [[(names[d], round(float(s), 1)) for d, s in _with_scores(ids, sc)]
                 for ids, sc in zip(merged.loc[lost, "_ids"], merged.loc[lost, "_score"])],
                index=lost, dtype=object)

    def _district_merges(self, pairs: pd.DataFrame) -> None:
        d_all = self.idx.districts
        d_keys = d_all.drop_duplicates(["tid", "full"])  # one spelling per place, see _Lookup
        pairs["_verdict"] = pd.Series([None] * len(pairs), dtype=object)
        pairs["_ids"] = pd.Series([None] * len(pairs), dtype=object)
        pairs["_score"] = np.nan
        base = pairs.reset_index()
        has_kind = base["kind"] != ""
        no_paren = base["paren"] == ""
        steps = (
            # (method, score, rows of pairs it applies to, left key, right key)
            ("exact", 100.0, base.index, "w_district", "name"),
            ("normalized", 100.0, base.index, "corr", "name"),
            ("normalized", 100.0, base.index[has_kind], "full", "full"),
            ("normalized", 100.0, base.index[~has_kind & ~no_paren], "bp", "bp"),
            ("normalized", 100.0, base.index[has_kind & no_paren], "short", "short"),
            ("normalized", 100.0, base.index[~has_kind & no_paren], "base", "base"),
            # Village became neighbourhood (or the other way): same name, other kind word.
            ("fuzzy", 90.0, base.index[has_kind & no_paren], "base", "base"),
            ("fuzzy", 90.0, base.index[(base["alt"] != "") & no_paren], "alt", "short"),
        )
        decided = pd.Series(False, index=base.index)
        for method, score, rows, left, right in steps:
            rows = rows[~decided.loc[rows].to_numpy()]
            if len(rows) == 0:
                continue
            hits = base.loc[rows, ["index", "tid", left, "kind"]].rename(columns={"kind": "_wkind"}).merge(
                (d_all if right == "name" else d_keys)[["tid", right, "did", "has_paren", "kind"]]
                .rename(columns={right: "_k"}),
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
            ids_several = several.groupby("index")["did"].agg(list)
            for ids_by_index, verdict in ((ids_single, method), (ids_several, "ambiguous")):
                if ids_by_index.empty:
                    continue
                where = ids_by_index.index.to_numpy()
                pairs.loc[where, "_verdict"] = verdict
                pairs.loc[where, "_ids"] = pd.Series(
                    [[x] if not isinstance(x, list) else x for x in ids_by_index.tolist()],
                    index=where, dtype=object)
                pairs.loc[where, "_score"] = score
                decided.iloc[where] = True

    def _district_ranked(self, tid: int, written: str) -> tuple[list[tuple], dict]:
        """Districts of the township ranked against ``written``: the main part (name and
        kind word) and, when written, the parenthetical village part are scored apart and
        the weaker of the two counts, so a typo in one part does not let another
        "X Mah (other village)" come close."""
        wk = self._wk(written)
        arrays = self.look.district_arrays.get(tid)
        if arrays is None or not wk["short"]:
            return [], wk
        dids, short, base, paren, no_paren = arrays
        main = np.maximum(process.cdist([wk["short"]], short, scorer=fuzz.ratio, dtype=np.float32)[0],
                          process.cdist([wk["base"]], base, scorer=fuzz.ratio, dtype=np.float32)[0])
        if wk.get("alt"):
            main = np.maximum(main, process.cdist([wk["alt"]], short, scorer=fuzz.ratio, dtype=np.float32)[0])
        if wk["paren"]:
            par = process.cdist([wk["paren"]], paren, scorer=fuzz.ratio, dtype=np.float32)[0]
            main = np.minimum(main, np.where(no_paren, 50.0, par))
        order = np.argsort(-main, kind="stable")
        ranked = [(dids[k], float(main[k])) for k in order if main[k] >= SUGGEST_MIN]
        return ranked, wk

    def _wk(self, written: str) -> dict:
        found = self.dk.get(written)
        if found is None:
            found = self.dk[written] = district_key(written)
        return found

    def _plain_ok(self, wk: dict) -> Callable[[int], bool]:
        # A name that fits several "X Mah (village)" but is also exactly a plain "X Mah" of
        # the kind written: the plain one is the name as written.
        look = self.look
        return lambda did: not look.has_paren[did] and (
            look.kind[did] == (wk["kind"] or "mah") or wk["base"] == look.short[did])

    def _district_fuzzy(self, tid: int, written: str) -> tuple[str, list, float]:
        ranked, wk = self._district_ranked(tid, written)
        return _decide(ranked, self._plain_ok(wk))

    def _district_suggest(self, tid: int, written: str) -> list:
        ranked, _ = self._district_ranked(tid, written)
        return [owner for owner, _ in ranked[:3]]

    # ---- tuple status and place suggestions

    def finish(self) -> None:
        t = self.t
        methods = t[["m_" + level for level in LEVELS]]
        required = [level for level in self.levels if level != "district"]
        status = pd.Series("exact", index=t.index, dtype=object)
        is_ = lambda value: methods.eq(value).any(axis=1)
        status[is_("normalized")] = "normalized"
        status[is_("fuzzy")] = "fuzzy"
        status[is_("ambiguous")] = "ambiguous"
        status[is_("unmatched") | is_("blocked")] = "unmatched"
        missing = pd.Series(False, index=t.index)
        for level in required:
            missing |= t["m_" + level] == "missing"
        status[missing] = "missing"
        t["status"] = status
        scores = t[["s_" + level for level in self.levels]].min(axis=1)
        t["score"] = scores.where(status.isin(RESOLVED + ("ambiguous",)), 0.0).round(1)
        first_bad = pd.Series("", index=t.index, dtype=object)
        for level in reversed(self.levels):
            bad = t["m_" + level].isin(("ambiguous", "unmatched", "missing"))
            first_bad[bad] = level
        t["level"] = first_bad.where(~status.isin(RESOLVED), "")
        t["suggestions"] = [self._places(i) if s not in RESOLVED else []
                            for i, s in zip(t.index, status)]

    def _places(self, i: int) -> list:
        """Up to three whole places for an unresolved tuple, best first: each suggestion
        for the failing level, completed below it where the written names fit clearly."""
        t, look = self.t, self.look
        level = t.at[i, "level"]
        if not level:
            return []
        prefix = []
        for lv in LEVELS:
            if lv == level:
                break
            prefix.append(look.names[lv][int(t.at[i, _ID[lv]])])
        ids_by_name = {}
        parent = int(t.at[i, _PARENT_ID[level]]) if _PARENT_ID[level] else 0
        if level == "district":
            tid = parent
            for did in look.district_arrays.get(tid, ([],))[0]:
                ids_by_name[look.names["district"][did]] = did
        else:
            for node in look.children[level].get(parent, ([], []))[1]:
                ids_by_name[look.names[level][node]] = node
            if level == "city":  # garbage cities: the suggestions may be any city
                ids_by_name.update({name: c for c, name in look.names["city"].items()})
        out = []
        for name, score in t.at[i, "g_" + level]:
            node = ids_by_name.get(name)
            if node is None:
                continue
            place = self._complete(level, node, t.at[i, "w_township"], t.at[i, "w_district"])
            if place is not None:
                out.append((tuple(prefix + [name] + place), score))
        return out[:3]

    def _complete(self, level: str, node: int, w_township: str, w_district: str) -> list | None:
        """The names below ``node`` that the written township/district clearly mean."""
        levels = self.levels
        below = list(levels[levels.index(level) + 1:])
        out: list[str] = []
        for lv in below:
            written = w_township if lv == "township" else w_district
            if lv == "district" and not written:
                out.append("")
                break
            if lv == "township":
                verdict, ids, _ = _decide(self._candidates("township", node, written))
            else:
                verdict, ids, _ = self._district_fuzzy(node, written)
            if verdict != "take":
                return None
            node = ids[0]
            out.append(self.look.names[lv][node])
        return out

def _with_scores(ids, score) -> list[tuple]:
    ids = ids if isinstance(ids, list) else []
    return [(d, float(score) if score == score else 0.0) for d in ids[:3]]


# --------------------------------------------------------------------------- output


def _assemble(frame: pd.DataFrame, written: pd.DataFrame, row_tuple: np.ndarray, work: _Work,
              db: LocationDB, corrections: pd.DataFrame | None) -> Resolution:
    t, look = work.t, work.look
    ok_parent = pd.Series(True, index=t.index)
    for level in LEVELS:
        resolved = t["m_" + level].isin(RESOLVED) & ok_parent
        names = look.names[level]
        t["place_" + level] = [names[int(x)] if r else "" for x, r in zip(t[_ID[level]], resolved)]
        if level != "district":
            ok_parent &= resolved
    out = frame.copy()
    changes = []
    for level in LEVELS:
        if level not in out.columns:
            continue
        place = t["place_" + level].to_numpy()[row_tuple]
        has = place != ""
        old = written[level].to_numpy()
        new = np.where(has, place, old)
        out[level] = pd.array(new, dtype=out[level].dtype)
        diff = t[(t["place_" + level] != "") & (t["place_" + level] != t[level])]
        if len(diff):
            changes.append(diff.groupby([level, "place_" + level], sort=False)["rows"].sum()
                           .reset_index().rename(columns={level: "written", "place_" + level: "place"})
                           .assign(column=level))
    changes_frame = (pd.concat(changes, ignore_index=True)[["column", "written", "place", "rows"]]
                     if changes else pd.DataFrame({"column": [], "written": [], "place": [], "rows": []}))
    for level in LEVELS:
        t["suggestions_" + level] = t["g_" + level]
    keep = (list(LEVELS) + ["place_" + level for level in LEVELS]
            + ["status", "score", "level", "note"] + ["suggestions_" + level for level in LEVELS]
            + ["suggestions", "rows", "examples"])
    tuples = t[keep].copy()
    row_status = pd.Series(tuples["status"].to_numpy()[row_tuple], index=frame.index, name="status")
    return Resolution(tuples=tuples, frame=out, row_status=row_status, changes=changes_frame,
                      original=frame, db=db, corrections=corrections, row_tuple=row_tuple)


# --------------------------------------------------------------------------- choices


CORRECTION_COLUMNS = ("level", "country", "city", "township", "written", "place")


def _corrections_frame(corrections) -> pd.DataFrame | None:
    if corrections is None:
        return None
    if hasattr(corrections, "load") and not isinstance(corrections, pd.DataFrame):
        corrections = corrections.load()
    frame = corrections if isinstance(corrections, pd.DataFrame) else pd.DataFrame(list(corrections))
    for col in CORRECTION_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    return frame[list(CORRECTION_COLUMNS)].astype(object).where(lambda f: f.notna(), "").astype(str)


def _corrections_map(frame: pd.DataFrame | None, db: LocationDB) -> dict:
    """``(level, parent id, written key) -> place name`` for the corrections whose parent
    exists in this database."""
    if frame is None or frame.empty:
        return {}
    idx = db.index
    country_id = dict(zip(idx.countries["key"], idx.countries["cid"]))
    city_id = dict(zip(zip(idx.cities["cid"], idx.cities["key"]), idx.cities["ciid"]))
    township_id = dict(zip(zip(idx.townships["ciid"], idx.townships["key"]), idx.townships["tid"]))
    out = {}
    for row in frame.itertuples(index=False):
        level = row.level.strip().lower()
        parent = 0
        chain = {"country": [], "city": ["country"], "township": ["country", "city"],
                 "district": ["country", "city", "township"]}.get(level)
        if chain is None:
            continue
        for lv in chain:
            key = name_key(getattr(row, lv))
            parent = {"country": lambda: country_id.get(key),
                      "city": lambda: city_id.get((parent, key)),
                      "township": lambda: township_id.get((parent, key))}[lv]()
            if parent is None:
                break
        if parent is None:
            continue
        # The first record for a key wins: callers put the newest choices first.
        out.setdefault((level, int(parent), name_key(row.written)), row.place.strip())
    return out


def choices_to_corrections(resolution: Resolution, choices: Mapping) -> pd.DataFrame:
    """Turn user choices into correction records (columns ``CORRECTION_COLUMNS``).

    ``choices`` maps a written tuple ``(country, city, township, district)`` to a place
    ``(country, city, township, district)`` in the database's spelling. Each level whose
    written value differs from the place becomes "this value under this parent means that".
    """
    records = []
    for written, place in choices.items():
        written = tuple(written) + ("",) * (4 - len(written))
        place = tuple(place) + ("",) * (4 - len(place))
        for depth, level in enumerate(LEVELS):
            if not place[depth]:
                continue
            if written[depth] == place[depth]:
                continue
            parents = list(place[:depth]) + [""] * (3 - depth)
            records.append(dict(zip(CORRECTION_COLUMNS, [level, *parents[:3], written[depth], place[depth]])))
    return pd.DataFrame(records, columns=list(CORRECTION_COLUMNS))


def apply_choices(resolution: Resolution, choices: Mapping) -> Resolution:
    """A new :class:`Resolution` with the user's ``choices`` (written tuple -> place)
    applied on top of the corrections already in use. The original stays as it was."""
    new = choices_to_corrections(resolution, choices)
    combined = new if resolution.corrections is None else pd.concat([new, resolution.corrections],
                                                                     ignore_index=True)
    return resolve(resolution.original, resolution.db, corrections=combined)


__all__ = ["Resolution", "resolve", "apply_choices", "choices_to_corrections", "STATUSES",
           "RESOLVED", "CORRECTION_COLUMNS"]
