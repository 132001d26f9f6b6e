"""SQLite-only storage rules (a schema from a newer server, the v1 migration) and the server key; the rules
both backends share are in test_storage_contract.py."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sync.server.storage import SQLiteStorage, StorageError, Stored, Tampering
from tests.sync.helpers import make_crossings

NOW = datetime.now(UTC)


def enrolled(path: Path, sid: str = "ST-1") -> SQLiteStorage:
    s = SQLiteStorage(path)
    s.enroll(s.create_token(NOW, timedelta(hours=1)), sid, "key", NOW)
    return s


def test_a_database_from_a_newer_server_is_refused(tmp_path: Path):
    path = tmp_path / "s.sqlite"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(StorageError, match="newer server"):
        SQLiteStorage(path)


def test_a_version_1_database_is_migrated_to_per_station_crossing_ids(tmp_path: Path):

    from sync.server.storage import SCHEMA

    path = tmp_path / "v1.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(SCHEMA.replace("    PRIMARY KEY (station_id, seq),\n    UNIQUE (station_id, id)",
                                    "    PRIMARY KEY (station_id, seq)").replace("id TEXT NOT NULL,",
                                                                                 "id TEXT NOT NULL UNIQUE,"))
    db.execute("PRAGMA user_version=1")
    db.close()
    s = enrolled(path, "ST-A")
    s.close()  # (enrolled() opened it: the migration ran)
    s = SQLiteStorage(path)
    s.enroll(s.create_token(NOW, timedelta(hours=1)), "ST-B", "key-b", NOW)
    a = [c.to_wire() for c in make_crossings("ST-A", 3)]
    b = [{**c.to_wire(), "id": a[i]["id"]} for i, c in enumerate(make_crossings("ST-B", 3))]
    assert isinstance(s.store_batch("ST-A", a, NOW), Stored)
    assert s.store_batch("ST-B", b, NOW) == Stored(3, 3, 0, b[-1]["hash"])  # same ids, another station: fine
    assert s.count() == 6
    again = [{**a[0], "seq": 4, "prev_hash": a[-1]["hash"]}]  # the same id twice in one station: still refused
    assert isinstance(s.store_batch("ST-A", again, NOW), Tampering)
    s.close()


def test_the_server_key_is_made_once_and_readable_by_its_user_only(tmp_path: Path):
    from sync.server.keys import SERVER_KEY_FILE, load_or_create_server_key

    first = load_or_create_server_key(tmp_path)
    assert (tmp_path / SERVER_KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert load_or_create_server_key(tmp_path).public_key() == first.public_key()
