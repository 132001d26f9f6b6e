"""Writes the crossing-schema compatibility fixture (run once, with the code from before the field table).

    PYTHONPATH=. .venv/bin/python tests/data/crossing_schema/make_fixture.py

It records a small log through the real ``CrossingLog`` (accepted, rejected, duplicate, manual and
retention-erased crossings, sealed personal data, an action), then writes what the code of that time made
of it: the upload body for all crossings (fixed time and nonce), the body the central server stored for
each, and the hashes. ``tests/test_crossing_schema_compat.py`` checks today's code against these files.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from checkpoint.clock import FixedClock
from checkpoint.crossing import PersonalData
from sync import protocol
from sync.server import validate
from sync.server.storage import SQLiteStorage
from tests.factories import T0
from tests.log.conftest import Passes, ctx, open_log

HERE = Path(__file__).resolve().parent
STATION = "HN-01"


def main() -> None:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    supervisor = X25519PrivateKey.generate()
    clock = FixedClock(T0)
    passes = Passes()
    work = HERE / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    path = work / "crossings.sqlite"
    with open_log(path, supervisor, clock) as log:
        log.record(passes.decide(bytes(range(16))), ctx())
        log.record(passes.decide(bytes(range(16))), ctx(direction="out"))  # duplicate
        log.record(passes.expired(), ctx())
        log.record(passes.garbage(), ctx(manual=True), PersonalData(name="Nguyễn Văn A", id_number="001099012345",
                                                                   vehicle="29A-123.45", purpose="công tác"))
        log.record(passes.decide(), ctx(officer=None))
        log.record_action("sign_in", "officer-7", {"lane": "1"})
        log.acknowledge(2)
        assert log.erase_expired_personal_data(T0 + timedelta(days=400)) == 2  # retention erased 1 and 2
        crossings = list(log.crossings())
    # the log file, checkpointed into one file
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    shutil.copy(path, HERE / "log.sqlite")
    (HERE / "supervisor.key.pem").write_bytes(supervisor.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    wire = [c.to_wire() for c in crossings]
    sent_at = T0 + timedelta(minutes=1)
    body = protocol.batch_body(crossings[0].station_id, sent_at, wire, nonce="0" * 32)
    (HERE / "batch.json").write_bytes(body)
    doc = validate.parse_json(body)
    stored = validate.batch(doc, crossings[0].station_id)
    assert validate.chain_problem(stored) is None
    storage = SQLiteStorage(work / "server.sqlite")
    storage.create_token(T0, timedelta(days=1))
    from sync.server import storage as st

    storage._db.execute("INSERT INTO stations (station_id, public_key, enrolled_at, last_hash) VALUES (?, ?, ?, ?)",
                        (crossings[0].station_id, "x", "2021", st.GENESIS_HASH))
    result = storage.store_batch(crossings[0].station_id, stored, T0)
    assert isinstance(result, st.Stored), result
    rows = storage._db.execute("SELECT station_id, seq, id, recorded_at, verdict, hash, body FROM crossings "
                               "ORDER BY seq").fetchall()
    storage.close()
    (HERE / "expected.json").write_text(json.dumps({
        "station_id": crossings[0].station_id,
        "sent_at": sent_at.isoformat(),
        "hashes": [c.hash for c in crossings],
        "personal_digests": [c.personal_digest for c in crossings],
        "server_rows": [list(r) for r in rows],
    }, ensure_ascii=False, indent=1) + "\n")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
