"""A local stand-in for Akinon's address-migration API, for tests, demos and rehearsals.

``python -m addrmig sandbox`` or, in-process::

    with Sandbox(port=0) as sandbox:
        client = AkinonClient(sandbox.url, sandbox.token)

What it serves, with Akinon's paths, answers and error statuses:

- ``POST /api/v1/auth/login/`` — the demo user ``demo`` / ``demo`` gets the token.
- ``POST /api/v1/remote/{channel}/migrations/start/address/`` — any all-digit channel;
  401 ``{"detail": "Invalid token."}`` for a wrong token, 400 for a missing, empty or
  unreadable file part, 413 above ``max_upload_bytes``.
- ``GET /api/v1/remote/{channel}/migrations/{id}/progress/`` — the documented
  ``{"Processed_count", "Error_count", "total_count"}``; 404 for an unknown id.
- ``GET /address/country|city|township|district/`` — public, paginated
  (``page``, ``page_size`` up to 1000), filters ``?country=``, ``?city=``, ``?township=``;
  the bundled database with names in Turkish upper case (``İSTANBUL``, ``ÜSKÜDAR``),
  the way Akinon installations often hold them.
- Sandbox only (real Akinon keeps no per-row detail): ``GET /sandbox/migrations/`` (each
  migration's file name, size and sha256: which files started, and how often) and
  ``GET /sandbox/migrations/{id}/errors/`` — each row that failed and why.

An upload is read the way the app reads files (CSV, XLS, XLSX, ODS, JSON) and checked
when it arrives; progress then advances at ``rows_per_second`` so a client sees it move.
A row is an error exactly when Akinon's documented rules fail:

- a required field (``addrmig.fields.REQUIRED``) is blank (empty or only spaces:
  Django REST framework trims text before its "required" check);
- a value is longer than the field's maximum length (in characters, as sent);
- a location does not match the database along the hierarchy — country, city under
  that country, township under that city, district (when not blank) under that
  township — compared case-insensitively the Turkish way (``addrmig.text.tr_lower``)
  and nothing else: no ASCII folding, no ``Mah``/``Mahallesi`` folding, and spaces are
  NOT trimmed (``" Erzincan"`` fails). Akinon compares the stored value; being stricter
  than it may be means a file that passes here passes there.

``fail_rate`` makes that share of API requests fail, half with a 500 (an HTML page, as
Django sends) and half by stalling ``stall_seconds`` before answering, from a seeded
random generator so fault tests repeat. The migration start has its own
``start_fail_rate`` (default 0): a client must never resend a start, so faults there
test giving up safely, not getting through; a stalled start does create the migration.
"""
from __future__ import annotations

import hashlib
import random
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from addrmig.errors import AddrmigError
from addrmig.fields import BY_NAME, COLUMNS, REQUIRED
from addrmig.text import tr_lower, tr_lower_series, tr_upper

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"
DEMO_TOKEN = "sandbox-demo-token-0123456789abcdef"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 20  # Django REST framework's usual default
_SEP = "\x1f"  # joins names into one hierarchy key; never in a place name
_MIGRATION_KEYS = ("address", "user", "order", "order_item")


# -- the location database, as Akinon would hold it ------------------------------
@dataclass
class _Places:
    """The sandbox's location tables with pk's, and the keys rows are checked against."""

    levels: dict[str, list[dict]]              # level -> records in pk order
    children: dict[str, dict[int, list[dict]]]  # level -> parent pk -> records
    keys: dict[str, set[str]]                   # level -> tr_lower hierarchy keys


def _build_places(frame: pd.DataFrame, upper: bool) -> _Places:
    frame = frame.astype(str)
    spell = tr_upper if upper else (lambda s: s)
    levels: dict[str, list[dict]] = {}
    children: dict[str, dict[int, list[dict]]] = {}
    keys: dict[str, set[str]] = {}
    pks: dict[str, dict[tuple, int]] = {}  # level -> names along the hierarchy -> pk
    names = [c for c in ("country", "city", "township", "district") if c in frame.columns]
    for depth, level in enumerate(names):
        unique = frame[names[:depth + 1]].drop_duplicates()
        unique = unique[unique[level].str.strip() != ""]
        records, by_parent, level_keys, level_pks = [], {}, set(), {}
        for pk, values in enumerate(unique.itertuples(index=False, name=None), start=1):
            record = {"pk": pk, "name": spell(values[-1]), "is_active": True}
            if level == "country":
                record["code"] = "tr" if tr_lower(values[0]) in ("türkiye", "turkey") else tr_lower(values[0])[:2]
            else:
                parent = pks[names[depth - 1]][values[:-1]]
                if level == "district":
                    record["city"] = pks["city"][values[:2]]
                record[names[depth - 1]] = parent
                record["postcode"] = None
                by_parent.setdefault(parent, []).append(record)
            records.append(record)
            level_pks[values] = pk
            level_keys.add(_SEP.join(tr_lower(spell(v)) for v in values))
        levels[level], children[level], keys[level], pks[level] = records, by_parent, level_keys, level_pks
    return _Places(levels, children, keys)


@lru_cache(maxsize=2)
def _bundled_places(upper: bool) -> _Places:
    from addrmig.locations.db import LocationDB

    return _build_places(LocationDB.bundled().frame, upper)


# -- reading an upload the way the app does ---------------------------------------
def read_upload(data: bytes, filename: str) -> pd.DataFrame:
    """The upload as an address frame (index = the row number the user sees), read by the
    app's own reader so the sandbox reads every format exactly like the app; raises an
    AddrmigError when it cannot be read."""
    from addrmig.pipeline import load

    return load(data, name=filename).frame


# -- checking rows by Akinon's documented rules ----------------------------------
def row_errors(frame: pd.DataFrame, places: _Places) -> dict[int, list[str]]:
    """Row number -> reasons, for every row that breaks Akinon's documented rules."""
    reasons: dict[int, list[str]] = {}

    def flag(mask: pd.Series, make) -> None:
        for row in frame.index[mask.to_numpy(dtype=bool)]:
            reasons.setdefault(int(row), []).append(make(row))

    text = {c: frame[c].astype(str) for c in COLUMNS}
    blank = {c: text[c].str.strip() == "" for c in COLUMNS}
    for column in REQUIRED:
        flag(blank[column], lambda row, c=column: f"{c}: required value is missing")
    for column in COLUMNS:
        limit = BY_NAME[column].max_length
        if limit:
            lengths = text[column].str.len()
            flag(lengths > limit, lambda row, c=column, n=limit: f"{c}: {len(text[c][row])} characters, at most {n}")
    lowered = {c: tr_lower_series(text[c]).astype(object) for c in ("country", "city", "township", "district")}
    key = pd.Series("", index=frame.index, dtype=object)
    ok = pd.Series(True, index=frame.index)
    parent = None
    for level in ("country", "city", "township", "district"):
        if level not in places.keys:
            break
        key = lowered[level] if parent is None else key + _SEP + lowered[level]
        given = ~blank[level]
        found = key.isin(places.keys[level])
        bad = ok & given & ~found
        if parent is None:
            flag(bad, lambda row: f"country: {text['country'][row]!r} is not in the location database")
        else:
            flag(bad, lambda row, lv=level, p=parent:
                 f"{lv}: {text[lv][row]!r} is not a {lv} of {p} {text[p][row]!r}")
        ok = ok & given & found
        parent = level
    return reasons


@dataclass
class _Migration:
    id: str
    channel: str
    filename: str
    size: int
    frame: pd.DataFrame
    reasons: dict[int, list[str]]
    error_cumsum: np.ndarray
    started: float
    rate: float | None
    sha256: str = ""

    @property
    def total(self) -> int:
        return len(self.frame)

    def counts(self, at: float | None = None) -> tuple[int, int, int]:
        """(processed, errors, total) at monotonic time ``at``."""
        total = self.total
        if not self.rate:
            processed = total
        else:
            processed = min(total, int(((at or time.monotonic()) - self.started) * self.rate))
        errors = int(self.error_cumsum[processed - 1]) if processed else 0
        return processed, errors, total


@dataclass
class _State:
    token: str
    rows_per_second: float | None
    fail_rate: float
    start_fail_rate: float
    stall_seconds: float
    max_upload_bytes: int
    places: _Places
    rng: random.Random
    faults_kinds: tuple[str, ...] = ("500", "stall")
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    migrations: dict[str, _Migration] = field(default_factory=dict)
    requests: int = 0
    faults: int = 0

    def fault(self, rate: float) -> str | None:
        """None, "500" or "stall", drawn from the seeded generator."""
        with self.lock:
            self.requests += 1
            if rate <= 0 or self.rng.random() >= rate:
                return None
            self.faults += 1
            return self.faults_kinds[int(self.rng.random() * len(self.faults_kinds))]


def create_app(state: _State):
    """The Flask app serving ``state``."""
    from flask import Flask, Response, g, jsonify, request

    app = Flask("addrmig-sandbox")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    def error(status: int, body) -> Response:
        response = jsonify(body)
        response.status_code = status
        return response

    def server_error() -> Response:
        return Response("<h1>Server Error (500)</h1>", status=500, mimetype="text/html")

    def stall() -> None:
        state.stopping.wait(state.stall_seconds)

    def drain() -> None:
        stream = request.environ.get("wsgi.input")
        left = request.content_length or 0
        while stream is not None and left > 0:
            chunk = stream.read(min(left, 1 << 20))
            if not chunk:
                break
            left -= len(chunk)

    def authorised() -> Response | None:
        header = request.headers.get("Authorization", "")
        if not header:
            return error(401, {"detail": "Authentication credentials were not provided."})
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "token" or not secrets.compare_digest(key.strip().encode(), state.token.encode()):
            return error(401, {"detail": "Invalid token."})
        return None

    @app.before_request
    def inject_faults():
        g.fault = None
        if request.path.startswith("/sandbox/"):
            return None
        is_start = request.method == "POST" and "/migrations/start/" in request.path
        if is_start and (request.content_length or 0) > state.max_upload_bytes:
            # Read the body first: answering before the client finished sending would
            # break its connection instead of delivering the 413.
            drain()
            return error(413, {"detail": "Request entity too large."})
        g.fault = state.fault(state.start_fail_rate if is_start else state.fail_rate)
        if g.fault == "500":
            drain()
            return server_error()
        if g.fault == "stall" and not is_start:
            stall()  # then answer normally, too late for a client with a short read timeout
        return None

    @app.post("/api/v1/auth/login/")
    def login():
        body = request.get_json(silent=True) or request.form
        if body.get("username") == DEMO_USERNAME and body.get("password") == DEMO_PASSWORD:
            return jsonify({"key": state.token})
        return error(400, {"non_field_errors": ["Unable to log in with provided credentials."]})

    @app.post("/api/v1/remote/<channel>/migrations/start/<key>/")
    def start(channel: str, key: str):
        refused = authorised()
        if refused is not None:
            drain()
            return refused
        if not channel.isdigit() or key not in _MIGRATION_KEYS:
            drain()
            return error(404, {"detail": "Not found."})
        if key != "address":
            drain()
            return error(400, {"detail": f"The sandbox runs address migrations only, not {key!r}."})
        upload = request.files.get("file")
        if upload is None:
            return error(400, {"file": ["No file was submitted."]})
        data = upload.read()
        if len(data) > state.max_upload_bytes:
            return error(413, {"detail": "Request entity too large."})
        if not data:
            return error(400, {"file": ["The submitted file is empty."]})
        try:
            frame = read_upload(data, upload.filename or "upload.csv")
        except AddrmigError as problem:
            return error(400, {"file": [str(problem)]})
        except Exception as problem:  # noqa: BLE001 - a hostile upload must get a 400, not take the server down
            return error(400, {"file": [f"The file could not be read ({type(problem).__name__})."]})
        if frame.empty:
            return error(400, {"file": ["The submitted file has no rows."]})
        reasons = row_errors(frame, state.places)
        flags = np.fromiter((int(row) in reasons for row in frame.index), dtype=np.int64, count=len(frame))
        migration = _Migration(uuid.uuid4().hex, channel, upload.filename or "", len(data), frame, reasons,
                               np.cumsum(flags), time.monotonic(), state.rows_per_second,
                               hashlib.sha256(data).hexdigest())
        with state.lock:
            state.migrations[migration.id] = migration
        if g.fault == "stall":
            stall()  # the migration has started; the client's answer comes too late
        return jsonify({"migration_id": migration.id})

    @app.get("/api/v1/remote/<channel>/migrations/<migration_id>/progress/")
    def progress(channel: str, migration_id: str):
        refused = authorised()
        if refused is not None:
            return refused
        migration = state.migrations.get(migration_id)
        if migration is None or migration.channel != channel:
            return error(404, {"detail": "Not found."})
        processed, errors, total = migration.counts()
        return jsonify({"Processed_count": processed, "Error_count": errors, "total_count": total})

    def page_of(records: list[dict]):
        try:
            page = int(request.args.get("page", "1"))
            size = int(request.args.get("page_size", str(DEFAULT_PAGE_SIZE)))
        except ValueError:
            return error(404, {"detail": "Invalid page."})
        size = max(1, min(size, MAX_PAGE_SIZE))
        pages = max(1, -(-len(records) // size))
        if page < 1 or page > pages:
            return error(404, {"detail": "Invalid page."})

        def link(number: int) -> str:
            args = request.args.to_dict()
            args["page"] = str(number)
            return f"{request.base_url}?{urlencode(args)}"

        return jsonify({"count": len(records),
                        "next": link(page + 1) if page < pages else None,
                        "previous": link(page - 1) if page > 1 else None,
                        "results": records[(page - 1) * size: page * size]})

    @app.get("/address/<level>/")
    def places(level: str):
        parents = {"city": "country", "township": "city", "district": "township"}
        if level not in state.places.levels:
            return error(404, {"detail": "Not found."})
        parent = parents.get(level)
        if parent and parent in request.args:
            value = request.args[parent]
            if not value.isdigit():
                return error(400, {parent: ["Select a valid choice. That choice is not one of the available choices."]})
            return page_of(state.places.children[level].get(int(value), []))
        return page_of(state.places.levels[level])

    @app.get("/")
    @app.get("/sandbox/")
    def overview():
        return jsonify({
            "what": "addrmig sandbox: a local stand-in for Akinon's address-migration API",
            "login": {"POST": "/api/v1/auth/login/", "username": DEMO_USERNAME, "password": DEMO_PASSWORD},
            "start": "POST /api/v1/remote/{channel}/migrations/start/address/ (multipart part 'file')",
            "progress": "GET /api/v1/remote/{channel}/migrations/{migration_id}/progress/",
            "places": "GET /address/country|city|township|district/?page=&page_size=&country=&city=&township=",
            "sandbox_only": ["GET /sandbox/migrations/", "GET /sandbox/migrations/{migration_id}/errors/"],
            "rows_per_second": state.rows_per_second, "fail_rate": state.fail_rate,
        })

    @app.get("/sandbox/migrations/")
    def migrations():
        with state.lock:
            items = list(state.migrations.values())
        listing = []
        for m in items:
            processed, errors, total = m.counts()
            listing.append({"migration_id": m.id, "channel": m.channel, "filename": m.filename, "size": m.size,
                            "sha256": m.sha256, "processed": processed, "errors": errors, "total": total})
        return jsonify({"requests": state.requests, "faults": state.faults, "migrations": listing})

    @app.get("/sandbox/migrations/<migration_id>/errors/")
    def migration_errors(migration_id: str):
        migration = state.migrations.get(migration_id)
        if migration is None:
            return error(404, {"detail": "Not found."})
        rows = [{"row": row, "reasons": reasons,
                 "values": {c: str(migration.frame.at[row, c]) for c in COLUMNS}}
                for row, reasons in sorted(migration.reasons.items())]
        return jsonify({"migration_id": migration.id, "total": migration.total,
                        "error_count": len(rows), "rows": rows})

    @app.errorhandler(404)
    def not_found(_):
        return error(404, {"detail": "Not found."})

    @app.errorhandler(405)
    def not_allowed(_):
        return error(405, {"detail": f'Method "{request.method}" not allowed.'})

    return app


class Sandbox:
    """The sandbox server in a background thread; ``start()``/``stop()`` or use ``with``.

    ``port=0`` picks a free port (see ``url``). ``token`` defaults to the demo token.
    ``rows_per_second`` None or 0 processes uploads instantly. ``faults`` is what an
    injected fault does, chosen evenly: ``"500"`` and/or ``"stall"``.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, token: str = DEMO_TOKEN, *,
                 rows_per_second: float | None = 5000, fail_rate: float = 0.0, start_fail_rate: float = 0.0,
                 stall_seconds: float = 10.0, seed: int = 0, faults: tuple[str, ...] = ("500", "stall"), max_upload_bytes: int = 20_000_000,
                 db=None, upper_case: bool = True, log_requests: bool = False) -> None:
        for name, rate in (("fail_rate", fail_rate), ("start_fail_rate", start_fail_rate)):
            if not 0 <= rate <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        if not faults or set(faults) - {"500", "stall"}:
            raise ValueError('faults must be a non-empty choice of "500" and "stall"')
        places = _bundled_places(upper_case) if db is None else _build_places(db.frame, upper_case)
        self.host, self.port = host, port
        self.state = _State(token=token, rows_per_second=rows_per_second, fail_rate=fail_rate,
                            start_fail_rate=start_fail_rate, stall_seconds=stall_seconds,
                            max_upload_bytes=max_upload_bytes, places=places, rng=random.Random(seed),
                            faults_kinds=tuple(faults))
        self.app = create_app(self.state)
        self.log_requests = log_requests
        self._server = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"Sandbox({self.url if self._server else 'stopped'})"

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:8765``."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> Sandbox:
        """Bind and serve in a daemon thread; returns self."""
        from werkzeug.serving import WSGIRequestHandler, make_server

        sandbox = self

        class Handler(WSGIRequestHandler):
            def log_request(self, *args, **kwargs) -> None:  # quiet unless asked (tests)
                if sandbox.log_requests:
                    super().log_request(*args, **kwargs)

        if self._server is not None:
            return self
        self.state.stopping.clear()
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=Handler)
        server = self._server
        # A short poll interval makes stop() quick (tests start and stop many sandboxes).
        self._thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05),
                                        name="addrmig-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (stalled requests are released) and free the port."""
        if self._server is None:
            return
        self.state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (for the CLI)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def migration(self, migration_id: str) -> _Migration:
        """The stored migration (rows, reasons): sandbox-only inspection for tests and demos."""
        return self.state.migrations[migration_id]
