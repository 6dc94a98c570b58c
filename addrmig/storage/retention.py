"""What is deleted, and when: copies of sent files after the retention period, workspaces
after their time to live (with the place memory of a workspace that was its own owner, i.e.
of nobody signed in), and then any bytes nothing refers to any more.

Nobody has to ask: opening or using a store runs :func:`purge` when this process has not
done so in the last ten minutes (``Database.purge_if_due``), so a server that runs for
weeks purges as it goes. The history keeps each submission's
sha256, size and row count after its copy is gone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from addrmig.storage import blobs, memory
from addrmig.storage.database import Database, utcnow
from addrmig.storage.models import SubmissionRecord, WorkspaceRecord


@dataclass(frozen=True)
class Purged:
    """How many copies, workspaces and stored files one purge deleted."""

    copies: int
    workspaces: int
    files: int


def purge(database: Database, now: datetime | None = None) -> Purged:
    """Delete what expired by ``now`` (default: the current time), in one transaction."""
    moment = now or utcnow()
    with database.writing() as session:
        copies = expire_copies(session, moment)
        workspaces = expire_workspaces(session, moment)
        files = blobs.delete_unreferenced(session)
    return Purged(copies, workspaces, files)


def expire_copies(session: Session, moment: datetime) -> int:
    """Let go of the copies kept until ``moment`` or before (the blobs go with the next sweep); how many."""
    result = session.execute(update(SubmissionRecord)
                             .where(SubmissionRecord.copy_sha256.is_not(None), SubmissionRecord.copy_kept_until <= moment)
                             .values(copy_sha256=None).execution_options(synchronize_session=False))
    return result.rowcount


def expire_workspaces(session: Session, moment: datetime) -> int:
    """Delete the workspaces that expired by ``moment``, the files only they kept and the place memory
    of those that owned themselves; how many."""
    expired = session.execute(select(WorkspaceRecord.id, WorkspaceRecord.owner, WorkspaceRecord.file_sha256,
                                     WorkspaceRecord.edits_sha256)
                              .where(WorkspaceRecord.expires_at <= moment)).all()
    if not expired:
        return 0
    ids = [row.id for row in expired]
    for start in range(0, len(ids), 500):
        session.execute(delete(WorkspaceRecord).where(WorkspaceRecord.id.in_(ids[start:start + 500]))
                        .execution_options(synchronize_session=False))
    blobs.delete_unreferenced(session, [sha for row in expired for sha in (row.file_sha256, row.edits_sha256)])
    memory.forget(session, own_owners(expired))
    return len(expired)


def own_owners(workspaces) -> list[str]:
    """The owners among ``workspaces`` (rows with ``id`` and ``owner``) that are the workspace itself
    (``workspace:<id>``: nobody signed in): nothing of theirs is reachable once the workspace is gone."""
    return [row.owner for row in workspaces if row.owner == f"workspace:{row.id}"]
