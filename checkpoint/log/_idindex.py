"""The id-number index: memory-hard keyed hashes of id numbers, so a stolen station does not give ids back.

A Vietnamese citizen id (CCCD) is 3 digits of province, 1 of century and sex, 2 of birth year and 6
random digits: knowing a person's province and birth year leaves ~2 x 10^6 candidates. A fast keyed
hash (HMAC) with its key beside the log lets a thief try them all in a second. Here one guess costs an
Argon2id evaluation (``PRODUCTION_PARAMS``: 64 MiB, 3 passes, one lane; ~0.2 s of a core on the
reference machine, ``bench/id_hash_cost.py``), so recovering one id costs at least a core-day, and the
hash is keyed by the station's ``lookup.key`` (a log or a backup without the data folder cannot be
checked at all). See ``docs/crossing-log.md`` ("Id numbers at rest") for the threat model and limits.

Because one hash costs ~0.2 s, it is not computed on the record path (p99 < 20 ms): the crossing is
committed with a placeholder row ``id_index(seq, NULL)`` and an :class:`Indexer` thread fills the key in
a moment later. The id number waits in memory only, never on disk; if the station dies in that moment
the crossing keeps its sealed personal data but cannot be found by ``export --id-number`` without the
supervisor's key (``unindexed`` counts such rows).

Logs made before schema 4 hold HMAC-SHA256 hashes (``legacy_id_number_hash``) under the old
``hmac.key``. The upgrade seals that key to the supervisor (``[log] seal_to``) into the log's ``meta`` and
deletes the file: those rows can then be searched only with the supervisor's key.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import queue
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from checkpoint import sealing
from checkpoint.log._errors import LogError
from checkpoint.lookup_keys import normalise_id_number

if TYPE_CHECKING:
    from checkpoint.log._store import CrossingLog

PARAMS_META = "id_hash"  # meta key: the Argon2id parameters this log's index was built with
LEGACY_META = "legacy_hash_key"  # meta key: the pre-schema-4 HMAC key, sealed to the supervisor (hex)
_LEGACY_AAD = b"checkpoint legacy id-number hash key"
_DOMAIN = b"checkpoint id-number v1\x00"
_PARAMS = re.compile(r"argon2id:v=19:t=(\d{1,2}):m=(\d{1,8}):p=(\d{1,2})")
NICE = 10  # the indexer thread's scheduling priority (0 normal, 19 lowest)
CACHE = 256  # recent id numbers whose key is kept in memory (a regular crosser costs one hash a session)


@dataclass(frozen=True)
class IdHashParams:
    time_cost: int  # passes
    memory_kib: int
    lanes: int

    def __str__(self) -> str:
        return f"argon2id:v=19:t={self.time_cost}:m={self.memory_kib}:p={self.lanes}"

    @classmethod
    def parse(cls, text: str) -> IdHashParams:
        m = _PARAMS.fullmatch(text)
        if m is None:
            raise ValueError(f"not id-hash parameters: {text[:60]!r}")
        params = cls(int(m[1]), int(m[2]), int(m[3]))
        if not (1 <= params.time_cost <= 20 and 8 * params.lanes <= params.memory_kib <= 4 * 1024 * 1024
                and 1 <= params.lanes <= 16):
            raise ValueError(f"id-hash parameters out of range: {text[:60]!r}")
        return params


#: The production cost: one guess >= ~0.1 s of a core (10^6 guesses >= a core-day) and 64 MiB, which
#: also caps how many guesses a GPU runs at once. Stored per log at creation, so lookups use the same.
PRODUCTION_PARAMS = IdHashParams(time_cost=3, memory_kib=64 * 1024, lanes=1)
DEFAULT_PARAMS = PRODUCTION_PARAMS  # for new logs (the test suite lowers it for speed; never config)


def id_key(pepper: bytes, params: IdHashParams, normalised: str) -> bytes:
    """The index key of an already normalised id number (``checkpoint.lookup_keys.normalise_id_number``)."""
    salt = hmac.new(pepper, b"id-number salt", hashlib.sha256).digest()
    return hash_secret_raw(_DOMAIN + normalised.encode("utf-8"), salt, time_cost=params.time_cost,
                           memory_cost=params.memory_kib, parallelism=params.lanes, hash_len=32, type=Type.ID)


def legacy_normalise(id_number: str) -> str:
    """How schema 1-3 normalised an id number before hashing (kept to find rows made before the upgrade)."""
    return "".join(ch for ch in id_number.upper() if ch not in " -.\t")


def legacy_id_number_hash(key: bytes, id_number: str) -> str:
    """The schema 1-3 id-number hash: HMAC-SHA256 under ``hmac.key`` (fast: it gave ids back)."""
    return hmac.new(key, b"id-number\x00" + legacy_normalise(id_number).encode("utf-8"), hashlib.sha256).hexdigest()


def seal_legacy_key(key: bytes, seal_to: X25519PublicKey) -> str:
    return sealing.seal(key, seal_to, _LEGACY_AAD).hex()


def open_legacy_key(sealed_hex: str, private: X25519PrivateKey) -> bytes:
    """The old hash key, opened with the supervisor's key (raises ``UnsealError`` with another key)."""
    return sealing.unseal(bytes.fromhex(sealed_hex), private, _LEGACY_AAD)


class Indexer:
    """Computes id keys off the record path and writes them into ``id_index``, in order, on one thread."""

    def __init__(self, log: CrossingLog, pepper: bytes, params: IdHashParams) -> None:
        self._log = log
        self._pepper = pepper
        self.params = params
        self._queue: queue.Queue[tuple[int, str] | None] = queue.Queue()
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.failed = 0  # keys that could not be written (the log failed); their rows stay unindexed
        self._thread = threading.Thread(target=self._run, name="id-index", daemon=True)
        self._thread.start()

    def key(self, normalised: str) -> bytes:
        with self._cache_lock:
            found = self._cache.get(normalised)
            if found is not None:
                self._cache.move_to_end(normalised)
                return found
        computed = id_key(self._pepper, self.params, normalised)
        with self._cache_lock:
            self._cache[normalised] = computed
            while len(self._cache) > CACHE:
                self._cache.popitem(last=False)
        return computed

    def submit(self, seq: int, normalised: str) -> None:
        self._queue.put((seq, normalised))

    def drain(self) -> None:
        """Wait until every submitted id number is in the index (or failed)."""
        self._queue.join()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        # Below the recording threads: on a busy CPU the officer's commit runs first (Linux: per thread).
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                seq, normalised = item
                try:
                    digest = self.key(normalised)
                    with self._log._write() as conn:
                        conn.execute("UPDATE id_index SET key=? WHERE seq=? AND key IS NULL", (digest, seq))
                except Exception:  # the log failed: this row stays unindexed, the thread goes on
                    self.failed += 1
            finally:
                self._queue.task_done()


def params_of(conn: sqlite3.Connection) -> IdHashParams | None:
    row = conn.execute("SELECT value FROM meta WHERE key=?", (PARAMS_META,)).fetchone()
    return IdHashParams.parse(str(row[0])) if row else None


def lookup_hashes(path: Path, pepper: bytes, id_numbers: Iterable[str],
                  supervisor_key: X25519PrivateKey | None = None) -> frozenset[str]:
    """What ``export --id-number`` compares (hex): each number's index key under the log's parameters,
    and with the supervisor's key also its pre-schema-4 hashes. Never the numbers themselves."""
    from checkpoint.log._store import connect

    params, sealed = DEFAULT_PARAMS, ""
    if path.exists():
        conn = connect(path, readonly=True, busy_timeout=5.0, check=False)
        try:
            params = params_of(conn) or DEFAULT_PARAMS
            row = conn.execute("SELECT value FROM meta WHERE key=?", (LEGACY_META,)).fetchone()
            sealed = str(row[0]) if row else ""
        except (sqlite3.Error, ValueError) as e:
            raise LogError("corrupt", f"cannot read the log's id-hash settings ({e})", path=path) from None
        finally:
            conn.close()
    numbers = tuple(id_numbers)
    out = {id_key(pepper, params, normalise_id_number(n)).hex() for n in numbers}
    if sealed and supervisor_key is not None:
        legacy = open_legacy_key(sealed, supervisor_key)
        out |= {legacy_id_number_hash(legacy, form) for n in numbers for form in (n, normalise_id_number(n))}
    return frozenset(out)
