"""The central server's storage on PostgreSQL: the ``Storage`` interface for many API processes, one database.

Same answers as ``SQLiteStorage`` for every call (tests/sync/test_storage_contract.py runs both). What differs
is how the invariants hold with several writers:

- ``store_batch`` is one transaction that starts with ``SELECT ... FOR UPDATE`` on the station's row: uploads
  of one station are serialised across every process, so the gapless run ``1..cursor``, the hash chain and
  "ids unique per station" are checked against committed data, and an idempotent resend is recognised.
  (A partitioned table cannot carry a unique key without the partition column, so uniqueness of
  ``(station_id, seq)`` and ``(station_id, id)`` rests on that lock; indexes make both checks cheap.)
- enrolment takes a transaction-scoped advisory lock on the station id; nonces, rate limits and
  heartbeats are rows (``INSERT ... ON CONFLICT``, ``FOR UPDATE``): nothing that matters stays in a process.
- migrations are numbered (``schema_migrations``) and applied at start under a session advisory lock, so
  several processes may start together; a database from a newer server is refused.

Crossings are range-partitioned by ``recorded_at``, one partition a month (``crossings_pYYYYMM``), created on
first use under an advisory lock; times outside 2000..2099 (a station clock gone wrong) land in
``crossings_other``. Retention drops whole months (``drop_partitions_before``): no row-by-row DELETE, no
bloat. The columns mirror SQLite's; ``body`` is the same canonical JSON text.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import select
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from checkpoint.clock import parse_instant
from checkpoint.isotime import iso_z as _iso
from sync.server import dispositions as disp
from sync.server.dispositions import POSTGRES_MIGRATION as DISPOSITIONS_MIGRATION
from sync.server.storage import (
    ACK_COLUMNS,
    GENESIS_HASH,
    TOKEN_PREFIX,
    BatchPlan,
    BatchResult,
    EnrolResult,
    ExportFilter,
    Heartbeat,
    Nonce,
    Replayed,
    StationRecord,
    StorageError,
    Tampering,
    alert_row,
    canonical,
    dispositions_match,
    enrolment_answer,
    plan_batch,
    token_hash,
)

#: Numbered migrations; each runs once, in its own transaction, in order.
MIGRATIONS: tuple[str, ...] = (
    # 1: the whole schema. Text columns compared or ordered like SQLite's (BINARY) use the "C" collation.
    """
    CREATE TABLE stations (
        station_id TEXT COLLATE "C" PRIMARY KEY,
        public_key TEXT NOT NULL,
        enrolled_at TEXT NOT NULL,
        revoked_at TEXT,
        cursor BIGINT NOT NULL DEFAULT 0,
        last_hash TEXT NOT NULL
    );
    CREATE TABLE tokens (
        token_hash TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        used_by TEXT
    );
    CREATE TABLE crossings (
        station_id TEXT COLLATE "C" NOT NULL,
        seq BIGINT NOT NULL,
        id TEXT COLLATE "C" NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL,
        verdict TEXT COLLATE "C" NOT NULL,
        hash TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at TEXT NOT NULL
    ) PARTITION BY RANGE (recorded_at);
    CREATE TABLE crossings_other PARTITION OF crossings DEFAULT;
    CREATE INDEX crossings_station_seq ON crossings (station_id, seq);
    CREATE INDEX crossings_station_id ON crossings (station_id, id);
    CREATE INDEX crossings_recorded ON crossings (recorded_at);
    CREATE INDEX crossings_verdict ON crossings (verdict, station_id, seq);
    CREATE TABLE nonces (
        station_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (station_id, nonce)
    );
    CREATE INDEX nonces_seen ON nonces (seen_at);
    CREATE TABLE alerts (
        n BIGSERIAL PRIMARY KEY,
        station_id TEXT NOT NULL,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX alerts_station ON alerts (station_id, n);
    CREATE TABLE heartbeats (
        station_id TEXT PRIMARY KEY,
        received_at TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE TABLE rate_limits (
        key TEXT PRIMARY KEY,
        window_start TEXT NOT NULL,
        hits INTEGER NOT NULL
    );
    """,
    # 2 (policy): policy notices acknowledged at stations
    """
    CREATE TABLE notice_acks (
        station_id TEXT NOT NULL,
        notice_id TEXT NOT NULL,
        policy_version BIGINT NOT NULL,
        officer_id TEXT,
        acknowledged_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (station_id, notice_id)
    );
    """,
    # 3 (dispositions): dispositions, their heads per station, alert acknowledgements
    DISPOSITIONS_MIGRATION,
)
SCHEMA_VERSION = len(MIGRATIONS)

_MIGRATION_LOCK = 0x43505347_0001  # pg_advisory_lock keys (any constant the application owns)
_PARTITION_LOCK = 0x43505347_0002
_FIRST_YEAR, _END_YEAR = 2000, 2100  # months with their own partition; others go to crossings_other
PRUNE_EVERY = timedelta(seconds=10)  # how often one process deletes expired nonces (see _remember)
_STATION = "SELECT station_id, public_key, enrolled_at, revoked_at, cursor, last_hash FROM stations "
#: A nonce is new (one row inserted or renewed) unless it was seen within its time window.
_REMEMBER = ("INSERT INTO nonces (station_id, nonce, seen_at) VALUES (%s, %s, %s) "
             "ON CONFLICT (station_id, nonce) DO UPDATE SET seen_at = excluded.seen_at WHERE nonces.seen_at < %s")
#: A batch's nonce remembered, and its station's row locked and read, in one statement: (1 if the nonce is new, row).
_REMEMBER_AND_LOCK = (f"WITH remembered AS ({_REMEMBER} RETURNING 1) SELECT (SELECT count(*) FROM remembered), "  # noqa: S608
                      "station_id, public_key, enrolled_at, revoked_at, cursor, last_hash FROM stations "
                      "WHERE station_id = %s FOR UPDATE OF stations")


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def describe(url: str) -> str:
    """The URL as it may be printed: host, port, database and user; never the password."""
    try:
        d = conninfo_to_dict(url)
    except psycopg.Error:
        return "postgresql://(unreadable URL)"
    user = f"{d['user']}@" if d.get("user") else ""
    port = f":{d['port']}" if d.get("port") else ""
    return f"postgresql://{user}{d.get('host', '')}{port}/{d.get('dbname', '')}"


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


def _month(t: datetime) -> tuple[int, int] | None:
    t = t.astimezone(UTC)
    return (t.year, t.month) if _FIRST_YEAR <= t.year < _END_YEAR else None


def _checked_if_readable(conn: psycopg.Connection[Any]) -> None:
    """The pool's check on checkout: an idle connection has nothing to read unless the server sent something
    unasked (the notice that it is shutting down, then the end of the stream: a restart). Only then is it checked
    with a round trip (and replaced when dead); an idle healthy one costs one poll() and no query."""
    try:
        poller = select.poll()
        poller.register(conn.pgconn.socket, select.POLLIN)
        quiet = not poller.poll(0)
    except (OSError, ValueError, psycopg.Error):
        quiet = False
    if not quiet:
        ConnectionPool.check_connection(conn)


def partition_name(year: int, month: int) -> str:
    return f"crossings_p{year:04d}{month:02d}"


class PostgresStorage:
    """Crossings, stations, tokens, nonces, alerts, heartbeats and rate limits in one PostgreSQL database."""

    def __init__(self, url: str, *, pool_size: int = 8, connect_timeout: float = 10.0) -> None:
        self.url = url
        self.where = describe(url)
        self._secret = str(conninfo_to_dict(url).get("password") or "") if is_postgres_url(url) else ""
        self._pruned_at: datetime | None = None  # when this process last deleted expired nonces
        try:
            with psycopg.connect(url, connect_timeout=int(connect_timeout), autocommit=True) as conn:
                self._migrate(conn)
                self._partitions = self._known_partitions(conn)
        except psycopg.Error as e:
            raise StorageError(f"{self.where}: cannot open the server database ({self._scrub(e)})") from None
        # autocommit: a read is one statement, one round trip (no BEGIN and COMMIT around it); writes take
        # ``conn.transaction()``. A connection is checked on checkout only when its socket has something to read
        # (the server ended it: a restart), not by a round trip each time (_checked_if_readable).
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False, timeout=connect_timeout,
                                    check=_checked_if_readable, name="checkpoint-server",
                                    kwargs={"connect_timeout": int(connect_timeout), "autocommit": True})
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except (psycopg.Error, PoolTimeout) as e:
            self._pool.close()
            raise StorageError(f"{self.where}: cannot open the server database ({self._scrub(e)})") from None

    def _scrub(self, e: BaseException) -> str:
        text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return text.replace(self._secret, "***") if self._secret else text

    # -- start -----------------------------------------------------------------------------------
    def _migrate(self, conn: psycopg.Connection[Any]) -> None:
        conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                         "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StorageError(f"{self.where}: made by a newer server (schema {version}); upgrade this server")
            for n in range(version + 1, SCHEMA_VERSION + 1):
                with conn.transaction():
                    conn.execute(MIGRATIONS[n - 1])
                    conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (n,))
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))

    @staticmethod
    def _known_partitions(conn: psycopg.Connection[Any]) -> set[str]:
        rows = conn.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                            "WHERE i.inhparent = 'crossings'::regclass").fetchall()
        return {str(r[0]) for r in rows}

    def close(self) -> None:
        self._pool.close()

    @contextlib.contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection inside one transaction; any database failure becomes a ``StorageError``."""
        try:
            with self._pool.connection() as conn, conn.transaction():
                yield conn
        except StorageError:
            raise
        except (psycopg.Error, PoolTimeout) as e:
            raise StorageError(f"{self.where}: {self._scrub(e)}") from None

    @contextlib.contextmanager
    def _read(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection for one reading statement, outside a transaction (autocommit); failures as ``_conn``."""
        try:
            with self._pool.connection() as conn:
                yield conn
        except (psycopg.Error, PoolTimeout) as e:
            raise StorageError(f"{self.where}: {self._scrub(e)}") from None

    # -- enrolment -------------------------------------------------------------------------------
    def create_token(self, now: datetime, valid_for: timedelta) -> str:
        token = TOKEN_PREFIX + secrets.token_urlsafe(24)
        with self._conn() as c:
            c.execute("INSERT INTO tokens (token_hash, created_at, expires_at) VALUES (%s, %s, %s)",
                      (token_hash(token), _iso(now), _iso(now + valid_for)))
        return token

    def enroll(self, token: str, station_id: str, public_key: str, now: datetime) -> EnrolResult:
        with self._conn() as c:
            c.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ("station:" + station_id,))
            row = c.execute("SELECT expires_at, used_at, used_by FROM tokens WHERE token_hash = %s FOR UPDATE",
                            (token_hash(token),)).fetchone()
            existing = self._station(c, station_id)
            answer = enrolment_answer(row, existing, station_id, public_key, now)
            if answer is not None:
                return answer
            c.execute("UPDATE tokens SET used_at = %s, used_by = %s WHERE token_hash = %s",
                      (_iso(now), station_id, token_hash(token)))
            if existing is not None:
                return existing
            c.execute("INSERT INTO stations (station_id, public_key, enrolled_at, last_hash) VALUES (%s, %s, %s, %s)",
                      (station_id, public_key, _iso(now), GENESIS_HASH))
            record = self._station(c, station_id)
            assert record is not None
            return record

    @staticmethod
    def _station(c: psycopg.Connection[Any], station_id: str, *, lock: bool = False) -> StationRecord | None:
        query = _STATION + "WHERE station_id = %s" + (" FOR UPDATE" if lock else "")
        row = c.execute(query, (station_id,)).fetchone()
        return StationRecord(row[0], row[1], row[2], row[3], int(row[4]), row[5]) if row else None

    def station(self, station_id: str) -> StationRecord | None:
        with self._read() as c:
            return self._station(c, station_id)

    def stations(self) -> list[StationRecord]:
        with self._conn() as c:
            rows = c.execute(_STATION + "ORDER BY station_id").fetchall()
        return [StationRecord(r[0], r[1], r[2], r[3], int(r[4]), r[5]) for r in rows]

    def revoke_station(self, station_id: str, now: datetime) -> bool:
        with self._conn() as c:
            cur = c.execute("UPDATE stations SET revoked_at = %s WHERE station_id = %s AND revoked_at IS NULL",
                            (_iso(now), station_id))
            return cur.rowcount == 1

    def remember_nonce(self, station_id: str, nonce: str, now: datetime, keep: timedelta) -> bool:
        """True if the nonce is new, or was last seen before ``now - keep`` (then it is remembered anew)."""
        with self._conn() as c:
            return self._remember(c, station_id, nonce, now, keep)

    def _remember(self, c: psycopg.Connection[Any], station_id: str, nonce: str, now: datetime,
                  keep: timedelta) -> bool:
        """An expired nonce counts as new (the conflict's WHERE), so pruning is housekeeping, not the rule: old
        nonces are deleted at most every ``PRUNE_EVERY`` per process, a batch at a time, skipping rows another
        process holds (no waits, no deadlock), not on every request."""
        cutoff = self._prune_if_due(c, now, keep)
        return c.execute(_REMEMBER, (station_id, nonce, _iso(now), cutoff)).rowcount == 1

    def _prune_if_due(self, c: psycopg.Connection[Any], now: datetime, keep: timedelta) -> str:
        """Delete expired nonces if this process has not for ``PRUNE_EVERY``; returns the expiry cutoff."""
        cutoff = _iso(now - keep)
        last = self._pruned_at
        if last is None or not last <= now < last + PRUNE_EVERY:
            self._pruned_at = now
            c.execute("DELETE FROM nonces WHERE ctid = ANY(ARRAY(SELECT ctid FROM nonces WHERE seen_at < %s "
                      "LIMIT 5000 FOR UPDATE SKIP LOCKED))", (cutoff,))
        return cutoff

    # -- crossings -------------------------------------------------------------------------------
    def store_batch(self, station_id: str, crossings: Sequence[Mapping[str, Any]], now: datetime,
                    nonce: Nonce | None = None) -> BatchResult:
        """Store a contiguous run of crossings (validated by the caller) in one transaction that holds the
        station's row: concurrent uploads of one station, from any process, take turns. With ``nonce``, the
        request's nonce is remembered in the same transaction (``Replayed`` if seen: nothing stored)."""
        times = [_utc(parse_instant(str(c["recorded_at"]))) for c in crossings]
        self._ensure_partitions({m for m in map(_month, times) if m is not None})
        self._prepare_ahead(now)
        with self._conn() as c:
            if nonce is None:
                st = self._station(c, station_id, lock=True)
            else:  # the nonce remembered and the station's row locked in one statement (one round trip)
                cutoff = self._prune_if_due(c, now, nonce.keep)
                row = c.execute(_REMEMBER_AND_LOCK, (station_id, nonce.value, _iso(now), cutoff, station_id)).fetchone()
                assert row is not None
                if row[0] != 1:
                    return Replayed()
                st = StationRecord(row[1], row[2], row[3], row[4], int(row[5]), row[6])
            assert st is not None
            result = self._store(c, st, crossings, times, now)
            if isinstance(result, Tampering):
                self._alert(c, station_id, "tampering", f"seq {result.seq}: {result.problem}", now)
            return result

    def _store(self, c: psycopg.Connection[Any], st: StationRecord, crossings: Sequence[Mapping[str, Any]],
               times: list[datetime], now: datetime) -> BatchResult:
        station_id = st.station_id

        def held(station: str, first: int, last: int) -> dict[int, str]:
            return dict(c.execute("SELECT seq, body FROM crossings WHERE station_id = %s AND seq BETWEEN %s AND %s",
                                  (station, first, last)).fetchall())

        def ids_held(ids: list[str]) -> bool:
            return c.execute("SELECT 1 FROM crossings WHERE station_id = %s AND id = ANY(%s) LIMIT 1",
                             (station_id, ids)).fetchone() is not None

        plan = plan_batch(st, crossings, held, ids_held)
        if not isinstance(plan, BatchPlan):
            return plan
        new = [(x, t) for x, t in zip(crossings, times, strict=True) if int(x["seq"]) > st.cursor]
        if new:
            received = _iso(now)
            with c.cursor() as cur, cur.copy("COPY crossings (station_id, seq, id, recorded_at, verdict, hash, "
                                             "body, received_at) FROM STDIN") as copy:
                for x, t in new:
                    copy.write_row((station_id, int(x["seq"]), str(x["id"]), t, x["verdict"], x["hash"],
                                    canonical(x), received))
            c.execute("UPDATE stations SET cursor = %s, last_hash = %s WHERE station_id = %s",
                      (int(new[-1][0]["seq"]), plan.head, station_id))
        return plan.stored(st)

    def _prepare_ahead(self, now: datetime) -> None:
        """This month's and next month's partitions, made before crossings need them: creating a partition
        waits for transactions reading the table (a long export), so it should rarely be on an upload's path."""
        months = {m for m in (_month(now), _month(now + timedelta(days=32))) if m is not None}
        if any(partition_name(*m) not in self._partitions for m in months):
            with contextlib.suppress(StorageError):  # optional: tried again on the next batch
                self._ensure_partitions(months)

    def _ensure_partitions(self, months: set[tuple[int, int]]) -> None:
        missing = sorted(m for m in months if partition_name(*m) not in self._partitions)
        if not missing:
            return
        with self._conn() as c:
            c.execute("SET LOCAL lock_timeout = '5s'")  # a long export holds the table: 503, the station retries
            c.execute("SELECT pg_advisory_xact_lock(%s)", (_PARTITION_LOCK,))
            for y, m in missing:
                start = datetime(y, m, 1, tzinfo=UTC)
                end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=UTC)
                c.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} PARTITION OF crossings FOR VALUES FROM ({}) TO ({})")
                          .format(sql.Identifier(partition_name(y, m)), sql.Literal(start), sql.Literal(end)))
        self._partitions.update(partition_name(*m) for m in missing)

    def partitions(self) -> list[str]:
        """The monthly partitions, oldest first (``crossings_other`` not included)."""
        with self._conn() as c:
            return sorted(p for p in self._known_partitions(c) if p.startswith("crossings_p"))

    def drop_partitions_before(self, before: datetime) -> list[str]:
        """Retention: drop every month that ends on or before ``before`` (whole tables: instant, no bloat).
        The stations' cursors and last hashes stay, so their uploads go on extending the same chains."""
        b = _utc(before)
        dropped = []
        with self._conn() as c:
            c.execute("SELECT pg_advisory_xact_lock(%s)", (_PARTITION_LOCK,))
            for name in sorted(self._known_partitions(c)):
                if not name.startswith("crossings_p"):
                    continue
                y, m = int(name[11:15]), int(name[15:17])
                if datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=UTC) <= b:
                    c.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
                    dropped.append(name)
        self._partitions.difference_update(dropped)
        return dropped

    def record_alert(self, station_id: str, kind: str, detail: str, now: datetime) -> None:
        with self._conn() as c:
            self._alert(c, station_id, kind, detail, now)

    @staticmethod
    def _alert(c: psycopg.Connection[Any], station_id: str, kind: str, detail: str, now: datetime) -> None:
        c.execute("INSERT INTO alerts (station_id, at, kind, detail) VALUES (%s, %s, %s, %s)",
                  (station_id, _iso(now), kind, detail))

    def alerts(self, station_id: str | None = None) -> list[dict[str, str]]:
        with self._conn() as c:
            rows = c.execute("SELECT station_id, at, kind, detail FROM alerts WHERE %s::text IS NULL "
                             "OR station_id = %s ORDER BY n", (station_id, station_id)).fetchall()
        return [{"station_id": r[0], "at": r[1], "kind": r[2], "detail": r[3]} for r in rows]

    def count(self, station_id: str | None = None) -> int:
        with self._conn() as c:
            if station_id is None:
                row = c.execute("SELECT count(*) FROM crossings").fetchone()
            else:
                row = c.execute("SELECT count(*) FROM crossings WHERE station_id = %s", (station_id,)).fetchone()
        return int(row[0]) if row else 0

    def crossing_hash(self, station_id: str, seq: int) -> str | None:
        with self._conn() as c:
            row = c.execute("SELECT hash FROM crossings WHERE station_id = %s AND seq = %s",
                            (station_id, seq)).fetchone()
        return str(row[0]) if row else None

    @staticmethod
    def export_query(flt: ExportFilter) -> tuple[sql.Composed, list[Any]]:
        """The export's SELECT and its parameters (also what the benchmark EXPLAINs)."""
        where, params = PostgresStorage._where(flt)
        query = sql.SQL("SELECT body FROM crossings WHERE {} ORDER BY station_id, seq").format(
            sql.SQL(" AND ").join(where))
        return query, params

    def crossings_count(self, flt: ExportFilter) -> int:
        """How many crossings ``crossings(flt)`` would give (the console's paged tables show the total)."""
        where, params = self._where(flt)
        with self._read() as c:
            row = c.execute(sql.SQL("SELECT count(*) FROM crossings WHERE {}").format(sql.SQL(" AND ").join(where)),
                            params).fetchone()
        return int(row[0]) if row else 0

    def crossings_page(self, flt: ExportFilter, offset: int, limit: int) -> list[dict[str, Any]]:
        """One page of the crossings ``flt`` selects, in (recorded_at, station, seq) order (a unique key: stable
        pages)."""
        where, params = self._where(flt)
        with self._read() as c:
            rows = c.execute(sql.SQL("SELECT body FROM crossings WHERE {} ORDER BY recorded_at, station_id, seq "
                                     "LIMIT %s OFFSET %s").format(sql.SQL(" AND ").join(where)),
                             [*params, limit, offset]).fetchall()
        return [json.loads(r[0]) for r in rows]

    @staticmethod
    def _where(flt: ExportFilter) -> tuple[list[sql.Composable], list[Any]]:
        where: list[sql.Composable] = [sql.SQL("TRUE")]
        params: list[Any] = []
        if flt.stations:
            where.append(sql.SQL("station_id = ANY(%s)"))
            params.append(list(flt.stations))
        if flt.since:
            where.append(sql.SQL("recorded_at >= %s"))
            params.append(_utc(flt.since))
        if flt.until:
            where.append(sql.SQL("recorded_at < %s"))
            params.append(_utc(flt.until))
        if flt.verdict:
            where.append(sql.SQL("verdict = %s"))
            params.append(flt.verdict)
        return where, params

    def crossings(self, flt: ExportFilter) -> Iterator[dict[str, Any]]:
        """Crossings in (station, seq) order through a server-side cursor: flat memory for any size, one
        consistent snapshot (REPEATABLE READ) however long the export runs."""
        query, params = self.export_query(flt)
        try:
            with self._pool.connection() as conn:
                conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                try:
                    with conn.transaction(), conn.cursor(name="checkpoint_export") as cur:
                        cur.itersize = 2000
                        cur.execute(query, params)
                        for (body,) in cur:
                            yield json.loads(body)
                finally:
                    conn.isolation_level = None
        except (psycopg.Error, PoolTimeout) as e:
            raise StorageError(f"{self.where}: {self._scrub(e)}") from None

    # -- heartbeats and rate limits --------------------------------------------------------------
    def record_heartbeat(self, station_id: str, body: Mapping[str, Any], now: datetime) -> None:
        with self._conn() as c:
            c.execute("INSERT INTO heartbeats (station_id, received_at, body) VALUES (%s, %s, %s) "
                      "ON CONFLICT (station_id) DO UPDATE SET received_at = excluded.received_at, body = excluded.body",
                      (station_id, _iso(now), canonical(body)))

    def heartbeats(self) -> dict[str, Heartbeat]:
        with self._conn() as c:
            rows = c.execute("SELECT station_id, received_at, body FROM heartbeats").fetchall()
        return {r[0]: Heartbeat(r[0], r[1], json.loads(r[2])) for r in rows}

    def record_notice_acks(self, station_id: str, acks: Sequence[Mapping[str, Any]], now: datetime) -> int:
        with self._conn() as c:
            new = 0
            for a in acks:
                cur = c.execute(
                    "INSERT INTO notice_acks (station_id, notice_id, policy_version, officer_id, acknowledged_at, "
                    "received_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (station_id, a["notice_id"], a["policy_version"], a["officer_id"], a["acknowledged_at"],
                     _iso(now)))
                new += cur.rowcount
            return new

    def notice_acks(self, station_id: str | None = None) -> list[dict[str, Any]]:
        with self._conn() as c:
            rows = c.execute(
                "SELECT station_id, notice_id, policy_version, officer_id, acknowledged_at, received_at "
                "FROM notice_acks "
                "WHERE (%s::text IS NULL OR station_id = %s) ORDER BY station_id, acknowledged_at, notice_id",
                (station_id, station_id)).fetchall()
        return [dict(zip(ACK_COLUMNS, r, strict=True)) for r in rows]

    def take_rate(self, key: str, now: datetime, window: timedelta, limit: int) -> bool:
        with self._conn() as c:
            cur = c.execute("INSERT INTO rate_limits (key, window_start, hits) VALUES (%s, %s, 1) "
                            "ON CONFLICT DO NOTHING", (key, _iso(now)))
            if cur.rowcount == 1:
                return True
            row = c.execute("SELECT window_start, hits FROM rate_limits WHERE key = %s FOR UPDATE", (key,)).fetchone()
            assert row is not None
            if parse_instant(row[0]) + window <= now:
                c.execute("UPDATE rate_limits SET window_start = %s, hits = 1 WHERE key = %s", (_iso(now), key))
                return True
            if row[1] >= limit:
                return False
            c.execute("UPDATE rate_limits SET hits = hits + 1 WHERE key = %s", (key,))
            return True


    # -- dispositions (the rules: sync.server.dispositions) ---------------------------------------
    def store_dispositions(self, station_id: str, items: Sequence[Mapping[str, Any]], now: datetime) -> BatchResult:
        """One transaction holding the station's row (as ``store_batch``): uploads of one station take turns."""
        with self._conn() as c:
            self._station(c, station_id, lock=True)
            head = c.execute("SELECT cursor, last_hash FROM disposition_heads WHERE station_id = %s",
                             (station_id,)).fetchone()
            cursor, last_hash = (int(head[0]), str(head[1])) if head else (0, GENESIS_HASH)

            def held(first: int, last: int) -> dict[int, str]:
                return dict(c.execute("SELECT seq, body FROM dispositions WHERE station_id = %s AND seq BETWEEN %s "
                                      "AND %s", (station_id, first, last)).fetchall())

            def crossing_at(seq: int) -> tuple[str, str] | None:
                row = c.execute("SELECT id, hash FROM crossings WHERE station_id = %s AND seq = %s",
                                (station_id, seq)).fetchone()
                return (str(row[0]), str(row[1])) if row else None

            result = disp.plan(cursor, last_hash, items, held, crossing_at)
            if isinstance(result, disp.DispositionPlan):
                received = _iso(now)
                if result.new:
                    c.cursor().executemany(
                        f"INSERT INTO dispositions ({disp.INSERT_COLUMNS}) VALUES ({', '.join(['%s'] * 10)})",  # noqa: S608
                        [disp.row(d, station_id, received) for d in result.new])
                    c.execute("INSERT INTO disposition_heads (station_id, cursor, last_hash) VALUES (%s, %s, %s) "
                              "ON CONFLICT (station_id) DO UPDATE SET cursor = excluded.cursor, "
                              "last_hash = excluded.last_hash", (station_id, int(result.new[-1]["seq"]), result.head))
                for kind, detail in result.alerts():
                    self._alert(c, station_id, kind, detail, now)
                return result.stored()
            if isinstance(result, Tampering):
                self._alert(c, station_id, "tampering", f"disposition {result.seq}: {result.problem}", now)
            return result

    def disposition_cursor(self, station_id: str) -> tuple[int, str]:
        with self._conn() as c:
            row = c.execute("SELECT cursor, last_hash FROM disposition_heads WHERE station_id = %s",
                            (station_id,)).fetchone()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)

    def dispositions(self, flt: ExportFilter) -> Iterator[dict[str, Any]]:
        with self._conn() as c:
            rows = c.execute("SELECT station_id, at, body FROM dispositions ORDER BY station_id, seq").fetchall()
        for station_id, at, body in rows:
            if dispositions_match(flt, station_id, at):
                yield json.loads(body)

    def alert_list(self, include_acknowledged: bool = False) -> list[dict[str, Any]]:
        with self._conn() as c:
            rows = c.execute("SELECT a.n, a.station_id, a.at, a.kind, a.detail, k.acked_at, k.acked_by FROM alerts a "
                             "LEFT JOIN alert_acks k ON k.n = a.n WHERE %s OR k.n IS NULL ORDER BY a.n",
                             (include_acknowledged,)).fetchall()
        return [alert_row(r) for r in rows]

    def acknowledge_alert(self, n: int, by: str, now: datetime) -> bool:
        with self._conn() as c:
            if c.execute("SELECT 1 FROM alerts WHERE n = %s", (n,)).fetchone() is None:
                return False
            cur = c.execute("INSERT INTO alert_acks (n, acked_at, acked_by) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                            (n, _iso(now), by))
            return cur.rowcount == 1
