"""The bundled database's tables, built once and kept on disk for the next run.

``fix`` needs the bundled database's index, the resolver's lookups and the place rule's
codes before it can match a single place: about a second of work that is the same on every
run (most of a five-row ``fix``). :func:`prepare_tables` builds them once and keeps them in
the user's cache folder (``$ADDRMIG_CACHE_DIR``, else the platform's user cache folder;
``off`` keeps nothing), where the next run reads them in a fifth of the time.

The file is named by a digest of what the tables are made from: the bundled database's
bytes, addrmig's own source files and the versions of Python and the libraries that build
and read them. A change to any of them names another file, so a table is never read by code
it was not made for; the files of earlier digests are removed when a new one is written.
A file is read only from a folder and a file that are this user's own and nobody else can
write to (a pickle runs code as it is read). Anything wrong with the cache (missing,
unreadable, damaged, another user's) only means the tables are built as before; a temporary
file a stopped run left is removed by the next write.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import platform
import stat
import tempfile
import time
from importlib import metadata, resources
from pathlib import Path

from addrmig.locations.db import LocationDB

#: A temporary file older than this is one a stopped run left (a write takes a second).
_STALE_SECONDS = 3600
#: The libraries whose objects the file holds or whose code builds them.
_LIBRARIES = ("numpy", "pandas", "pyarrow", "rapidfuzz")
_PREFIX = "prepared-"


def prepare_tables(db: LocationDB) -> None:
    """Build (or read from the cache) the tables the resolver and the place rule need for
    ``db``, kept with it; for the bundled database they are then kept in the cache."""
    from addrmig.locations import acceptance
    from addrmig.locations.resolver import prepare

    path = _cache_file(db)
    if path is not None and _read(db, path):
        return
    prepare(db)
    acceptance.prepare(db)
    if path is not None:
        _write(db, path)


def cache_dir() -> Path | None:
    """Where the tables are kept: ``$ADDRMIG_CACHE_DIR`` (``off``: nowhere), else the
    user cache folder."""
    chosen = os.environ.get("ADDRMIG_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no") else Path(chosen)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("addrmig"))


def _cache_file(db: LocationDB) -> Path | None:
    """The cache file for ``db``'s tables (the bundled database's only), or None."""
    if not db.extra.get("_bundled") or "_lookup" in db.extra:
        return None  # a reference of the user's own, or tables built already
    folder = cache_dir()
    if folder is None:
        return None
    try:
        return folder / f"{_PREFIX}{_digest()}.pickle"
    except OSError:
        return None


def _digest() -> str:
    """What the tables are made from and read by, as a hex digest."""
    h = hashlib.sha256()
    h.update(resources.files("addrmig").joinpath("data", "tr_locations.csv.gz").read_bytes())
    root = Path(__file__).resolve().parents[1]
    for source in sorted(root.rglob("*.py")):
        h.update(str(source.relative_to(root)).encode())
        h.update(source.read_bytes())
    versions = [platform.python_implementation(), platform.python_version()]
    for name in _LIBRARIES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    h.update("\n".join(versions).encode())
    return h.hexdigest()[:32]


def _own(path: Path, info: os.stat_result) -> bool:
    """This user's, and nobody else may write to it."""
    return (not hasattr(os, "getuid") or info.st_uid == os.getuid()) and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(db: LocationDB, path: Path) -> bool:
    """Put the tables kept at ``path`` into ``db``; False when there are none to trust."""
    try:
        with open(path, "rb") as file:
            info = os.fstat(file.fileno())
            if not (_own(path.parent, path.parent.stat()) and _own(path, info) and stat.S_ISREG(info.st_mode)):
                return False
            tables = pickle.load(file)
    except Exception:  # noqa: BLE001 - a missing or damaged cache only means building the tables
        return False
    if not isinstance(tables, dict) or "_index" not in tables or "_lookup" not in tables:
        return False
    db.extra.update(tables)
    return True


def _write(db: LocationDB, path: Path) -> None:
    """Keep ``db``'s tables at ``path`` (atomically), and remove the files of other digests."""
    tables = {key: value for key, value in db.extra.items() if key != "_bundled"}
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _own(path.parent, path.parent.stat()):
            return
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(tables, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        for other in path.parent.glob(f"{_PREFIX}*.pickle"):
            if other != path:
                other.unlink(missing_ok=True)
        for left in path.parent.glob(".tmp-*"):  # a run stopped while it wrote, long ago
            if left.stat().st_mtime < time.time() - _STALE_SECONDS:
                left.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is only a slower next run
        return
