"""The ``Storage`` contract, run against both backends: the SQLite file and PostgreSQL (a throwaway cluster).

Every call gives the same answer on both; what only one backend has (SQLite's v1 migration, PostgreSQL's
partitions and concurrent writers) is tested in test_storage.py and test_pg_storage.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sync.server.storage import (
    GENESIS_HASH,
    EnrolmentRefused,
    ExportFilter,
    Gap,
    Nonce,
    Refusal,
    Replayed,
    StationRecord,
    Storage,
    Stored,
    Tampering,
    canonical,
    open_storage,
)
from tests.sync.helpers import make_crossings

NOW = datetime.now(UTC)
Opener = Callable[[], Storage]


@pytest.fixture(params=["sqlite", "postgresql"])
def open_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens (again) the same database of the backend under test: a second open is another API process."""
    target: str | Path = tmp_path / "server.sqlite"
    if request.param == "postgresql":
        target = request.getfixturevalue("pg_cluster").create_database()
    opened: list[Storage] = []

    def opener() -> Storage:
        s = open_storage(target)
        opened.append(s)
        return s

    yield opener
    for s in opened:
        s.close()


def enrolled(open_db: Opener, *sids: str) -> Storage:
    s = open_db()
    for sid in sids or ("ST-1",):
        assert not isinstance(s.enroll(s.create_token(NOW, timedelta(hours=1)), sid, f"key-{sid}", NOW), str)
    return s


def wire(sid: str, n: int, **kw: Any) -> list[dict[str, Any]]:
    return [c.to_wire() for c in make_crossings(sid, n, **kw)]


# -- enrolment -------------------------------------------------------------------------------------------


def test_a_token_enrols_once_and_says_why_it_is_refused(open_db: Opener):
    s = open_db()
    token = s.create_token(NOW, timedelta(hours=1))
    record = s.enroll(token, "ST-A", "key-a", NOW)
    assert isinstance(record, StationRecord)
    assert (record.station_id, record.public_key, record.cursor, record.last_hash) == ("ST-A", "key-a", 0,
                                                                                      GENESIS_HASH)
    assert s.enroll(token, "ST-A", "key-a", NOW) == record  # the same enrolment again (its reply was lost)
    assert s.enroll(token, "ST-B", "key-b", NOW) == EnrolmentRefused(Refusal.TOKEN_USED, "ST-B")
    assert s.enroll("cpt_made-up", "ST-B", "key-b", NOW) == EnrolmentRefused(Refusal.UNKNOWN_TOKEN, "ST-B")
    old = s.create_token(NOW - timedelta(days=2), timedelta(days=1))
    assert s.enroll(old, "ST-B", "key-b", NOW) == EnrolmentRefused(Refusal.TOKEN_EXPIRED, "ST-B")
    assert s.enroll(s.create_token(NOW, timedelta(hours=1)), "ST-A", "key-x", NOW) == (
        EnrolmentRefused(Refusal.KEY_CONFLICT, "ST-A"))
    assert s.enroll(s.create_token(NOW, timedelta(hours=1)), "ST-A", "key-a", NOW) == record  # re-enrol, same key
    assert s.station("ST-A") == record and s.station("ST-B") is None


def test_stations_are_listed_in_id_order_and_revoked_once(open_db: Opener):
    s = enrolled(open_db, "ST-b", "ST-B", "ST-a", "ST-10", "ST-9")
    assert [st.station_id for st in s.stations()] == ["ST-10", "ST-9", "ST-B", "ST-a", "ST-b"]  # bytewise
    assert s.revoke_station("ST-B", NOW)
    assert not s.revoke_station("ST-B", NOW) and not s.revoke_station("ST-none", NOW)
    st = s.station("ST-B")
    assert st is not None and st.revoked_at is not None and st.revoked_at.endswith("Z")


def test_a_nonce_is_accepted_once_and_forgotten_after_the_window(open_db: Opener):
    s = enrolled(open_db)
    keep = timedelta(minutes=10)
    assert s.remember_nonce("ST-1", "a" * 32, NOW, keep)
    assert not s.remember_nonce("ST-1", "a" * 32, NOW + timedelta(minutes=1), keep)
    assert s.remember_nonce("ST-2", "a" * 32, NOW + timedelta(minutes=1), keep)  # per station
    assert s.remember_nonce("ST-1", "a" * 32, NOW + timedelta(minutes=11), keep)  # pruned: the time window refuses


def test_a_nonce_seen_by_one_process_is_a_replay_for_another(open_db: Opener):
    a, b = enrolled(open_db), open_db()
    assert a.remember_nonce("ST-1", "b" * 32, NOW, timedelta(minutes=10))
    assert not b.remember_nonce("ST-1", "b" * 32, NOW, timedelta(minutes=10))


def test_a_batch_remembers_its_nonce_in_its_own_transaction(open_db: Opener):
    """The signed batch's nonce and the crossings in one transaction: a replay stores nothing, and the nonce is a
    replay for ``remember_nonce`` (another request, another process) too; an expired nonce counts as new."""
    s, other = enrolled(open_db), open_db()
    rows = [c.to_wire() for c in make_crossings("ST-1", 4)]
    keep = timedelta(minutes=10)
    assert s.store_batch("ST-1", rows[:2], NOW, Nonce("c" * 32, keep)) == Stored(2, 2, 0, rows[1]["hash"])
    assert other.store_batch("ST-1", rows, NOW, Nonce("c" * 32, keep)) == Replayed()
    assert s.count("ST-1") == 2
    assert not other.remember_nonce("ST-1", "c" * 32, NOW, keep)
    assert s.remember_nonce("ST-1", "d" * 32, NOW, keep)
    assert s.store_batch("ST-1", rows, NOW, Nonce("d" * 32, keep)) == Replayed()
    assert s.count("ST-1") == 2
    later = NOW + timedelta(minutes=11)
    assert other.store_batch("ST-1", rows, later, Nonce("c" * 32, keep)) == Stored(4, 2, 2, rows[3]["hash"])
    assert s.count("ST-1") == 4


# -- crossings -------------------------------------------------------------------------------------------


def test_uploads_are_idempotent_and_extend_the_contiguous_run(open_db: Opener):
    s = enrolled(open_db)
    rows = wire("ST-1", 10)
    assert s.store_batch("ST-1", rows[:6], NOW) == Stored(6, 6, 0, rows[5]["hash"])
    assert s.store_batch("ST-1", rows[:6], NOW) == Stored(6, 0, 6, rows[5]["hash"])
    assert s.store_batch("ST-1", rows[4:], NOW) == Stored(10, 4, 2, rows[9]["hash"])
    st = s.station("ST-1")
    assert st is not None and (st.cursor, st.last_hash) == (10, rows[9]["hash"])
    assert s.count("ST-1") == 10 and s.count() == 10 and s.count("ST-2") == 0
    assert s.crossing_hash("ST-1", 3) == rows[2]["hash"] and s.crossing_hash("ST-1", 11) is None


def test_gap_names_the_next_sequence_and_stores_nothing(open_db: Opener):
    s = enrolled(open_db)
    rows = wire("ST-1", 6)
    s.store_batch("ST-1", rows[:2], NOW)
    assert s.store_batch("ST-1", rows[3:], NOW) == Gap(3)
    assert s.count("ST-1") == 2


def test_a_resend_after_retention_erased_personal_fields_is_not_tampering(open_db: Opener):
    s = enrolled(open_db)
    rows = wire("ST-1", 4)
    assert isinstance(s.store_batch("ST-1", rows, NOW), Stored)
    erased = [{**r, "sealed": None, "pass_id_hash": None, "id_number_hash": None, "erased_at": "2021-09-01"}
              for r in rows]
    assert s.store_batch("ST-1", erased, NOW) == Stored(4, 0, 4, rows[-1]["hash"])
    changed = [{**erased[0], "verdict": "reject"}]
    assert isinstance(s.store_batch("ST-1", changed, NOW), Tampering)


def test_other_content_under_a_held_sequence_is_tampering_and_raises_an_alert(open_db: Opener):
    s = enrolled(open_db)
    rows, other = wire("ST-1", 5), wire("ST-1", 5)
    s.store_batch("ST-1", rows, NOW)
    assert s.store_batch("ST-1", other[2:], NOW) == Tampering(
        3, "differs from the crossing already received with this sequence")
    assert [(a["station_id"], a["kind"], a["detail"]) for a in s.alerts("ST-1")] == [
        ("ST-1", "tampering", "seq 3: differs from the crossing already received with this sequence")]
    assert [c["id"] for c in s.crossings(ExportFilter(stations=("ST-1",)))] == [r["id"] for r in rows]


def test_a_broken_hash_chain_and_a_reused_id_are_refused(open_db: Opener):
    s = enrolled(open_db)
    rows = wire("ST-1", 3)
    s.store_batch("ST-1", rows[:2], NOW)
    forged = wire("ST-1", 3, start=3, prev_hash="f" * 64)
    assert s.store_batch("ST-1", forged, NOW) == Tampering(
        3, "does not link to the previous crossing (hash chain broken)")
    dup = {**rows[2], "id": rows[0]["id"]}
    assert s.store_batch("ST-1", [dup], NOW) == Tampering(
        3, "a crossing id in this batch was already received with another sequence")
    twice = [rows[2], {**wire("ST-1", 1, start=4, prev_hash=rows[2]["hash"])[0], "id": rows[2]["id"]}]
    assert isinstance(s.store_batch("ST-1", twice, NOW), Tampering)  # the same id twice in one batch
    assert s.count("ST-1") == 2 and len(s.alerts("ST-1")) == 3 and s.alerts("ST-2") == []


def test_crossing_ids_are_unique_per_station_not_across_stations(open_db: Opener):
    s = enrolled(open_db, "ST-A", "ST-B")
    a = wire("ST-A", 3)
    b = [{**c, "id": a[i]["id"]} for i, c in enumerate(wire("ST-B", 3))]
    assert isinstance(s.store_batch("ST-A", a, NOW), Stored)
    assert s.store_batch("ST-B", b, NOW) == Stored(3, 3, 0, b[-1]["hash"])
    assert s.count() == 6


def test_alerts_are_kept_in_order_for_each_station(open_db: Opener):
    s = enrolled(open_db)
    s.record_alert("ST-1", "tampering", "first", NOW)
    s.record_alert("ST-2", "clock", "second", NOW)
    s.record_alert("ST-1", "tampering", "third", NOW)
    assert [a["detail"] for a in s.alerts()] == ["first", "second", "third"]
    assert [a["detail"] for a in s.alerts("ST-1")] == ["first", "third"]
    assert s.alerts()[0]["at"] == NOW.isoformat().replace("+00:00", "Z")


# -- export ----------------------------------------------------------------------------------------------


def test_export_gives_the_stored_body_in_station_then_sequence_order(open_db: Opener):
    s = enrolled(open_db, "ST-b", "ST-B", "ST-a")
    stored = {}
    for sid in ("ST-b", "ST-B", "ST-a"):
        stored[sid] = wire(sid, 3)
        s.store_batch(sid, stored[sid], NOW)
    out = list(s.crossings(ExportFilter()))
    assert [(c["station_id"], c["seq"]) for c in out] == [(sid, n) for sid in ("ST-B", "ST-a", "ST-b")
                                                          for n in (1, 2, 3)]
    assert [canonical(c) for c in out[:3]] == [canonical(c) for c in stored["ST-B"]]


def test_export_filters_by_station_time_and_verdict(open_db: Opener):
    s = enrolled(open_db, "ST-A", "ST-B")
    t0 = datetime(2021, 8, 31, 23, 59, 58, tzinfo=UTC)  # across a month (a partition) boundary
    a, b = wire("ST-A", 14, at=t0), wire("ST-B", 14, at=t0)
    s.store_batch("ST-A", a, NOW)
    s.store_batch("ST-B", b, NOW)

    def seqs(**kw: Any) -> list[tuple[str, int]]:
        return [(c["station_id"], c["seq"]) for c in s.crossings(ExportFilter(**kw))]

    assert seqs(stations=("ST-B",)) == [("ST-B", n) for n in range(1, 15)]
    assert seqs(stations=("ST-B", "ST-A", "ST-none")) == [*[("ST-A", n) for n in range(1, 15)],
                                                          *[("ST-B", n) for n in range(1, 15)]]
    assert seqs(verdict="reject") == [("ST-A", 7), ("ST-A", 14), ("ST-B", 7), ("ST-B", 14)]
    since, until = t0 + timedelta(seconds=3), t0 + timedelta(seconds=6)  # inclusive, exclusive: seq 3, 4, 5
    assert seqs(since=since, until=until, stations=("ST-A",)) == [("ST-A", 3), ("ST-A", 4), ("ST-A", 5)]
    assert seqs(since=since + timedelta(microseconds=1), until=until, stations=("ST-A",)) == [("ST-A", 4),
                                                                                               ("ST-A", 5)]
    assert seqs(since=t0 + timedelta(seconds=7), until=t0 + timedelta(seconds=8), verdict="reject") == [
        ("ST-A", 7), ("ST-B", 7)]
    assert seqs(since=datetime(2022, 1, 1, tzinfo=UTC)) == []


def test_times_with_offsets_and_far_from_now_are_stored_and_filtered_alike(open_db: Opener):
    s = enrolled(open_db)
    rows = wire("ST-1", 3, at=datetime(1999, 12, 31, 23, 59, 58, tzinfo=UTC))  # a station clock gone wrong
    rows[2]["recorded_at"] = "2000-01-01T07:00:01+07:00"  # the same instant as ...T00:00:01Z
    s.store_batch("ST-1", rows, NOW)
    assert s.count("ST-1") == 3

    def seqs(**kw: Any) -> list[int]:
        return [c["seq"] for c in s.crossings(ExportFilter(**kw))]

    assert seqs(until=datetime(2000, 1, 1, tzinfo=UTC)) == [1]
    assert seqs(since=datetime(2000, 1, 1, 0, 0, 1, tzinfo=UTC)) == [3]
    assert seqs(until=datetime(2000, 1, 1, 0, 0, 1, tzinfo=UTC)) == [1, 2]
    assert seqs(since=datetime(2000, 1, 1, 7, tzinfo=UTC)) == []
    assert json.loads(json.dumps(next(s.crossings(ExportFilter())))) == rows[0]


def test_an_export_abandoned_halfway_leaves_the_storage_usable(open_db: Opener):
    s = enrolled(open_db)
    s.store_batch("ST-1", wire("ST-1", 5), NOW)
    it = s.crossings(ExportFilter())
    assert next(it)["seq"] == 1
    del it
    assert s.count() == 5 and len(list(s.crossings(ExportFilter()))) == 5


# -- heartbeats and rate limits --------------------------------------------------------------------------


def test_the_latest_heartbeat_per_station_is_kept(open_db: Opener):
    s = enrolled(open_db)
    s.record_heartbeat("ST-1", {"software": "0.1.0", "queue": 3}, NOW)
    s.record_heartbeat("ST-1", {"software": "0.1.0", "queue": 0}, NOW + timedelta(seconds=30))
    beats = open_db().heartbeats()  # another API process sees it
    assert list(beats) == ["ST-1"]
    assert beats["ST-1"].body == {"software": "0.1.0", "queue": 0}
    assert beats["ST-1"].received_at.startswith((NOW + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S"))


def test_a_rate_limit_counts_within_its_window_and_across_processes(open_db: Opener):
    s = open_db()
    window = timedelta(minutes=1)
    assert [s.take_rate("enroll:10.0.0.7", NOW, window, 3) for _ in range(4)] == [True, True, True, False]
    assert s.take_rate("enroll:10.0.0.8", NOW, window, 3)  # another key has its own count
    s.close()
    s = open_db()  # another API process (or a restart) sees the same count
    assert not s.take_rate("enroll:10.0.0.7", NOW + timedelta(seconds=59), window, 3)
    assert s.take_rate("enroll:10.0.0.7", NOW + timedelta(seconds=60), window, 3)  # a new window


def test_policy_notice_acknowledgements_are_kept_once_per_station_and_notice(open_db: Opener):
    s = enrolled(open_db, "ST-1", "ST-2")
    ack = {"notice_id": "n-1", "policy_version": 3, "officer_id": "CB01", "acknowledged_at": "2026-11-30T08:00:00Z"}
    assert s.record_notice_acks("ST-1", [ack, {**ack, "notice_id": "n-2", "officer_id": None}], NOW) == 2
    assert s.record_notice_acks("ST-1", [{**ack, "officer_id": "CB02"}], NOW) == 0  # sent again: the first stays
    assert s.record_notice_acks("ST-2", [ack], NOW) == 1
    again = open_db()  # another API process, or a restart
    rows = again.notice_acks("ST-1")
    assert [(r["notice_id"], r["officer_id"], r["policy_version"]) for r in rows] == [("n-1", "CB01", 3),
                                                                                      ("n-2", None, 3)]
    assert {r["station_id"] for r in again.notice_acks()} == {"ST-1", "ST-2"}
# -- dispositions (lane dispositions) ---------------------------------------------------------------------


def dispositions_for(crossings: list[dict[str, Any]], codes: list[tuple[int, str]], *, start: int = 1,
                     prev: str = GENESIS_HASH) -> list[dict[str, Any]]:
    """Wire dispositions, chained from ``prev``: (crossing seq, code) each, naming those crossings."""
    from checkpoint.crossing.disposition import disposition_hash

    by_seq = {c["seq"]: c for c in crossings}
    out = []
    for i, (cseq, code) in enumerate(codes):
        c = by_seq[cseq]
        d: dict[str, Any] = {"seq": start + i, "id": f"d-{c['station_id']}-{start + i}", "station_id": c["station_id"],
                             "crossing_seq": cseq, "crossing_id": c["id"], "crossing_hash": c["hash"], "code": code,
                             "officer_id": "CB01", "at": "2026-11-30T10:00:00.000000Z", "prev_hash": prev}
        d["hash"] = prev = disposition_hash(d)
        out.append(d)
    return out


def test_dispositions_are_gapless_idempotent_and_chained(open_db: Opener):
    s = enrolled(open_db)
    crossings = wire("ST-1", 3)
    s.store_batch("ST-1", crossings, NOW)
    ds = dispositions_for(crossings, [(1, "turned_back"), (2, "fined"), (1, "admitted_after_check")])
    assert s.disposition_cursor("ST-1") == (0, GENESIS_HASH)
    assert s.store_dispositions("ST-1", ds[:2], NOW) == Stored(2, 2, 0, ds[1]["hash"])
    assert s.store_dispositions("ST-1", ds, NOW) == Stored(3, 1, 2, ds[2]["hash"])  # a resend plus one
    assert s.store_dispositions("ST-1", ds, NOW) == Stored(3, 0, 3, ds[2]["hash"])
    assert s.store_dispositions("ST-1", ds[2:], NOW) == Stored(3, 0, 1, ds[2]["hash"])
    assert open_db().disposition_cursor("ST-1") == (3, ds[2]["hash"])  # another process sees the same
    assert [d["seq"] for d in s.dispositions(ExportFilter())] == [1, 2, 3]
    assert list(s.dispositions(ExportFilter(stations=("ST-2",)))) == []


def test_a_disposition_gap_or_other_content_is_refused(open_db: Opener):
    s = enrolled(open_db)
    crossings = wire("ST-1", 2)
    s.store_batch("ST-1", crossings, NOW)
    ds = dispositions_for(crossings, [(1, "turned_back"), (2, "quarantine")])
    assert s.store_dispositions("ST-1", ds[1:], NOW) == Gap(1)
    assert s.store_dispositions("ST-1", ds[:1], NOW) == Stored(1, 1, 0, ds[0]["hash"])
    other = dispositions_for(crossings, [(1, "fined")])
    result = s.store_dispositions("ST-1", other, NOW)
    assert isinstance(result, Tampering) and result.seq == 1
    unlinked = dispositions_for(crossings, [(2, "fined")], start=2)  # chained from genesis, not from seq 1
    result = s.store_dispositions("ST-1", unlinked, NOW)
    assert isinstance(result, Tampering) and "chain" in result.problem
    assert s.disposition_cursor("ST-1") == (1, ds[0]["hash"])
    assert [a["kind"] for a in s.alert_list()] == ["tampering", "tampering"]


def test_a_disposition_must_name_a_crossing_the_server_holds_for_that_station(open_db: Opener):
    s = enrolled(open_db, "ST-1", "ST-2")
    mine, theirs = wire("ST-1", 2), wire("ST-2", 1)
    s.store_batch("ST-1", mine[:1], NOW)
    s.store_batch("ST-2", theirs, NOW)
    not_yet = dispositions_for(mine, [(2, "fined")])  # crossing 2 is not uploaded
    result = s.store_dispositions("ST-1", not_yet, NOW)
    assert isinstance(result, Tampering) and "does not hold" in result.problem
    forged = dispositions_for(mine, [(1, "fined")])
    forged[0]["crossing_hash"] = theirs[0]["hash"]  # the right seq, another crossing's hash
    from checkpoint.crossing.disposition import disposition_hash

    forged[0]["hash"] = disposition_hash(forged[0])
    result = s.store_dispositions("ST-1", forged, NOW)
    assert isinstance(result, Tampering) and "another id or hash" in result.problem
    assert s.disposition_cursor("ST-1") == (0, GENESIS_HASH) and list(s.dispositions(ExportFilter())) == []


def test_a_suspected_illegal_entry_raises_one_alert_that_a_supervisor_acknowledges(open_db: Opener):
    s = enrolled(open_db)
    crossings = wire("ST-1", 2)
    s.store_batch("ST-1", crossings, NOW)
    ds = dispositions_for(crossings, [(1, "turned_back"), (2, "suspected_illegal_entry")])
    s.store_dispositions("ST-1", ds, NOW)
    s.store_dispositions("ST-1", ds, NOW)  # a resend raises nothing more
    alerts = open_db().alert_list()
    assert [(a["station_id"], a["kind"]) for a in alerts] == [("ST-1", "illegal_entry")]
    assert "crossing 2" in alerts[0]["detail"] and alerts[0]["acked_at"] is None
    n = alerts[0]["n"]
    assert s.acknowledge_alert(n, "CH01", NOW) is True
    assert s.acknowledge_alert(n, "CH02", NOW) is False  # once
    assert s.acknowledge_alert(n + 1000, "CH01", NOW) is False  # no such alert
    assert s.alert_list() == []
    [kept] = s.alert_list(include_acknowledged=True)
    assert (kept["n"], kept["acked_by"]) == (n, "CH01") and kept["acked_at"] is not None
    assert [a["kind"] for a in s.alerts("ST-1")] == ["illegal_entry"]  # the old listing still has it
