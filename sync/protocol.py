"""The sync wire protocol, shared by the station client and the central server.

Station requests that change or reveal state are ``POST`` with a JSON body the station signs with its
Ed25519 key. The signature covers the exact body bytes, bound to the method and path::

    message   = b"checkpoint-sync/1\\n" + METHOD + b" " + PATH + b"\\n" + body
    headers   = X-Checkpoint-Station: <station id>
                X-Checkpoint-Signature: base64(Ed25519(message))

Every signed body carries ``type``, ``station_id``, ``sent_at`` (the station's estimate of server time)
and a random ``nonce``. The server refuses a body whose ``sent_at`` is outside its window or whose nonce
it has already seen (a replay), so a captured request cannot be sent again; a retry after a lost reply is
a new request (new nonce, new signature) and is made harmless by the sequence rules instead:

- crossings are stored once per ``(station, seq)`` and once per crossing ``id``;
- a batch must start at or below the server's next expected sequence, else ``409 gap`` names it;
- a sequence the server already holds with different content is ``409 tampering`` (and recorded);
- the reply gives the highest contiguous sequence the server holds (``acknowledged_seq``).

Trust and revocation lists and the server time are public ``GET`` resources: the lists carry their own
root signature, which the station verifies before installing them.

Every reply is signed by the server's Ed25519 key (``server.key`` in its data folder), which the station
pins at enrolment. The station sends a fresh ``X-Checkpoint-Nonce`` with every request (for a POST, the
body's nonce) and the signature binds it, so a reply cannot be forged, moved to another request or replayed::

    message   = b"checkpoint-sync-reply/1\n" + METHOD + b" " + PATH + b"\n" + STATUS + b"\n" + NONCE + b"\n" + body
    header    = X-Checkpoint-Server-Signature: base64(Ed25519(message))

An acknowledgement also names the station, the acknowledged sequence, the hash of the crossing at that
sequence and the request's nonce; the station moves its sync cursor only on a verified acknowledgement
whose hash matches its own log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import nacl.exceptions
import nacl.signing
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from checkpoint.isotime import iso_z

VERSION = "checkpoint-sync/1"
STATION_HEADER = "X-Checkpoint-Station"
SIGNATURE_HEADER = "X-Checkpoint-Signature"
NONCE_HEADER = "X-Checkpoint-Nonce"
SERVER_SIGNATURE_HEADER = "X-Checkpoint-Server-Signature"
REPLY_VERSION = "checkpoint-sync-reply/1"
iso = iso_z  # the wire's time form (checkpoint.isotime)

ENROLL_PATH = "/v1/enroll"
CURSOR_PATH = "/v1/cursor"
BATCH_PATH = "/v1/batches"
TIME_PATH = "/v1/time"
ALERT_PATH = "/v1/alerts"
HEARTBEAT_PATH = "/v1/heartbeat"
DISPOSITIONS_PATH = "/v1/dispositions"  # lane dispositions: sync.server.dispositions
DISPOSITION_CURSOR_PATH = "/v1/dispositions/cursor"
LIST_PATHS = {"trust-list": "/v1/lists/trust-list", "revocation-list": "/v1/lists/revocation-list",
              "watch-list": "/v1/lists/watch-list",
              "policy-bundle": "/v1/lists/policy-bundle"}  # the centre's policy (docs/policy.md)

#: Station ids: what an officer can type and a file name can hold.
STATION_ID_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")  # \Z: "$" would let a trailing line feed in

#: Caps the server enforces (and the client respects when it builds batches).
MAX_BATCH_CROSSINGS = 5000
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_CROSSING_BYTES = 64 * 1024
#: What a heartbeat may say about the camera ("unknown": a headless ``checkpoint sync`` cannot know).
CAMERA_STATES = ("running", "starting", "stopped", "failed", "none", "unknown")
#: The lists a heartbeat reports, by their wire names (the names of LIST_PATHS); each at most once.
LIST_KINDS = ("trust-list", "revocation-list", "policy-bundle", "watch-list")
#: The lists every station must have in force; a station of a province that publishes no policy bundle or
#: watch list has none (and a server from before lane fleet-lists refuses those two kinds in a heartbeat).
REQUIRED_LIST_KINDS = ("trust-list", "revocation-list")

#: How far ``sent_at`` may be from the server's clock; nonces are remembered for twice as long.
TIME_WINDOW = timedelta(minutes=5)


class ProtocolError(ValueError):
    """A body or reply does not follow the protocol; the message says which field."""


def signing_message(method: str, path: str, body: bytes) -> bytes:
    return f"{VERSION}\n{method.upper()} {path}\n".encode() + body


def sign(key: Ed25519PrivateKey, method: str, path: str, body: bytes) -> str:
    return base64.b64encode(key.sign(signing_message(method, path, body))).decode()


def signature_ok(key: Ed25519PublicKey, method: str, path: str, body: bytes, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    return _ed25519_ok(key, raw, signing_message(method, path, body))


def _ed25519_ok(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    """Ed25519 through libsodium (PyNaCl, as ``checkpoint.trust.keys``): a third less CPU than OpenSSL's here, on
    every signed request the server gets and every reply a station (or the load generator) checks."""
    try:
        nacl.signing.VerifyKey(key.public_bytes_raw()).verify(message, signature)
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return False
    return True


def reply_message(method: str, path: str, status: int, nonce: str, body: bytes) -> bytes:
    return f"{REPLY_VERSION}\n{method.upper()} {path}\n{status}\n{nonce}\n".encode() + body


def sign_reply(key: Ed25519PrivateKey, method: str, path: str, status: int, nonce: str, body: bytes) -> str:
    return base64.b64encode(key.sign(reply_message(method, path, status, nonce, body))).decode()


def reply_signature_ok(key: Ed25519PublicKey, method: str, path: str, status: int, nonce: str, body: bytes,
                       signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    return _ed25519_ok(key, raw, reply_message(method, path, status, nonce, body))


def fingerprint(key: Ed25519PublicKey) -> str:
    """A key's fingerprint for people to compare: SHA-256 of the raw key, 16 groups of 4 hex digits."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, 64, 4))


def same_fingerprint(a: str, b: str) -> bool:
    """Fingerprints compared ignoring spaces, colons and case (as an operator may type them)."""
    def norm(s: str) -> str:
        return "".join(ch for ch in s.lower() if ch in "0123456789abcdef")
    return len(norm(a)) == 64 and norm(a) == norm(b)


def public_key_text(key: Ed25519PublicKey) -> str:
    """A station public key as it travels: base64 of the raw 32 bytes."""
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def public_key_from_text(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise ProtocolError("public_key: not base64 of a 32-byte Ed25519 public key") from None


def etag_of(data: bytes) -> str:
    """A signed list's entity tag: its SHA-256 (a station computes it from the copy it has installed)."""
    return '"' + hashlib.sha256(data).hexdigest() + '"'


def new_nonce() -> str:
    return os.urandom(16).hex()


def dumps(doc: Mapping[str, Any]) -> bytes:
    """Compact JSON, as signed and sent (the signature is over these exact bytes)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def envelope(kind: str, station_id: str, sent_at: datetime, /, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "station_id": station_id, "sent_at": iso(sent_at), "nonce": new_nonce(), **fields}


def batch_body(station_id: str, sent_at: datetime, crossings: Sequence[Mapping[str, Any]],
               nonce: str | None = None) -> bytes:
    """The upload body for crossings already in wire form (``Crossing.to_wire()``), in seq order."""
    if not crossings:
        raise ProtocolError("a batch needs at least one crossing")
    first, last = int(crossings[0]["seq"]), int(crossings[-1]["seq"])
    return dumps(envelope("batch", station_id, sent_at, nonce=nonce or new_nonce(), first_seq=first, last_seq=last,
                          crossings=list(crossings)))


def dispositions_body(station_id: str, sent_at: datetime, dispositions: Sequence[Mapping[str, Any]],
                      nonce: str) -> bytes:
    """The upload body for dispositions in wire form (``DispositionRecord.to_wire()``), in seq order."""
    if not dispositions:
        raise ProtocolError("an upload needs at least one disposition")
    return dumps(envelope("dispositions", station_id, sent_at, nonce=nonce, first_seq=int(dispositions[0]["seq"]),
                          last_seq=int(dispositions[-1]["seq"]), dispositions=list(dispositions)))


@dataclass(frozen=True)
class Ack:
    """The server's answer to a batch or a cursor request: it holds ``1..acknowledged_seq``, the last with
    hash ``acknowledged_hash`` (the genesis hash for 0)."""

    acknowledged_seq: int
    stored: int = 0
    already_had: int = 0
    station_id: str = ""
    acknowledged_hash: str = ""
    nonce: str = ""


def parse_ack(doc: Any) -> Ack:
    if not isinstance(doc, dict):
        raise ProtocolError("reply: not a JSON object")
    seq = doc.get("acknowledged_seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ProtocolError("reply: 'acknowledged_seq' is missing or not a whole number")
    station_id, digest, nonce = doc.get("station_id"), doc.get("acknowledged_hash"), doc.get("nonce")
    if not isinstance(station_id, str) or not isinstance(nonce, str):
        raise ProtocolError("reply: 'station_id' or 'nonce' is missing")
    if not isinstance(digest, str) or not _HEX64.match(digest):
        raise ProtocolError("reply: 'acknowledged_hash' is missing or not 64 hex digits")
    return Ack(seq, _int(doc.get("stored", 0)), _int(doc.get("already_had", 0)), station_id, digest, nonce)


_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _int(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0
