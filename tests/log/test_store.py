"""The crossing log's contract: durable records, duplicates, sealed personal data, cursors, actions, stats."""

from __future__ import annotations

import itertools
import os
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.clock import FixedClock
from checkpoint.crossing import PersonalData
from checkpoint.decision import Flag, Reason, Verdict
from checkpoint.isotime import parse_stamp as parse
from checkpoint.log import CrossingContext, CrossingLog, LogError, open_personal, record_or_refuse
from checkpoint.sealing import UnsealError
from tests.factories import PERSON
from tests.log.conftest import HMAC_KEY, NOW, Passes, ctx, open_log


def test_record_is_durable_and_complete(log: CrossingLog, passes: Passes, log_path: Path,
                                        supervisor: X25519PrivateKey, clock: FixedClock) -> None:
    c = log.record(passes.decide(), ctx())
    assert (c.seq, c.station_id, c.verdict, c.display, c.format) == (1, "HN-01", "accept", "ACCEPT", "CP1")
    assert c.recorded_at == "2021-07-24T01:00:00.000000Z" and c.category == PERSON.category
    assert c.prev_hash == "0" * 64 and len(c.hash) == 64 and c.kid
    assert c.id[14] == "7"  # UUIDv7
    log.close()
    with open_log(log_path, supervisor, clock) as again:
        [stored] = list(again.crossings())
    assert stored == c
    with sqlite3.connect(log_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_seq_is_gapless_and_chain_links(log: CrossingLog, passes: Passes) -> None:
    rows = [log.record(passes.decide(), ctx()) for _ in range(5)] + [log.record(passes.garbage(), ctx())]
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5, 6]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert log.last_seq == 6 and log.last_hash == rows[-1].hash
    assert rows[-1].verdict == "reject" and rows[-1].reason == "UNKNOWN_FORMAT" and rows[-1].sealed is None
    assert log.verify_chain().ok


def test_personal_data_sealed_to_supervisor_only(log: CrossingLog, passes: Passes, log_path: Path,
                                                 supervisor: X25519PrivateKey) -> None:
    c = log.record(passes.decide(), ctx())
    opened = open_personal(c, supervisor)
    assert opened is not None and (opened.name, opened.id_number) == (PERSON.name, PERSON.id_number)
    with pytest.raises(UnsealError):
        open_personal(c, X25519PrivateKey.generate())
    log.close()
    raw = b"".join(p.read_bytes() for p in log_path.parent.iterdir())
    for secret in (PERSON.name, PERSON.id_number, PERSON.vehicle or "", "1985-03-02"):
        assert secret.encode() not in raw


def test_sealed_blob_moved_to_another_row_does_not_open(log: CrossingLog, passes: Passes,
                                                        supervisor: X25519PrivateKey) -> None:
    a, b = log.record(passes.decide(), ctx()), log.record(passes.decide(), ctx())
    from dataclasses import replace

    with pytest.raises(UnsealError):
        open_personal(replace(b, sealed=a.sealed), supervisor)


def test_without_seal_key_no_personal_fields_are_kept(tmp_path: Path, passes: Passes, clock: FixedClock) -> None:
    with CrossingLog.open(tmp_path / "l.sqlite", station_id="S", seal_to=None, hmac_key=HMAC_KEY, clock=clock) as log:
        c = log.record(passes.decide(), ctx())
        assert c.sealed is None and c.pass_id_hash is not None
        assert [x.seq for x in log.lookup_id_number(PERSON.id_number)] == [c.seq]  # needs no seal key


def test_manual_entry_with_given_personal_data(log: CrossingLog, passes: Passes, supervisor: X25519PrivateKey) -> None:
    from checkpoint.decision import Decision

    manual = Decision(Verdict.ACCEPT, None, "entered by officer", NOW)
    person = PersonalData(name="Trần Thị B", id_number="079 123 456 789", vehicle="51C-999.99")
    c = log.record(manual, ctx(manual=True), person)
    assert c.manual and "manual" in c.flags and c.display == "CHECK" and c.pass_id_hash is None
    assert open_personal(c, supervisor) == person
    assert [x.seq for x in log.lookup_id_number("079-123-456-789")] == [c.seq]
    assert log.lookup_id_number("079123456780") == []


def test_same_pass_within_window_is_flagged_not_dropped(log: CrossingLog, passes: Passes, clock: FixedClock) -> None:
    pid = os.urandom(16)
    first = log.record(passes.decide(pid), ctx())
    second = log.record(passes.decide(pid), ctx(direction="out"))
    other = log.record(passes.decide(), ctx())
    assert "duplicate" not in first.flags and first.display == "ACCEPT"
    assert "duplicate" in second.flags and second.display == "CHECK" and second.verdict == "accept"
    assert "duplicate" not in other.flags
    assert sum("duplicate" in c.flags for c in log.crossings()) == 1 and log.count() == 3


def test_duplicate_window_is_measured_on_evaluation_time(log_path: Path, passes: Passes, supervisor: X25519PrivateKey,
                                                         clock: FixedClock) -> None:
    from dataclasses import replace

    pid = os.urandom(16)
    with open_log(log_path, supervisor, clock, duplicate_window=timedelta(minutes=10)) as log:
        d = passes.decide(pid)
        log.record(d, ctx())
        inside = log.record(replace(d, evaluated_at=NOW + timedelta(minutes=9, seconds=59)), ctx())
        outside = log.record(replace(d, evaluated_at=NOW + timedelta(minutes=30)), ctx())
    assert "duplicate" in inside.flags and "duplicate" not in outside.flags


def test_flags_from_context_and_decision(log: CrossingLog, passes: Passes) -> None:
    c = log.record(passes.decide(), ctx(suspect=True))
    assert c.clock_suspect and c.flags == ("clock_suspect",) and c.display == "CHECK"
    expired = log.record(passes.expired(), ctx())
    assert (expired.verdict, expired.reason, expired.display) == ("reject", "EXPIRED", "REJECT")


def test_record_or_refuse_returns_flagged_decision(log: CrossingLog, passes: Passes) -> None:
    pid = os.urandom(16)
    record_or_refuse(log, passes.decide(pid), ctx())
    shown, crossing = record_or_refuse(log, passes.decide(pid), ctx())
    assert crossing is not None and Flag.DUPLICATE in shown.flags and shown.display.value == "CHECK"


def test_record_or_refuse_refuses_when_log_cannot_record(log: CrossingLog, passes: Passes) -> None:
    log.close()
    shown, crossing = record_or_refuse(log, passes.decide(), ctx())
    assert crossing is None and shown.verdict is Verdict.REJECT and shown.reason is Reason.CANNOT_RECORD
    assert shown.detail.startswith("cannot record: log is closed") and "do not admit" in shown.detail


@pytest.mark.parametrize("bad", [
    CrossingContext("o", "", "in", NOW, False),
    CrossingContext("o", "1", "sideways", NOW, False),
    CrossingContext("x" * 65, "1", "in", NOW, False),
    CrossingContext("o", "1", "in", NOW.replace(tzinfo=None), False),
])
def test_bad_context_is_refused_clearly(log: CrossingLog, passes: Passes, bad: CrossingContext) -> None:
    with pytest.raises(LogError) as e:
        log.record(passes.decide(), bad)
    assert e.value.code == "invalid" and log.count() == 0


def test_oversized_personal_field_refused_without_echoing_it(log: CrossingLog, passes: Passes) -> None:
    secret = "Nguyễn " * 100
    with pytest.raises(LogError) as e:
        log.record(passes.garbage(), ctx(), PersonalData(name=secret))
    assert "name" in str(e.value) and "Nguyễn" not in str(e.value) and log.count() == 0


def test_crossings_stream_filters_and_pages(log: CrossingLog, passes: Passes, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from checkpoint.log import _store as store

    monkeypatch.setattr(store, "PAGE", 7)  # many pages from few rows
    d = passes.decide()
    for i in range(60):
        log.record(replace(d, evaluated_at=NOW + timedelta(minutes=i)), ctx())
    assert [c.seq for c in log.crossings(after_seq=55)] == [56, 57, 58, 59, 60]
    assert [c.seq for c in log.crossings(after_seq=10, limit=3)] == [11, 12, 13]
    assert [c.seq for c in log.crossings(after_seq=10, limit=15)] == list(range(11, 26))
    window = list(log.crossings(since=NOW + timedelta(minutes=20), until=NOW + timedelta(minutes=50)))
    assert (window[0].seq, window[-1].seq, len(window)) == (21, 50, 30)
    assert [c.seq for c in log.crossings()] == list(range(1, 61))


def test_sync_cursor_is_monotonic(log: CrossingLog, passes: Passes) -> None:
    for _ in range(5):
        log.record(passes.decide(), ctx())
    assert [c.seq for c in log.unsynced(3)] == [1, 2, 3] and log.sync_cursor == 0
    log.acknowledge(3)
    assert [c.seq for c in log.unsynced(10)] == [4, 5]
    log.acknowledge(2)
    assert log.sync_cursor == 3
    with pytest.raises(LogError):
        log.acknowledge(6)
    assert log.sync_cursor == 3


def test_actions_are_chained_and_refuse_personal_details(log: CrossingLog) -> None:
    log.record_action("sign_in", "officer-7", {"lane": "1"})
    log.record_action("export", "supervisor-1", {"with_personal": "yes", "rows": "120"})
    with pytest.raises(LogError):
        log.record_action("export", "s", {"id_number": "001085012345"})
    with pytest.raises(LogError):
        log.record_action("Bad Name!", None, {})
    report = log.verify_chain()
    assert report.ok and report.actions_checked == 2


def test_log_belongs_to_its_station(log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock) -> None:
    open_log(log_path, supervisor, clock).close()
    with pytest.raises(LogError) as e:
        CrossingLog.open(log_path, station_id="OTHER", seal_to=None, hmac_key=HMAC_KEY, clock=clock)
    assert e.value.code == "wrong_station"


def test_readonly_log_cannot_record(log: CrossingLog, passes: Passes, log_path: Path, clock: FixedClock) -> None:
    log.record(passes.decide(), ctx())
    with CrossingLog.open_readonly(log_path, clock=clock) as ro:
        assert ro.count() == 1 and ro.station_id == "HN-01"
        with pytest.raises(LogError) as e:
            ro.record(passes.decide(), ctx())
        assert e.value.code == "read_only"


def test_times_are_fixed_width_utc(log: CrossingLog, passes: Passes) -> None:
    c = log.record(passes.decide(), ctx())
    assert parse(c.recorded_at) == NOW and parse(c.system_time) == NOW


def test_wal_is_checkpointed_off_the_recording_path(log: CrossingLog, passes: Passes, log_path: Path) -> None:
    from checkpoint.log._checkpointer import Checkpointer

    cp = log._checkpointer
    assert isinstance(cp, Checkpointer)
    with sqlite3.connect(log_path) as raw:
        assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000  # a fresh connection's default
    assert log._c().execute("PRAGMA wal_autocheckpoint").fetchone()[0] > 1000  # the station's: a backstop only
    d = passes.decide()
    for _ in range(cp.every_commits):
        log.record(d, ctx())
    assert cp.ran.wait(timeout=30) and cp.checkpoints >= 1


def test_record_or_refuse_refuses_on_an_unexpected_failure(log: CrossingLog, passes: Passes,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: object, **kw: object) -> None:
        raise RuntimeError(f"bug while handling {PERSON.name}")

    monkeypatch.setattr(log, "record", broken)
    shown, crossing = record_or_refuse(log, passes.decide(), ctx())
    assert crossing is None and shown.reason is Reason.CANNOT_RECORD and "internal error" in shown.detail
    assert "RuntimeError" in caplog.text and PERSON.name not in caplog.text


def test_log_files_are_private_to_the_station_user(log: CrossingLog, passes: Passes, log_path: Path) -> None:
    log.record(passes.decide(), ctx())
    for p in log_path.parent.glob("crossings.sqlite*"):
        assert p.stat().st_mode & 0o077 == 0, p.name
