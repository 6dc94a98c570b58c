"""Browser workspaces kept on the server, so a reload or another tab (or another replica)
with the workspace's id in its URL continues where the user was.

A workspace holds what the session object serialises: a JSON ``state``, the uploaded file
(stored once per sha256, in chunks) and the edit log (bytes); never the Akinon token. Its
id is unguessable (``secrets.token_urlsafe(24)``) and it is only given back to its owner.
It expires ``ADDRMIG_WORKSPACE_TTL_HOURS`` (default 24) after its last save or
:meth:`WorkspaceStore.touch`; an expired workspace is never loaded again, and the purge
deletes it with the files only it used.
"""
from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from addrmig.errors import BadArguments, WorkspaceGone
from addrmig.i18n import _
from addrmig.storage import blobs, memory, retention
from addrmig.storage.database import Database, open_database, utcnow
from addrmig.storage.models import Blob, WorkspaceRecord
from addrmig.storage.settings import workspace_ttl

_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class StoredWorkspace:
    """A saved workspace as it was last saved (the uploaded file's bytes: :meth:`WorkspaceStore.file_bytes`)."""

    id: str
    owner: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    state: dict
    edits: bytes
    file_name: str | None
    file_sha256: str | None
    file_size: int | None


class WorkspaceStore:
    """The workspaces in ``database`` (default: :func:`open_database`), each kept ``ttl`` after its last use."""

    def __init__(self, database: Database | None = None, *, ttl: timedelta | None = None) -> None:
        self.database = database or open_database()
        self.ttl = ttl or workspace_ttl()
        self.database.purge_if_due()

    def __repr__(self) -> str:
        return f"WorkspaceStore({self.database.shown_url!r}, ttl={self.ttl})"

    def create(self, owner: str | None = None) -> str:
        """A new, empty workspace; returns its id. Without an ``owner`` it owns itself (``workspace:<id>``)."""
        self.database.purge_if_due()
        workspace_id = secrets.token_urlsafe(24)
        moment = utcnow()
        with self.database.writing() as session:
            session.add(WorkspaceRecord(id=workspace_id, owner=owner or f"workspace:{workspace_id}", created_at=moment,
                                        updated_at=moment, expires_at=moment + self.ttl, state={}))
        return workspace_id

    def save(self, workspace_id: str, owner: str, *, state: dict, edits: bytes,
             file_name: str | None = None, file_bytes: blobs.Source | None = None) -> StoredWorkspace:
        """Replace the workspace's ``state`` (JSON-serialisable) and ``edits``; with ``file_bytes`` (bytes, or a
        binary file read from its position in 4 MB chunks) its uploaded file too, and with ``file_name``
        that file's name. Extends its life by the time to live. Raises WorkspaceGone when the workspace
        is unknown, expired or another owner's."""
        try:
            state = json.loads(json.dumps(state))
        except (TypeError, ValueError) as error:
            raise BadArguments(_("A workspace's state must be plain JSON data: {error}.").format(error=error)) from None
        moment = utcnow()
        with self.database.writing() as session:
            record = self._live(session, workspace_id, owner, moment, lock=True)
            if record is None:
                raise WorkspaceGone(_gone(self.ttl))
            before = {record.file_sha256, record.edits_sha256}
            if file_bytes is not None:
                record.file_sha256 = blobs.put(session, file_bytes)[0]
            if file_name is not None or file_bytes is not None:
                record.file_name = file_name
            record.edits_sha256 = blobs.put(session, edits)[0] if edits else None
            record.state, record.updated_at, record.expires_at = state, moment, moment + self.ttl
            session.flush()
            blobs.delete_unreferenced(session, before - {record.file_sha256, record.edits_sha256})
            return self._stored(session, record)

    def load(self, workspace_id: str, owner: str) -> StoredWorkspace | None:
        """The workspace as last saved; None when it is unknown, expired, or another owner's."""
        self.database.purge_if_due()
        with self.database.reading() as session:
            record = self._live(session, workspace_id, owner, utcnow())
            return None if record is None else self._stored(session, record)

    def file_bytes(self, workspace_id: str, owner: str) -> bytes | None:
        """The uploaded file of the workspace; None when it has none (or is not there for ``owner``)."""
        with self.database.reading() as session:
            record = self._live(session, workspace_id, owner, utcnow())
            if record is None or record.file_sha256 is None:
                return None
            return blobs.read(session, record.file_sha256)

    def file_chunks(self, workspace_id: str, owner: str) -> Iterator[bytes]:
        """The uploaded file a chunk at a time (nothing when there is none); iterate to the end or close it."""
        with self.database.reading() as session:
            record = self._live(session, workspace_id, owner, utcnow())
            if record is not None and record.file_sha256 is not None:
                yield from blobs.chunks(session, record.file_sha256)

    def touch(self, workspace_id: str, owner: str) -> datetime | None:
        """Mark the workspace used: it now expires a time to live from now, which is returned
        (None when it is unknown, expired or another owner's: an expired workspace stays expired)."""
        moment = utcnow()
        with self.database.writing() as session:
            result = session.execute(update(WorkspaceRecord)
                                     .where(WorkspaceRecord.id == workspace_id, WorkspaceRecord.owner == owner,
                                            WorkspaceRecord.expires_at > moment)
                                     .values(expires_at=moment + self.ttl)
                                     .execution_options(synchronize_session=False))
        return moment + self.ttl if result.rowcount else None

    def delete(self, workspace_id: str, owner: str) -> bool:
        """Delete the workspace and the files only it used (and its place memory when it was its own
        owner); False when there was none of ``owner``'s."""
        with self.database.writing() as session:
            record = self._live(session, workspace_id, owner, None, lock=True)
            if record is None:
                return False
            shas = [record.file_sha256, record.edits_sha256]
            own = retention.own_owners([record])
            session.delete(record)
            session.flush()
            blobs.delete_unreferenced(session, shas)
            memory.forget(session, own)
        return True

    def purge_expired(self, now: datetime | None = None) -> int:
        """Delete every workspace expired by ``now`` (default now) with the files only it used; how many."""
        with self.database.writing() as session:
            return retention.expire_workspaces(session, now or utcnow())

    @staticmethod
    def _live(session: Session, workspace_id: str, owner: str, moment: datetime | None, *,
              lock: bool = False) -> WorkspaceRecord | None:
        if not isinstance(workspace_id, str) or not _ID.match(workspace_id):
            return None
        record = session.get(WorkspaceRecord, workspace_id, with_for_update=lock or None)
        if record is None or record.owner != owner or (moment is not None and record.expires_at <= moment):
            return None
        return record

    @staticmethod
    def _stored(session: Session, record: WorkspaceRecord) -> StoredWorkspace:
        edits = blobs.read(session, record.edits_sha256) if record.edits_sha256 else b""
        size = session.scalar(select(Blob.size).where(Blob.sha256 == record.file_sha256)) if record.file_sha256 else None
        return StoredWorkspace(id=record.id, owner=record.owner, created_at=record.created_at,
                               updated_at=record.updated_at, expires_at=record.expires_at, state=record.state,
                               edits=edits, file_name=record.file_name, file_sha256=record.file_sha256,
                               file_size=size)


def _gone(ttl: timedelta) -> str:
    hours = ttl.total_seconds() / 3600
    return _("This workspace is no longer on the server: workspaces are deleted {hours} hours after their last use "
             "(or the link is wrong). Start again by uploading the file.").format(hours=f"{hours:g}")
