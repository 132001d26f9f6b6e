"""The station's HTTP client for the central server: signed requests, timeouts, TLS, proxy, caps.

Every request has a timeout; TLS certificates are always verified (against the system store, or the CA
bundle in ``[sync] ca_bundle``); a proxy is used when ``[sync] proxy`` is set. Replies are read with a
size cap. Failures become the typed errors of ``sync.errors``: the worker decides when to try again.

Plain ``http://`` is refused unless the server is on this machine (127.0.0.0/8, ::1, localhost) or the
station was set up for a lab with ``allow_insecure_http``. Every reply the station acts on must carry
the signature of the server key pinned at enrolment, bound to this request's nonce (``sync.protocol``);
only a 5xx or 429 (try again later, nothing changes) is taken unsigned.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from checkpoint import __version__
from checkpoint.clock import Clock, parse_instant
from checkpoint.display import shown
from checkpoint.trust import MAX_LIST_BYTES
from sync import protocol
from sync.backoff import parse_retry_after
from sync.errors import NotEnrolled, Refused, SeqGap, TamperDetected, Unauthenticated, Unreachable
from sync.protocol import Ack, ProtocolError

MAX_REPLY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ClientSettings:
    server_url: str
    timeout: float = 30.0  # seconds, for connecting and for each read
    ca_bundle: Path | None = None
    proxy: str | None = None
    allow_insecure_http: bool = False  # a lab without TLS: plain http to another host (recorded at enrolment)

    def __post_init__(self) -> None:
        parts = urlsplit(self.server_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"server URL {self.server_url!r} must be http(s)://host[:port]")
        if parts.scheme == "http" and not is_loopback(parts.hostname) and not self.allow_insecure_http:
            raise ValueError(f"server URL {self.server_url!r}: plain http is allowed only for a server on this "
                             "machine; use https:// (or, in a lab only, enrol with --allow-insecure-http)")

    @property
    def tls_or_local(self) -> bool:
        """Whether a reply can be believed about time: verified TLS, or a server on this machine."""
        parts = urlsplit(self.server_url)
        return parts.scheme == "https" or is_loopback(parts.hostname or "")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: traffic that never leaves this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes


class SyncClient:
    """One station talking to one server. Not thread-safe: one worker owns it."""

    def __init__(self, settings: ClientSettings, station_id: str, key: Ed25519PrivateKey, clock: Clock,
                 server_key: Ed25519PublicKey | None = None) -> None:
        self.settings, self.station_id, self.key, self.clock = settings, station_id, key, clock
        self.server_key = server_key  # pinned at enrolment; None only before enrolling
        self.alerted: set[str] = set()  # log problems already reported to the server by this client
        self.base = settings.server_url.rstrip("/")
        self.offset = timedelta(0)  # server time minus our clock, learned from /v1/time
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"checkpoint-station/{__version__}"
        # Passed on every request: a session-level setting loses to $REQUESTS_CA_BUNDLE in requests.
        self.verify: str | bool = str(settings.ca_bundle) if settings.ca_bundle else True
        # Also per request, or $HTTPS_PROXY would win over the configured proxy. Unset: the environment's.
        self.proxies = {"http": settings.proxy, "https": settings.proxy} if settings.proxy else None

    def close(self) -> None:
        self.session.close()

    # -- transport -------------------------------------------------------------------------------
    def _send(self, method: str, path: str, *, body: bytes | None = None, headers: Mapping[str, str] | None = None,
              cap: int = MAX_REPLY_BYTES, nonce: str | None = None, verify: bool = True) -> Reply:
        """One request; the reply's signature is checked (``verify``) against the pinned server key."""
        nonce = nonce or protocol.new_nonce()
        reply = self._exchange(method, path, body, {**(headers or {}), protocol.NONCE_HEADER: nonce}, cap)
        if verify and reply.status < 500 and reply.status != 429:
            self._check_signature(reply, method, path, nonce, self.server_key)
        return reply

    def _check_signature(self, reply: Reply, method: str, path: str, nonce: str,
                         key: Ed25519PublicKey | None) -> None:
        if key is None:
            raise NotEnrolled("no server key is pinned for this station (it was enrolled by an older version): "
                              "enrol again with 'checkpoint enroll --server URL --token TOKEN'")
        signature = reply.headers.get(protocol.SERVER_SIGNATURE_HEADER, "")
        if not protocol.reply_signature_ok(key, method, path, reply.status, nonce, reply.body, signature):
            raise Unauthenticated(f"{self.base}{path}: the reply ({reply.status}) is not signed by the server key "
                                  "pinned at enrolment; it was not believed (a fake server or a proxy in between?)")

    def _exchange(self, method: str, path: str, body: bytes | None, headers: Mapping[str, str], cap: int) -> Reply:
        url = self.base + path
        try:
            with self.session.request(method, url, data=body, headers=dict(headers), stream=True,
                                      verify=self.verify, proxies=self.proxies, allow_redirects=False,
                                      timeout=(self.settings.timeout, self.settings.timeout)) as r:
                declared = r.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise Unreachable(f"{url}: the reply is over {cap} bytes; is this a checkpoint server?")
                chunks, size = [], 0
                for chunk in r.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > cap:
                        raise Unreachable(f"{url}: the reply is over {cap} bytes; is this a checkpoint server?")
                    chunks.append(chunk)
                return Reply(r.status_code, r.headers, b"".join(chunks))  # case-insensitive
        except requests.exceptions.SSLError as e:
            raise Unreachable(f"{url}: the server's TLS certificate is not trusted ({_short(e)}); "
                              "check [sync] ca_bundle") from None
        except requests.exceptions.Timeout:
            raise Unreachable(f"{url}: no answer within {self.settings.timeout:g} s") from None
        except requests.exceptions.ProxyError as e:
            raise Unreachable(f"{url}: the proxy failed ({_short(e)}); check [sync] proxy") from None
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as e:
            raise Unreachable(f"{url}: cannot reach the server ({_short(e)})") from None
        except requests.exceptions.RequestException as e:
            raise Unreachable(f"{url}: request failed ({_short(e)})") from None

    def _signed(self, path: str, doc_body: bytes, nonce: str, verify: bool = True) -> Reply:
        headers = {
            "Content-Type": "application/json",
            protocol.STATION_HEADER: self.station_id,
            protocol.SIGNATURE_HEADER: protocol.sign(self.key, "POST", path, doc_body),
        }
        return self._send("POST", path, body=doc_body, headers=headers, nonce=nonce, verify=verify)

    def server_now(self) -> datetime:
        """Our best estimate of the server's clock (for ``sent_at``)."""
        return self.clock.now() + self.offset

    # -- calls -----------------------------------------------------------------------------------
    def server_time(self) -> datetime:
        """Ask the server's time; remember the offset so signed bodies carry the server's idea of now.

        Before enrolment (no pinned key) the reply cannot be checked: it only dates the enrolment request,
        and ``observe_server_time`` never feeds such a time to the clock guard.
        """
        reply = self._send("GET", protocol.TIME_PATH, verify=self.server_key is not None)
        doc = self._ok(reply, protocol.TIME_PATH)
        try:
            t = parse_instant(str(doc["time"]))
        except (KeyError, ValueError):
            raise Unreachable(f"{self.base}{protocol.TIME_PATH}: the reply has no readable time") from None
        self.offset = t - self.clock.now()
        return t

    def enroll(self, token: str, expected_fingerprint: str | None = None) -> dict[str, Any]:
        """Enrol; pin the server key the signed reply names (checked against ``expected_fingerprint`` if given).

        Without an expected fingerprint the first answer is trusted (the operator should compare the
        fingerprint printed by ``checkpoint enroll`` with ``checkpoint server fingerprint``).
        """
        nonce = protocol.new_nonce()
        body = protocol.dumps(protocol.envelope(
            "enroll", self.station_id, self.server_now(), nonce=nonce, token=token,
            public_key=protocol.public_key_text(self.key.public_key())))
        path = protocol.ENROLL_PATH
        reply = self._signed(path, body, nonce, verify=False)
        if reply.status != 200:
            if self.server_key is not None and reply.status < 500 and reply.status != 429:
                self._check_signature(reply, "POST", path, nonce, self.server_key)
            self._fail(reply, path)
        doc = self._ok(reply, path)
        try:
            key = protocol.public_key_from_text(str(doc.get("server_key", "")))
        except ProtocolError:
            raise Unauthenticated(f"{self.base}{path}: the reply names no server key; is this a checkpoint server "
                                  "of this version?") from None
        fp = protocol.fingerprint(key)
        if expected_fingerprint is not None and not protocol.same_fingerprint(fp, expected_fingerprint):
            raise Unauthenticated(f"{self.base}{path}: the server's key fingerprint is {fp}, not the expected "
                                  f"{expected_fingerprint}: not enrolled (a fake server?)")
        if self.server_key is not None and protocol.public_key_text(self.server_key) != protocol.public_key_text(key):
            raise Unauthenticated(f"{self.base}{path}: the server answers with another key than the one pinned "
                                  f"({fp}); not enrolled again. Give the expected fingerprint to re-pin.")
        self._check_signature(reply, "POST", path, nonce, key)
        if doc.get("station_id") != self.station_id or doc.get("nonce") != nonce:
            raise Unauthenticated(f"{self.base}{path}: the enrolment reply is not for this request")
        self.server_key = key
        return doc

    def cursor(self) -> Ack:
        nonce = protocol.new_nonce()
        body = protocol.dumps(protocol.envelope("cursor", self.station_id, self.server_now(), nonce=nonce))
        return self._ack(self._signed(protocol.CURSOR_PATH, body, nonce), protocol.CURSOR_PATH, nonce)

    def upload(self, crossings: Sequence[Mapping[str, Any]]) -> Ack:
        """Send one batch (wire-form crossings, contiguous, in seq order).

        Raises ``SeqGap`` or ``TamperDetected``.
        """
        nonce = protocol.new_nonce()
        body = protocol.batch_body(self.station_id, self.server_now(), crossings, nonce)
        return self._ack(self._signed(protocol.BATCH_PATH, body, nonce), protocol.BATCH_PATH, nonce)

    def disposition_cursor(self) -> Ack:
        """What the server holds of this station's dispositions (lane dispositions)."""
        nonce = protocol.new_nonce()
        body = protocol.dumps(protocol.envelope("disposition_cursor", self.station_id, self.server_now(), nonce=nonce))
        path = protocol.DISPOSITION_CURSOR_PATH
        return self._ack(self._signed(path, body, nonce), path, nonce)

    def upload_dispositions(self, dispositions: Sequence[Mapping[str, Any]]) -> Ack:
        """Send dispositions (wire form, contiguous, in seq order). Raises ``SeqGap`` or ``TamperDetected``."""
        nonce = protocol.new_nonce()
        body = protocol.dispositions_body(self.station_id, self.server_now(), dispositions, nonce)
        path = protocol.DISPOSITIONS_PATH
        return self._ack(self._signed(path, body, nonce), path, nonce)

    def alert(self, kind: str, detail: str) -> None:
        """Tell the server this station's log was replaced, cut back or broken (kept for its supervisor)."""
        nonce = protocol.new_nonce()
        body = protocol.dumps(protocol.envelope("alert", self.station_id, self.server_now(), nonce=nonce,
                                                kind=kind, detail=detail[:512]))
        doc = self._ok(self._signed(protocol.ALERT_PATH, body, nonce), protocol.ALERT_PATH)
        if doc.get("recorded") is not True or doc.get("nonce") != nonce:
            raise Unreachable(f"{self.base}{protocol.ALERT_PATH}: the server did not confirm the alert")

    def heartbeat(self, state: Mapping[str, Any]) -> None:
        """Report the station's state (``sync.heartbeat``); the server keeps the latest for its supervisor."""
        nonce = protocol.new_nonce()
        body = protocol.dumps(protocol.envelope("heartbeat", self.station_id, self.server_now(), nonce=nonce, **state))
        doc = self._ok(self._signed(protocol.HEARTBEAT_PATH, body, nonce), protocol.HEARTBEAT_PATH)
        if doc.get("recorded") is not True or doc.get("nonce") != nonce:
            raise Unreachable(f"{self.base}{protocol.HEARTBEAT_PATH}: the server did not confirm the heartbeat")

    def fetch_list(self, kind: str, etag: str | None) -> bytes | None:
        """A signed list's bytes, or None when unchanged (304) or not published (404)."""
        path = protocol.LIST_PATHS[kind]
        reply = self._send("GET", path, headers={"If-None-Match": etag} if etag else None, cap=MAX_LIST_BYTES)
        if reply.status in (304, 404):
            return None
        if reply.status != 200:
            self._fail(reply, path)
        return reply.body

    # -- replies ---------------------------------------------------------------------------------
    def _ack(self, reply: Reply, path: str, nonce: str) -> Ack:
        try:
            ack = protocol.parse_ack(self._ok(reply, path))
        except ProtocolError as e:
            raise Unreachable(f"{self.base}{path}: {e}") from None
        if ack.station_id != self.station_id or ack.nonce != nonce:
            raise Unauthenticated(f"{self.base}{path}: the acknowledgement is for another station or request; "
                                  "it was not believed")
        return ack

    def _ok(self, reply: Reply, path: str) -> dict[str, Any]:
        if reply.status != 200:
            self._fail(reply, path)
        try:
            doc = json.loads(reply.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            doc = None
        if not isinstance(doc, dict):
            raise Unreachable(f"{self.base}{path}: the reply is not JSON; is this a checkpoint server?")
        return doc

    def _fail(self, reply: Reply, path: str) -> None:
        where = f"{self.base}{path}"
        try:
            doc = json.loads(reply.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            doc = {}
        doc = doc if isinstance(doc, dict) else {}
        # what the server says goes into messages a supervisor reads: hidden characters made visible
        code, message = shown(str(doc.get("error", ""))[:40]), shown(str(doc.get("message", ""))[:300])
        said = f": {message}" if message else ""
        if reply.status == 409 and code == "gap" and isinstance(doc.get("expected_seq"), int):
            raise SeqGap(int(doc["expected_seq"]))
        if reply.status == 409 and code == "tampering":
            raise TamperDetected(f"{where}: the server refused this station's log as altered{said}. "
                                 "Call the supervisor.")
        if reply.status in (401, 403) and code == "stale":
            raise Unreachable(f"{where}: the server's clock and ours disagree{said}")  # next round re-reads time
        if reply.status in (400, 401, 403, 409, 413):
            raise Refused(f"{where}: refused ({reply.status} {code}){said}", code=f"refused.{code}")  # the app's words
        if reply.status == 429 or reply.status >= 500:
            retry_after = parse_retry_after(reply.headers.get("Retry-After"), self.clock.now())
            raise Unreachable(f"{where}: the server is busy or failing ({reply.status}){said}", retry_after)
        raise Unreachable(f"{where}: unexpected reply {reply.status} {code}{said}")


def _short(e: Exception) -> str:
    """What went wrong on the network, in a few words a person can act on.

    requests/urllib3 wrap the cause in layers whose text repeats the pool, the URL and object reprs
    ("HTTPConnectionPool(host=..., port=...): Max retries exceeded ... NewConnectionError(<urllib3...>)");
    the cause at the bottom (refused, no route, name not found, reset) is what matters.
    """
    cause = _root_os_error(e)
    if isinstance(cause, socket.gaierror):
        return "the server's name cannot be resolved (DNS)"
    if cause is not None:
        return _OS_CAUSES.get(cause.errno or 0, cause.strerror or type(cause).__name__)
    text = " ".join(str(e).split())
    return text if len(text) <= 120 else text[:120] + "..."


_OS_CAUSES = {
    errno.ECONNREFUSED: "connection refused: is the server running?",
    errno.ECONNRESET: "the connection was reset",
    errno.EHOSTUNREACH: "no route to the server's host",
    errno.ENETUNREACH: "the network is unreachable",
    errno.ETIMEDOUT: "the connection timed out",
}


def _root_os_error(e: BaseException) -> OSError | None:
    """The innermost OSError among an exception's causes and arguments (requests nests urllib3's there)."""
    seen: set[int] = set()
    todo: list[BaseException] = [e]
    found: OSError | None = None
    while todo and len(seen) < 32:
        cur = todo.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, OSError) and (cur.errno is not None or isinstance(cur, socket.gaierror)):
            found = cur
        todo += [x for x in (cur.__cause__, cur.__context__, getattr(cur, "reason", None), *cur.args)
                 if isinstance(x, BaseException)]
    return found
