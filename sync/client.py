"""The station's HTTP client for the central server: signed requests, timeouts, TLS, proxy, caps.

Every request has a timeout; TLS certificates are always verified (against the system store, or the CA
bundle in ``[sync] ca_bundle``); a proxy is used when ``[sync] proxy`` is set. Replies are read with a
size cap. Failures become the typed errors of ``sync.errors``: the worker decides when to try again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint import __version__
from checkpoint.clock import Clock, parse_instant
from checkpoint.display import shown
from checkpoint.trust.signed import MAX_LIST_BYTES
from sync import protocol
from sync.backoff import parse_retry_after
from sync.errors import Gap, Refused, Tampering, Unreachable
from sync.protocol import Ack, ProtocolError

MAX_REPLY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ClientSettings:
    server_url: str
    timeout: float = 30.0  # seconds, for connecting and for each read
    ca_bundle: Path | None = None
    proxy: str | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.server_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"server URL {self.server_url!r} must be http(s)://host[:port]")

    @property
    def tls_or_local(self) -> bool:
        """Whether a reply can be believed about time: verified TLS, or a server on this machine."""
        parts = urlsplit(self.server_url)
        return parts.scheme == "https" or parts.hostname in ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes


class SyncClient:
    """One station talking to one server. Not thread-safe: one worker owns it."""

    def __init__(self, settings: ClientSettings, station_id: str, key: Ed25519PrivateKey, clock: Clock) -> None:
        self.settings, self.station_id, self.key, self.clock = settings, station_id, key, clock
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
              cap: int = MAX_REPLY_BYTES) -> Reply:
        url = self.base + path
        try:
            with self.session.request(method, url, data=body, headers=dict(headers or {}), stream=True,
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

    def _signed(self, path: str, doc_body: bytes) -> Reply:
        headers = {
            "Content-Type": "application/json",
            protocol.STATION_HEADER: self.station_id,
            protocol.SIGNATURE_HEADER: protocol.sign(self.key, "POST", path, doc_body),
        }
        return self._send("POST", path, body=doc_body, headers=headers)

    def server_now(self) -> datetime:
        """Our best estimate of the server's clock (for ``sent_at``)."""
        return self.clock.now() + self.offset

    # -- calls -----------------------------------------------------------------------------------
    def server_time(self) -> datetime:
        """Ask the server's time; remember the offset so signed bodies carry the server's idea of now."""
        reply = self._send("GET", protocol.TIME_PATH)
        doc = self._ok(reply, protocol.TIME_PATH)
        try:
            t = parse_instant(str(doc["time"]))
        except (KeyError, ValueError):
            raise Unreachable(f"{self.base}{protocol.TIME_PATH}: the reply has no readable time") from None
        self.offset = t - self.clock.now()
        return t

    def enroll(self, token: str) -> dict[str, Any]:
        body = protocol.dumps(protocol.envelope(
            "enroll", self.station_id, self.server_now(), token=token,
            public_key=protocol.public_key_text(self.key.public_key())))
        return self._ok(self._signed(protocol.ENROLL_PATH, body), protocol.ENROLL_PATH)

    def cursor(self) -> Ack:
        body = protocol.dumps(protocol.envelope("cursor", self.station_id, self.server_now()))
        return self._ack(self._signed(protocol.CURSOR_PATH, body), protocol.CURSOR_PATH)

    def upload(self, crossings: Sequence[Mapping[str, Any]]) -> Ack:
        """Send one batch (wire-form crossings, contiguous, in seq order). Raises ``Gap`` or ``Tampering``."""
        body = protocol.batch_body(self.station_id, self.server_now(), crossings)
        return self._ack(self._signed(protocol.BATCH_PATH, body), protocol.BATCH_PATH)

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
    def _ack(self, reply: Reply, path: str) -> Ack:
        try:
            return protocol.parse_ack(self._ok(reply, path))
        except ProtocolError as e:
            raise Unreachable(f"{self.base}{path}: {e}") from None

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
            raise Gap(int(doc["expected_seq"]))
        if reply.status == 409 and code == "tampering":
            raise Tampering(f"{where}: the server refused this station's log as altered{said}. Call the supervisor.")
        if reply.status in (401, 403) and code == "stale":
            raise Unreachable(f"{where}: the server's clock and ours disagree{said}")  # next round re-reads time
        if reply.status in (400, 401, 403, 409, 413):
            raise Refused(f"{where}: refused ({reply.status} {code}){said}")
        if reply.status == 429 or reply.status >= 500:
            retry_after = parse_retry_after(reply.headers.get("Retry-After"), self.clock.now())
            raise Unreachable(f"{where}: the server is busy or failing ({reply.status}){said}", retry_after)
        raise Unreachable(f"{where}: unexpected reply {reply.status} {code}{said}")


def _short(e: Exception) -> str:
    text = str(e)
    return text if len(text) <= 200 else text[:200] + "..."
