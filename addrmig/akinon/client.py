"""AkinonClient: the migration API (start, progress) and login, over one requests.Session.

Every call has a (connect, read) timeout. GETs are retried with backoff on
connection errors and 429/500/502/503/504; the migration start is never retried
once it may have reached the server (a second start would import the addresses
twice), and when that happens the error says so (``error.may_have_started``).

The token never appears in a message, a repr, a URL or a log line: it is only
put into the ``Authorization`` header of the request being sent, and any server
text quoted in an error is scrubbed of it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import BinaryIO

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from addrmig.errors import (
    AkinonAuthError,
    AkinonBadResponse,
    AkinonConnectionError,
    AkinonError,
    AkinonNotFound,
    AkinonRejected,
    AkinonServerError,
    AkinonTimeout,
    AkinonTooLarge,
    BadArguments,
)
from addrmig.i18n import _

#: A token is an opaque printable ASCII word; anything else (a pasted newline, a
#: space, a non-Latin letter) would make requests or http.client raise an error
#: that quotes the header value, i.e. the token.
_TOKEN_RE = re.compile(r"^[\x21-\x7e]+$")
_MAX_QUOTED = 500  # characters of server text quoted in an error message


@dataclass(frozen=True)
class Progress:
    """A migration's counters as the server reports them."""

    processed: int
    errors: int
    total: int

    @property
    def finished(self) -> bool:
        """True once the server has processed every row it received."""
        return self.total > 0 and self.processed >= self.total


def normalize_base_url(base_url: str) -> str:
    """The base URL without trailing slashes or surrounding spaces; refuses anything not http(s)."""
    url = (base_url or "").strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", url):
        raise BadArguments(_("The Akinon URL {url} is not an http(s) address; give it like https://shop.example.com "
                             "(with or without a trailing slash).").format(url=repr(url)))
    return url


def check_token(token: str | None) -> str | None:
    """The token stripped of surrounding whitespace; BadArguments (not quoting it) if it cannot be sent."""
    if token is None:
        return None
    token = token.strip()
    if token.lower().startswith("token "):  # pasted together with the header's scheme word
        token = token[6:].strip()
    if not token or not _TOKEN_RE.match(token):
        raise BadArguments(_("The API token contains spaces, line breaks or non-ASCII characters; copy it again from "
                             "Omnitron (only the key itself) and retry."))
    return token


class _TokenAuth(requests.auth.AuthBase):
    """Adds ``Authorization: Token …`` to a request; its repr hides the token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Token {self._token}"
        return request

    def __repr__(self) -> str:
        return "<TokenAuth token=***>"


class AkinonClient:
    """Talks to one Akinon installation (or the sandbox) at ``base_url``.

    ``timeout`` is (connect, read) seconds for every call; ``retries`` is how
    many times a GET is retried after a connection error or a 429/5xx answer,
    with exponential ``backoff`` seconds between tries.
    """

    def __init__(self, base_url: str, token: str | None = None, *,
                 timeout: tuple[float, float] = (5, 30), retries: int = 3, backoff: float = 0.5) -> None:
        self.base_url = normalize_base_url(base_url)
        self._token = check_token(token)
        self.timeout = timeout
        self.session = requests.Session()
        # The session never holds the token (it is added per request by _TokenAuth),
        # so a session dumped into a log or a debugger shows nothing secret.
        retry = Retry(total=retries, connect=retries, read=retries, status=retries, other=0,
                      allowed_methods=frozenset({"GET"}), status_forcelist=(429, 500, 502, 503, 504),
                      backoff_factor=backoff, backoff_max=10, raise_on_status=False,
                      respect_retry_after_header=True)
        self._get_adapter = HTTPAdapter(max_retries=retry, pool_maxsize=8)
        self.session.mount("http://", self._get_adapter)
        self.session.mount("https://", self._get_adapter)
        self.session.headers["User-Agent"] = "addrmig"

    def quick(self) -> AkinonClient:
        """The same installation and token, asked once with short time-outs (for a question
        whose answer may be skipped when the server is slow)."""
        return AkinonClient(self.base_url, self._token, timeout=(3, 5), retries=0)

    # -- plumbing ---------------------------------------------------------
    def __repr__(self) -> str:
        return f"AkinonClient({self.base_url!r}, token={'<set>' if self._token else None})"

    def __enter__(self) -> AkinonClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def url(self, path: str) -> str:
        """``base_url`` + ``path`` (path starts with a slash)."""
        return self.base_url + path

    def _scrub(self, text: str) -> str:
        if self._token:
            text = text.replace(self._token, "***")
        return text

    def _server_text(self, response: requests.Response) -> str:
        """What the server said, short and scrubbed: JSON detail when there is one."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and set(body) == {"detail"}:
            text = str(body["detail"])
        elif body is not None:
            text = json.dumps(body, ensure_ascii=False)
        else:
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text or "")).strip()
        text = self._scrub(text)
        return text[:_MAX_QUOTED] + ("…" if len(text) > _MAX_QUOTED else "")

    def _auth(self) -> _TokenAuth:
        if not self._token:
            raise AkinonAuthError(_("No API token given: pass --token, set AKINON_TOKEN, or log in with a username and password"
                                    " first."))
        return _TokenAuth(self._token)

    def _send(self, method: str, path: str, *, what: str, auth: bool = True, may_start: bool = False,
              **kwargs) -> requests.Response:
        """Send a request; map every transport failure to an AkinonError (built outside
        the ``except`` so the exception carries no reference to the request and its headers)."""
        url = self.url(path)
        error: AkinonError | None = None
        try:
            response = self.session.request(method, url, auth=self._auth() if auth else None,
                                            timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.exceptions.ConnectTimeout:
            error = AkinonTimeout(_("{what}: {base_url} did not accept a connection within {seconds} s. Check the URL "
                                    "and your network, then retry.").format(what=what, base_url=self.base_url,
                                                                            seconds=f"{self.timeout[0]:g}"))
        except requests.exceptions.ReadTimeout:
            error = AkinonTimeout(_("{what}: {base_url} did not answer within {seconds} s.").format(
                what=what, base_url=self.base_url, seconds=f"{self.timeout[1]:g}"))
            error.may_have_started = may_start
        except requests.exceptions.ConnectionError as exc:
            # After the retries are spent urllib3 wraps a read timeout in MaxRetryError,
            # which requests reports as a ConnectionError: look inside.
            if _chain_has(exc, _read_timeouts()):
                error = AkinonTimeout(_("{what}: {base_url} did not answer within {seconds} s.").format(
                    what=what, base_url=self.base_url, seconds=f"{self.timeout[1]:g}"))
                error.may_have_started = may_start
                raise_later = error
            else:
                raise_later = None
            never_reached = _never_reached(exc)
            if never_reached:
                sentence = _("{what}: {base_url} could not be reached (connection refused or unknown host). Check the "
                             "URL, that the server is up, and your network.")
            else:
                sentence = _("{what}: {base_url} broke the connection before answering. Check the URL, that the server "
                             "is up, and your network.")
            error = raise_later or AkinonConnectionError(sentence.format(what=what, base_url=self.base_url))
            if raise_later is None:
                error.may_have_started = may_start and not never_reached
        except requests.exceptions.RequestException as exc:
            error = AkinonConnectionError(_("{what}: the request to {base_url} failed ({kind}).").format(
                what=what, base_url=self.base_url, kind=type(exc).__name__))
            error.may_have_started = may_start
        if error is not None:
            if error.may_have_started:
                error.args = (str(error) + " " + _("The file was sent, so the migration MAY have started: do not send "
                                                   "it again before checking the migration list in Omnitron (or "
                                                   "`python -m addrmig history`). "),)
            raise error
        return response

    def _check(self, response: requests.Response, *, what: str, not_found: str) -> dict:
        """The JSON object of a 2xx answer, or the typed error for any other answer."""
        status = response.status_code
        if 200 <= status < 300:
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise AkinonBadResponse(
                    _("{what}: {base_url} answered HTTP {status} but not with a JSON object (content type {content_type})."
                      " Is the URL the Akinon Commerce/Omnitron API and not a web page?").format(what=what, base_url=self.base_url, status=status,
                            content_type=repr(response.headers.get('Content-Type', 'none'))))
            return body
        said = self._server_text(response)
        said_part = " " + _("The server said: {said}").format(said=said) if said else ""
        if status in (401, 403):
            raise AkinonAuthError(_("{what}: {base_url} refused the API token (HTTP {status}).{said_part} Check the token (or "
                                    "log in again) and that it may use this channel.").format(what=what, base_url=self.base_url, status=status, said_part=said_part))
        if status == 404:
            raise AkinonNotFound(_("{what}: {base_url} answered 404 Not Found for {path}: {not_found}").format(what=what, base_url=self.base_url,
                                         path=response.request.path_url if response.request else '', not_found=not_found))
        if status == 413:
            raise AkinonTooLarge(_("{what}: {base_url} refused the file as too large (HTTP 413). Split it into smaller files "
                                   "and send them one by one.").format(what=what, base_url=self.base_url))
        if status == 400:
            raise AkinonRejected(_("{what}: {base_url} rejected the request (HTTP 400).{said_part}").format(what=what, base_url=self.base_url, said_part=said_part))
        if status in (301, 302, 303, 307, 308):
            raise AkinonBadResponse(_("{what}: {base_url} redirected the request (HTTP {status}) to {location}; use that address as"
                                      " the URL.").format(what=what, base_url=self.base_url, status=status,
                                            location=self._scrub(response.headers.get('Location', '?'))))
        if status >= 500:
            raise AkinonServerError(_("{what}: {base_url} failed with HTTP {status}.{said_part} Try again later; if it persists, "
                                      "contact Akinon support.").format(what=what, base_url=self.base_url, status=status, said_part=said_part))
        raise AkinonError(_("{what}: {base_url} answered HTTP {status}.{said_part}").format(what=what, base_url=self.base_url, status=status, said_part=said_part))

    # -- the API ----------------------------------------------------------
    def login(self, username: str, password: str) -> str:
        """Log in with a username and password; returns the API token (and uses it from now on)."""
        response = self._send("POST", "/api/v1/auth/login/", what=_("Login"), auth=False,
                              json={"username": username, "password": password})
        if response.status_code == 400:
            # Django REST auth answers 400 for wrong credentials.
            raise AkinonAuthError(_("Login: {base_url} refused the username or password. Check them and try again.").format(base_url=self.base_url))
        body = self._check(response, what=_("Login"), not_found=_("check the URL (no login endpoint there)."))
        key = body.get("key") or body.get("token")
        if not isinstance(key, str) or not key:
            raise AkinonBadResponse(_("Login: {base_url} answered without a token (no 'key').").format(base_url=self.base_url))
        self._token = check_token(key)
        return self._token

    def start_migration(self, channel_id: int | str, file: bytes | BinaryIO, migration_key: str = "address",
                        filename: str | None = None) -> str:
        """Upload ``file`` and start a migration; returns the migration id.

        Never retried: when the failure came after the file was sent, the error has
        ``may_have_started = True`` and says how to check instead of resending.
        """
        channel = _channel(channel_id)
        if not re.match(r"^[a-z_]+$", migration_key or ""):
            raise BadArguments(_("Unknown migration key {migration_key}; use 'address'.").format(migration_key=repr(migration_key)))
        name = filename or getattr(file, "name", None) or "addresses.csv"
        name = str(name).replace("\\", "/").rsplit("/", 1)[-1]
        what = _("Starting the {key} migration on channel {channel}").format(key=migration_key, channel=channel)
        # Content-Type is left to requests: it must carry the multipart boundary.
        response = self._send("POST", f"/api/v1/remote/{channel}/migrations/start/{migration_key}/",
                              what=what, may_start=True, files={"file": (name, file)},
                              headers={"Accept": "application/json"})
        body = self._check(response, what=what,
                           not_found=_("check the URL and the channel id ({channel}).").format(channel=channel))
        migration_id = body.get("migration_id") or body.get("id")
        if not migration_id:
            error = AkinonBadResponse(_("{what}: the server accepted the file but answered without a migration_id. "
                                        "The migration MAY have started: check the migration list in Omnitron before "
                                        "sending the file again.").format(what=what))
            error.may_have_started = True
            raise error
        return str(migration_id)

    def get_progress(self, channel_id: int | str, migration_id: str) -> Progress:
        """The migration's counters (processed, errors, total), keys read case-insensitively."""
        channel = _channel(channel_id)
        mid = str(migration_id).strip()
        if not re.match(r"^[A-Za-z0-9_-]+$", mid):
            raise BadArguments(_("{migration_id} does not look like a migration id.").format(migration_id=repr(migration_id)))
        what = _("Asking the progress of migration {id}").format(id=mid)
        response = self._send("GET", f"/api/v1/remote/{channel}/migrations/{mid}/progress/", what=what,
                              headers={"Accept": "application/json"})
        body = self._check(response, what=what,
                           not_found=_("check the URL, the channel id ({channel}) and the migration id.").format(
                               channel=channel))
        return _parse_progress(body, what=what)

    def get_json(self, url_or_path: str, params: dict | None = None) -> dict:
        """GET a public JSON endpoint (no token), with retries; ``url_or_path`` may be absolute."""
        path = url_or_path[len(self.base_url):] if url_or_path.startswith(self.base_url) else url_or_path
        if path.startswith("http"):
            raise BadArguments(_("{url_or_path} is not under {base_url}.").format(url_or_path=url_or_path, base_url=self.base_url))
        what = _("Reading {path}").format(path=path.split("?")[0])
        response = self._send("GET", path, what=what, auth=False, params=params,
                              headers={"Accept": "application/json"})
        return self._check(response, what=what, not_found=_("check the URL (no location endpoint there)."))


def _channel(channel_id: int | str) -> str:
    channel = str(channel_id).strip()
    if not channel.isdigit():
        raise BadArguments(_("The channel id must be a number (got {channel}); find it in Omnitron under Sales Channels.").format(channel=repr(channel)))
    return channel


def _read_timeouts() -> tuple[type, ...]:
    import urllib3.exceptions as u3

    return (u3.ReadTimeoutError, TimeoutError)


def _never_reached(exc: BaseException) -> bool:
    """True when the connection was never made (refused, unknown host), so nothing was sent."""
    import urllib3.exceptions as u3

    return _chain_has(exc, (u3.NewConnectionError, u3.NameResolutionError, ConnectionRefusedError))


def _chain_has(exc: BaseException, types: tuple[type, ...]) -> bool:
    """True when ``exc`` or anything it wraps (reason, args, cause, context) is one of ``types``."""
    import urllib3.exceptions as u3

    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, types):
            return True
        if isinstance(item, u3.MaxRetryError):
            stack.append(item.reason)
        stack.extend(a for a in getattr(item, "args", ()) if isinstance(a, BaseException))
        stack.append(item.__cause__)
        stack.append(item.__context__)
    return False


def _parse_progress(body: dict, *, what: str) -> Progress:
    lowered = {str(k).lower(): v for k, v in body.items()}
    values = {}
    for field, key in (("processed", "processed_count"), ("errors", "error_count"), ("total", "total_count")):
        value = lowered.get(key)
        if value is None:
            value = 0 if key in lowered else None
        try:
            values[field] = int(value)
        except (TypeError, ValueError):
            keys = ", ".join(sorted(map(str, body)))[:200]
            raise AkinonBadResponse(_("{what}: the answer has no number for {key} (keys: {keys}).").format(what=what, key=repr(key), keys=keys)) from None
    return Progress(**values)
