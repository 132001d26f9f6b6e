"""The log anchor: what the station knows its log must still hold, kept apart from the log.

``<data dir>/log-anchor.json`` holds two points of the crossing chain, signed with the station key:

- ``head``: the newest crossing the station recorded (sequence, hash), rewritten atomically after every
  record;
- ``server``: the newest crossing the central server acknowledged (sequence, hash), from a reply signed
  by the pinned server key.

A log that does not reach a point, or holds a different hash there, was replaced or cut back: the
station refuses to record on it (``LogError`` code ``replaced``) and sync reports it to the server. A
power cut between a record and the anchor update leaves the anchor one crossing behind, which is
fine: the log may be ahead of its anchor, never behind it or different. Points only move forward.

Limits (see docs/crossing-log.md): someone who holds the station key and rewrites the log *and* the
anchor is not caught here (the server's cursor still is, for what was synced); deleting both looks like
a new station until the first sync, when the server's cursor shows it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint.atomic import write_atomic
from checkpoint.log import chain

ANCHOR_FILE = "log-anchor.json"
DOMAIN = b"checkpoint-log-anchor/1\n"
MAX_ANCHOR_BYTES = 4096


class AnchorError(Exception):
    """The anchor file cannot be read or its signature does not verify."""


@dataclass(frozen=True)
class AnchorState:
    station_id: str
    head_seq: int = 0
    head_hash: str = chain.GENESIS
    server_seq: int = 0
    server_hash: str = chain.GENESIS

    def fields(self) -> dict[str, object]:
        return {"station_id": self.station_id, "head_seq": self.head_seq, "head_hash": self.head_hash,
                "server_seq": self.server_seq, "server_hash": self.server_hash}


def _signed_bytes(state: AnchorState) -> bytes:
    return DOMAIN + json.dumps(state.fields(), sort_keys=True, separators=(",", ":")).encode()


def problem_with(state: AnchorState, station_id: str, log_head: int,
                 hash_at: Callable[[int], str | None]) -> str | None:
    """Why this log cannot be the one the anchor speaks of, or None when it can."""
    if state.station_id != station_id:
        return f"the log anchor belongs to station {state.station_id!r}, the log to {station_id!r}"
    for seq, digest, who in ((state.head_seq, state.head_hash, "this station recorded"),
                             (state.server_seq, state.server_hash, "the central server holds")):
        if seq == 0:
            continue
        if seq > log_head:
            return (f"the log ends at crossing {log_head} but {who} crossing {seq}: "
                    "the crossing log was replaced or cut back")
        if hash_at(seq) != digest:
            return (f"crossing {seq} in the log is not the one {who}: "
                    "the crossing log was replaced or altered")
    return None


class LogAnchor:
    """The anchor file of one station's log. Thread-safe; processes share it through an advisory lock."""

    def __init__(self, path: Path, key: Ed25519PrivateKey, station_id: str) -> None:
        self.path, self.key, self.station_id = path, key, station_id
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None  # (inode, size, mtime_ns) of the last file read/written

    @classmethod
    def in_folder(cls, data_dir: Path, key: Ed25519PrivateKey, station_id: str) -> LogAnchor:
        return cls(data_dir / ANCHOR_FILE, key, station_id)

    def load(self) -> AnchorState | None:
        """The anchor, or None when there is no file yet; ``AnchorError`` when it is damaged or forged."""
        try:
            with open(self.path, "rb") as f:
                data = f.read(MAX_ANCHOR_BYTES + 1)
                stat = os.fstat(f.fileno())
        except FileNotFoundError:
            return None
        except OSError as e:
            raise AnchorError(f"{self.path}: cannot read the log anchor ({e.strerror})") from None
        state = self._parse(data)
        self._seen = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        return state

    def _parse(self, data: bytes) -> AnchorState:
        try:
            if len(data) > MAX_ANCHOR_BYTES:
                raise ValueError("too large")
            doc = json.loads(data)
            state = AnchorState(str(doc["station_id"]), int(doc["head_seq"]), str(doc["head_hash"]),
                                int(doc["server_seq"]), str(doc["server_hash"]))
            self.key.public_key().verify(base64.b64decode(doc["signature"], validate=True), _signed_bytes(state))
        except (ValueError, KeyError, TypeError, binascii.Error, InvalidSignature):
            raise AnchorError(f"{self.path}: the log anchor is damaged or not signed by this station's key") from None
        return state

    def changed(self) -> bool:
        """Whether the file changed since this object last read or wrote it (another process moved it)."""
        try:
            st = self.path.stat()
        except OSError:
            return self._seen is not None
        return (st.st_ino, st.st_size, st.st_mtime_ns) != self._seen

    def update(self, *, head: tuple[int, str] | None = None, server: tuple[int, str] | None = None) -> AnchorState:
        """Move points forward (never back) and write the file atomically; returns what is now anchored."""
        with self._lock, self._file_lock():
            state = self.load() or AnchorState(self.station_id)
            if head is not None and head[0] > state.head_seq:
                state = replace(state, head_seq=head[0], head_hash=head[1])
            if server is not None and server[0] > state.server_seq:
                state = replace(state, server_seq=server[0], server_hash=server[1])
            doc = {**state.fields(), "signature": base64.b64encode(self.key.sign(_signed_bytes(state))).decode()}
            write_atomic(self.path, json.dumps(doc, indent=1).encode(), mode=0o600)
            st = self.path.stat()
            self._seen = (st.st_ino, st.st_size, st.st_mtime_ns)
            return state

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        fd = os.open(self.path.with_name(f".{self.path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
