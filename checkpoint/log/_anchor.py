"""The log anchor: what the station knows its log must still hold, kept apart from the log.

``<data dir>/log-anchor.json`` holds two points of the crossing chain, signed with the station key:

- ``head``: the newest crossing the station recorded (sequence, hash), rewritten atomically right after
  every record (by a background thread: ``HeadWriter``);
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
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint.crossing import chain

ANCHOR_FILE = "log-anchor.json"
DOMAIN = b"checkpoint-log-anchor/1\n"
MAX_ANCHOR_BYTES = 4096
logger = logging.getLogger(__name__)


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
        self._known: AnchorState | None = None  # what that file holds (no re-read while it is unchanged)

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
        self._seen, self._known = (stat.st_ino, stat.st_size, stat.st_mtime_ns), state
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

    def current(self) -> AnchorState | None:
        """The anchor as last read or written here, read again only when the file changed since."""
        known = self._known
        return known if known is not None and not self.changed() else self.load()

    def changed(self) -> bool:
        """Whether the file changed since this object last read or wrote it (another process moved it)."""
        try:
            st = self.path.stat()
        except OSError:
            return self._seen is not None
        return (st.st_ino, st.st_size, st.st_mtime_ns) != self._seen

    def update(self, *, head: tuple[int, str] | None = None, server: tuple[int, str] | None = None,
               create: bool = False) -> AnchorState:
        """Move points forward (never back) and write the file atomically; returns what is now anchored.

        Only the log's first start with an anchor ``create``s one: a missing file met here is an anchor deleted
        under a running station, and rebuilding it would hide whatever was cut from the log meanwhile."""
        with self._lock, self._file_lock():
            known = self._known if self._known is not None and not self.changed() else None
            state = known or self.load()
            if state is None:
                if not create:
                    raise AnchorError(f"{self.path}: the log anchor is missing: it was deleted while the station "
                                      "was running")
                state = AnchorState(self.station_id)
            if head is not None and head[0] > state.head_seq:
                state = replace(state, head_seq=head[0], head_hash=head[1])
            if server is not None and server[0] > state.server_seq:
                state = replace(state, server_seq=server[0], server_hash=server[1])
            if state == known:
                return state
            doc = {**state.fields(), "signature": base64.b64encode(self.key.sign(_signed_bytes(state))).decode()}
            st = self._write(json.dumps(doc, indent=1).encode())
            self._seen, self._known = (st.st_ino, st.st_size, st.st_mtime_ns), state
            return state

    def _write(self, data: bytes) -> os.stat_result:
        """Write-then-rename with the data fsynced (a power cut leaves the old anchor or the new, never half).
        The folder is not fsynced: losing the rename only leaves the anchor behind the log, which is allowed."""
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
            st = os.fstat(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        return st

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        fd = os.open(self.path.with_name(f".{self.path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


class HeadWriter:
    """Moves the anchor's head in a background thread right after each commit, coalescing a burst of records
    into one file write: the officer's record waits for the log's fsync only, not for the anchor's too.

    The anchor then trails the log by at most one write (about 5-15 ms); a log cut back within that moment
    is not seen by the anchor (the server's cursor still sees it if those crossings were synced)."""

    def __init__(self, anchor: LogAnchor) -> None:
        self.anchor = anchor
        self._cond = threading.Condition()
        self._pending: tuple[int, str] | None = None
        self._busy = False
        self._closed = False
        self._thread: threading.Thread | None = None

    def advance(self, seq: int, digest: str) -> None:
        with self._cond:
            if self._pending is None or seq > self._pending[0]:
                self._pending = (seq, digest)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="log-anchor", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def flush(self, timeout: float | None = 10.0) -> None:
        """Wait until every head handed over is written (or failed and was logged)."""
        with self._cond:
            self._cond.wait_for(lambda: self._pending is None and not self._busy, timeout)

    def close(self) -> None:
        self.flush()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(10.0)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None or self._closed)
                if self._pending is None:
                    return
                head, self._pending, self._busy = self._pending, None, True
            try:
                self.anchor.update(head=head)
            except (OSError, AnchorError) as e:
                logger.warning("crossing log: cannot update the log anchor (%s); it stays behind", e)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
