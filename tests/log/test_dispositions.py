"""Dispositions in the station log: append-only, their own gapless hash chain, found by ``log verify`` when altered."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.cli import main
from checkpoint.clock import FixedClock
from checkpoint.crossing import chain
from checkpoint.crossing.disposition import DISPOSITION_FIELDS, KEYS, Disposition, disposition_hash
from checkpoint.log import LogError
from tests.log.conftest import Passes, ctx, open_log


def _filled(log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock, passes: Passes) -> None:
    with open_log(log_path, supervisor, clock) as log:
        for _ in range(3):
            log.record(passes.decide(), ctx())
        log.record_disposition(1, Disposition.TURNED_BACK, "officer-7")
        log.record_disposition(2, Disposition.SUSPECTED_ILLEGAL_ENTRY, "officer-7")
        log.record_disposition(1, Disposition.ADMITTED_AFTER_CHECK, "officer-7")  # a correction: both kept


def test_keys_are_one_to_seven_in_order() -> None:
    assert list(KEYS) == [str(i) for i in range(1, 8)]
    assert KEYS["7"] is Disposition.SUSPECTED_ILLEGAL_ENTRY


def test_the_hash_is_the_documented_encoding() -> None:
    fields: dict[str, chain.Value] = {name: "x" for name in DISPOSITION_FIELDS} | {"seq": 1, "crossing_seq": 2}
    expected = hashlib.sha256(b"".join(chain.encode(v) for v in ["CPDISP1", *[fields[n] for n in
                                                                            DISPOSITION_FIELDS]])).hexdigest()
    assert disposition_hash(fields) == expected
    for name in DISPOSITION_FIELDS:
        assert disposition_hash(fields | {name: "y"}) != expected, name


def test_recorded_chained_and_kept(log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock,
                                   passes: Passes) -> None:
    _filled(log_path, supervisor, clock, passes)
    with open_log(log_path, supervisor, clock) as log:
        rows = log.dispositions()
        assert [(d.seq, d.crossing_seq, d.code) for d in rows] == [
            (1, 1, "turned_back"), (2, 2, "suspected_illegal_entry"), (3, 1, "admitted_after_check")]
        assert rows[0].prev_hash == chain.GENESIS and rows[1].prev_hash == rows[0].hash
        assert rows[0].crossing_hash == log.hash_at(1) and log.disposition_head == (3, rows[2].hash)
        report = log.verify_chain()
        assert report.ok and report.dispositions_checked == 3 and report.checked == 3


def test_a_disposition_needs_a_crossing_and_a_known_code(log_path: Path, supervisor: X25519PrivateKey,
                                                         clock: FixedClock, passes: Passes) -> None:
    with open_log(log_path, supervisor, clock) as log:
        log.record(passes.decide(), ctx())
        with pytest.raises(LogError, match="no crossing 2"):
            log.record_disposition(2, Disposition.FINED, "officer-7")
        with pytest.raises(LogError, match="unknown disposition"):
            log.record_disposition(1, "released", "officer-7")
        assert log.dispositions() == []


def test_acknowledgement_moves_only_forward(log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock,
                                           passes: Passes) -> None:
    _filled(log_path, supervisor, clock, passes)
    with open_log(log_path, supervisor, clock) as log:
        log.acknowledge_dispositions(2)
        log.acknowledge_dispositions(1)
        assert log.disposition_sync_cursor == 2
        with pytest.raises(LogError):
            log.acknowledge_dispositions(4)


TAMPERING = {
    "code changed": "UPDATE dispositions SET code='admitted_after_check' WHERE seq=2",
    "officer changed": "UPDATE dispositions SET officer_id='someone-else' WHERE seq=1",
    "deleted in the middle": "DELETE FROM dispositions WHERE seq=2",
    "newest deleted": "DELETE FROM dispositions WHERE seq=3",
    "pointed at another crossing": "UPDATE dispositions SET crossing_seq=3 WHERE seq=1",
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_tampering_is_found_by_verify(case: str, log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock,
                                      passes: Passes, capsys: pytest.CaptureFixture[str]) -> None:
    _filled(log_path, supervisor, clock, passes)
    conn = sqlite3.connect(log_path)
    with conn:
        conn.execute(TAMPERING[case])
    conn.close()
    with open_log(log_path, supervisor, clock) as log:
        report = log.verify_chain()
    assert not report.ok and report.first_broken_disposition is not None and "disposition" in (report.problem or "")
    assert main(["log", "verify", "--data-dir", str(log_path.parent)]) == 1
    assert "disposition" in capsys.readouterr().out


def test_verify_cli_counts_dispositions(log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock,
                                        passes: Passes, capsys: pytest.CaptureFixture[str]) -> None:
    _filled(log_path, supervisor, clock, passes)
    assert main(["log", "verify", "--data-dir", str(log_path.parent), "--json"]) == 0
    assert '"dispositions_checked": 3' in capsys.readouterr().out


def test_status_counts_dispositions_and_those_not_yet_sent(log_path: Path, supervisor: X25519PrivateKey,
                                                           clock: FixedClock, passes: Passes,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    import json

    _filled(log_path, supervisor, clock, passes)
    with open_log(log_path, supervisor, clock) as log:
        log.acknowledge_dispositions(1)
    assert main(["log", "status", "--data-dir", str(log_path.parent), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["dispositions"], status["dispositions_unsynced"]) == (3, 2)


def test_known_answer_vector_of_the_documented_text() -> None:
    """docs/crossing-log.md, "Dispositions": the vector, checked against a separate encoder written from the text."""
    def tlv(tag: bytes, payload: bytes) -> bytes:
        return tag + len(payload).to_bytes(4, "big") + payload

    def enc(v: object) -> bytes:
        return tlv(b"I", str(v).encode()) if isinstance(v, int) else tlv(b"S", str(v).encode())

    d: dict[str, chain.Value] = {
        "seq": 1, "id": "017ad606-ae80-752f-ab5e-c710b172b12c", "station_id": "HN-01", "crossing_seq": 1,
        "crossing_id": "017ad606-ae80-752f-ab5e-c710b172b12a",
        "crossing_hash": "11298e502d3672e1030e597bb94a3305588c3f7aadd844031334ed835ba00611",
        "code": "suspected_illegal_entry", "officer_id": "officer-7", "at": "2021-07-24T01:05:00.000000Z",
        "prev_hash": "0" * 64}
    expected = "cd13c1f6787c437a4d9833d1a88fe1a0457ac5622b169981801257e218023cb7"
    assert hashlib.sha256(enc("CPDISP1") + b"".join(enc(d[n]) for n in DISPOSITION_FIELDS)).hexdigest() == expected
    assert disposition_hash(d) == expected


def test_the_running_station_stops_recording_on_a_tampered_disposition(
        log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock, passes: Passes) -> None:
    _filled(log_path, supervisor, clock, passes)
    conn = sqlite3.connect(log_path)
    with conn:
        conn.execute(TAMPERING["code changed"])
    conn.close()
    with open_log(log_path, supervisor, clock, check_chain=True) as log:
        assert log.wait_for_integrity_check(30) == "tampered"
        with pytest.raises(LogError) as refused:
            log.record(passes.decide(), ctx())
        assert refused.value.code == "tampered" and "disposition 2" in str(refused.value)
        with pytest.raises(LogError):
            log.record_disposition(1, Disposition.FINED, "officer-7")
