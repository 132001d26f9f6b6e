"""Where the central server keeps stations, enrolment tokens and crossings.

``Storage`` is the interface the app talks to; ``SQLiteStorage`` is the default (one file, WAL,
``synchronous=FULL`` so an acknowledged crossing survives a power cut). A PostgreSQL backend implements
the same methods with the same transaction shape (``store_batch`` is one transaction).

Invariant per station: the server holds crossings ``1..cursor`` with no gap, each linked to the one
before by ``prev_hash``; ``last_hash`` is the hash at ``cursor``. Uploads only ever extend that run.
Crossing ids are unique per station: another station's upload can never collide with this one's ids.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from checkpoint.crossing.fields import RETENTION_FIELDS, SERVER_COLUMNS, Field
from checkpoint.errors import CheckpointError
from checkpoint.isotime import iso_z as _iso
from checkpoint.isotime import parse_instant
from checkpoint.isotime import sortable as sortable_time

GENESIS_HASH = "0" * 64
TOKEN_PREFIX = "cpt_"  # noqa: S105 (a prefix, not a secret)


class StorageError(CheckpointError):
    """The server's database cannot be opened or used (path, permission, corruption)."""


@dataclass(frozen=True)
class StationRecord:
    station_id: str
    public_key: str  # base64 raw Ed25519
    enrolled_at: str
    revoked_at: str | None
    cursor: int
    last_hash: str


@dataclass(frozen=True)
class Stored:
    acknowledged_seq: int
    stored: int
    already_had: int
    acknowledged_hash: str = GENESIS_HASH  # the hash of the crossing at acknowledged_seq


@dataclass(frozen=True)
class Gap:
    expected_seq: int


@dataclass(frozen=True)
class Tampering:
    seq: int
    problem: str


@dataclass(frozen=True)
class Replayed:
    """The batch's nonce was already seen (a replayed request): nothing was stored."""


@dataclass(frozen=True)
class Nonce:
    """A signed request's nonce, remembered by ``store_batch`` in the batch's own transaction for ``keep``."""

    value: str
    keep: timedelta


BatchResult = Stored | Gap | Tampering | Replayed


class Refusal(Enum):
    """Why an enrolment was refused: a value the app maps to a status, never text it matches."""

    UNKNOWN_TOKEN = "the enrolment token is not known to this server"  # noqa: S105 (a reason, not a secret)
    TOKEN_USED = "the enrolment token has already been used"  # noqa: S105 (a reason, not a secret)
    TOKEN_EXPIRED = "the enrolment token has expired; ask for a new one"  # noqa: S105 (a reason, not a secret)
    KEY_CONFLICT = "the station is already enrolled with another key"


@dataclass(frozen=True)
class EnrolmentRefused:
    reason: Refusal
    station_id: str

    @property
    def message(self) -> str:
        """For the server's operator (the log); a station is told less (see ``sync.server.app``)."""
        return f"station {self.station_id}: {self.reason.value}"


EnrolResult = StationRecord | EnrolmentRefused


def enrolment_answer(token_row: Sequence[Any] | None, existing: StationRecord | None, station_id: str,
                     public_key: str, now: datetime) -> EnrolResult | None:
    """Every backend's rule for an enrolment, given the token's row (expires_at, used_at, used_by) and the station
    as enrolled so far: the answer, or None when the token is good and is to be used now."""
    if existing is not None and existing.public_key == public_key and token_row is not None \
            and token_row[2] == station_id:
        return existing  # the same enrolment again (its reply was lost): harmless
    if token_row is None:
        return EnrolmentRefused(Refusal.UNKNOWN_TOKEN, station_id)
    if token_row[1] is not None:
        return EnrolmentRefused(Refusal.TOKEN_USED, station_id)
    if token_row[0] <= _iso(now):
        return EnrolmentRefused(Refusal.TOKEN_EXPIRED, station_id)
    if existing is not None and existing.public_key != public_key:
        return EnrolmentRefused(Refusal.KEY_CONFLICT, station_id)
    return None


@dataclass(frozen=True)
class BatchPlan:
    """What a checked batch adds: the crossings past the station's cursor, how many it already had, the new head."""

    new: list[Mapping[str, Any]]
    already: int
    head: str  # the hash of the last crossing once the new ones are stored
    last_seq: int  # the batch's last sequence

    def stored(self, st: StationRecord) -> Stored:
        return Stored(max(st.cursor, self.last_seq), len(self.new), self.already, self.head)


def plan_batch(st: StationRecord, crossings: Sequence[Mapping[str, Any]],
               held: Callable[[str, int, int], Mapping[int, str]],
               ids_held: Callable[[list[str]], bool]) -> BatchPlan | Gap | Tampering:
    """Every backend's rule for a batch (validated by the caller), inside its transaction: the run must start at or
    before the cursor's next sequence; crossings the server holds must be the same (retention may have erased
    personal fields on either side); new ones must link to the station's chain; ids are unique per station.
    ``held(station, first, last)`` gives the bodies held in that range, ``ids_held`` whether any id is held."""
    first, last = int(crossings[0]["seq"]), int(crossings[-1]["seq"])
    if first > st.cursor + 1:
        return Gap(st.cursor + 1)
    already = 0
    if first <= st.cursor:
        bodies = held(st.station_id, first, min(last, st.cursor))
        for c in crossings:
            seq = int(c["seq"])
            if seq > st.cursor:
                break
            body = bodies.get(seq)
            if body is None or not same_content(json.loads(body), c):
                return Tampering(seq, "differs from the crossing already received with this sequence")
            already += 1
    new = [c for c in crossings if int(c["seq"]) > st.cursor]
    head = st.last_hash
    for c in new:
        if c["prev_hash"] != head:
            return Tampering(int(c["seq"]), "does not link to the previous crossing (hash chain broken)")
        head = c["hash"]
    ids = [str(c["id"]) for c in new]
    if len(set(ids)) != len(ids) or (ids and ids_held(ids)):
        return Tampering(first, "a crossing id in this batch was already received with another sequence")
    if any(c["station_id"] != st.station_id for c in new):  # validate.batch checks it; never file one elsewhere
        raise StorageError("a crossing in the batch belongs to another station; the batch was not stored")
    return BatchPlan(new, already, head, last)


@dataclass(frozen=True)
class Heartbeat:
    """The latest state a station reported in a sync round (kept one per station, replaced each time)."""

    station_id: str
    received_at: str  # the server's time of receipt (ISO, Z)
    body: dict[str, Any]  # validated by the caller: versions, list ages, clock offset, queue, disk, camera ...


@dataclass(frozen=True)
class ExportFilter:
    stations: tuple[str, ...] = ()
    since: datetime | None = None  # inclusive, on recorded_at
    until: datetime | None = None  # exclusive
    verdict: str | None = None


class Storage(Protocol):
    def create_token(self, now: datetime, valid_for: timedelta) -> str: ...
    def enroll(self, token: str, station_id: str, public_key: str, now: datetime) -> EnrolResult: ...
    def station(self, station_id: str) -> StationRecord | None: ...
    def stations(self) -> list[StationRecord]: ...
    def revoke_station(self, station_id: str, now: datetime) -> bool: ...
    def remember_nonce(self, station_id: str, nonce: str, now: datetime, keep: timedelta) -> bool: ...
    def store_batch(self, station_id: str, crossings: Sequence[Mapping[str, Any]], now: datetime,
                    nonce: Nonce | None = None) -> BatchResult: ...
    def record_alert(self, station_id: str, kind: str, detail: str, now: datetime) -> None: ...
    def alerts(self, station_id: str | None = None) -> list[dict[str, str]]: ...
    def crossings(self, flt: ExportFilter) -> Iterator[dict[str, Any]]: ...
    def crossings_count(self, flt: ExportFilter) -> int: ...
    def crossings_page(self, flt: ExportFilter, offset: int, limit: int) -> list[dict[str, Any]]: ...
    def count(self, station_id: str | None = None) -> int: ...
    def crossing_hash(self, station_id: str, seq: int) -> str | None: ...
    def record_heartbeat(self, station_id: str, body: Mapping[str, Any], now: datetime) -> None: ...
    def heartbeats(self) -> dict[str, Heartbeat]: ...
    def record_notice_acks(self, station_id: str, acks: Sequence[Mapping[str, Any]], now: datetime) -> int: ...
    def notice_acks(self, station_id: str | None = None) -> list[dict[str, Any]]: ...
    def take_rate(self, key: str, now: datetime, window: timedelta, limit: int) -> bool: ...
    def close(self) -> None: ...
    # dispositions and alert acknowledgements (sync.server.dispositions)
    def store_dispositions(self, station_id: str, items: Sequence[Mapping[str, Any]],
                           now: datetime) -> BatchResult: ...
    def disposition_cursor(self, station_id: str) -> tuple[int, str]: ...
    def dispositions(self, flt: ExportFilter) -> Iterator[dict[str, Any]]: ...
    def alert_list(self, include_acknowledged: bool = False) -> list[dict[str, Any]]: ...
    def acknowledge_alert(self, n: int, by: str, now: datetime) -> bool: ...


ACK_COLUMNS = ("station_id", "notice_id", "policy_version", "officer_id", "acknowledged_at", "received_at")

SCHEMA = """
CREATE TABLE IF NOT EXISTS stations (
    station_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    revoked_at TEXT,
    cursor INTEGER NOT NULL DEFAULT 0,
    last_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    used_by TEXT
);
CREATE TABLE IF NOT EXISTS crossings (
    station_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    verdict TEXT NOT NULL,
    hash TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (station_id, seq),
    UNIQUE (station_id, id)
);
CREATE INDEX IF NOT EXISTS crossings_recorded ON crossings (recorded_at);
CREATE TABLE IF NOT EXISTS nonces (
    station_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (station_id, nonce)
);
-- remember_nonce deletes expired nonces at every signed request: without this index that is a scan of the
-- whole table (600,000 rows at 10,000 stations: 190 ms, under the write lock, per request)
CREATE INDEX IF NOT EXISTS nonces_seen ON nonces (seen_at);
CREATE TABLE IF NOT EXISTS alerts (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS heartbeats (
    station_id TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_limits (
    key TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    hits INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS notice_acks (
    station_id TEXT NOT NULL,
    notice_id TEXT NOT NULL,
    policy_version INTEGER NOT NULL,
    officer_id TEXT,
    acknowledged_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (station_id, notice_id)
);
"""
#: Version 3 added heartbeats and rate_limits, version 4 notice_acks (policy), version 5 dispositions,
#: disposition_heads and alert_acks (sync.server.dispositions): all created by IF NOT EXISTS, no data moves.
SCHEMA_VERSION = 5
#: Version 1 made crossing ids unique across all stations: one station could take another's ids.
_MIGRATE_1_TO_2 = """
ALTER TABLE crossings RENAME TO crossings_v1;
DROP INDEX IF EXISTS crossings_recorded;
CREATE TABLE crossings (
    station_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    verdict TEXT NOT NULL,
    hash TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (station_id, seq),
    UNIQUE (station_id, id)
);
INSERT INTO crossings SELECT station_id, seq, id, recorded_at, verdict, hash, body, received_at FROM crossings_v1;
DROP TABLE crossings_v1;
"""


def canonical(crossing: Mapping[str, Any]) -> str:
    return json.dumps(crossing, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


#: What the station's retention erases once the server has a crossing (the chain keeps their digest).
ERASABLE = RETENTION_FIELDS
#: A crossing's row: the field table's server columns (``CREATE TABLE crossings`` above has them, checked by
#: tests/test_crossing_fields.py), then the canonical JSON body and the time received.
CROSSING_COLUMNS = (*(f.name for f in SERVER_COLUMNS), "body", "received_at")
_INSERT_CROSSING = (f"INSERT INTO crossings ({', '.join(CROSSING_COLUMNS)}) "  # noqa: S608 (fixed names)
                    f"VALUES ({', '.join('?' * len(CROSSING_COLUMNS))}) ON CONFLICT DO NOTHING")


def column_value(f: Field, crossing: Mapping[str, Any]) -> Any:
    """A validated crossing's value for a server column: instants as fixed-width UTC text (they sort as text)."""
    v = crossing[f.name]
    return sortable_time(v) if f.check.form == "instant" else v


def crossing_row(crossing: Mapping[str, Any], received: str) -> tuple[Any, ...]:
    return (*(column_value(f, crossing) for f in SERVER_COLUMNS), canonical(crossing), received)


def same_content(stored: Mapping[str, Any], incoming: Mapping[str, Any]) -> bool:
    """Equal crossings; personal fields erased on one side (retention) are not a difference."""
    a, b = dict(stored), dict(incoming)
    if any(d.get("erased_at") is not None or d.get("sealed") is None for d in (a, b)):
        for d in (a, b):
            for key in ERASABLE:
                d.pop(key, None)
    return canonical(a) == canonical(b)


def dispositions_match(flt: ExportFilter, station_id: str, at: str) -> bool:
    """Whether a disposition falls within an export filter (stations; ``at`` within since..until)."""
    if flt.stations and station_id not in flt.stations:
        return False
    t = parse_instant(at)
    return (flt.since is None or t >= flt.since) and (flt.until is None or t < flt.until)


def alert_row(r: Sequence[Any]) -> dict[str, Any]:
    return {"n": int(r[0]), "station_id": r[1], "at": r[2], "kind": r[3], "detail": r[4], "acked_at": r[5],
            "acked_by": r[6]}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: The database holds every station's sealed personal data and keyed hashes: owner only (docs/sync.md).
DB_MODE = 0o600


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600, or take group and other access away from an existing one. SQLite
    creates the -wal and -shm files with the database file's mode."""
    import os

    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DB_MODE))
    except FileExistsError:
        for f in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if f.exists() and f.stat().st_mode & 0o077:
                os.chmod(f, DB_MODE)


def private_folder(path: Path) -> None:
    """Create the server's data folder mode 0700, or take group and other access away from an existing one that
    is the server's own. A shared folder (sticky, like /tmp, or another user's) is left as it is: the files in it
    are 0600 anyway, and taking others' access away from /tmp would break every other program."""
    import os
    import stat

    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.stat()
    if st.st_mode & 0o077 and not st.st_mode & stat.S_ISVTX and st.st_uid == os.geteuid():
        os.chmod(path, 0o700)


class SQLiteStorage:
    """One SQLite file; one connection guarded by a lock (the app's thread pool shares it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            private_folder(path.parent)
            private_file(path)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StorageError(f"{path}: made by a newer server (schema {version}); upgrade this server")
            if version == 1:
                self._db.executescript(f"BEGIN IMMEDIATE; {_MIGRATE_1_TO_2} PRAGMA user_version=2; COMMIT;")
            self._db.executescript(SCHEMA)
            from sync.server.dispositions import SQLITE_SCHEMA as _DISPOSITIONS  # version 5

            self._db.executescript(_DISPOSITIONS)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error as e:
            raise StorageError(f"{path}: cannot open the server database ({e})") from None
        except OSError as e:
            raise StorageError(f"{path}: cannot create the server database folder ({e.strerror})") from None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- enrolment -------------------------------------------------------------------------------
    def create_token(self, now: datetime, valid_for: timedelta) -> str:
        token = TOKEN_PREFIX + secrets.token_urlsafe(24)
        with self._lock:
            self._db.execute(
                "INSERT INTO tokens (token_hash, created_at, expires_at) VALUES (?, ?, ?)",
                (token_hash(token), _iso(now), _iso(now + valid_for)),
            )
        return token

    def enroll(self, token: str, station_id: str, public_key: str, now: datetime) -> EnrolResult:
        """Register a station with a one-time token; returns the record, or why it was refused."""
        with self._lock, self._tx():
            row = self._db.execute(
                "SELECT expires_at, used_at, used_by FROM tokens WHERE token_hash = ?", (token_hash(token),)
            ).fetchone()
            existing = self._station(station_id)
            answer = enrolment_answer(row, existing, station_id, public_key, now)
            if answer is not None:
                return answer
            self._db.execute("UPDATE tokens SET used_at = ?, used_by = ? WHERE token_hash = ?",
                             (_iso(now), station_id, token_hash(token)))
            if existing is not None:
                return existing  # a new token, the same key: the station enrols again (to pin this server's key)
            self._db.execute(
                "INSERT INTO stations (station_id, public_key, enrolled_at, last_hash) VALUES (?, ?, ?, ?)",
                (station_id, public_key, _iso(now), GENESIS_HASH),
            )
            record = self._station(station_id)
            assert record is not None
            return record

    def _station(self, station_id: str) -> StationRecord | None:
        row = self._db.execute(
            "SELECT station_id, public_key, enrolled_at, revoked_at, cursor, last_hash FROM stations "
            "WHERE station_id = ?", (station_id,)
        ).fetchone()
        return StationRecord(*row) if row else None

    def station(self, station_id: str) -> StationRecord | None:
        with self._lock:
            return self._station(station_id)

    def stations(self) -> list[StationRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT station_id, public_key, enrolled_at, revoked_at, cursor, last_hash FROM stations "
                "ORDER BY station_id"
            ).fetchall()
        return [StationRecord(*r) for r in rows]

    def revoke_station(self, station_id: str, now: datetime) -> bool:
        with self._lock:
            cur = self._db.execute("UPDATE stations SET revoked_at = ? WHERE station_id = ? AND revoked_at IS NULL",
                                   (_iso(now), station_id))
            return cur.rowcount == 1

    def remember_nonce(self, station_id: str, nonce: str, now: datetime, keep: timedelta) -> bool:
        """True if the nonce is new (and is now remembered); False for a replay."""
        with self._lock, self._tx():
            return self._remember(station_id, nonce, now, keep)

    def _remember(self, station_id: str, nonce: str, now: datetime, keep: timedelta) -> bool:
        self._db.execute("DELETE FROM nonces WHERE seen_at < ?", (_iso(now - keep),))
        cur = self._db.execute(
            "INSERT INTO nonces (station_id, nonce, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (station_id, nonce, _iso(now)),
        )
        return cur.rowcount == 1

    # -- crossings -------------------------------------------------------------------------------
    def store_batch(self, station_id: str, crossings: Sequence[Mapping[str, Any]], now: datetime,
                    nonce: Nonce | None = None) -> BatchResult:
        """Store a contiguous run of crossings (validated by the caller) in one transaction; with ``nonce``, the
        request's nonce is remembered in that transaction too (``Replayed`` if it was seen: nothing stored)."""
        with self._lock:
            result = self._store(station_id, crossings, now, nonce)
            if isinstance(result, Tampering):
                self._alert(station_id, "tampering", f"seq {result.seq}: {result.problem}", now)
            return result

    def record_alert(self, station_id: str, kind: str, detail: str, now: datetime) -> None:
        """Something a supervisor must look at (tampering); kept for ``checkpoint server stations``."""
        with self._lock:
            self._alert(station_id, kind, detail, now)

    def _alert(self, station_id: str, kind: str, detail: str, now: datetime) -> None:
        self._db.execute("INSERT INTO alerts (station_id, at, kind, detail) VALUES (?, ?, ?, ?)",
                         (station_id, _iso(now), kind, detail))

    def _store(self, station_id: str, crossings: Sequence[Mapping[str, Any]], now: datetime,
               nonce: Nonce | None) -> BatchResult:
        with self._tx():
            if nonce is not None and not self._remember(station_id, nonce.value, now, nonce.keep):
                return Replayed()
            st = self._station(station_id)
            assert st is not None
            plan = plan_batch(st, crossings, self._held, lambda ids: self._ids_held(station_id, ids))
            if not isinstance(plan, BatchPlan):
                return plan
            new = plan.new
            received = _iso(now)
            before = self._db.total_changes
            self._db.executemany(_INSERT_CROSSING, [crossing_row(c, received) for c in new])
            if self._db.total_changes - before != len(new):  # cannot happen under the lock; never half-store
                raise StorageError("a concurrent writer changed this station's crossings; the batch was not stored")
            if new:
                self._db.execute("UPDATE stations SET cursor = ?, last_hash = ? WHERE station_id = ?",
                                 (int(new[-1]["seq"]), plan.head, station_id))
            return plan.stored(st)

    def _held(self, station_id: str, first: int, last: int) -> dict[int, str]:
        return dict(self._db.execute("SELECT seq, body FROM crossings WHERE station_id = ? AND seq BETWEEN ? AND ?",
                                     (station_id, first, last)).fetchall())

    def _ids_held(self, station_id: str, ids: list[str]) -> bool:
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = (f"SELECT 1 FROM crossings WHERE station_id = ? AND id IN ({','.join('?' * len(chunk))}) "  # noqa: S608
                 "LIMIT 1")
            if self._db.execute(q, [station_id, *chunk]).fetchone():
                return True
        return False

    def alerts(self, station_id: str | None = None) -> list[dict[str, str]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT station_id, at, kind, detail FROM alerts WHERE ? IS NULL OR station_id = ? ORDER BY n",
                (station_id, station_id),
            ).fetchall()
        return [{"station_id": r[0], "at": r[1], "kind": r[2], "detail": r[3]} for r in rows]

    def count(self, station_id: str | None = None) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM crossings WHERE ? IS NULL OR station_id = ?",
                                   (station_id, station_id)).fetchone()
        return int(row[0])

    def crossing_hash(self, station_id: str, seq: int) -> str | None:
        """The chain hash of a station's crossing ``seq`` if the server holds it (to check an export's manifest)."""
        with self._lock:
            row = self._db.execute("SELECT hash FROM crossings WHERE station_id = ? AND seq = ?",
                                   (station_id, seq)).fetchone()
        return str(row[0]) if row else None

    @staticmethod
    def _where(flt: ExportFilter) -> tuple[list[str], list[Any]]:
        where, params = ["1=1"], []
        if flt.stations:
            where.append(f"station_id IN ({','.join('?' * len(flt.stations))})")
            params += list(flt.stations)
        if flt.since:
            where.append("recorded_at >= ?")
            params.append(sortable_time(flt.since.isoformat()))
        if flt.until:
            where.append("recorded_at < ?")
            params.append(sortable_time(flt.until.isoformat()))
        if flt.verdict:
            where.append("verdict = ?")
            params.append(flt.verdict)
        return where, params

    def crossings_count(self, flt: ExportFilter) -> int:
        """How many crossings ``crossings(flt)`` would give (the console's paged tables show the total)."""
        where, params = self._where(flt)
        with self._lock:
            row = self._db.execute(f"SELECT count(*) FROM crossings WHERE {' AND '.join(where)}",  # noqa: S608
                                   params).fetchone()
        return int(row[0])

    def crossings_page(self, flt: ExportFilter, offset: int, limit: int) -> list[dict[str, Any]]:
        """One page of the crossings ``flt`` selects, in (recorded_at, station, seq) order: a stable order (the
        key is unique), so the pages of one query neither repeat nor skip a row while nothing is added."""
        where, params = self._where(flt)
        with self._lock:
            rows = self._db.execute(
                f"SELECT body FROM crossings WHERE {' AND '.join(where)} "  # noqa: S608
                "ORDER BY recorded_at, station_id, seq LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
        return [json.loads(r[0]) for r in rows]

    def crossings(self, flt: ExportFilter) -> Iterator[dict[str, Any]]:
        """Crossings in (station, seq) order, streamed in chunks: constant memory for any size."""
        where, params = self._where(flt)
        last: tuple[str, int] = ("", 0)
        while True:
            with self._lock:
                rows = self._db.execute(
                    f"SELECT station_id, seq, body FROM crossings WHERE {' AND '.join(where)} "  # noqa: S608
                    "AND (station_id, seq) > (?, ?) ORDER BY station_id, seq LIMIT 1000",
                    [*params, *last],
                ).fetchall()
            if not rows:
                return
            for r in rows:
                yield json.loads(r[2])
            last = (rows[-1][0], rows[-1][1])

    # -- heartbeats and rate limits (in the database, so several API processes share them) ------
    def record_heartbeat(self, station_id: str, body: Mapping[str, Any], now: datetime) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO heartbeats (station_id, received_at, body) VALUES (?, ?, ?) "
                "ON CONFLICT (station_id) DO UPDATE SET received_at = excluded.received_at, body = excluded.body",
                (station_id, _iso(now), canonical(body)),
            )

    def heartbeats(self) -> dict[str, Heartbeat]:
        with self._lock:
            rows = self._db.execute("SELECT station_id, received_at, body FROM heartbeats").fetchall()
        return {r[0]: Heartbeat(r[0], r[1], json.loads(r[2])) for r in rows}

    # -- policy notices acknowledged at stations (lane policy, docs/policy.md) ------------------------
    def record_notice_acks(self, station_id: str, acks: Sequence[Mapping[str, Any]], now: datetime) -> int:
        """Keep each (station, notice) acknowledgement once (the first one stays); returns how many were new."""
        with self._lock, self._tx():
            new = 0
            for a in acks:
                cur = self._db.execute(
                    "INSERT INTO notice_acks (station_id, notice_id, policy_version, officer_id, acknowledged_at, "
                    "received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (station_id, a["notice_id"], a["policy_version"], a["officer_id"], a["acknowledged_at"],
                     _iso(now)))
                new += cur.rowcount
            return new

    def notice_acks(self, station_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT station_id, notice_id, policy_version, officer_id, acknowledged_at, received_at "
                "FROM notice_acks "
                "WHERE (? IS NULL OR station_id = ?) ORDER BY station_id, acknowledged_at, notice_id",
                (station_id, station_id)).fetchall()
        return [dict(zip(ACK_COLUMNS, r, strict=True)) for r in rows]

    def take_rate(self, key: str, now: datetime, window: timedelta, limit: int) -> bool:
        """Count one event under ``key`` (e.g. "enroll:<client address>"); False, counting nothing, when
        ``limit`` events were already counted in the current window of length ``window``."""
        with self._lock, self._tx():
            row = self._db.execute("SELECT window_start, hits FROM rate_limits WHERE key = ?", (key,)).fetchone()
            if row is None or parse_instant(row[0]) + window <= now:
                self._db.execute(
                    "INSERT INTO rate_limits (key, window_start, hits) VALUES (?, ?, 1) ON CONFLICT (key) "
                    "DO UPDATE SET window_start = excluded.window_start, hits = 1", (key, _iso(now)))
                return True
            if row[1] >= limit:
                return False
            self._db.execute("UPDATE rate_limits SET hits = hits + 1 WHERE key = ?", (key,))
            return True

    # -- dispositions (the rules: sync.server.dispositions) ---------------------------------------
    def store_dispositions(self, station_id: str, items: Sequence[Mapping[str, Any]], now: datetime) -> BatchResult:
        """Store a contiguous run of a station's dispositions (validated by the caller) in one transaction; a new
        suspected illegal entry raises an alert in the same transaction."""
        from sync.server import dispositions as disp

        def held(first: int, last: int) -> dict[int, str]:
            return dict(self._db.execute("SELECT seq, body FROM dispositions WHERE station_id = ? AND seq BETWEEN ? "
                                         "AND ?", (station_id, first, last)).fetchall())

        def crossing_at(seq: int) -> tuple[str, str] | None:
            row = self._db.execute("SELECT id, hash FROM crossings WHERE station_id = ? AND seq = ?",
                                   (station_id, seq)).fetchone()
            return (str(row[0]), str(row[1])) if row else None

        with self._lock, self._tx():
            cursor, last_hash = self._disposition_head(station_id)
            result = disp.plan(cursor, last_hash, items, held, crossing_at)
            if isinstance(result, disp.DispositionPlan):
                received = _iso(now)
                rows = [disp.row(d, station_id, received) for d in result.new]
                self._db.executemany(f"INSERT INTO dispositions ({disp.INSERT_COLUMNS}) VALUES "  # noqa: S608
                                     f"({', '.join('?' * 10)})", rows)
                if result.new:
                    self._db.execute("INSERT INTO disposition_heads (station_id, cursor, last_hash) VALUES (?, ?, ?) "
                                     "ON CONFLICT (station_id) DO UPDATE SET cursor = excluded.cursor, "
                                     "last_hash = excluded.last_hash",
                                     (station_id, int(result.new[-1]["seq"]), result.head))
                for kind, detail in result.alerts():
                    self._alert(station_id, kind, detail, now)
                return result.stored()
            if isinstance(result, Tampering):
                self._alert(station_id, "tampering", f"disposition {result.seq}: {result.problem}", now)
            return result

    def _disposition_head(self, station_id: str) -> tuple[int, str]:
        row = self._db.execute("SELECT cursor, last_hash FROM disposition_heads WHERE station_id = ?",
                               (station_id,)).fetchone()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)

    def disposition_cursor(self, station_id: str) -> tuple[int, str]:
        with self._lock:
            return self._disposition_head(station_id)

    def dispositions(self, flt: ExportFilter) -> Iterator[dict[str, Any]]:
        """Dispositions (wire form) in (station, seq) order; ``flt`` by station and by the time recorded."""
        with self._lock:
            rows = self._db.execute("SELECT station_id, at, body FROM dispositions ORDER BY station_id, seq").fetchall()
        for station_id, at, body in rows:
            if dispositions_match(flt, station_id, at):
                yield json.loads(body)

    def alert_list(self, include_acknowledged: bool = False) -> list[dict[str, Any]]:
        """Alerts with their number and acknowledgement, oldest first (open ones only, unless asked)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT a.n, a.station_id, a.at, a.kind, a.detail, k.acked_at, k.acked_by FROM alerts a "
                "LEFT JOIN alert_acks k ON k.n = a.n WHERE ? OR k.n IS NULL ORDER BY a.n",
                (include_acknowledged,)).fetchall()
        return [alert_row(r) for r in rows]

    def acknowledge_alert(self, n: int, by: str, now: datetime) -> bool:
        """A supervisor has seen alert ``n``; False when there is no such alert or it was acknowledged already."""
        with self._lock, self._tx():
            if self._db.execute("SELECT 1 FROM alerts WHERE n = ?", (n,)).fetchone() is None:
                return False
            cur = self._db.execute("INSERT INTO alert_acks (n, acked_at, acked_by) VALUES (?, ?, ?) "
                                   "ON CONFLICT DO NOTHING", (n, _iso(now), by))
            return cur.rowcount == 1

    # -- transactions ----------------------------------------------------------------------------
    def _tx(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")


def open_storage(target: str | Path) -> Storage:
    """The server's database: a ``postgresql://`` URL opens PostgreSQL (many API processes, one database);
    anything else is the path of the SQLite file (the embedded default: the demo, a single site)."""
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        from sync.server.pg_storage import PostgresStorage

        return PostgresStorage(text)
    return SQLiteStorage(Path(target))
