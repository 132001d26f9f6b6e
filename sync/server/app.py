"""The central server's HTTP API (FastAPI): enrolment, signed uploads, list downloads, time.

``create_app(storage, lists, clock)`` builds the app; ``checkpoint server run`` serves it with uvicorn.
Signed bodies are read as raw bytes with a size cap *before* parsing, verified against the station's
enrolled key, and only then parsed and stored (see ``sync.protocol`` for the rules). Database work runs
in the thread pool so a slow disk never stalls the event loop. Every reply is signed with the server's
key (``sync.server.signing``), which stations pin at enrolment.

``hooks`` is for tests only: ``before`` may answer a request instead of the app (a 500, a 429), and
``after_commit`` hears each stored batch (to stop a station mid-sync at a known point).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from checkpoint import __version__
from checkpoint.clock import Clock, parse_instant
from sync import protocol
from sync.protocol import ProtocolError, etag_of
from sync.server import dispositions, health, models, validate
from sync.server import limits as caps
from sync.server.docs import add_local_docs
from sync.server.limits import Limits
from sync.server.lists import KINDS, PublishedLists
from sync.server.signing import ReplySigner
from sync.server.storage import (
    EnrolmentRefused,
    Gap,
    Nonce,
    Refusal,
    Replayed,
    StationRecord,
    Storage,
    StorageError,
    Stored,
    Tampering,
    token_hash,
)

JSON = "application/json"
BUSY_RETRY_AFTER = 30  # seconds a station waits when the database is locked, full or failing
NONCE_KEPT = 2 * protocol.TIME_WINDOW  # a nonce is refused again for this long (after it, sent_at is stale anyway)
#: One answer for a token that is unknown, used or expired: a guesser learns nothing of a token's state
#: (the server's log says which it was, for the operator).
TOKEN_REFUSED = "the enrolment token is not valid (unknown, already used or expired); ask the operator for a new one"  # noqa: S105
#: The status of each typed refusal of an enrolment (never chosen by matching the text).
ENROL_STATUS = {Refusal.UNKNOWN_TOKEN: 401, Refusal.TOKEN_USED: 401, Refusal.TOKEN_EXPIRED: 401,
                Refusal.KEY_CONFLICT: 409}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fault:
    """A reply a test hook makes the server give instead of handling the request."""

    status: int
    headers: Mapping[str, str]
    body: Mapping[str, Any]


@dataclass
class ServerHooks:
    before: Callable[[str, str], Fault | None] | None = None  # (method, path) -> fault or None
    after_commit: Callable[[str, Stored], None] | None = None  # (station id, result)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers, self.extra = status, code, message, headers, extra

    def response(self) -> JSONResponse:
        body = {"error": self.code, "message": self.message, **self.extra}
        return JSONResponse(body, status_code=self.status, headers=dict(self.headers or {}))


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": models.ErrorReply} for c in codes}


def _body_doc(model: type[models.Signed]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": model.model_json_schema(ref_template="#/components/schemas/{model}")}},
        },
        "parameters": [
            {"name": protocol.STATION_HEADER, "in": "header", "required": True, "schema": {"type": "string"}},
            {"name": protocol.SIGNATURE_HEADER, "in": "header", "required": True, "schema": {"type": "string"},
             "description": "base64 Ed25519 signature of 'checkpoint-sync/1\\nPOST <path>\\n' + the body bytes"},
        ],
    }


def create_app(storage: Storage, lists: PublishedLists, clock: Clock, *, server_key: Ed25519PrivateKey,
               hooks: ServerHooks | None = None, max_body: int = protocol.MAX_BODY_BYTES,
               limits: Limits | None = None) -> FastAPI:
    lim = limits or Limits()
    budget = caps.BodyBudget(lim.body_budget)
    app = FastAPI(
        docs_url=None, redoc_url=None,  # served from this server's own files below (no CDN on a closed LAN)
        title="Checkpoint central sync server",
        version=__version__,
        description="Stations enrol, upload signed batches of crossings (idempotent, gapless per station) and "
        "download the signed trust and revocation lists. Every reply carries X-Checkpoint-Server-Signature: "
        "base64 Ed25519 of 'checkpoint-sync-reply/1\\n<METHOD> <path>\\n<status>\\n<X-Checkpoint-Nonce>\\n' + the "
        "body, by the server key the station pinned at enrolment. See docs/sync.md.",
    )
    app.state.body_budget = budget  # what request bodies hold now (tests, and a future metrics page)
    server_key_text = protocol.public_key_text(server_key.public_key())
    server_fingerprint = protocol.fingerprint(server_key.public_key())

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> Response:
        return exc.response()

    @app.exception_handler(sqlite3.Error)
    @app.exception_handler(StorageError)
    async def _storage_error(_: Request, exc: Exception) -> Response:
        log.error("storage: %s", exc)  # the station retries after Retry-After; nothing was acknowledged
        return ApiError(503, "busy", "the server cannot use its database right now; try again later",
                        {"Retry-After": str(BUSY_RETRY_AFTER)}).response()

    if hooks is not None:
        @app.middleware("http")
        async def _faults(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            fault = hooks.before(request.method, request.url.path) if hooks.before is not None else None
            if fault is not None:
                return JSONResponse(dict(fault.body), status_code=fault.status, headers=dict(fault.headers))
            return await call_next(request)

    add_local_docs(app)
    app.add_middleware(ReplySigner, key=server_key)  # added last: the outermost, so every reply is signed

    async def read_body(request: Request, hold: caps.Hold, signed: bool) -> bytes:
        """The body, once the request may send one: length declared within the path's cap, and on the signed
        paths an enrolled, active station with a well-formed signature header. Read with a cap, within the
        process's budget, and in time (``sync.server.limits``)."""
        cap = caps.cap_for(request.url.path, max_body)
        try:
            caps.declared_length(request, cap)
            if signed:
                await run_in_threadpool(may_send, request)
            return await caps.read_capped(request, cap, hold, lim)
        except caps.TooLarge as e:
            raise ApiError(413, "too_large", str(e)) from None
        except caps.TooSlow as e:
            raise ApiError(408, "too_slow", f"{e}; the request was dropped", {"Connection": "close"}) from None
        except caps.OverBudget:
            raise ApiError(503, "busy", "the server is reading too many uploads at once; try again later",
                           {"Retry-After": str(BUSY_RETRY_AFTER)}) from None

    def may_send(request: Request) -> None:
        """Before a byte of a signed body is read: who claims to send it, and is the claim well formed."""
        request.state.station = known_station(request)  # read once: authenticate() uses it after the body
        if not caps.signature_well_formed(request.headers.get(protocol.SIGNATURE_HEADER, "")):
            raise ApiError(401, "bad_signature", f"the {protocol.SIGNATURE_HEADER} header is missing or is not "
                           "base64 of an Ed25519 signature")

    def known_station(request: Request) -> StationRecord:
        station_id = request.headers.get(protocol.STATION_HEADER, "")
        if not protocol.STATION_ID_RE.match(station_id):
            raise ApiError(401, "unknown_station", f"the {protocol.STATION_HEADER} header is missing or malformed")
        station = storage.station(station_id)
        if station is None:
            raise ApiError(401, "unknown_station", f"station {station_id} is not enrolled; enrol it first")
        if station.revoked_at is not None:
            raise ApiError(403, "revoked", f"station {station_id} was revoked on {station.revoked_at}")
        return station

    def authenticate(request: Request, body: bytes, kind: str, *,
                     remember: bool = True) -> tuple[StationRecord, dict[str, Any]]:
        """The station and the parsed document of a signed request, its nonce remembered (``remember=False``: the
        caller remembers it, e.g. in the batch's own transaction)."""
        station: StationRecord = getattr(request.state, "station", None) or known_station(request)
        station_id = station.station_id
        key = protocol.public_key_from_text(station.public_key)
        signature = request.headers.get(protocol.SIGNATURE_HEADER, "")
        if not protocol.signature_ok(key, request.method, request.url.path, body, signature):
            raise ApiError(401, "bad_signature", "the request signature does not verify with the enrolled key")
        doc = _parse(body, kind, station_id)
        fresh(doc)
        if remember and not storage.remember_nonce(station_id, doc["nonce"], clock.now(), NONCE_KEPT):
            raise replayed()
        return station, doc

    def replayed() -> ApiError:
        return ApiError(401, "replayed", "this request was already received (replayed); it was not applied")

    def fresh(doc: Mapping[str, Any]) -> None:
        now = clock.now()
        sent = parse_instant(doc["sent_at"])
        if abs(sent - now) > protocol.TIME_WINDOW:
            raise ApiError(401, "stale", "sent_at is too far from the server's time; re-sign with the server's time",
                           server_time=protocol.iso(now))

    @app.get(protocol.TIME_PATH, response_model=models.TimeReply, summary="The server's time")
    def server_time() -> dict[str, str]:
        return {"time": protocol.iso(clock.now())}

    def signed_post(path: str, summary: str, request_model: type[models.Signed], reply_model: type[BaseModel],
                    errors: tuple[int, ...], handler: Callable[[Request, bytes], Any]) -> None:
        """A station's POST: the body is read (capped) here, then handled in the thread pool."""
        async def route(request: Request) -> Any:
            hold = caps.Hold(budget)
            try:
                body = await read_body(request, hold, signed=path != protocol.ENROLL_PATH)
                return await run_in_threadpool(handler, request, body)
            finally:
                hold.release()

        route.__name__ = handler.__name__.strip("_")  # the OpenAPI operation id
        app.post(path, response_model=reply_model, summary=summary, openapi_extra=_body_doc(request_model),
                 responses=_errors(*errors))(route)

    def _enroll(request: Request, body: bytes) -> dict[str, Any]:
        address = request.client.host if request.client else "unknown"
        if not storage.take_rate(f"enroll:{address}", clock.now(), lim.enrol_window, lim.enrol_limit):
            log.warning("enrolment: too many attempts from %s; refused for now", address)
            retry = int(lim.enrol_window.total_seconds())
            raise ApiError(429, "rate_limited", f"too many enrolment attempts from this address; try again in "
                           f"{retry // 60} minutes", {"Retry-After": str(retry)})
        station_id = request.headers.get(protocol.STATION_HEADER, "")
        if not protocol.STATION_ID_RE.match(station_id):
            raise ApiError(400, "bad_request", "station id: 1-64 letters, digits, '.', '_' or '-'")
        doc = _parse(body, "enroll", station_id)
        try:
            key_text = validate.text(doc, "public_key")
            key = protocol.public_key_from_text(key_text)
            token = validate.text(doc, "token")
        except ProtocolError as e:
            raise ApiError(400, "bad_request", str(e)) from None
        signature = request.headers.get(protocol.SIGNATURE_HEADER, "")
        if not protocol.signature_ok(key, request.method, request.url.path, body, signature):
            raise ApiError(401, "bad_signature", "the enrolment is not signed by the key it registers")
        fresh(doc)
        result = storage.enroll(token, station_id, key_text, clock.now())
        if isinstance(result, EnrolmentRefused):
            raise refusal(result, address, token)
        return {"station_id": result.station_id, "enrolled_at": result.enrolled_at, "nonce": doc["nonce"],
                "server_key": server_key_text, "server_fingerprint": server_fingerprint,
                "acknowledged_seq": result.cursor, "acknowledged_hash": result.last_hash}

    def refusal(refused: EnrolmentRefused, address: str, token: str) -> ApiError:
        log.warning("enrolment refused from %s: %s (token %s...)", address, refused.message, token_hash(token)[:12])
        message = refused.message if refused.reason is Refusal.KEY_CONFLICT else TOKEN_REFUSED
        return ApiError(ENROL_STATUS[refused.reason], "enrolment_refused", message)

    def _heartbeat(request: Request, body: bytes) -> dict[str, Any]:
        station, doc = authenticate(request, body, "heartbeat")
        try:
            state = health.validate(doc)
            acks = health.notice_acks(doc)
        except ProtocolError as e:
            raise ApiError(400, "bad_request", str(e)) from None
        if acks:  # stored before the reply: a recorded heartbeat means its acknowledgements are kept
            storage.record_notice_acks(station.station_id, acks, clock.now())
        storage.record_heartbeat(station.station_id, state, clock.now())
        return {"station_id": station.station_id, "recorded": True, "nonce": doc["nonce"]}

    def _cursor(request: Request, body: bytes) -> dict[str, Any]:
        station, doc = authenticate(request, body, "cursor")
        return {"station_id": station.station_id, "acknowledged_seq": station.cursor,
                "acknowledged_hash": station.last_hash, "nonce": doc["nonce"], "stored": 0, "already_had": 0}

    def _alert(request: Request, body: bytes) -> dict[str, Any]:
        station, doc = authenticate(request, body, "alert")
        try:
            kind = validate.alert_kind(doc)
            detail = validate.text(doc, "detail", 512)
        except ProtocolError as e:
            raise ApiError(400, "bad_request", str(e)) from None
        storage.record_alert(station.station_id, kind, detail, clock.now())
        log.warning("station %s reports %s: %s", station.station_id, kind, detail)
        return {"station_id": station.station_id, "recorded": True, "nonce": doc["nonce"]}

    def _batch(request: Request, body: bytes) -> dict[str, Any]:
        # the nonce is remembered in the batch's own transaction (one database round of work, not two)
        station, doc = authenticate(request, body, "batch", remember=False)
        try:
            crossings = validate.batch(doc, station.station_id)
        except ProtocolError as e:
            raise ApiError(400, "bad_request", str(e)) from None
        problem = validate.chain_problem(crossings)
        if problem is not None:
            if not storage.remember_nonce(station.station_id, doc["nonce"], clock.now(), NONCE_KEPT):
                raise replayed()  # a replayed tampered batch raises no second alert
            storage.record_alert(station.station_id, "tampering", f"seq {problem[0]}: {problem[1]}", clock.now())
            raise ApiError(409, "tampering", f"crossing {problem[0]} {problem[1]}; recorded for the supervisor",
                           seq=problem[0])
        result = storage.store_batch(station.station_id, crossings, clock.now(), Nonce(doc["nonce"], NONCE_KEPT))
        if isinstance(result, Replayed):
            raise replayed()
        if isinstance(result, Gap):
            raise ApiError(409, "gap", f"the batch starts after a gap; send from sequence {result.expected_seq}",
                           expected_seq=result.expected_seq)
        if isinstance(result, Tampering):
            raise ApiError(409, "tampering", f"crossing {result.seq} {result.problem}; recorded for the supervisor",
                           seq=result.seq)
        if hooks is not None and hooks.after_commit is not None:
            hooks.after_commit(station.station_id, result)
        return {"station_id": station.station_id, "acknowledged_seq": result.acknowledged_seq,
                "acknowledged_hash": result.acknowledged_hash, "nonce": doc["nonce"], "stored": result.stored,
                "already_had": result.already_had}

    def _disposition_cursor(request: Request, body: bytes) -> dict[str, Any]:
        station, doc = authenticate(request, body, "disposition_cursor")
        seq, digest = storage.disposition_cursor(station.station_id)
        return {"station_id": station.station_id, "acknowledged_seq": seq, "acknowledged_hash": digest,
                "nonce": doc["nonce"], "stored": 0, "already_had": 0}

    def _dispositions(request: Request, body: bytes) -> dict[str, Any]:
        station, doc = authenticate(request, body, "dispositions")
        try:
            items = dispositions.validate(doc, station.station_id)
        except ProtocolError as e:
            raise ApiError(400, "bad_request", str(e)) from None
        problem = dispositions.chain_problem(items)
        if problem is not None:
            storage.record_alert(station.station_id, "tampering", f"disposition {problem[0]}: {problem[1]}",
                                 clock.now())
            raise ApiError(409, "tampering", f"disposition {problem[0]} {problem[1]}; recorded for the supervisor",
                           seq=problem[0])
        result = storage.store_dispositions(station.station_id, items, clock.now())
        if isinstance(result, Replayed):  # (its nonce was checked by authenticate: not returned today)
            raise replayed()
        if isinstance(result, Gap):
            raise ApiError(409, "gap", f"the upload starts after a gap; send from disposition {result.expected_seq}",
                           expected_seq=result.expected_seq)
        if isinstance(result, Tampering):
            raise ApiError(409, "tampering", f"disposition {result.seq} {result.problem}; recorded for the "
                           "supervisor", seq=result.seq)
        return {"station_id": station.station_id, "acknowledged_seq": result.acknowledged_seq,
                "acknowledged_hash": result.acknowledged_hash, "nonce": doc["nonce"], "stored": result.stored,
                "already_had": result.already_had}

    signed_post(protocol.DISPOSITION_CURSOR_PATH, "What the server holds of a station's dispositions",
                models.CursorRequest, models.AckReply, (400, 401, 403, 408, 413), _disposition_cursor)
    signed_post(protocol.DISPOSITIONS_PATH, "Upload dispositions (what officers did after verdicts), after the "
                "crossings they name", models.DispositionsRequest, models.AckReply,
                (400, 401, 403, 408, 409, 413, 429, 503), _dispositions)
    signed_post(protocol.ENROLL_PATH, "Enrol a station with a token", models.EnrollRequest, models.EnrollReply,
                (400, 401, 408, 409, 413, 429), _enroll)
    signed_post(protocol.CURSOR_PATH, "What the server holds for a station", models.CursorRequest, models.AckReply,
                (400, 401, 403, 408, 413), _cursor)
    signed_post(protocol.BATCH_PATH, "Upload a batch of crossings", models.BatchRequest, models.AckReply,
                (400, 401, 403, 408, 409, 413, 429, 503), _batch)
    signed_post(protocol.ALERT_PATH, "A station reports that its own log was replaced, cut back or broken",
                models.AlertRequest, models.AlertReply, (400, 401, 403, 408, 413), _alert)
    signed_post(protocol.HEARTBEAT_PATH, "A station's state in each sync round (versions, lists, clock, queue, "
                "disk, camera, last scan)", models.HeartbeatRequest, models.AlertReply, (400, 401, 403, 408, 413),
                _heartbeat)
    for kind in KINDS:
        _list_route(app, lists, kind)
    _mount_console(app, storage, lists, clock, server_key)
    return app


def _mount_console(app: FastAPI, storage: Storage, lists: PublishedLists, clock: Clock, key: Ed25519PrivateKey) -> None:
    """The provincial web console under /console (docs/console.md), over the same database as the API."""
    from sync.server.console import database_of
    from sync.server.console.db import LazyConsoleDB
    from sync.server.console.routes import mount

    target = database_of(storage)
    if target is not None:
        db = LazyConsoleDB(target)  # opened on the console's first request
        app.state.console_db = db
        mount(app, storage, db, clock, key, lists)


def _list_route(app: FastAPI, lists: PublishedLists, kind: str) -> None:
    @app.get(protocol.LIST_PATHS[kind], summary=f"The signed {kind} (COSE_Sign1)",
             responses={200: {"content": {"application/cose": {}}}, 304: {"description": "unchanged"},
                        404: {"model": models.ErrorReply}})
    def get_list(request: Request) -> Response:
        data = lists.get(kind)
        if data is None:
            raise ApiError(404, "not_published", f"no {kind} has been published on this server yet")
        tag = etag_of(data)
        if tag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers={"ETag": tag})
        return Response(data, media_type="application/cose", headers={"ETag": tag, "Cache-Control": "no-cache"})


def _parse(body: bytes, kind: str, station_id: str) -> dict[str, Any]:
    try:
        doc = validate.parse_json(body)
        validate.envelope(doc, kind, station_id)
    except ProtocolError as e:
        raise ApiError(400, "bad_request", str(e)) from None
    return doc
