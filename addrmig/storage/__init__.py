"""Where addrmig keeps its state: one database, through SQLAlchemy 2.

sqlite in the data dir by default (nothing to set up), PostgreSQL when
``ADDRMIG_DATABASE_URL`` says so (psycopg 3); the schema is versioned with Alembic and
brought up to date when a process first opens the database (``addrmig db upgrade`` does
it explicitly), carrying over the history and place memory kept before the database.

=================  ===========================================================================
module             what it is
=================  ===========================================================================
``settings``       the environment: database URL, retention of sent copies, workspace lifetime
``database``       ``Database`` (engine, read/write transactions), ``open_database(url)``
``models``         the tables, as SQLAlchemy models
``migrate``        ``upgrade()``: Alembic from code, under the database's lock
``migrations/``    Alembic's env.py and one script per schema revision
``legacy``         carrying over ``history.sqlite3``, ``sent/`` and ``corrections.sqlite`` of the
                   version before
``visibility``     owners, scopes (the connection a record concerns), viewers: who sees what
``blobs``          bytes kept once per sha256, in chunks
``retention``      deleting expired copies and workspaces
``workspaces``     ``WorkspaceStore``: browser workspaces kept on the server
``memory``         ``PlaceMemory``: one owner's place choices and rules
``sql``            what PostgreSQL and sqlite spell differently
=================  ===========================================================================

The submission history built on it is ``addrmig.history.History``; the place memory,
``addrmig.locations.corrections.Corrections``.
"""
from __future__ import annotations

from addrmig.storage.database import Database, open_database
from addrmig.storage.visibility import LOCAL, LOCAL_VIEWER, Viewer, akinon_scope, sandbox_scope
from addrmig.storage.workspaces import StoredWorkspace, WorkspaceStore

__all__ = ["LOCAL", "LOCAL_VIEWER", "Database", "StoredWorkspace", "Viewer", "WorkspaceStore", "akinon_scope",
           "open_database", "sandbox_scope"]
