"""The console's own tables, beside the server's, on either backend (SQLite file or PostgreSQL).

The console keeps users, sessions, the audit log and stations' districts in the server's database, so several
API processes agree on them (a session opened by one process is valid in another; a lock-out counted by one
holds in all). It opens its own connection to the database the server uses (``target``: the SQLite file or the
``postgresql://`` URL) and migrates its own tables, numbered in ``console_migrations``, apart from the server's
schema: the console's migrations never touch the server's tables.

SQL is written once with ``?`` placeholders; the PostgreSQL side turns them into ``%s`` (no query here holds a
``%`` or a ``?`` of its own).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from sync.server.storage import StorageError

#: Numbered migrations; ``{serial}`` is the auto-increment key type of the backend.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE console_users (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        district TEXT,
        created_at TEXT NOT NULL,
        failed INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT
    );
    CREATE TABLE console_sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
    CREATE TABLE console_audit (
        n {serial},
        at TEXT NOT NULL,
        username TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL,
        address TEXT NOT NULL
    );
    CREATE TABLE console_station_districts (
        station_id TEXT PRIMARY KEY,
        district TEXT NOT NULL
    );
    CREATE TABLE console_token_districts (
        token_hash TEXT PRIMARY KEY,
        district TEXT NOT NULL
    );
    """,
    # lane console-ops: the idle timeout (a session's last use) and the Users page (a user's last sign-in)
    """
    ALTER TABLE console_sessions ADD COLUMN last_used_at TEXT;
    ALTER TABLE console_users ADD COLUMN last_sign_in TEXT
    """,
)
_SERIAL = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgresql": "BIGSERIAL PRIMARY KEY"}
_MIGRATION_LOCK = 0x43505347_0C01  # the console's pg_advisory_lock key (the server's are ..._0001, ..._0002)


class Tx(Protocol):
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
    def run(self, sql: str, params: Sequence[Any] = ()) -> int: ...


class ConsoleDB(Protocol):
    @property
    def kind(self) -> str: ...

    def tx(self) -> contextlib.AbstractContextManager[Tx]: ...
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
    def run(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    def close(self) -> None: ...


def open_console_db(target: str | Path) -> ConsoleDB:
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresConsoleDB(text)
    return SQLiteConsoleDB(Path(target))


class _SQLiteTx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.db.execute(sql, tuple(params)).fetchall())

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return int(self.db.execute(sql, tuple(params)).rowcount)


class SQLiteConsoleDB:
    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._lock = threading.Lock()
            with self.tx() as t:
                t.run("CREATE TABLE IF NOT EXISTS console_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
                done = int(t.rows("SELECT coalesce(max(version), 0) FROM console_migrations")[0][0])
                if done > len(MIGRATIONS):
                    raise StorageError(f"{path}: console tables made by a newer server; upgrade this server")
                for n in range(done + 1, len(MIGRATIONS) + 1):
                    for statement in MIGRATIONS[n - 1].format(serial=_SERIAL[self.kind]).split(";"):
                        if statement.strip():
                            t.run(statement)
                    t.run("INSERT INTO console_migrations (version, applied_at) VALUES (?, datetime('now'))", (n,))
        except sqlite3.Error as e:
            raise StorageError(f"{path}: cannot open the console's tables ({e})") from None

    @contextlib.contextmanager
    def tx(self) -> Iterator[Tx]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield _SQLiteTx(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return _SQLiteTx(self._db).rows(sql, params)

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._lock:
            return _SQLiteTx(self._db).run(sql, params)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


class _PgTx:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.conn.execute(_pg(sql), tuple(params)).fetchall()]

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return int(self.conn.execute(_pg(sql), tuple(params)).rowcount)


class PostgresConsoleDB:
    kind = "postgresql"

    def __init__(self, url: str) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        from sync.server.pg_storage import describe

        where = describe(url)
        try:
            with psycopg.connect(url, connect_timeout=10, autocommit=True) as conn:
                conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
                try:
                    conn.execute("CREATE TABLE IF NOT EXISTS console_migrations (version INTEGER PRIMARY KEY, "
                                 "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
                    row = conn.execute("SELECT coalesce(max(version), 0) FROM console_migrations").fetchone()
                    done = int(row[0]) if row else 0
                    if done > len(MIGRATIONS):
                        raise StorageError(f"{where}: console tables made by a newer server; upgrade this server")
                    for n in range(done + 1, len(MIGRATIONS) + 1):
                        with conn.transaction():
                            conn.execute(MIGRATIONS[n - 1].format(serial=_SERIAL[self.kind]))
                            conn.execute("INSERT INTO console_migrations (version) VALUES (%s)", (n,))
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
        except psycopg.Error as e:
            raise StorageError(f"{where}: cannot open the console's tables ({type(e).__name__})") from None
        self._pool = ConnectionPool(url, min_size=1, max_size=4, open=True, timeout=10, name="checkpoint-console",
                                    kwargs={"connect_timeout": 10})

    @contextlib.contextmanager
    def tx(self) -> Iterator[Tx]:
        with self._pool.connection() as conn, conn.transaction():
            yield _PgTx(conn)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._pool.connection() as conn:
            return _PgTx(conn).rows(sql, params)

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._pool.connection() as conn:
            return _PgTx(conn).run(sql, params)

    def close(self) -> None:
        self._pool.close()


class LazyConsoleDB:
    """The console's database, opened (and migrated) on the console's first request: a server whose console is
    never used (a station-only deployment, the API's tests) opens no second connection or pool for it."""

    def __init__(self, target: str | Path) -> None:
        self.target = target
        self._db: ConsoleDB | None = None
        self._lock = threading.Lock()

    @property
    def kind(self) -> str:
        return self._open().kind

    def _open(self) -> ConsoleDB:
        with self._lock:
            if self._db is None:
                self._db = open_console_db(self.target)
            return self._db

    def tx(self) -> contextlib.AbstractContextManager[Tx]:
        return self._open().tx()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._open().rows(sql, params)

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._open().run(sql, params)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
