"""Storage rules without HTTP: resends after retention, gaps, a schema from a newer server."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sync.server.storage import Gap, SQLiteStorage, StorageError, Stored, Tampering
from tests.sync.helpers import make_crossings

NOW = datetime.now(UTC)


def enrolled(path: Path, sid: str = "ST-1") -> SQLiteStorage:
    s = SQLiteStorage(path)
    s.enroll(s.create_token(NOW, timedelta(hours=1)), sid, "key", NOW)
    return s


def test_a_resend_after_retention_erased_personal_fields_is_not_tampering(tmp_path: Path):
    s = enrolled(tmp_path / "s.sqlite")
    rows = [c.to_wire() for c in make_crossings("ST-1", 4)]
    assert isinstance(s.store_batch("ST-1", rows, NOW), Stored)
    erased = [{**r, "sealed": None, "pass_id_hash": None, "id_number_hash": None, "erased_at": "2021-09-01"}
              for r in rows]
    again = s.store_batch("ST-1", erased, NOW)
    assert again == Stored(4, 0, 4, rows[-1]["hash"])
    changed = [{**erased[0], "verdict": "reject"}]
    assert isinstance(s.store_batch("ST-1", changed, NOW), Tampering)
    s.close()


def test_gap_names_the_next_sequence_and_stores_nothing(tmp_path: Path):
    s = enrolled(tmp_path / "s.sqlite")
    rows = [c.to_wire() for c in make_crossings("ST-1", 6)]
    s.store_batch("ST-1", rows[:2], NOW)
    assert s.store_batch("ST-1", rows[3:], NOW) == Gap(3)
    assert s.count("ST-1") == 2
    s.close()


def test_a_database_from_a_newer_server_is_refused(tmp_path: Path):
    path = tmp_path / "s.sqlite"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(StorageError, match="newer server"):
        SQLiteStorage(path)


def test_a_nonce_is_accepted_once_and_forgotten_after_the_window(tmp_path: Path):
    s = enrolled(tmp_path / "s.sqlite")
    keep = timedelta(minutes=10)
    assert s.remember_nonce("ST-1", "a" * 32, NOW, keep)
    assert not s.remember_nonce("ST-1", "a" * 32, NOW + timedelta(minutes=1), keep)
    assert s.remember_nonce("ST-1", "a" * 32, NOW + timedelta(minutes=11), keep)  # pruned: the time window refuses
    s.close()


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


def test_the_latest_heartbeat_per_station_is_kept(tmp_path: Path):
    s = enrolled(tmp_path / "s.sqlite")
    s.record_heartbeat("ST-1", {"software": "0.1.0", "queue": 3}, NOW)
    s.record_heartbeat("ST-1", {"software": "0.1.0", "queue": 0}, NOW + timedelta(seconds=30))
    beats = s.heartbeats()
    assert list(beats) == ["ST-1"]
    assert beats["ST-1"].body == {"software": "0.1.0", "queue": 0}
    assert beats["ST-1"].received_at.startswith((NOW + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S"))
    s.close()


def test_a_rate_limit_counts_within_its_window_and_survives_a_reopen(tmp_path: Path):
    path = tmp_path / "s.sqlite"
    s = SQLiteStorage(path)
    window = timedelta(minutes=1)
    assert [s.take_rate("enroll:10.0.0.7", NOW, window, 3) for _ in range(4)] == [True, True, True, False]
    assert s.take_rate("enroll:10.0.0.8", NOW, window, 3)  # another key has its own count
    s.close()
    s = SQLiteStorage(path)  # another API process sees the same count
    assert not s.take_rate("enroll:10.0.0.7", NOW + timedelta(seconds=59), window, 3)
    assert s.take_rate("enroll:10.0.0.7", NOW + timedelta(seconds=60), window, 3)  # a new window
    s.close()
