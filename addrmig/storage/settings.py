"""What the environment says about storage: the database URL, how long copies and workspaces stay.

- ``ADDRMIG_DATABASE_URL``: ``postgresql://user:password@host/db`` (``postgres://`` too) or
  ``sqlite:////absolute/path``; default: the sqlite file ``addrmig.sqlite3`` in the data dir.
- ``ADDRMIG_SENT_RETENTION_DAYS``: days a copy of a sent file is kept (default 30).
- ``ADDRMIG_WORKSPACE_TTL_HOURS``: hours a workspace is kept after its last use (default 24).
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from addrmig.errors import BadArguments
from addrmig.i18n import _
from addrmig.store import data_dir

DATABASE_FILE = "addrmig.sqlite3"
URL_VARIABLE = "ADDRMIG_DATABASE_URL"
RETENTION_VARIABLE = "ADDRMIG_SENT_RETENTION_DAYS"
TTL_VARIABLE = "ADDRMIG_WORKSPACE_TTL_HOURS"
DEFAULT_RETENTION_DAYS = 30
DEFAULT_TTL_HOURS = 24


def database_url(url: str | None = None, directory: str | os.PathLike | None = None) -> str:
    """The database to use, as an SQLAlchemy URL: ``url``, else ``$ADDRMIG_DATABASE_URL``, else
    an sqlite file in the data directory (``directory``, else ``$ADDRMIG_DATA_DIR``, else the
    user data dir; created if missing). ``postgres://`` and ``postgresql://`` are served by psycopg 3."""
    raw = url or os.environ.get(URL_VARIABLE, "").strip()
    if not raw:
        folder = data_dir(directory)
        folder.mkdir(parents=True, exist_ok=True)
        return str(URL.create("sqlite", database=str(Path(folder).resolve() / DATABASE_FILE)))
    return normalise(raw)


def normalise(raw: str) -> str:
    """``raw`` with the driver this project installs for its scheme; BadArguments for anything else."""
    where = _("the database URL") if raw != os.environ.get(URL_VARIABLE) else URL_VARIABLE
    try:
        parsed = make_url(raw.replace("postgres://", "postgresql://", 1) if raw.startswith("postgres://") else raw)
    except ArgumentError:
        raise BadArguments(_("{where} is not a database URL; give it like postgresql://user:password@host/dbname or "
                             "sqlite:////absolute/path/addrmig.sqlite3.").format(where=where)) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        return parsed.render_as_string(hide_password=False)
    raise BadArguments(_("{where} names a {backend} database; addrmig keeps its data in PostgreSQL (postgresql://…) "
                         "or sqlite (sqlite:///…).").format(where=where, backend=backend))


def shown(url: str) -> str:
    """``url`` as it may be shown to a person: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def sent_retention() -> timedelta:
    """How long a copy of a sent file is kept ($ADDRMIG_SENT_RETENTION_DAYS, default 30 days)."""
    return timedelta(days=_positive(RETENTION_VARIABLE, DEFAULT_RETENTION_DAYS, _("days")))


def workspace_ttl() -> timedelta:
    """How long a workspace is kept after its last use ($ADDRMIG_WORKSPACE_TTL_HOURS, default 24 hours)."""
    return timedelta(hours=_positive(TTL_VARIABLE, DEFAULT_TTL_HOURS, _("hours")))


def _positive(variable: str, default: float, unit: str) -> float:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if not value > 0:
        raise BadArguments(_("{variable} must be a number of {unit} above 0 (got {raw}); unset it for the default of "
                             "{default}.").format(variable=variable, unit=unit, raw=repr(raw), default=format(default, 'g')))
    return value
