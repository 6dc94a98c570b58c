"""A :class:`~addrmig.workspace.Workspace` saved to the workspace store and brought back.

What is kept (never the Akinon token): the uploaded file and the options it was read with,
the edit log (every cell change with its before and after, so undo works after a reload),
the user's place choices, the place reference chosen, the connection settings and the
submission being watched. The edit log is an Arrow IPC stream, the rest plain JSON.
Restoring reads the file again with its options and replays the edits, so the frame, its
version and its content key come back as they were; place matching is redone on demand.
"""
from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from addrmig.i18n import _
from addrmig.pipeline import Loaded
from addrmig.storage.workspaces import StoredWorkspace, WorkspaceStore
from addrmig.workspace import Edit, Workspace

STATE_VERSION = 1
#: Reads an uploaded file again: ``load(data, name, options) -> Loaded``.
Loader = Callable[[bytes, str, dict], Loaded]


@dataclass(frozen=True)
class Restored:
    """A workspace brought back, and what the user should be told about it (None: nothing)."""

    workspace: Workspace
    submission_id: int | None
    note: str | None = None


def fingerprint(ws: Workspace) -> str:
    """Changes exactly when something :func:`save` keeps changes (cheap: no frame is hashed)."""
    corrections, picks = ws.session_corrections, ws.session_choices
    key = (ws.file_sha, sorted(ws.options.items(), key=str), ws.content_key(), len(ws.edits),
           0 if corrections is None else len(corrections), 0 if picks is None else len(picks), ws.location_source,
           (ws.connection.mode, ws.connection.url, ws.connection.channel_id),
           ws.submission.id if ws.submission is not None else None, ws.language)
    return hashlib.sha256(repr(key).encode("utf-8", "surrogatepass")).hexdigest()


def state_of(ws: Workspace) -> dict:
    """The JSON part of what is kept."""
    corrections, picks = ws.session_corrections, ws.session_choices
    return {
        "version": STATE_VERSION,
        "file": None if ws.file_sha is None else {"name": ws.file_name, "sha256": ws.file_sha,
                                                  "options": _plain(ws.options)},
        "edits": [edit.label for edit in ws.edits],
        "choices": [] if corrections is None else corrections.astype(str).to_dict("records"),  # rules
        "picks": [] if picks is None else picks.astype(str).to_dict("records"),  # each for its written place
        "locations": ws.location_source if ws.location_source in ("bundled",) or
        ws.location_source.startswith("akinon:") else "bundled",
        "connection": {"mode": ws.connection.mode, "url": ws.connection.url,
                       "channel_id": ws.connection.channel_id},
        "submission_id": ws.submission.id if ws.submission is not None else None,
        "language": ws.language,
    }


def edits_bytes(edits: list[Edit]) -> bytes:
    """The edit log as one Arrow IPC stream: edit number, row, column, before, after.

    Each edit's columns go to Arrow as they are (Arrow-backed text without a Python object per
    value): the places written into a million-row file are 1.7 million changes, and turning
    them into Python strings first held the server's other threads for half a second."""
    if not edits:
        return b""
    tables = [pa.table({"edit": pa.array(np.full(len(edit.changes), number, dtype=np.int32)),
                        "row": pa.array(edit.changes["row"], pa.int64()),
                        "column": _texts(edit.changes["column"].astype(str)),
                        "before": _texts(edit.changes["before"]), "after": _texts(edit.changes["after"])})
              for number, edit in enumerate(edits)]
    arrow = pa.concat_tables(tables)
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, arrow.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(arrow)
    return sink.getvalue()


def _texts(column: pd.Series) -> pa.Array:
    """A column of texts as Arrow strings, missing values (None, NaN) as nulls."""
    return pa.array(column, pa.string(), from_pandas=True)


def edits_from(data: bytes, labels: list[str]) -> list[Edit]:
    """The edit log written by :func:`edits_bytes`, with its ``labels``."""
    if not data:
        return []
    table = pa.ipc.open_stream(io.BytesIO(data)).read_all().to_pandas()
    edits = []
    for number, label in enumerate(labels):
        part = table[table["edit"] == number]
        changes = pd.DataFrame({"row": part["row"].to_numpy(), "column": part["column"].to_numpy(dtype=object),
                                "before": part["before"].to_numpy(dtype=object),
                                "after": part["after"].to_numpy(dtype=object)})
        edits.append(Edit(label, changes))
    return edits


def save(ws: Workspace, store: WorkspaceStore, *, with_file: bool) -> None:
    """Save ``ws`` (it has ``id`` and ``owner``); ``with_file`` sends the uploaded bytes too
    (needed only when the file changed since the last save: the store keeps each file once).
    Once saved, the store has the file, and the workspace lets go of its bytes (151 MB for a
    million rows): the parsed file is what the session works on (:func:`file_bytes` gives them back)."""
    store.save(ws.id, ws.owner, state=state_of(ws), edits=edits_bytes(ws.edits),
               file_name=ws.file_name if with_file else None,
               file_bytes=ws.file_bytes if with_file and ws.file_bytes is not None else None)
    ws.file_bytes = None


def file_bytes(ws: Workspace, store: WorkspaceStore) -> bytes | None:
    """The uploaded file's bytes: the workspace's own, else (it was saved) the store's copy."""
    if ws.file_bytes is not None or not ws.id or not ws.owner:
        return ws.file_bytes
    return store.file_bytes(ws.id, ws.owner)


def restore(stored: StoredWorkspace, store: WorkspaceStore, load: Loader) -> Restored:
    """The workspace ``stored`` as it was: its file read again with the same options, its edits
    replayed, its choices and settings back. A file that can no longer be read (a newer reader
    may refuse what an older one took) leaves an empty workspace and a note saying so."""
    from addrmig.errors import AddrmigError

    ws = Workspace()
    ws.id, ws.owner = stored.id, stored.owner
    state = stored.state or {}
    connection = state.get("connection") or {}
    ws.connection.mode = connection.get("mode", ws.connection.mode)
    ws.connection.url = connection.get("url", "")
    ws.connection.channel_id = connection.get("channel_id", ws.connection.channel_id)
    ws.language = state.get("language")
    if state.get("choices"):
        ws.session_corrections = pd.DataFrame(state["choices"], dtype=str)
    if state.get("picks"):
        ws.session_choices = pd.DataFrame(state["picks"], dtype=str)
    location = state.get("locations") or "bundled"
    note = None
    if location != "bundled":
        ws.location_source = location  # the page downloads it again from the same Akinon
    file = state.get("file")
    if file:
        data = store.file_bytes(stored.id, stored.owner)
        try:
            loaded = load(data, file["name"], dict(file.get("options") or {}))
        except AddrmigError as error:
            note = _("{name} could not be read again: {error}").format(name=file["name"], error=error)
        else:
            ws.set_loaded(file["name"], data, loaded, dict(file.get("options") or {}))
            ws.file_bytes = None  # the store has them (:func:`file_bytes`)
            for edit in edits_from(stored.edits, list(state.get("edits") or [])):
                ws.replay(edit)
    return Restored(ws, state.get("submission_id"), note)


def _plain(options: dict) -> dict:
    """Reading options as JSON data (they are strings, numbers and a dict of column choices)."""
    return json.loads(json.dumps(options, default=str))
