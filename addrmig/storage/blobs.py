"""Bytes kept once per sha256, in chunks: copies of sent files, uploads, edit logs.

A 200 MB upload becomes 50 rows of 4 MB, so neither database holds one huge value and
reading or writing it holds one chunk at a time besides the caller's own bytes. A blob
is written in the same transaction as the row that references it, and deleted (with
:func:`delete_unreferenced`) in the transaction that drops the last reference.

Two transactions racing over one blob (PostgreSQL, READ COMMITTED) stay safe because
both lock its row: :func:`put` takes ``FOR KEY SHARE`` before referencing an existing
blob, :func:`delete_unreferenced` takes ``FOR UPDATE`` and then looks for references
again in a new statement, which sees what committed while it waited. On sqlite every
write transaction has the database to itself.
"""
from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from sqlalchemy import and_, delete, exists, insert, select
from sqlalchemy.orm import Session

from addrmig.errors import StorageError
from addrmig.i18n import _
from addrmig.storage.database import utcnow
from addrmig.storage.models import BLOB_REFERENCES, Blob, BlobChunk
from addrmig.storage.sql import insert_new

CHUNK_SIZE = 4 * 1024 * 1024
_BATCH = 500  # keys per IN (...) list

Source = bytes | bytearray | memoryview | BinaryIO


def put(session: Session, source: Source) -> tuple[str, int]:
    """Keep ``source`` (bytes, or a binary file read from its current position) unless a blob
    with its sha256 exists; returns ``(sha256, size)``. Runs in the caller's write transaction."""
    sha, size = _digest(source)
    while True:
        if session.scalar(select(Blob.sha256).where(Blob.sha256 == sha).with_for_update(read=True, key_share=True)):
            return sha, size
        if insert_new(session, Blob, sha256=sha, size=size, chunks=-(-size // CHUNK_SIZE), created_at=utcnow()):
            _write_chunks(session, sha, source)
            return sha, size
        # Another transaction stored it and committed meanwhile: lock it on the next round.


def chunks(session: Session, sha: str) -> Iterator[bytes]:
    """The bytes of blob ``sha``, a chunk at a time; KeyError when there is no such blob."""
    count = session.scalar(select(Blob.chunks).where(Blob.sha256 == sha))
    if count is None:
        raise KeyError(sha)
    for seq in range(count):
        data = session.scalar(select(BlobChunk.data).where(BlobChunk.sha256 == sha, BlobChunk.seq == seq))
        if data is None:
            raise StorageError(_("Part {part} of {count} of the stored file {sha}… is missing from the database; the "
                                 "file cannot be given back whole.").format(part=seq + 1, count=count, sha=sha[:12]))
        yield data


def read(session: Session, sha: str) -> bytes:
    """The bytes of blob ``sha``; KeyError when there is no such blob."""
    out = io.BytesIO()  # grows in place and hands its buffer over: one copy of the file in memory
    for data in chunks(session, sha):
        out.write(data)
    return out.getvalue()


def delete_unreferenced(session: Session, candidates: Iterable[str | None] | None = None) -> int:
    """Delete the blobs among ``candidates`` (None: all blobs) that no row references; how many went."""
    if candidates is None:
        return _delete_unreferenced(session, None)
    keys = sorted({sha for sha in candidates if sha})
    return sum(_delete_unreferenced(session, keys[i:i + _BATCH]) for i in range(0, len(keys), _BATCH))


def _delete_unreferenced(session: Session, keys: list[str] | None) -> int:
    unreferenced = and_(*[~exists().where(column == Blob.sha256) for column in BLOB_REFERENCES])
    query = select(Blob.sha256).where(unreferenced).order_by(Blob.sha256).with_for_update()
    if keys is not None:
        query = query.where(Blob.sha256.in_(keys))
    locked = list(session.scalars(query))
    if not locked:
        return 0
    # A new statement: on PostgreSQL it sees references committed while the locks were awaited.
    gone = list(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(locked), unreferenced)))
    if gone:
        session.execute(delete(BlobChunk).where(BlobChunk.sha256.in_(gone)))
        session.execute(delete(Blob).where(Blob.sha256.in_(gone)))
    return len(gone)


def _digest(source: Source) -> tuple[str, int]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return hashlib.sha256(source).hexdigest(), memoryview(source).nbytes
    start, digest, size = source.tell(), hashlib.sha256(), 0
    while data := source.read(CHUNK_SIZE):
        digest.update(data)
        size += len(data)
    source.seek(start)
    return digest.hexdigest(), size


def _write_chunks(session: Session, sha: str, source: Source) -> None:
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source).cast("B")
        pieces: Iterator[bytes] = (bytes(view[i:i + CHUNK_SIZE]) for i in range(0, view.nbytes, CHUNK_SIZE))
    else:
        pieces = iter(lambda: source.read(CHUNK_SIZE), b"")
    # What can change between the digest and the writing is hashed again as it goes in (an
    # upload of 150 MB: 0.12 s); ``bytes`` cannot.
    again = None if isinstance(source, bytes) else hashlib.sha256()
    for seq, data in enumerate(pieces):
        if again is not None:
            again.update(data)
        session.execute(insert(BlobChunk).values(sha256=sha, seq=seq, data=data))
    if again is not None and again.hexdigest() != sha:
        raise StorageError(_("The file changed while it was being stored; nothing was kept. Try again."))
