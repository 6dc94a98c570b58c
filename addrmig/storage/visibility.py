"""Who owns a record, which connection it concerns, and who may see it (who may use the app at
all is ``addrmig.access``).

- **owner** — who made the record: ``user:<e-mail>`` (a signed-in user), ``workspace:<id>``
  (a browser workspace without sign-in), or ``local`` (the command line, and records carried
  over from the history kept before the database).
- **scope** — the connection a record concerns: ``akinon:<base url>#<channel>`` for an Akinon
  installation (URL normalised: scheme and host in lower case, no trailing slash), or
  ``sandbox:<owner>`` for a rehearsal in the built-in sandbox, which belongs to its owner alone.
- **viewer** — who is looking: an owner plus the Akinon scopes it has proven, i.e. for which
  it showed a token that Akinon accepted. A viewer sees its own records and every record of a
  proven scope; nothing else. A sandbox scope cannot be proven: only its owner sees it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, or_

from addrmig.errors import BadArguments
from addrmig.i18n import _

LOCAL = "local"
AKINON_PREFIX = "akinon:"
SANDBOX_PREFIX = "sandbox:"


def akinon_scope(base_url: str, channel_id: int | str) -> str:
    """The scope of an Akinon installation's channel: ``akinon:https://shop.example.com#1``."""
    parts = urlsplit((base_url or "").strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise BadArguments(_("{base_url} is not an http(s) address of an Akinon installation.").format(base_url=repr(base_url)))
    path = parts.path.rstrip("/")
    return f"{AKINON_PREFIX}{parts.scheme.lower()}://{parts.netloc.lower()}{path}#{str(channel_id).strip()}"


def sandbox_scope(owner: str) -> str:
    """The scope of ``owner``'s rehearsals in the built-in sandbox (seen by ``owner`` only)."""
    return f"{SANDBOX_PREFIX}{owner}"


@dataclass(frozen=True)
class Viewer:
    """Who is looking: ``owner`` and the Akinon scopes it proved a token for (others are ignored)."""

    owner: str
    scopes: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.owner or not self.owner.strip():
            raise BadArguments(_("A viewer needs an owner (e.g. 'local', 'user:alice@example.com')."))
        proven = frozenset(scope for scope in self.scopes if scope.startswith(AKINON_PREFIX))
        object.__setattr__(self, "scopes", proven)

    def proving(self, scopes: Iterable[str]) -> Viewer:
        """This viewer with ``scopes`` proven as well."""
        return Viewer(self.owner, self.scopes | frozenset(scopes))

    def sees(self, owner: str, scope: str) -> bool:
        """Whether a record of ``owner`` about ``scope`` is visible to this viewer."""
        return owner == self.owner or scope in self.scopes

    def condition(self, owner_column: ColumnElement, scope_column: ColumnElement) -> ColumnElement[bool]:
        """:meth:`sees` as an SQL condition on a table's owner and scope columns."""
        if not self.scopes:
            return owner_column == self.owner
        return or_(owner_column == self.owner, scope_column.in_(sorted(self.scopes)))


#: The command line's viewer: the records it made, and those carried over from before the database.
LOCAL_VIEWER = Viewer(LOCAL)
