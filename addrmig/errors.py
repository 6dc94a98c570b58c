"""Exceptions with a sentence for a person.

Every failure the CLI or the pages can meet is one of these; they catch
``AddrmigError`` and show ``str(error)``, never a traceback.
"""
from __future__ import annotations


class AddrmigError(Exception):
    """Base class: ``str(error)`` says what is wrong, where, and what to do."""


class UnreadableFile(AddrmigError):
    """The input could not be read as a table."""


class FileTooLarge(UnreadableFile):
    """The input exceeds a configured limit (size, rows, columns, field length, inflated size)."""


class MissingColumns(AddrmigError):
    """Required Akinon columns could not be found in the input."""


class BadArguments(AddrmigError):
    """The caller asked for something that does not make sense."""


class LocationDBError(AddrmigError):
    """A location reference could not be loaded."""


class AkinonError(AddrmigError):
    """Talking to Akinon (or the sandbox) failed.

    ``may_have_started`` is True when a migration start may have reached the server although
    its answer was lost: the file must not be sent again without the user's word."""

    may_have_started: bool = False


class AkinonAuthError(AkinonError):
    """The token was refused (401/403)."""


class AkinonNotFound(AkinonError):
    """Wrong URL or channel (404)."""


class AkinonRejected(AkinonError):
    """The server refused the file (400)."""


class AkinonTooLarge(AkinonError):
    """The server refused the file as too large (413)."""


class AkinonServerError(AkinonError):
    """The server failed (5xx)."""


class AkinonTimeout(AkinonError):
    """No answer in time."""


class AkinonConnectionError(AkinonError):
    """The server could not be reached."""


class AkinonBadResponse(AkinonError):
    """The answer was not the JSON expected."""


class AlreadySubmitted(AkinonError):
    """The same file was already submitted to the same URL and channel; ``earlier`` is that
    submission (an ``addrmig.history.Submission``)."""

    def __init__(self, message: str, earlier: object = None) -> None:
        super().__init__(message)
        self.earlier = earlier


class StorageError(AddrmigError):
    """The database could not be reached, or holds what this version cannot use."""


class CopyDeleted(StorageError):
    """The copy of a sent file is gone: kept for the retention period, then deleted."""


class WorkspaceGone(StorageError):
    """A saved workspace is unknown, expired, or belongs to someone else."""
