"""Seeded messy address samples drawn from a location database, with their truth.

Used for the held-out accuracy check and the speed benchmark: the same kinds of mess
as legacy exports (case, Turkish letters typed as ASCII, suffix variants, village part
dropped, former city names, stray spaces, typos, impossible places, swapped columns).
"""
from __future__ import annotations

import random

import pandas as pd

from addrmig.fields import COLUMNS
from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.locations.db import LocationDB
from addrmig.locations.keys import district_keys
from addrmig.text import tr_lower, tr_upper

_ASCII = str.maketrans("ıİşŞğĞöÖüÜçÇ", "iIsSgGoOuUcC")
_CITY_ALIASES = {"Afyonkarahisar": ["Afyon", "AFYON"], "Kahramanmaraş": ["Maraş", "K.Maraş", "K. Maraş"],
                 "Şanlıurfa": ["Urfa", "Ş.Urfa"], "Gaziantep": ["Antep", "G.Antep"], "Mersin": ["İçel", "Icel"],
                 "İstanbul": ["Istanbul", "İST"], "Kocaeli": ["İzmit"], "Sakarya": ["Adapazarı"],
                 "Hatay": ["Antakya"]}
_COUNTRY = ["Türkiye", "Turkiye", "TURKEY", "Turkey", "turkiye", "TÜRKİYE", "TR", "TUR", "türkiye"]
_LETTERS = "abcdefghijklmnoprstuvyzçğışöü"


def typo(rng: random.Random, text: str, *, shortest: int = 4,
         kinds: tuple[str, ...] = ("delete", "insert", "substitute", "transpose", "space")) -> str:
    """``text`` with one typing mistake of a kind drawn from ``kinds`` (texts shorter than
    ``shortest`` stay as they are)."""
    if len(text) < shortest:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.choice(kinds)
    if kind == "delete":
        return text[:i] + text[i + 1:]
    if kind == "insert":
        return text[:i] + rng.choice(_LETTERS) + text[i:]
    if kind == "substitute":
        return text[:i] + rng.choice(_LETTERS) + text[i + 1:]
    if kind == "transpose":
        return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]
    j = text.find(" ")
    if j > 0:  # move a space one letter ("Merkez Mah" -> "MerkezM ah")
        return text[:j] + text[j + 1] + " " + text[j + 2:]
    return text[:i] + " " + text[i:]


def _case(rng: random.Random, text: str, ops: list, level: str) -> str:
    r = rng.random()
    if r < 0.15:
        ops.append(f"{level}:upper")
        return tr_upper(text) if rng.random() < 0.5 else text.upper()
    if r < 0.25:
        ops.append(f"{level}:lower")
        return tr_lower(text) if rng.random() < 0.5 else text.lower()
    return text


def _suffix(rng: random.Random, district: str, ops: list) -> str:
    main, _, paren = district.partition("(")
    main = main.strip()
    changed = district
    if paren and rng.random() < 0.35:
        changed = main  # the village part dropped
    else:
        changed = main + (" (" + paren if paren else "")
    words = changed.split(" (")[0].split()
    if words and words[-1] == "Mah":
        options = ["Mah.", "Mh.", "Mahallesi", "MAH.", "mahallesi", ""]
    elif words and words[-1] == "Köyü":
        options = ["Köy", "Koyu", "KÖYÜ", ""]
    else:
        options = []
    if options and rng.random() < 0.7:
        new = rng.choice(options)
        rest = changed[len(changed.split(" (")[0]):]
        changed = " ".join(words[:-1] + ([new] if new else [])) + rest
    if changed != district:
        ops.append("district:suffix")
    return changed


def messy_sample(db: LocationDB, n: int = 5000, seed: int = 7, typo_rate: float = 0.12,
                 bad_rate: float = 0.02, weights=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(frame, truth)``: an address frame of ``n`` rows (index 2..n+1) and its truth
    (columns ``row, country, city, township, district, resolvable, ambiguous, ops``).
    Places are drawn from ``db`` uniformly, or in proportion to ``weights`` (one per row of
    ``db.frame``)."""
    rng = random.Random(seed)
    places = db.frame[list(LEVELS)]
    picks = places.sample(n=n, replace=True, weights=weights, random_state=seed).reset_index(drop=True)
    keys = district_keys(places["district"])
    by_township_short = places.assign(short=keys["short"], base=keys["base"],
                                      plain=keys["paren"] == "", kind=keys["kind"])
    all_townships = places[["city", "township"]].drop_duplicates()
    rows, truth = [], []
    for k, place in enumerate(picks.itertuples(index=False)):
        ops: list[str] = []
        country, city, township, district = place
        resolvable = 1
        w = {"country": rng.choice(_COUNTRY) if rng.random() < 0.2 else country}
        # city
        c = city
        if city in _CITY_ALIASES and rng.random() < 0.3:
            c = rng.choice(_CITY_ALIASES[city])
            ops.append("city:alias")
        w_t, w_d = township, district
        w_d = _suffix(rng, w_d, ops) if rng.random() < 0.35 else w_d
        clean_d = w_d
        for level in ("city", "township", "district"):
            value = {"city": c, "township": w_t, "district": w_d}[level]
            value = _case(rng, value, ops, level)
            if rng.random() < 0.25:
                value = value.translate(_ASCII)
                ops.append(f"{level}:ascii")
            if rng.random() < typo_rate:
                value = typo(rng, value)
                ops.append(f"{level}:typo")
            if rng.random() < 0.08:
                value = rng.choice(("  ", " ", "")) + value + rng.choice(("  ", " ", ""))
                ops.append(f"{level}:space")
            if level == "city":
                c = value
            elif level == "township":
                w_t = value
            else:
                w_d = value
        r = rng.random()
        if r < bad_rate / 2:
            c = rng.choice(("Atlantis", "Gotham", "xxxxx", "Narnia", "asdf"))
            ops.append("city:garbage")
            resolvable = 0
        elif r < bad_rate:
            here = set(all_townships.loc[all_townships["city"] == city, "township"])
            others = all_townships[~all_townships["township"].isin(here)]
            other = others.sample(1, random_state=rng.randrange(10**9)).iloc[0]
            w_t = other["township"]
            ops.append("hierarchy:broken")
            resolvable = 0
        elif r < bad_rate * 1.5:
            w_t, w_d = w_d, w_t
            ops.append("columns:swapped")
        row = dict.fromkeys(COLUMNS, "")
        row.update(user=f"C{k:07d}", email=f"user{k}@example.com", first_name="Ad", last_name="Soyad",
                   line="Atatürk Cad. No:1", country=w["country"], city=c, township=w_t, district=w_d)
        rows.append(row)
        truth.append({"row": k + 1, "country": country, "city": city, "township": township,
                      "district": district, "resolvable": str(resolvable), "ambiguous": "0",
                      "ops": ";".join(ops), "_clean": clean_d})
    frame = pd.DataFrame(rows, columns=list(COLUMNS), index=range(2, n + 2)).astype(str)
    truth_frame = pd.DataFrame(truth).astype(str)
    # Ambiguity: the written district (before case and typos) fits several districts of
    # the township equally; 2 when one of them is exactly the plain name written.
    wk = district_keys(truth_frame["_clean"])
    short_groups = by_township_short.groupby(["city", "township", "short"])
    base_groups = by_township_short.groupby(["city", "township", "base"])
    n_short = short_groups.size().to_dict()
    n_base = base_groups.size().to_dict()
    plain = by_township_short[by_township_short["plain"]]
    plain_kinds = plain.groupby(["city", "township", "base"])["kind"].agg(list).to_dict()
    amb = []
    for t, k in zip(truth_frame.itertuples(index=False), wk.itertuples(index=False)):
        value = "0"
        if t.resolvable == "1" and k.paren == "":
            count = (n_short.get((t.city, t.township, k.short), 0) if k.kind
                     else n_base.get((t.city, t.township, k.base), 0))
            if count > 1:
                kinds = plain_kinds.get((t.city, t.township, k.base), [])
                value = "2" if kinds.count(k.kind or "mah") == 1 else "1"
        amb.append(value)
    truth_frame["ambiguous"] = amb
    return frame, truth_frame.drop(columns="_clean")
