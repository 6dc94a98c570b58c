"""Download an Akinon installation's location database (countries → districts) into a LocationDB.

Commerce serves the places publicly (no token), paginated as ``{count, next,
previous, results}``; each level is asked per parent (``?country=``, ``?city=``,
``?township=``) with a large ``page_size``, a few requests at a time. The result
is cached in the data directory as ``locations/<hash of URL>.csv.gz`` plus a
``.json`` saying which URL it came from and when; it is used again until
``refresh=True``. Inactive places (``is_active: false``) are left out: an address
cannot be put on them.
"""
from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from addrmig.akinon.client import AkinonClient, normalize_base_url
from addrmig.errors import AkinonBadResponse, LocationDBError
from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.history import now
from addrmig.i18n import _
from addrmig.store import data_dir

if TYPE_CHECKING:  # imported where used: the resolver is heavy and not needed to download
    from addrmig.locations.db import LocationDB

_PARENT = {"city": "country", "township": "city", "district": "township"}
_MAX_PAGES = 10_000  # a runaway 'next' chain is a server bug, not a database


def cache_paths(base_url: str, cache_dir: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """(data file, metadata file) of the cached download for ``base_url``."""
    base_url = normalize_base_url(base_url)
    folder = (Path(cache_dir) if cache_dir else data_dir() / "locations")
    key = hashlib.sha256(base_url.encode("utf-8")).hexdigest()[:16]
    return folder / f"{key}.csv.gz", folder / f"{key}.json"


def download_locations(base_url: str, cache_dir: str | os.PathLike | None = None, refresh: bool = False,
                       progress: Callable[[int, int], None] | None = None, *, page_size: int = 1000,
                       workers: int = 4, timeout: tuple[float, float] = (5, 30), retries: int = 3,
                       backoff: float = 0.5) -> LocationDB:
    """The installation's places as a LocationDB (``source`` = ``"Akinon <url>"``, ``extra`` holds
    ``base_url`` and ``fetched_at``), from the cache unless ``refresh`` or there is none.

    ``progress(done, total)`` counts list requests; the total grows as parents are found.
    Raises an AkinonError when the server cannot be read.
    """
    base_url = normalize_base_url(base_url)
    data_path, meta_path = cache_paths(base_url, cache_dir)
    if not refresh and data_path.exists() and meta_path.exists():
        return _load_cache(data_path, meta_path)
    with AkinonClient(base_url, None, timeout=timeout, retries=retries, backoff=backoff) as client:
        frame = _fetch(client, page_size=page_size, workers=workers, progress=progress)
    fetched_at = now()
    data_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = data_path.with_name(f"{data_path.name}.{uuid.uuid4().hex}.tmp")
    frame.to_csv(temporary, index=False, compression="gzip")
    os.replace(temporary, data_path)
    meta = {"base_url": base_url, "fetched_at": fetched_at, "rows": len(frame),
            "counts": {level: int(frame[f"{level}_pk"].replace("", pd.NA).nunique()) for level in LEVELS}}
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return _to_db(frame, base_url, fetched_at)


def _load_cache(data_path: Path, meta_path: Path) -> LocationDB:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        frame = pd.read_csv(data_path, dtype=str, keep_default_na=False, compression="gzip")
    except (OSError, ValueError) as error:
        raise LocationDBError(_("The cached location database {data_path} cannot be read ({error}); download it again "
                                "(refresh).").format(data_path=data_path, error=error)) from None
    return _to_db(frame, meta.get("base_url", "?"), meta.get("fetched_at", "?"))


def _to_db(frame: pd.DataFrame, base_url: str, fetched_at: str) -> LocationDB:
    from addrmig.locations.db import LocationDB

    names = frame[list(LEVELS)]
    source = f"Akinon {base_url}"
    db = LocationDB.from_frame(names, source=source)
    db.extra.update({"base_url": base_url, "fetched_at": fetched_at})
    return db


def _fetch(client: AkinonClient, *, page_size: int, workers: int,
           progress: Callable[[int, int], None] | None) -> pd.DataFrame:
    """Every active place, one row per district (a township without districts gets one row with
    an empty district), with the names and pk's of the whole hierarchy."""
    done, total = 0, 1

    def tick(found_children: int = 0) -> None:
        nonlocal done, total
        done += 1
        total += found_children
        if progress is not None:
            progress(done, total)

    countries = _active(_list(client, "/address/country/", {}, page_size))
    tick(len(countries))
    found: dict[str, list[dict]] = {"country": countries}
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="addrmig-locations") as pool:
        for level in ("city", "township", "district"):
            parent = _PARENT[level]
            parents = found[parent]

            def children(record: dict, level=level, parent=parent) -> list[dict]:
                items = _list(client, f"/address/{level}/", {parent: record["pk"]}, page_size)
                # A server that ignores the filter would hand back everyone's children.
                items = [dict(item, _parent=record["pk"]) for item in _active(items)
                         if item.get(parent) in (None, record["pk"])]
                return items

            results = []
            # map() keeps the parents' order, so the database comes out in the server's order.
            for items in pool.map(children, parents):
                results.extend(items)
                tick(len(items) if level != "district" else 0)
            found[level] = results
    return _frame(found)


def _active(records: list[dict]) -> list[dict]:
    return [r for r in records if r.get("is_active", True) is not False and "pk" in r and "name" in r]


def _list(client: AkinonClient, path: str, params: dict, page_size: int) -> list[dict]:
    """Every record of a paginated listing, following ``next`` by its page number."""
    records: list[dict] = []
    page = 1
    for _page in range(_MAX_PAGES):
        body = client.get_json(path, params={**params, "page": page, "page_size": page_size})
        results = body.get("results")
        if not isinstance(results, list):
            raise AkinonBadResponse(_("Reading {path}: the answer has no 'results' list; is {base_url} an Akinon Commerce address"
                                      " API?").format(path=path, base_url=client.base_url))
        records.extend(r for r in results if isinstance(r, dict))
        following = body.get("next")
        if not following or not results:
            return records
        # The server may build 'next' with another host name (a proxy); only its page matters.
        pages = parse_qs(urlsplit(str(following)).query).get("page")
        page = int(pages[0]) if pages and pages[0].isdigit() else page + 1
    raise AkinonBadResponse(_("Reading {path}: more than {pages} pages; giving up.").format(path=path, pages=_MAX_PAGES))


def _frame(found: dict[str, list[dict]]) -> pd.DataFrame:
    tables = {}
    for level in LEVELS:
        rows = [{f"{level}_pk": str(r["pk"]), level: str(r["name"]),
                 "_parent": str(r.get("_parent", ""))} for r in found.get(level, [])]
        tables[level] = pd.DataFrame(rows, columns=[f"{level}_pk", level, "_parent"], dtype=object)
    frame = tables["country"].drop(columns="_parent")
    for level in ("city", "township", "district"):
        parent = _PARENT[level]
        child = tables[level].rename(columns={"_parent": f"{parent}_pk"})
        frame = frame.merge(child, how="left", on=f"{parent}_pk", sort=False)
    columns = [c for level in LEVELS for c in (level, f"{level}_pk")]
    return frame[columns].astype(object).where(frame[columns].notna(), "").astype(str)
