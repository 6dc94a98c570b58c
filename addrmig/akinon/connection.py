"""Where submissions go (the sandbox or an Akinon installation), and checking that it answers.

``Connection`` holds the settings; the token lives only in that object, in memory.
``login`` asks Akinon for a token, ``test_connection`` tells a reachable, token-accepting
Akinon apart from a wrong address, a web shop's storefront or a refused token.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from addrmig.akinon.client import AkinonClient
from addrmig.errors import AkinonAuthError, AkinonBadResponse, AkinonError, AkinonNotFound, BadArguments
from addrmig.i18n import _

SANDBOX = "sandbox"
AKINON = "akinon"


@dataclass
class Connection:
    """Where submissions go. The token lives only in this object in memory."""

    mode: str = SANDBOX
    url: str = ""
    channel_id: str = "1"
    token: str = field(default="", repr=False)
    #: Send with the server's own token (``addrmig.access``: only where the deployment allows it;
    #: the token itself never enters this object, so it never reaches a page).
    use_server_token: bool = False

    def __repr__(self) -> str:  # never show the token, even in a debugger
        return (f"Connection(mode={self.mode!r}, url={self.url!r}, channel_id={self.channel_id!r}, "
                f"token={'***' if self.token else ''!r}, use_server_token={self.use_server_token!r})")

    @property
    def ready(self) -> bool:
        """True when a submission could be attempted with these settings."""
        if self.mode == SANDBOX:
            return True
        return bool(self.url.strip() and self.channel_id.strip() and (self.token or self.use_server_token))

    @property
    def scope(self) -> str:
        """The Akinon connection this concerns (``storage.visibility.akinon_scope``)."""
        from addrmig.storage.visibility import akinon_scope

        return akinon_scope(self.url, self.channel_id)


def login(url: str, username: str, password: str) -> str:
    """Ask Akinon for a token with a user name and password; returns the token (kept in memory only)."""
    with AkinonClient(url) as client:
        return client.login(username, password)


def check_connection(connection: Connection, token: str | None = None) -> str:
    """Check the URL, the channel id and the token with harmless requests; returns a sentence for the user.

    Tells apart, each with an AddrmigError saying what to do:
    - a URL that cannot be reached (connection refused, unknown host, time-out);
    - a URL that answers but is not Akinon: Commerce serves its location list publicly as
      paginated JSON at ``/address/country/``; a web page, a redirect, or a 404 there AND on
      the migration API means a wrong address (a 404 alone used to pass as success);
    - a refused token: the progress endpoint checks the token before anything else (401/403);
    - a channel id that is not a number.
    Whether the channel exists cannot be asked beforehand: for an unknown migration Akinon
    answers 404 whatever the channel, so the sentence says the channel is checked on sending.
    ``token`` replaces the connection's own (the server's token, which never enters it).
    """
    channel = str(connection.channel_id).strip()
    if not channel.isdigit():
        raise BadArguments(_("The channel id must be a number (got {channel}); find it in Omnitron under Sales Channels.").format(channel=repr(channel)))
    with AkinonClient(connection.url, token or connection.token or None, timeout=(5, 10), retries=0) as client:
        base = client.base_url
        locations = "unknown"
        try:
            body = client.get_json("/address/country/", params={"page_size": 1})
            paginated = isinstance(body.get("results"), list) and "count" in body
            locations = "yes" if paginated else "no"
        except AkinonNotFound:
            locations = "no"
        except AkinonBadResponse as error:  # a web page or a redirect: not the API
            raise AkinonBadResponse(
                _("{base} answers, but not as Akinon's API does: {error} Use the API address of your Akinon "
                  "Commerce installation (ask Akinon support if unsure).").format(base=base, error=error)) from None
        except AkinonAuthError:
            locations = "unknown"  # some installations protect the list; the token check below decides
        try:
            client.get_progress(channel, "0" * 32)
        except AkinonAuthError:
            raise AkinonAuthError(
                _("{base} is reachable but refused the API token. Check the token (copy it again, or log in "
                  "below to get a new one).").format(base=base)) from None
        except AkinonNotFound:
            # After the token check, Akinon answers 404 for a migration that does not exist:
            # expected here, but only trusted when the server also looks like Akinon.
            if locations == "no":
                raise AkinonNotFound(
                    _("{base} answers 'not found' to Akinon's address list and migration API alike: this is "
                      "probably not the right address. Use your Akinon Commerce API address, e.g. "
                      "https://yourshop.akinon.net, without any path after it.").format(base=base)) from None
        return _("Connected to {base}: it answers like Akinon and accepted the token. The channel id ({channel}) "
                 "cannot be checked in advance; Akinon checks it when you send.").format(base=base, channel=channel)


def prove_token(client: AkinonClient, channel_id: str) -> bool:
    """Whether Akinon accepts ``client``'s token, asked with a progress question for a migration
    that cannot exist (404 means the token passed). Raises AkinonAuthError, with a sentence, when
    it is refused; False when the server could not say in time (the send itself will tell)."""
    with client.quick() as quick:
        try:
            quick.get_progress(str(channel_id).strip(), "0" * 32)
        except AkinonNotFound:
            return True
        except AkinonAuthError:
            raise AkinonAuthError(_("{base_url} refused the API token, so nothing was sent. Check the token (copy it again, or "
                                    "log in to get a new one).").format(base_url=client.base_url)) from None
        except AkinonError:
            return False
    return True
