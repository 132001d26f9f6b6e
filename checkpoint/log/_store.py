"""The crossing log: every verdict, manual entry and officer action, durable before it is shown.

One SQLite file in WAL mode with ``synchronous=FULL``: :meth:`CrossingLog.record` returns only after
the commit reached the disk, so a crossing the officer saw accepted survives a power cut. Rows are
hash-chained (``chain``), personal fields sealed to the supervisor's key (``personal``), and every
SQLite failure becomes a :class:`LogError` the caller turns into a "cannot record" refusal.

One process writes (the station); others (``checkpoint log status``, ``verify``, ``backup``) open
the file read-only. Within the station, one connection is shared under a lock by all threads.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from checkpoint.clock import Clock
from checkpoint.crossing import PERSONAL_FIELDS, Crossing, PersonalData, chain
from checkpoint.crossing.disposition import DispositionRecord
from checkpoint.decision import Decision, Flag
from checkpoint.log import _idindex as idindex
from checkpoint.log import _schema as schema
from checkpoint.log._anchor import AnchorError, HeadWriter, LogAnchor, problem_with
from checkpoint.log._checkpointer import BACKSTOP_PAGES, Checkpointer
from checkpoint.log._errors import LogError, from_sqlite, os_error_code
from checkpoint.log._ids import uuid7
from checkpoint.log._integrity import SYNC_CHECK_MAX_BYTES, BackgroundCheck, quick_check
from checkpoint.log._personal import (
    MAX_FIELD_CHARS,
    from_subject,
    pass_id_hash,
    seal_personal,
    too_long_field,
)
from checkpoint.log._rows import COLUMNS, INSERT, SELECT, row_to_crossing, row_values
from checkpoint.log._timefmt import stamp, time_range
from checkpoint.log._verify import ChainReport, check_crossing, walk_chain
from checkpoint.lookup_keys import normalise_id_number
from checkpoint.policy import policy_fields

# Logs open for writing: whatever a command forgot to close is closed at interpreter exit (atexit runs
# before the interpreter tears down), so no checkpointer or indexer thread is left inside SQLite or Argon2.
_open_logs: weakref.WeakSet[CrossingLog] = weakref.WeakSet()


@atexit.register
def _close_open_logs() -> None:
    for open_log in list(_open_logs):
        with contextlib.suppress(Exception):
            open_log.close()


PAGE = 512
MAX_RECENT_IDS = 100_000  # id tags held for manual-entry duplicates (32 bytes + a time each: a few MB at most)
MAX_SHORT = 64  # lane, officer id, action name, detail keys
MAX_DETAIL = 512
MAX_DETAILS = 32
_ACTION_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class CrossingContext:
    """Where and how a crossing happened: who, which lane and way, and what the clock said."""

    officer_id: str | None
    lane: str
    direction: str  # "in" / "out"
    system_time: datetime
    clock_suspect: bool
    manual: bool = False
    vehicle_id: str | None = None  # an occupant of a vehicle (checkpoint.vehicle): its UUID
    vehicle_role: str | None = None  # and its role there: "driver" / "passenger"


def connect(path: Path, *, readonly: bool, busy_timeout: float, check: bool = True) -> sqlite3.Connection:
    """Open the file with the log's settings, check it is sound, and (writable) bring the schema up to date.

    Read-only opens of a log on read-only media (a failed storage card) fall back to SQLite's
    ``immutable`` mode: nothing can write there, and WAL mode cannot create its shared-memory file.
    """
    if readonly and not path.exists():
        raise LogError("missing", "the file does not exist", path=path)
    try:
        return _connect(path, readonly=readonly, busy_timeout=busy_timeout, immutable=False, check=check)
    except LogError as e:
        if not readonly or e.code != "read_only" or not os.statvfs(path).f_flag & os.ST_RDONLY:
            raise
        return _connect(path, readonly=True, busy_timeout=busy_timeout, immutable=True, check=check)


def _connect(path: Path, *, readonly: bool, busy_timeout: float, immutable: bool, check: bool) -> sqlite3.Connection:
    conn: sqlite3.Connection | None = None
    try:
        if not readonly:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():  # readable by the station's user only; SQLite gives -wal/-shm the same mode
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        query = "?immutable=1" if immutable else "?mode=ro"
        target = f"{path.resolve().as_uri()}{query}" if readonly else str(path)
        conn = sqlite3.connect(target, uri=readonly, timeout=busy_timeout, isolation_level=None,
                               check_same_thread=False)
        if not readonly:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise LogError("io", f"cannot switch the log to WAL mode (got {mode})", path=path)
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA secure_delete=ON")  # erased personal data is overwritten, not left in free pages
        if check:  # else the caller runs it in the background (a large log; see checkpoint.log._integrity)
            problems = quick_check(conn)
            if problems:
                raise LogError("corrupt", f"quick_check: {'; '.join(problems)[:300]}", path=path)
        found = schema.version_of(conn)
        if found > schema.VERSION:
            raise LogError("too_new", f"schema version {found}, this station knows up to {schema.VERSION}", path=path)
        if readonly and found != schema.VERSION:
            raise LogError("missing" if found == 0 else "too_new",
                           f"schema version {found}; start the station once to upgrade it", path=path)
        if not readonly:
            schema.migrate(conn)
            conn.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
        return conn
    except LogError:
        if conn is not None:
            conn.close()
        raise
    except sqlite3.Error as e:
        if conn is not None:
            conn.close()
        raise from_sqlite(e, path) from None
    except OSError as e:
        raise LogError(os_error_code(e), e.strerror or str(e), path=path) from None


class CrossingLog:
    """The station's crossing log. Use :meth:`open` (the station) or :meth:`open_readonly` (tools)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, station_id: str, seal_to: X25519PublicKey | None,
                 hmac_key: bytes | None, clock: Clock, duplicate_window: timedelta, retention: timedelta,
                 readonly: bool) -> None:
        self._conn: sqlite3.Connection | None = conn
        self.path = path
        self.station_id = station_id
        self._seal_to = seal_to
        self._hmac_key = hmac_key
        self._clock = clock
        self.duplicate_window = duplicate_window
        self.retention = retention
        self.readonly = readonly
        self._lock = threading.RLock()
        self._checkpointer: Checkpointer | None = None
        self._integrity: BackgroundCheck | None = None
        self._indexer: idindex.Indexer | None = None
        # Id numbers seen within the duplicate window, for manual entries (which have no pass id): in
        # memory only, keyed by an HMAC under a key made at start, so nothing of it reaches the disk.
        self._recent_ids: dict[bytes, datetime] = {}  # insertion order = oldest first (see _remember_id)
        self._recent_key = os.urandom(32)
        self._anchor: LogAnchor | None = None
        self._head_writer: HeadWriter | None = None
        self._file_id: tuple[int, int] | None = None  # (device, inode) of the log file opened
        self._refusal: LogError | None = None  # set once: this log must not record any more

    # -- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, *, station_id: str, seal_to: X25519PublicKey | None, hmac_key: bytes, clock: Clock,
             duplicate_window: timedelta = timedelta(minutes=30), retention: timedelta = timedelta(days=30),
             busy_timeout: float = 2.0, sync_check_max_bytes: int = SYNC_CHECK_MAX_BYTES,
             legacy_hmac_key: bytes | None = None, anchor: LogAnchor | None = None,
             check_chain: bool = False) -> CrossingLog:
        """Open (or create) the station's log for writing.

        Runs ``quick_check`` and the migrations, checks the file belongs to ``station_id`` and that its
        newest crossing is intact and is the chain's recorded head; any failure is a :class:`LogError`
        (fail closed: a station that cannot trust its log must not admit). ``hmac_key`` is the station's
        lookup key (pass-id hashes, id-number index); ``legacy_hmac_key`` is the hash key of a log made
        before schema 4, sealed here to ``seal_to`` for the supervisor (see ``checkpoint.log._idindex``).
        A log larger than
        ``sync_check_max_bytes`` is quick-checked in the background instead, and refuses to record from
        the moment that check finds a problem (see :attr:`integrity`).

        With ``anchor`` (the running station), the log is checked against the anchor kept apart from it
        (``checkpoint.log._anchor``); a log behind or different from it opens but refuses to record
        (:attr:`refusal`). ``check_chain`` re-walks the whole chain in the background and refuses to
        record from the moment a break is found.
        """
        if len(hmac_key) < 32:
            raise LogError("invalid", "the hash key must be at least 32 bytes", path=path)
        if not station_id or len(station_id) > MAX_SHORT:
            raise LogError("invalid", "the station id must be 1 to 64 characters", path=path)
        try:
            large = path.stat().st_size > sync_check_max_bytes
        except OSError:
            large = False
        conn = connect(path, readonly=False, busy_timeout=busy_timeout, check=not large)
        log = cls(conn, path, station_id=station_id, seal_to=seal_to, hmac_key=hmac_key, clock=clock,
                  duplicate_window=duplicate_window, retention=retention, readonly=False)
        try:
            log._claim(station_id)
            log._check_head()
            params = log._id_setup(legacy_hmac_key)
            if anchor is not None:
                st = path.stat()
                log._anchor, log._file_id = anchor, (st.st_dev, st.st_ino)
                log._check_anchor()
                log._head_writer = HeadWriter(anchor)
        except BaseException:
            log.close()
            raise
        _open_logs.add(log)
        log._indexer = idindex.Indexer(log, hmac_key, params)
        log._checkpointer = Checkpointer(path)
        if large or check_chain:
            log._integrity = BackgroundCheck(path, quick=large, chain=check_chain)
        return log

    @property
    def integrity(self) -> str:
        """``ok``, ``checking`` while a start-up check runs, ``corrupt``, ``tampered`` (a chain break) or
        ``replaced`` (the log is behind or different from its anchor or the server's cursor)."""
        if self._refusal is not None:
            return self._refusal.code
        return self._integrity.state if self._integrity is not None else "ok"

    @property
    def refusal(self) -> LogError | None:
        """Why this log refuses to record (replaced, cut back, chain broken), or None."""
        return self._refusal

    def log_problem(self) -> str | None:
        """For sync: why this log must not be trusted (it is then reported to the server), or None."""
        with contextlib.suppress(LogError):
            self._refuse_if_corrupt()
        check = self._integrity
        if self._refusal is None and check is not None and check.done.is_set() and check.problems:
            return f"the log file is damaged (quick_check: {'; '.join(check.problems)[:200]})"
        return self._refusal.detail if self._refusal is not None else None

    def _refuse(self, code: str, detail: str) -> LogError:
        if self._refusal is None:
            self._refusal = LogError(code, detail, path=self.path)
            logger.error("crossing log: %s; recording is stopped", detail)
        return self._refusal

    def _check_anchor(self) -> None:
        """Compare the log with its anchor; create the anchor on the first start with one."""
        anchor = self._anchor
        if anchor is None or self._refusal is not None:
            return
        try:
            state = anchor.current()
        except AnchorError as e:
            self._refuse("replaced", str(e))
            return
        head_seq, head_hash = self._read(self._head)
        if state is None:
            if self._read(lambda c: self._meta(c, "anchored")) == "1":
                self._refuse("replaced", f"the log anchor {anchor.path} is missing: the crossing log or its anchor "
                             "was replaced")
                return
            try:
                anchor.update(head=(head_seq, head_hash), create=True)
            except OSError as e:
                raise LogError(os_error_code(e), f"cannot write the log anchor: {e.strerror}", path=self.path) from None
            with self._write() as conn:
                self._set_meta(conn, "anchored", "1")
            return
        problem = problem_with(state, self.station_id, head_seq, self.hash_at)
        if problem is not None:
            self._refuse("replaced", problem)

    def server_holds(self, seq: int, digest: str) -> str | None:
        """The central server holds this station's crossings ``1..seq`` ending with ``digest`` (from a reply
        signed by the pinned server key). Anchored, so the station keeps the fact across restarts; returns
        why the log disagrees (the log then refuses to record), or None."""
        problem = None
        if seq > self.last_seq:
            problem = (f"the central server holds crossings up to {seq} from this station but the log ends at "
                       f"{self.last_seq}: the crossing log was replaced or cut back")
        elif self.hash_at(seq) != digest:
            problem = f"crossing {seq} in the log differs from the one the central server holds: the log was replaced"
        if self._anchor is not None:
            try:
                self._anchor.update(server=(seq, digest))
            except AnchorError as e:  # deleted under the running station: refuse, never rebuild it
                problem = problem or str(e)
            except OSError as e:
                logger.warning("crossing log: cannot update the log anchor (%s)", e)
        if problem is not None:
            self._refuse("replaced", problem)
        return problem

    def hash_at(self, seq: int) -> str | None:
        """The hash of crossing ``seq`` (the genesis hash for 0), or None when the log has no such crossing."""
        if seq == 0:
            return chain.GENESIS
        row = self._read(lambda c: c.execute("SELECT hash FROM crossings WHERE seq=?", (seq,)).fetchone())
        return bytes(row[0]).hex() if row is not None and row[0] is not None else None

    def wait_for_integrity_check(self, timeout: float | None = None) -> str:
        if self._integrity is not None:
            self._integrity.join(timeout)
        return self.integrity

    def _refuse_if_corrupt(self) -> None:
        if self._refusal is not None:
            raise self._refusal
        check = self._integrity
        if check is not None and check.done.is_set() and check.problems:
            raise LogError("corrupt", f"quick_check: {'; '.join(check.problems)[:300]}", path=self.path)
        if check is not None and check.done.is_set() and check.chain_problem:
            raise self._refuse("tampered", f"{check.chain_problem}; run 'checkpoint log verify'")
        if self._anchor is not None:
            try:
                st = self.path.stat()
                same = (st.st_dev, st.st_ino) == self._file_id
            except OSError:
                same = False
            if not same:
                raise self._refuse("replaced", "the log file was deleted or replaced while the station was running")
            self._check_anchor()  # in memory unless the file changed (the sync worker moved the server point)
            if self._refusal is not None:
                raise self._refusal

    @classmethod
    def open_readonly(cls, path: Path, *, clock: Clock, busy_timeout: float = 2.0) -> CrossingLog:
        """Open an existing log for reading (status, verify, backup, export): it cannot record."""
        conn = connect(path, readonly=True, busy_timeout=busy_timeout)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key='station_id'").fetchone()
        except sqlite3.Error as e:
            conn.close()
            raise from_sqlite(e, path) from None
        return cls(conn, path, station_id=row[0] if row else "", seal_to=None, hmac_key=None, clock=clock,
                   duplicate_window=timedelta(0), retention=timedelta(days=30), readonly=True)

    def _claim(self, station_id: str) -> None:
        with self._write() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key='station_id'").fetchone()
            if row is None:
                conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                    ("station_id", station_id), ("created_at", stamp(self._clock.now())), ("sync_cursor", "0"),
                    ("head_seq", "0"), ("head_hash", chain.GENESIS), ("action_seq", "0"),
                    ("action_hash", chain.GENESIS),
                ])
            elif row[0] != station_id:
                raise LogError("wrong_station", f"the log was made by station {row[0]!r}, this is {station_id!r}",
                               path=self.path)

    def _id_setup(self, legacy_key: bytes | None) -> idindex.IdHashParams:
        """The log's id-hash parameters (set at creation), and the old hash key sealed for the supervisor."""
        with self._write() as conn:
            stored = self._meta(conn, idindex.PARAMS_META)
            if not stored:
                self._set_meta(conn, idindex.PARAMS_META, stored := str(idindex.DEFAULT_PARAMS))
            if (legacy_key is not None and self._seal_to is not None
                    and not self._meta(conn, idindex.LEGACY_META)):
                self._set_meta(conn, idindex.LEGACY_META, idindex.seal_legacy_key(legacy_key, self._seal_to))
        try:
            return idindex.IdHashParams.parse(stored)
        except ValueError as e:
            raise LogError("invalid", str(e), path=self.path) from None

    def _check_head(self) -> None:
        """The newest crossing must be the recorded head and hash correctly: a quick tamper check at start."""
        try:
            conn = self._c()
            head_seq, head_hash = self._head(conn)
            row = conn.execute(f"{SELECT} ORDER BY seq DESC LIMIT 1").fetchone()
        except sqlite3.Error as e:
            raise from_sqlite(e, self.path) from None
        actual_seq = row[0] if row else 0
        if actual_seq != head_seq:
            raise LogError("tampered", f"the newest crossing is {actual_seq} but the log's head says {head_seq}; "
                           "run 'checkpoint log verify'", path=self.path)
        if row is not None:
            problem = check_crossing(row, prev=None)
            if problem is None and row[COLUMNS.index("hash")].hex() != head_hash:
                problem = "is not the chain's recorded head"
            if problem is not None:
                raise LogError("tampered", f"crossing {actual_seq} {problem}; run 'checkpoint log verify'",
                               path=self.path)

    # -- plumbing --------------------------------------------------------------------------------
    def _c(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LogError("closed", "the log was closed", path=self.path)
        return self._conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction under the lock; every SQLite failure becomes a LogError."""
        if self.readonly:
            raise LogError("read_only", "this log was opened read-only", path=self.path)
        with self._lock:
            conn = self._c()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as e:
                raise from_sqlite(e, self.path) from None

    def _read(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        with self._lock:
            try:
                return fn(self._c())
            except sqlite3.Error as e:
                raise from_sqlite(e, self.path) from None

    @staticmethod
    def _meta(conn: sqlite3.Connection, key: str) -> str:
        row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else ""

    @staticmethod
    def _set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value=excluded.value",
                     (key, value))

    def _head(self, conn: sqlite3.Connection) -> tuple[int, str]:
        return int(self._meta(conn, "head_seq") or 0), self._meta(conn, "head_hash") or chain.GENESIS

    # -- recording -------------------------------------------------------------------------------
    def record(self, decision: Decision, ctx: CrossingContext, personal: PersonalData | None = None) -> Crossing:
        """Record one crossing durably and return it; raises :class:`LogError` if it cannot.

        Personal fields come from ``personal`` (manual entries) or else from the verified pass.
        A pass seen at this station within the duplicate window gets the ``duplicate`` flag (shown CHECK).
        """
        if self.readonly or self._hmac_key is None:
            raise LogError("read_only", "this log was opened read-only", path=self.path)
        self._refuse_if_corrupt()
        _check_context(ctx, self.path, decision)
        p = decision.pass_
        if personal is None and p is not None:
            personal = from_subject(p.subject, p.document_id)
        if personal is not None and (too_long := too_long_field(personal)):
            raise LogError("invalid", f"the {too_long} field is longer than {MAX_FIELD_CHARS} characters",
                           path=self.path)
        crossing_id = uuid7(self._clock.now())
        pid_hash = pass_id_hash(self._hmac_key, p.pass_id) if p is not None else None
        idn_hash = None  # since schema 4 the id number is indexed in id_index, off the record path
        idn = normalise_id_number(personal.id_number) if personal is not None and personal.id_number else ""
        sealed = (seal_personal(personal, crossing_id, self._seal_to)
                  if personal is not None and self._seal_to is not None else None)
        at = decision.evaluated_at
        flags = set(decision.flags)
        if ctx.clock_suspect:
            flags.add(Flag.CLOCK_SUSPECT)
        if ctx.manual:
            flags.add(Flag.MANUAL)
        tag = hmac.new(self._recent_key, idn.encode(), hashlib.sha256).digest() if idn else None
        with self._write() as conn:
            head_seq, head_hash = self._head(conn)
            if pid_hash is not None and self._seen_since(conn, pid_hash, at - self.duplicate_window):
                flags.add(Flag.DUPLICATE)
            last = self._recent_ids.get(tag) if ctx.manual and tag is not None else None
            if last is not None and last >= at - self.duplicate_window:
                flags.add(Flag.DUPLICATE)
            fields: dict[str, Any] = {
                "seq": head_seq + 1, "id": crossing_id, "station_id": self.station_id, "officer_id": ctx.officer_id,
                "lane": ctx.lane, "direction": ctx.direction, "recorded_at": stamp(at),
                "system_time": stamp(ctx.system_time), "clock_suspect": Flag.CLOCK_SUSPECT in flags,
                "format": decision.format, "kid": decision.kid.hex() if decision.kid is not None else None,
                "verdict": decision.verdict.value, "reason": decision.reason.value if decision.reason else None,
                "display": replace(decision, flags=frozenset(flags)).display.value, "rule": decision.rule,
                "rules_applied": tuple(decision.rules_applied), "flags": tuple(sorted(f.value for f in flags)),
                "manual": ctx.manual, "category": p.subject.category if p is not None else None,
                "expires": stamp(p.expires) if p is not None else None,
                "personal_digest": chain.personal_digest(pid_hash, idn_hash, sealed), "prev_hash": head_hash,
                "vehicle_id": ctx.vehicle_id, "vehicle_role": ctx.vehicle_role,
                **policy_fields(decision),
            }
            fields["hash"] = chain.crossing_hash(fields)
            conn.execute(INSERT, _row_values(fields, pid_hash, idn_hash, sealed))
            if idn:
                conn.execute("INSERT INTO id_index (seq, key) VALUES (?, NULL)", (fields["seq"],))
            self._set_meta(conn, "head_seq", str(fields["seq"]))
            self._set_meta(conn, "head_hash", fields["hash"])
        self._advance_anchor(fields["seq"], fields["hash"])
        if self._checkpointer is not None:
            self._checkpointer.committed()
        if tag is not None:
            self._remember_id(tag, at)
        if idn and self._indexer is not None:
            self._indexer.submit(fields["seq"], idn)
        return Crossing(
            **{k: v for k, v in fields.items() if k not in ("rules_applied", "flags")},
            rules_applied=fields["rules_applied"], flags=fields["flags"], pass_id_hash=pid_hash,
            id_number_hash=idn_hash, sealed=sealed,
        )

    def _remember_id(self, tag: bytes, at: datetime) -> None:
        """Remember an id number's tag for the duplicate window: oldest first, so expired tags leave from the
        front in O(1) each (a rebuild of the whole map per record made filling a log quadratic), and never
        more than :data:`MAX_RECENT_IDS` of them (the oldest go first)."""
        with self._lock:
            recent = self._recent_ids
            recent[tag] = max(at, recent.pop(tag, at))  # re-inserted: now the newest
            cutoff = at - self.duplicate_window
            while recent:
                oldest = next(iter(recent))
                if recent[oldest] >= cutoff and len(recent) <= MAX_RECENT_IDS:
                    break
                del recent[oldest]

    def _advance_anchor(self, seq: int, digest: str) -> None:
        """After a commit: the anchor's head follows the log (a failure here only leaves it behind)."""
        if self._head_writer is not None:
            self._head_writer.advance(seq, digest)

    def flush_anchor(self) -> None:
        """Wait until the anchor holds the newest crossing recorded (tests; ``close`` does it too)."""
        if self._head_writer is not None:
            self._head_writer.flush()

    def _seen_since(self, conn: sqlite3.Connection, pid_hash: str, since: datetime) -> bool:
        row = conn.execute("SELECT 1 FROM crossings WHERE pass_id_hash=? AND recorded_at>=? LIMIT 1",
                           (bytes.fromhex(pid_hash), stamp(since))).fetchone()
        return row is not None

    def record_action(self, action: str, officer_id: str | None, details: Mapping[str, str]) -> None:
        """Record an officer or supervisor action (sign-in, manual override, export with personal data).

        Hash-chained in its own table. ``details`` are short non-personal strings: keys that name a
        personal field are refused.
        """
        _check_action(action, officer_id, details, self.path)
        with self._write() as conn:
            seq = int(self._meta(conn, "action_seq") or 0) + 1
            fields: dict[str, Any] = {
                "seq": seq, "id": uuid7(self._clock.now()), "at": stamp(self._clock.now()),
                "station_id": self.station_id, "action": action, "officer_id": officer_id,
                "details": chain.details_list(details), "prev_hash": self._meta(conn, "action_hash") or chain.GENESIS,
            }
            digest = chain.action_hash(fields)
            conn.execute(
                "INSERT INTO actions (seq, id, at, station_id, action, officer_id, details, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, fields["id"], fields["at"], self.station_id, action, officer_id,
                 json.dumps(dict(sorted(details.items())), ensure_ascii=False), bytes.fromhex(fields["prev_hash"]),
                 bytes.fromhex(digest)),
            )
            self._set_meta(conn, "action_seq", str(seq))
            self._set_meta(conn, "action_hash", digest)

    # -- dispositions (checkpoint.log._dispositions) ----------------------------------------------
    def record_disposition(self, crossing_seq: int, code: str, officer_id: str | None) -> DispositionRecord:
        """Record what the officer did after crossing ``crossing_seq``'s verdict; raises :class:`LogError`."""
        from checkpoint.log import _dispositions

        return _dispositions.record(self, crossing_seq, code, officer_id)

    def dispositions(self, *, after_seq: int = 0, limit: int = 1000) -> list[DispositionRecord]:
        from checkpoint.log import _dispositions

        return _dispositions.after(self, after_seq, limit)

    @property
    def disposition_head(self) -> tuple[int, str]:
        """The newest disposition's seq and hash (0 and the genesis hash when there is none)."""
        from checkpoint.log import _dispositions

        return _dispositions.head(self)

    def disposition_hash_at(self, seq: int) -> str | None:
        from checkpoint.log import _dispositions

        return _dispositions.hash_at(self, seq)

    @property
    def disposition_sync_cursor(self) -> int:
        from checkpoint.log import _dispositions

        return _dispositions.sync_cursor(self)

    def acknowledge_dispositions(self, upto_seq: int) -> None:
        from checkpoint.log import _dispositions

        _dispositions.acknowledge(self, upto_seq)

    # -- reading ---------------------------------------------------------------------------------
    def crossings(self, *, after_seq: int = 0, limit: int | None = None, since: datetime | None = None,
                  until: datetime | None = None) -> Iterator[Crossing]:
        """Crossings in seq order, streamed a page at a time (constant memory, no lock held between pages).

        ``since`` is inclusive and ``until`` exclusive, on ``recorded_at``.
        """
        where, params = time_range(since, until)
        sql = f"{SELECT} WHERE {' AND '.join(['seq > ?', *where])} ORDER BY seq LIMIT ?"
        cursor, left = after_seq, limit
        while left is None or left > 0:
            size = PAGE if left is None else min(PAGE, left)
            rows: list[tuple[Any, ...]] = self._read(partial(_fetch, sql, (cursor, *params, size)))
            for row in rows:
                yield row_to_crossing(row)
            if len(rows) < size:
                return
            cursor = rows[-1][0]
            if left is not None:
                left -= len(rows)

    def lookup_id_number(self, id_number: str, limit: int = 100) -> list[Crossing]:
        """Crossings of a person by id number, through the id index (the number itself is not stored).

        Costs one memory-hard hash (~0.2 s). Rows made before schema 4 are not found here: they need
        the supervisor's key (``checkpoint export --id-number N --key``).
        """
        if self._indexer is None:
            raise LogError("read_only", "looking up an id number needs the station's hash key", path=self.path)
        self._indexer.drain()
        key = self._indexer.key(normalise_id_number(id_number))
        sql = f"{SELECT} WHERE seq IN (SELECT seq FROM id_index WHERE key=?) ORDER BY seq LIMIT ?"  # noqa: S608
        rows = self._read(lambda c: c.execute(sql, (key, limit)).fetchall())
        return [row_to_crossing(r) for r in rows]

    def wait_for_id_index(self) -> None:
        """Block until every id number recorded so far is in the id index (tests, export, shutdown)."""
        if self._indexer is not None:
            self._indexer.drain()

    def unindexed(self) -> int:
        """Crossings whose id-index key is missing (the station stopped between the commit and the hash)."""
        self.wait_for_id_index()
        n: int = self._read(lambda c: c.execute("SELECT count(*) FROM id_index WHERE key IS NULL").fetchone()[0])
        return n

    def unsynced(self, limit: int) -> list[Crossing]:
        return list(self.crossings(after_seq=self.sync_cursor, limit=limit))

    def acknowledge(self, upto_seq: int) -> None:
        """The central server has every crossing up to ``upto_seq``: move the sync cursor (never back), and note
        the time (:attr:`synced_at`, the report's "last sync")."""
        with self._write() as conn:
            head_seq, _ = self._head(conn)
            if upto_seq > head_seq:
                raise LogError("invalid", f"acknowledged crossing {upto_seq} but the newest is {head_seq}",
                               path=self.path)
            current = int(self._meta(conn, "sync_cursor") or 0)
            if upto_seq > current:
                self._set_meta(conn, "sync_cursor", str(upto_seq))
            self._set_meta(conn, "synced_at", stamp(self._clock.now()))

    @property
    def synced_at(self) -> str | None:
        """When the central server last acknowledged this log (ISO-8601 UTC), or None if it never has."""
        return self._read(lambda c: self._meta(c, "synced_at")) or None

    @property
    def sync_cursor(self) -> int:
        return int(self._read(lambda c: self._meta(c, "sync_cursor")) or 0)

    @property
    def last_seq(self) -> int:
        seq: int = self._read(lambda c: self._head(c)[0])
        return seq

    @property
    def last_hash(self) -> str:
        digest: str = self._read(lambda c: self._head(c)[1])
        return digest

    def count(self) -> int:
        n: int = self._read(lambda c: c.execute("SELECT count(*) FROM crossings").fetchone()[0])
        return n

    def meta(self) -> dict[str, str]:
        """The log's bookkeeping (station id, created, heads, sync cursor), for ``checkpoint log status``."""
        rows = self._read(lambda c: c.execute("SELECT key, value FROM meta").fetchall())
        return {str(k): str(v) for k, v in rows}

    def verify_chain(self, progress: Callable[[int], None] | None = None) -> ChainReport:
        """Re-walk both chains from the first row, on a separate read-only connection (recording goes on)."""
        conn = connect(self.path, readonly=True, busy_timeout=5.0)
        try:
            return walk_chain(conn, progress)
        except sqlite3.Error as e:
            raise from_sqlite(e, self.path) from None
        finally:
            conn.close()

    # -- upkeep ----------------------------------------------------------------------------------
    def erase_expired_personal_data(self, now: datetime) -> int:
        """Erase the personal fields of synced crossings older than the retention age; returns how many."""
        from checkpoint.log._retention import erase_expired

        return erase_expired(self, now - self.retention, now)

    def backup(self, dest: Path, progress: Callable[[int, int], None] | None = None) -> None:
        """A consistent copy through SQLite's backup API, written atomically to ``dest``.

        Copies from a separate read-only connection in one step (one WAL snapshot), so recording goes
        on during the backup and the copy is never restarted by it.
        """
        from checkpoint.log._backup import backup_to

        conn = connect(self.path, readonly=True, busy_timeout=5.0)
        try:
            backup_to(conn, dest, self.path, progress)
        finally:
            conn.close()

    def close(self) -> None:
        if self._indexer is not None:
            self._indexer.drain()
            self._indexer.stop()
            self._indexer = None
        if self._head_writer is not None:
            self._head_writer.close()
            self._head_writer = None
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self._integrity is not None:
            self._integrity.stop()
        _open_logs.discard(self)
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.close()
                self._conn = None

    def __enter__(self) -> CrossingLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fetch(sql: str, params: tuple[Any, ...], conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    return conn.execute(sql, params).fetchall()


def _row_values(fields: Mapping[str, Any], pid_hash: str | None, idn_hash: str | None,
                sealed: bytes | None) -> tuple[Any, ...]:
    return row_values({**fields, "pass_id_hash": pid_hash, "id_number_hash": idn_hash, "sealed": sealed})


def _short(value: str | None, what: str, path: Path, *, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not value or len(value) > MAX_SHORT or not value.isprintable():
        raise LogError("invalid", f"the {what} must be 1 to {MAX_SHORT} printable characters", path=path)


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _check_context(ctx: CrossingContext, path: Path, decision: Decision) -> None:
    if decision.evaluated_at.tzinfo is None:
        raise LogError("invalid", "the decision's time must carry a time zone", path=path)
    _short(ctx.officer_id, "officer id", path, required=False)
    _short(ctx.lane, "lane", path, required=True)
    if ctx.direction not in ("in", "out"):
        raise LogError("invalid", "the direction must be 'in' or 'out'", path=path)
    if ctx.system_time.tzinfo is None:
        raise LogError("invalid", "the system time must carry a time zone", path=path)
    if (ctx.vehicle_id is None) != (ctx.vehicle_role is None) or ctx.vehicle_role not in (None, "driver", "passenger"):
        raise LogError("invalid", "a vehicle occupant needs the vehicle's id and a role of 'driver' or 'passenger'",
                       path=path)
    if ctx.vehicle_id is not None and not _UUID.fullmatch(ctx.vehicle_id):  # the server takes 36 characters
        raise LogError("invalid", "a vehicle id is a UUID (8-4-4-4-12 lowercase hex digits)", path=path)


def _check_action(action: str, officer_id: str | None, details: Mapping[str, str], path: Path) -> None:
    if not isinstance(action, str) or not _ACTION_NAME.fullmatch(action):
        raise LogError("invalid", "an action name is 1 to 64 of a-z, 0-9, '_', '.', '-'", path=path)
    _short(officer_id, "officer id", path, required=False)
    if len(details) > MAX_DETAILS:
        raise LogError("invalid", f"at most {MAX_DETAILS} details per action", path=path)
    for key, value in details.items():
        _short(key, "detail name", path, required=True)
        if key in PERSONAL_FIELDS:
            raise LogError("invalid", f"the detail {key!r} is personal data; it does not belong in the action log",
                           path=path)
        if not isinstance(value, str) or len(value) > MAX_DETAIL:
            raise LogError("invalid", f"the detail {key!r} must be text of at most {MAX_DETAIL} characters",
                           path=path)
