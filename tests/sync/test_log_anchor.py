"""The crossing log cannot be silently replaced or cut back (issue 12 item 6): the anchor kept apart from the
log, the server's cursor at each sync, and the chain walk at start all stop recording, and the server hears."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from checkpoint.clock import SystemClock
from checkpoint.config import load_config
from checkpoint.decision import Decision, Reason, Verdict
from checkpoint.log import CrossingContext, CrossingLog, record_or_refuse
from checkpoint.log import _chain as chain
from checkpoint.log._anchor import ANCHOR_FILE
from checkpoint.log._rows import SELECT, chain_fields, row_to_crossing
from checkpoint.log._settings import open_station_log
from sync.server.storage import ExportFilter
from tests.factories import T0
from tests.sync.conftest import RunningServer
from tests.sync.test_cli import Setup, enroll
from tests.sync.test_cli import setup as setup

STATION = "HN-CLI-1"
REPLACED = "the crossing log was replaced or cut back"


def open_station(s: Setup, *, check_chain: bool = False) -> CrossingLog:
    return open_station_log(load_config(s.config), SystemClock(), s.data, check_chain=check_chain)


def attempt(log: CrossingLog) -> Decision:
    """One accepted pass, through the recording path the app uses; returns what the officer is shown."""
    shown, _ = record_or_refuse(log, Decision(Verdict.ACCEPT, None, "ok", T0, format="CP1"),
                                CrossingContext("OF-1", "1", "in", T0, False))
    return shown


def log_path(s: Setup) -> Path:
    return s.data / "crossings.sqlite"


def delete_log(s: Setup) -> None:
    for p in s.data.glob("crossings.sqlite*"):
        p.unlink()


def edit(s: Setup, *sql: str) -> None:
    db = sqlite3.connect(log_path(s), isolation_level=None)
    try:
        for q in sql:
            db.execute(q)
    finally:
        db.close()


def assert_refused(log: CrossingLog, code: str = "replaced") -> None:
    shown = attempt(log)
    assert shown.verdict is Verdict.REJECT and shown.reason is Reason.CANNOT_RECORD
    if code == "replaced":
        assert REPLACED in shown.detail and "call the supervisor" in shown.detail
    assert log.integrity == code


def test_recording_goes_on_across_restarts_and_syncs(server: RunningServer, setup: Setup,
                                                     capsys: pytest.CaptureFixture[str]):
    from checkpoint.cli import main

    enroll(server, setup, capsys)
    for _ in range(3):
        setup.record(4)
        log = open_station(setup, check_chain=True)
        assert log.wait_for_integrity_check(30) == "ok"
        assert attempt(log).verdict is Verdict.ACCEPT
        log.close()
        assert main(["sync", *setup.args()]) == 0
    anchor = json.loads((setup.data / ANCHOR_FILE).read_text())
    assert anchor["head_seq"] == 15 and anchor["server_seq"] == 15
    assert (setup.data / ANCHOR_FILE).stat().st_mode & 0o077 == 0


def test_a_deleted_log_is_refused_and_the_server_is_told(server: RunningServer, setup: Setup,
                                                         capsys: pytest.CaptureFixture[str]):
    from checkpoint.cli import main

    enroll(server, setup, capsys)
    setup.record(12)
    assert main(["sync", *setup.args()]) == 0
    setup.record(3)  # not synced yet
    delete_log(setup)
    log = open_station(setup)  # a new, empty log appears...
    try:
        assert_refused(log)  # ...but the station will not record on it
    finally:
        log.close()
    capsys.readouterr()
    assert main(["sync", *setup.args()]) != 0
    err = capsys.readouterr().err
    assert REPLACED in err and "The central server was told" in err
    alerts = server.storage.alerts(STATION)
    assert [a["kind"] for a in alerts] == ["log_replaced"] and "15" in alerts[0]["detail"]
    assert server.storage.count(STATION) == 12  # nothing from the new log was sent


def test_a_log_cut_back_at_the_end_is_refused(setup: Setup):
    setup.record(10)
    db = sqlite3.connect(log_path(setup))
    seven = db.execute("SELECT hash FROM crossings WHERE seq = 7").fetchone()[0].hex()
    db.close()
    edit(setup, "DELETE FROM crossings WHERE seq > 7", "UPDATE meta SET value = '7' WHERE key = 'head_seq'",
         f"UPDATE meta SET value = '{seven}' WHERE key = 'head_hash'")  # the chain itself still verifies
    log = open_station(setup, check_chain=True)
    try:
        assert log.verify_chain().ok  # 'log verify' alone cannot see it
        assert_refused(log)
    finally:
        log.close()


def test_a_mid_chain_edit_stops_recording_after_the_start_check(setup: Setup):
    setup.record(10)
    edit(setup, "UPDATE crossings SET lane = '9' WHERE seq = 4")
    log = open_station(setup, check_chain=True)
    try:
        assert log.wait_for_integrity_check(30) == "tampered"
        shown = attempt(log)
        assert shown.reason is Reason.CANNOT_RECORD and "altered" in shown.detail
        assert log.last_seq == 10
    finally:
        log.close()


def test_a_rewritten_chain_is_caught_by_the_anchor(setup: Setup):
    """An attacker edits row 4 and recomputes every hash after it and the head: the chain verifies, the
    anchor's signed head does not match."""
    setup.record(10)
    db = sqlite3.connect(log_path(setup), isolation_level=None)
    rows = [row_to_crossing(r) for r in db.execute(f"{SELECT} ORDER BY seq")]
    prev = rows[2].hash
    for c in rows[3:]:
        c = dataclasses.replace(c, lane="9" if c.seq == 4 else c.lane, prev_hash=prev)
        c = dataclasses.replace(c, hash=chain.crossing_hash(chain_fields(c)))
        db.execute("UPDATE crossings SET lane = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                   (c.lane, bytes.fromhex(c.prev_hash), bytes.fromhex(c.hash), c.seq))
        prev = c.hash
    db.execute("UPDATE meta SET value = ? WHERE key = 'head_hash'", (prev,))
    db.close()
    log = open_station(setup, check_chain=True)
    try:
        assert log.wait_for_integrity_check(30) == "replaced"
        assert log.verify_chain().ok
        assert_refused(log)
    finally:
        log.close()


def test_log_and_anchor_both_deleted_are_caught_at_the_next_sync(server: RunningServer, setup: Setup,
                                                                 capsys: pytest.CaptureFixture[str]):
    from checkpoint.cli import main

    enroll(server, setup, capsys)
    setup.record(8)
    assert main(["sync", *setup.args()]) == 0
    delete_log(setup)
    (setup.data / ANCHOR_FILE).unlink()
    setup.record(2)  # looks like a new station until it talks to the server
    capsys.readouterr()
    assert main(["sync", *setup.args()]) != 0
    assert "holds crossings up to 8" in capsys.readouterr().err
    assert [a["kind"] for a in server.storage.alerts(STATION)] == ["log_replaced"]
    log = open_station(setup)  # the server's cursor is now in the anchor: refused after a restart too
    try:
        assert_refused(log)
    finally:
        log.close()
    held = list(server.storage.crossings(ExportFilter(stations=(STATION,))))
    assert [c["seq"] for c in held] == list(range(1, 9))  # the server's copy is untouched


def test_a_log_deleted_while_the_station_runs_is_refused(setup: Setup):
    log = open_station(setup)
    try:
        assert attempt(log).verdict is Verdict.ACCEPT
        delete_log(setup)
        assert_refused(log)
    finally:
        log.close()


def test_a_forged_or_deleted_anchor_is_refused(setup: Setup):
    setup.record(3)
    anchor = setup.data / ANCHOR_FILE
    doc = json.loads(anchor.read_text())
    anchor.write_text(json.dumps({**doc, "head_seq": 1, "head_hash": "00" * 32}))  # moved back without the key
    log = open_station(setup)
    try:
        assert_refused(log)
    finally:
        log.close()
    anchor.unlink()
    log = open_station(setup)  # the log knows it had an anchor
    try:
        assert_refused(log)
    finally:
        log.close()


def test_the_recorder_sees_what_sync_found_without_a_restart(setup: Setup):
    """The app's recorder and its sync worker hold two connections: the anchor carries the server's cursor."""
    setup.record(3)
    recorder, outbox = open_station(setup), open_station(setup)
    try:
        assert attempt(recorder).verdict is Verdict.ACCEPT
        assert outbox.server_holds(9, "ab" * 32) is not None  # the server holds more than this log
        assert_refused(recorder)
    finally:
        recorder.close()
        outbox.close()


def test_log_verify_reports_a_log_that_does_not_reach_its_anchor(setup: Setup, capsys: pytest.CaptureFixture[str]):
    from checkpoint.cli import main

    setup.record(6)
    assert main(["log", "verify", *setup.args()]) == 0
    delete_log(setup)
    open_station(setup).close()  # the station starts a new log (and refuses to record on it)
    capsys.readouterr()
    assert main(["log", "verify", *setup.args()]) == 1
    out = capsys.readouterr().out
    assert "BROKEN at its anchor" in out and REPLACED in out


def test_an_anchor_deleted_under_a_running_station_is_not_rebuilt(setup: Setup):
    """Cut back the unsynced tail and delete the anchor while the station runs: the next signed cursor from
    the server must not make a fresh anchor that hides the cut."""
    log = open_station(setup)
    try:
        for _ in range(11):
            assert attempt(log).verdict is Verdict.ACCEPT
        log.flush_anchor()
        three = log.hash_at(3)
        assert three is not None
        (setup.data / "log-anchor.json").unlink()
        assert log.server_holds(3, three) is not None  # refused, not re-anchored
        assert not (setup.data / "log-anchor.json").exists()
        assert_refused(log)
    finally:
        log.close()
