"""Who may use a deployed addrmig, and what the server's own Akinon token may be used for.

- **Sign-in** (optional) is Streamlit's ``st.login`` (OpenID Connect, ``[auth]`` in
  ``.streamlit/secrets.toml``). With it, only addresses on the allow-list get in:
  ``ADDRMIG_ALLOWED_USERS`` or ``[addrmig] allowed_users`` — e-mail addresses, or
  ``@domain`` for everyone at that domain. Without sign-in the app is a local, one-person
  tool and every browser workspace is its own owner.
- **Owners.** Every stored record belongs to ``user:<e-mail>`` (signed in) or
  ``workspace:<id>`` (not signed in).
- **The server's token** (``AKINON_TOKEN`` in the environment or secrets) is used only for
  signed-in, allowed users, or when the app listens on loopback only; otherwise it is
  ignored and the log says why. It never reaches a browser: the pages only ever learn
  *whether* it may be used.

Pure functions of the settings, so the rules are tested without a browser.
"""
from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


def parse_allowed(values: str | Iterable[str] | None) -> tuple[str, ...]:
    """The allow-list as lower-case entries (``a@b.com`` or ``@b.com``), from a comma- or
    space-separated string or a list."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    entries = []
    for value in values:
        value = str(value).strip().lower()
        if value:
            entries.append(value if "@" in value else "@" + value)
    return tuple(entries)


def is_allowed(email: str | None, allowed: Iterable[str]) -> bool:
    """True when ``email`` is on the allow-list, by address or by ``@domain``; an empty
    allow-list admits nobody (a deployment with sign-in must say who may use it)."""
    if not email or "@" not in email:
        return False
    email = email.strip().lower()
    domain = "@" + email.rsplit("@", 1)[1]
    return any(entry in (email, domain) for entry in allowed)


def listens_on_loopback_only(address: str | None) -> bool:
    """True when the server's bind address (``server.address``) is a loopback address."""
    if not address:
        return False  # unset: Streamlit listens on every interface
    address = address.strip().strip("[]")
    if address.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class AccessPolicy:
    """The deployment's settings that decide who gets in and when the server's token is used."""

    sign_in: bool
    allowed: tuple[str, ...]
    loopback_only: bool
    server_token: bool  # whether the server has a token at all (never the token itself)

    def admits(self, email: str | None) -> bool:
        """Whether a visitor may use the app: anyone without sign-in; with it, allowed e-mails."""
        return not self.sign_in or is_allowed(email, self.allowed)

    def server_token_usable(self, email: str | None) -> bool:
        """Whether the server's token may be used for this visitor."""
        if not self.server_token:
            return False
        if self.sign_in:
            return is_allowed(email, self.allowed)
        return self.loopback_only

    def server_token_refusal(self) -> str | None:
        """Why the server's token is ignored for everyone, for the server log (None when it is used)."""
        if not self.server_token or self.sign_in or self.loopback_only:
            return None
        return ("AKINON_TOKEN is set but ignored: the app listens beyond this computer and sign-in is not "
                "configured, so anyone who reaches it could send with the server's token. Configure sign-in "
                "([auth] in .streamlit/secrets.toml) or run with --server.address 127.0.0.1.")


def policy_from(secrets: Mapping[str, object], environ: Mapping[str, str] | None = None,
                bind_address: str | None = None) -> AccessPolicy:
    """The policy from Streamlit's secrets (a mapping), the environment and the bind address."""
    environ = os.environ if environ is None else environ
    settings = secrets.get("addrmig") if isinstance(secrets.get("addrmig"), Mapping) else {}
    allowed = parse_allowed(environ.get("ADDRMIG_ALLOWED_USERS")) or parse_allowed(settings.get("allowed_users"))
    return AccessPolicy(sign_in=isinstance(secrets.get("auth"), Mapping), allowed=allowed,
                        loopback_only=listens_on_loopback_only(bind_address),
                        server_token=bool(environ.get("AKINON_TOKEN") or secrets.get("AKINON_TOKEN")))


def server_token(secrets: Mapping[str, object], environ: Mapping[str, str] | None = None) -> str:
    """The server's own Akinon token ("" when there is none). Only the send path calls this,
    after :meth:`AccessPolicy.server_token_usable` said yes."""
    environ = os.environ if environ is None else environ
    return str(environ.get("AKINON_TOKEN") or secrets.get("AKINON_TOKEN") or "")


def owner_of(email: str | None, workspace_id: str) -> str:
    """The owner of what a visitor stores: the signed-in user, else the browser workspace."""
    return f"user:{email.strip().lower()}" if email else f"workspace:{workspace_id}"
