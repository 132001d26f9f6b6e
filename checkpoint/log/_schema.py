"""The log's SQLite schema and its migrations, run in order on start (``PRAGMA user_version``).

Each migration is one transaction: a power cut during an upgrade leaves the old version intact.
Never edit a released migration; add the next one. ``tests/log/test_schema.py`` builds a database at
every earlier version, with rows, and opens it with the current code.

Hashes are stored as 32-byte BLOBs (half the size of hex) and converted to hex at the boundary.
``crossings.id`` (UUIDv7) has no index: nothing on the station looks a crossing up by id, and the
index would cost ~50 bytes a row; the central server keys crossings by (station id, seq).
Times are ISO-8601 UTC text of fixed width (``2021-07-24T00:26:40.000000Z``), so they sort as text.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: crossings, and the head of the chain kept beside it (detects a deleted tail)
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE crossings (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        station_id TEXT NOT NULL,
        officer_id TEXT,
        lane TEXT NOT NULL,
        direction TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        system_time TEXT NOT NULL,
        clock_suspect INTEGER NOT NULL,
        format TEXT,
        kid TEXT,
        verdict TEXT NOT NULL,
        reason TEXT,
        display TEXT NOT NULL,
        rule TEXT,
        rules_applied TEXT NOT NULL,
        flags TEXT NOT NULL,
        manual INTEGER NOT NULL,
        category TEXT,
        expires TEXT,
        pass_id_hash BLOB,
        id_number_hash BLOB,
        sealed BLOB,
        personal_digest BLOB NOT NULL,
        prev_hash BLOB NOT NULL,
        hash BLOB NOT NULL
    );
    CREATE INDEX crossings_pass ON crossings (pass_id_hash, recorded_at);
    """,
    # 2: officer and supervisor actions, in their own chain
    """
    CREATE TABLE actions (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        at TEXT NOT NULL,
        station_id TEXT NOT NULL,
        action TEXT NOT NULL,
        officer_id TEXT,
        details TEXT NOT NULL,
        prev_hash BLOB NOT NULL,
        hash BLOB NOT NULL
    );
    """,
    # 3: retention (erased_at) and the indexes for reports, retention and id-number lookups
    """
    ALTER TABLE crossings ADD COLUMN erased_at TEXT;
    CREATE INDEX crossings_time ON crossings (recorded_at);
    CREATE INDEX crossings_id_number ON crossings (id_number_hash) WHERE id_number_hash IS NOT NULL;
    """,
    # 4: the id-number index: memory-hard keys outside the chain, filled after the commit
    # (checkpoint.log._idindex); crossings.id_number_hash stays for rows made before it
    """
    CREATE TABLE id_index (seq INTEGER PRIMARY KEY, key BLOB);
    CREATE INDEX id_index_key ON id_index (key) WHERE key IS NOT NULL;
    """,
    # 5 (vehicles): the vehicle an occupant crossed in, and its role there (extension fields, NULL before)
    """
    ALTER TABLE crossings ADD COLUMN vehicle_id TEXT;
    ALTER TABLE crossings ADD COLUMN vehicle_role TEXT;
    """,
    # 6 (policy): the centre's policy applied, extension fields
    """
    ALTER TABLE crossings ADD COLUMN origin_level TEXT;
    ALTER TABLE crossings ADD COLUMN policy_rule TEXT;
    ALTER TABLE crossings ADD COLUMN policy_version INTEGER;
    """,
    # 7 (dispositions): what the officer did after a verdict, append-only in its own chain
    # (checkpoint.log._dispositions); a crossing row never changes
    """
    CREATE TABLE dispositions (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        station_id TEXT NOT NULL,
        crossing_seq INTEGER NOT NULL,
        crossing_id TEXT NOT NULL,
        crossing_hash BLOB NOT NULL,
        code TEXT NOT NULL,
        officer_id TEXT,
        at TEXT NOT NULL,
        prev_hash BLOB NOT NULL,
        hash BLOB NOT NULL
    );
    CREATE INDEX dispositions_crossing ON dispositions (crossing_seq, seq);
    """,
)
VERSION = len(MIGRATIONS)


def version_of(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, upto: int = VERSION) -> int:
    """Bring the schema to ``upto``; returns the version found. The connection must be in autocommit."""
    found = version_of(conn)
    for number in range(found + 1, upto + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return found


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
