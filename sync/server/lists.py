"""The signed trust and revocation lists and the policy bundle (docs/policy.md) the server hands out, kept
as files in its data folder.

A list is published only after it verified against the root keys the operator gives (and only if it is
newer than the one already published): a server never serves a list a station would refuse. Stations
verify again anyway; this check is to catch an operator's mistake at publish time, not to be trusted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from checkpoint.atomic import write_atomic
from checkpoint.errors import CheckpointError, SignedListError
from checkpoint.policy import load_policy_bundle
from checkpoint.trust import MAX_LIST_BYTES, load_revocation_list, load_trust_list, load_watch_list
from checkpoint.trust.keys import PublicKey
from sync.protocol import etag_of
from sync.server.storage import private_folder

T = TypeVar("T")
KINDS = ("trust-list", "revocation-list", "watch-list", "policy-bundle")
FILES = {"trust-list": "trust-list.cose", "revocation-list": "revocation-list.cose", "watch-list": "watch-list.cose",
         "policy-bundle": "policy-bundle.cose"}


@dataclass(frozen=True)
class Published:
    data: bytes
    etag: str
    version: int


class PublishedLists:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[str, tuple[tuple[int, int], bytes]] = {}
        self._lock = threading.Lock()

    def get(self, kind: str) -> bytes | None:
        """The published bytes (re-read only when the file changed), or None if none is published."""
        path = self.folder / FILES[kind]
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        key = (st.st_mtime_ns, st.st_size)
        with self._lock:
            hit = self._cache.get(kind)
            if hit is not None and hit[0] == key:
                return hit[1]
            data = path.read_bytes()
            self._cache[kind] = (key, data)
            return data

    def publish(self, kind: str, data: bytes, roots: Sequence[PublicKey], now: datetime) -> Published:
        """Verify ``data`` (signature, type, expiry, no rollback) and make it the list served."""
        if kind not in KINDS:
            raise CheckpointError(f"unknown list kind {kind!r} (known: {', '.join(KINDS)})")
        if len(data) > MAX_LIST_BYTES:
            raise CheckpointError(f"the {kind} is over the {MAX_LIST_BYTES // 2**20} MiB cap")
        if not roots:
            raise CheckpointError("give the root public key that signs the lists (--root FILE)")
        current = self.get(kind)
        if kind == "policy-bundle":
            prev_p = _quiet(lambda: load_policy_bundle(current, roots, now)) if current else None
            version = load_policy_bundle(data, roots, now, previous=prev_p).version
        elif kind == "trust-list":
            prev_t = _quiet(lambda: load_trust_list(current, roots, now)) if current else None
            version = load_trust_list(data, roots, now, previous=prev_t).version
        elif kind == "watch-list":
            prev_w = _quiet(lambda: load_watch_list(current, roots, now)) if current else None
            version = load_watch_list(data, roots, now, previous=prev_w).version
        else:
            prev_r = _quiet(lambda: load_revocation_list(current, roots, now)) if current else None
            version = load_revocation_list(data, roots, now, previous=prev_r).version
        private_folder(self.folder)
        write_atomic(self.folder / FILES[kind], data, mode=0o600)  # public bytes, but the server's files are its own
        return Published(data, etag_of(data), version)


def _quiet(load: Callable[[], T]) -> T | None:
    """The list in place, or None if it no longer loads (expired): then there is nothing to roll back to."""
    try:
        return load()
    except SignedListError:
        return None
