"""The crossing schema stays byte-identical: a log, an upload body and server rows written by the code from
before the field table (tests/data/crossing_schema, made by its ``make_fixture.py``) are read, re-hashed,
re-encoded and re-stored by today's code with the same bytes.

This file uses only names that existed before the table (``checkpoint.log._chain``, ``checkpoint.log._rows``),
so it runs on both sides of the change.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint import sealing
from checkpoint.clock import FixedClock
from checkpoint.log import CrossingLog
from checkpoint.log import _chain as chain
from checkpoint.log._personal import open_personal
from checkpoint.log._rows import chain_fields
from sync import protocol
from sync.server import storage as st
from sync.server import validate
from tests.factories import T0
from tests.log.conftest import Passes, ctx, open_log

DATA = Path(__file__).parent / "data" / "crossing_schema"
EXPECTED: dict[str, Any] = json.loads((DATA / "expected.json").read_text())


@pytest.fixture
def supervisor() -> X25519PrivateKey:
    key = sealing.load_private((DATA / "supervisor.key.pem").read_bytes(), "supervisor.key.pem")
    assert isinstance(key, X25519PrivateKey)
    return key


@pytest.fixture
def old_log(tmp_path: Path, supervisor: X25519PrivateKey) -> CrossingLog:
    path = tmp_path / "data" / "crossings.sqlite"
    path.parent.mkdir(mode=0o700)
    shutil.copy(DATA / "log.sqlite", path)
    os.chmod(path, 0o600)
    return open_log(path, supervisor, FixedClock(T0 + timedelta(days=1)))


def test_an_old_log_reads_with_the_same_hashes(old_log: CrossingLog, supervisor: X25519PrivateKey) -> None:
    with old_log as log:
        report = log.verify_chain()
        assert report.ok and report.checked == 5 and report.actions_checked == 1, report
        crossings = list(log.crossings())
        assert [c.hash for c in crossings] == EXPECTED["hashes"]
        assert [c.personal_digest for c in crossings] == EXPECTED["personal_digests"]
        for c in crossings:
            assert chain.crossing_hash(chain_fields(c)) == c.hash
            if c.erased_at is None:
                assert chain.personal_digest(c.pass_id_hash, c.id_number_hash, c.sealed) == c.personal_digest
        assert [c.erased_at is not None for c in crossings] == [True, True, False, False, False]
        manual = open_personal(crossings[3], supervisor)  # the sealed record's associated data is unchanged
        assert manual is not None and manual.name == "Nguyễn Văn A" and manual.vehicle == "29A-123.45"


def test_an_old_log_records_on(old_log: CrossingLog) -> None:
    with old_log as log:
        c = log.record(Passes().decide(), ctx())
        assert c.seq == 6 and c.prev_hash == EXPECTED["hashes"][-1]
        assert chain.crossing_hash(chain_fields(c)) == c.hash
        assert log.verify_chain().ok


def test_the_upload_body_is_byte_identical(old_log: CrossingLog) -> None:
    with old_log as log:
        wire = [c.to_wire() for c in log.crossings()]
    body = protocol.batch_body(EXPECTED["station_id"], datetime.fromisoformat(EXPECTED["sent_at"]), wire,
                               nonce="0" * 32)
    assert body == (DATA / "batch.json").read_bytes()


def test_the_server_stores_an_old_batch_byte_identically(tmp_path: Path) -> None:
    doc = validate.parse_json((DATA / "batch.json").read_bytes())
    station = EXPECTED["station_id"]
    crossings = validate.batch(doc, station)
    assert validate.chain_problem(crossings) is None
    storage = st.SQLiteStorage(tmp_path / "server.sqlite")
    try:
        storage._db.execute("INSERT INTO stations (station_id, public_key, enrolled_at, last_hash) "
                            "VALUES (?, 'x', '2021', ?)", (station, st.GENESIS_HASH))
        result = storage.store_batch(station, crossings, T0)
        assert isinstance(result, st.Stored) and result.stored == 5
        rows = storage._db.execute("SELECT station_id, seq, id, recorded_at, verdict, hash, body FROM crossings "
                                   "ORDER BY seq").fetchall()
        again = storage.store_batch(station, crossings, T0)  # a resend is recognised as the same content
        assert isinstance(again, st.Stored) and again.already_had == 5
    finally:
        storage.close()
    assert [list(r) for r in rows] == EXPECTED["server_rows"]
