"""Files written whole or not at all: a half-written output after a crash, Ctrl-C or a full
disk would look like a good file."""
from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file to write ``path``'s new content to. It is a temporary file in the same
    folder, put in ``path``'s place (``os.replace``) when the block ends, and removed
    instead when anything fails, so ``path`` is the old file or the whole new one.

    The new file gets the permissions ``open()`` would give it (an existing file's own), and
    a symbolic link stays one: the file it points to is replaced. An error creating or
    placing the file names ``path``, not the temporary file.
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        # O_EXCL: never write through a file someone else put there; 0o666 less the umask, as open() does
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise _naming(error, path) from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            yield stream
        try:
            if target.exists():
                os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
            os.replace(temporary, target)
        except OSError as error:
            raise _naming(error, path) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (see ``atomic_output``)."""
    with atomic_output(path) as stream:
        stream.write(data)


def _naming(error: OSError, path: str | os.PathLike[str]) -> OSError:
    """The same error, naming the file the caller asked for."""
    return OSError(error.errno, error.strerror, os.fspath(path))
