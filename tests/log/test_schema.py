"""Migrations: a log written at every earlier schema version opens, keeps its rows and chain, and records on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.clock import FixedClock
from checkpoint.crossing.fields import BY_NAME
from checkpoint.log import LogError
from checkpoint.log import _schema as schema
from checkpoint.log._rows import COLUMNS
from tests.log.conftest import Passes, ctx, open_log

#: The meta keys and tables each released version wrote.
META_BY_VERSION = {
    1: ("station_id", "created_at", "sync_cursor", "head_seq", "head_hash"),
    2: ("station_id", "created_at", "sync_cursor", "head_seq", "head_hash", "action_seq", "action_hash"),
    3: ("station_id", "created_at", "sync_cursor", "head_seq", "head_hash", "action_seq", "action_hash"),
    4: ("station_id", "created_at", "sync_cursor", "head_seq", "head_hash", "action_seq", "action_hash", "id_hash"),
    5: ("station_id", "created_at", "sync_cursor", "head_seq", "head_hash", "action_seq", "action_hash", "id_hash"),
    6: ("station_id", "created_at", "sync_cursor", "head_seq", "head_hash", "action_seq", "action_hash", "id_hash"),
}
#: erased_at arrived in version 3, the extension fields in versions 5 (vehicle_id, vehicle_role) and 6 (policy)
V1_COLUMNS = tuple(c for c in COLUMNS if c != "erased_at" and not BY_NAME[c].extension)


def _reference(path: Path, supervisor: X25519PrivateKey, clock: FixedClock, passes: Passes) -> None:
    with open_log(path, supervisor, clock) as log:
        for _ in range(4):
            log.record(passes.decide(), ctx())
        log.record(passes.garbage(), ctx(manual=True))
        log.acknowledge(2)
        log.record_action("sign_in", "officer-7", {"lane": "1"})


def _at_version(version: int, reference: Path, dest: Path) -> None:
    """Write ``dest`` as the code of ``version`` would have, from the rows of a current log."""
    src = sqlite3.connect(reference)
    conn = sqlite3.connect(dest, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    schema.migrate(conn, upto=version)
    with conn:
        meta = dict(src.execute("SELECT key, value FROM meta").fetchall())
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [(k, meta[k]) for k in META_BY_VERSION[version]])
        cols = ", ".join(V1_COLUMNS)
        for row in src.execute(f"SELECT {cols} FROM crossings ORDER BY seq"):
            conn.execute(f"INSERT INTO crossings ({cols}) VALUES ({', '.join('?' * len(V1_COLUMNS))})", row)
        if version >= 2:
            for row in src.execute("SELECT * FROM actions"):
                conn.execute("INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    conn.close()
    src.close()


def test_every_earlier_version_is_covered() -> None:
    assert set(META_BY_VERSION) == set(range(1, schema.VERSION))


@pytest.mark.parametrize("version", range(1, schema.VERSION))
def test_upgrade_from(version: int, tmp_path: Path, supervisor: X25519PrivateKey, clock: FixedClock,
                      passes: Passes) -> None:
    reference = tmp_path / "ref.sqlite"
    _reference(reference, supervisor, clock, passes)
    with open_log(reference, supervisor, clock) as ref:
        before = list(ref.crossings())
    old = tmp_path / "old" / "crossings.sqlite"
    old.parent.mkdir()
    _at_version(version, reference, old)
    with open_log(old, supervisor, clock) as log:
        assert list(log.crossings()) == before and log.sync_cursor == 2
        log.record(passes.decide(), ctx())
        log.record_action("sign_out", "officer-7", {})
        report = log.verify_chain()
        assert report.ok and report.checked == 6 and report.actions_checked == (2 if version >= 2 else 1)
    with sqlite3.connect(old) as conn:
        assert schema.version_of(conn) == schema.VERSION


def test_newer_schema_is_refused(log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock) -> None:
    open_log(log_path, supervisor, clock).close()
    with sqlite3.connect(log_path) as conn:
        conn.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
    with pytest.raises(LogError) as e:
        open_log(log_path, supervisor, clock)
    assert e.value.code == "too_new"


def test_a_failed_migration_leaves_the_old_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)
    schema.migrate(conn, upto=1)
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS[:1], "CREATE TABLE t (a); SELECT nonsense("))
    with pytest.raises(sqlite3.Error):
        schema.migrate(conn, upto=2)
    assert schema.version_of(conn) == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name='t'").fetchone()[0] == 0
