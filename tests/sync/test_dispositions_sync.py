"""Dispositions over real HTTP (127.0.0.1), both server backends: sent in the round after the crossings, gapless
and idempotent, a suspected illegal entry raises an alert at the centre, a tampered chain is refused."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from checkpoint.crossing.disposition import Disposition
from checkpoint.log import CrossingLog
from sync.client import SyncClient
from sync.errors import TamperDetected
from sync.server.storage import ExportFilter
from sync.worker import sync_once
from tests.sync.conftest import RunningServer, make_client, start_server
from tests.sync.helpers import fill_log, open_log


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    database = None
    if request.param == "postgresql":
        database = request.getfixturevalue("pg_cluster").create_database()
    srv = start_server(tmp_path / "server", database)
    yield srv
    srv.stop()


@pytest.fixture
def station(backend_server: RunningServer, tmp_path: Path) -> Iterator[tuple[SyncClient, CrossingLog]]:
    client = make_client(backend_server.url, "ST-1")
    client.server_time()
    client.enroll(backend_server.token())
    log = open_log(tmp_path / "crossings.sqlite", "ST-1")
    yield client, log
    log.close()
    client.close()


def test_a_round_sends_dispositions_after_their_crossings_and_alerts_the_centre(
        backend_server: RunningServer, station: tuple[SyncClient, CrossingLog]):
    client, log = station
    fill_log(log, 4)
    log.record_disposition(1, Disposition.TURNED_BACK, "OF-1")
    log.record_disposition(3, Disposition.SUSPECTED_ILLEGAL_ENTRY, "OF-1")
    log.record_disposition(1, Disposition.FINED, "OF-1")  # a correction
    sync_once(client, log, None, 2)
    held = list(backend_server.storage.dispositions(ExportFilter()))
    assert [(d["seq"], d["crossing_seq"], d["code"]) for d in held] == [
        (1, 1, "turned_back"), (2, 3, "suspected_illegal_entry"), (3, 1, "fined")]
    assert held == [d.to_wire() for d in log.dispositions()]
    assert log.disposition_sync_cursor == 3
    assert backend_server.storage.disposition_cursor("ST-1") == log.disposition_head
    [alert] = backend_server.storage.alert_list()
    assert alert["kind"] == "illegal_entry" and "crossing 3" in alert["detail"]
    # the next round sends only what is new; the alert is not raised again
    fill_log(log, 1)
    log.record_disposition(5, Disposition.MEDICAL_DESK, "OF-1")
    sync_once(client, log, None, 2)
    assert backend_server.storage.disposition_cursor("ST-1")[0] == 4 == log.disposition_sync_cursor
    assert len(backend_server.storage.alert_list()) == 1


def test_a_lost_acknowledgement_costs_one_resend_and_no_duplicate(
        backend_server: RunningServer, station: tuple[SyncClient, CrossingLog]):
    client, log = station
    fill_log(log, 2)
    log.record_disposition(2, Disposition.QUARANTINE, "OF-1")
    sync_once(client, log, None, 10)
    with log._write() as conn:  # as if the reply had been lost: the station thinks nothing was acknowledged
        conn.execute("UPDATE meta SET value='0' WHERE key='disposition_sync_cursor'")
    log.record_disposition(2, Disposition.SENT_FOR_TESTING, "OF-1")
    sync_once(client, log, None, 10)
    assert [d["seq"] for d in backend_server.storage.dispositions(ExportFilter())] == [1, 2]
    assert log.disposition_sync_cursor == 2


def test_a_tampered_disposition_is_refused_by_the_server_and_recorded(
        backend_server: RunningServer, station: tuple[SyncClient, CrossingLog], tmp_path: Path):
    client, log = station
    fill_log(log, 3)
    log.record_disposition(2, Disposition.SUSPECTED_ILLEGAL_ENTRY, "OF-1")
    conn = sqlite3.connect(tmp_path / "crossings.sqlite")
    with conn:  # the illegal entry made to look like an ordinary admission, behind the station's back
        conn.execute("UPDATE dispositions SET code='admitted_after_check' WHERE seq=1")
    conn.close()
    with pytest.raises(TamperDetected):
        sync_once(client, log, None, 10)
    assert list(backend_server.storage.dispositions(ExportFilter())) == []
    assert backend_server.storage.count("ST-1") == 3  # the crossings went before, untouched
    assert [a["kind"] for a in backend_server.storage.alert_list()] == ["tampering"]
    assert log.disposition_sync_cursor == 0


def test_server_stations_flags_and_server_alerts_lists_and_acknowledges(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from checkpoint.cli import main

    srv = start_server(tmp_path / "server")
    try:
        client = make_client(srv.url, "ST-9")
        client.server_time()
        client.enroll(srv.token())
        log = open_log(tmp_path / "crossings.sqlite", "ST-9")
        fill_log(log, 2)
        log.record_disposition(2, Disposition.SUSPECTED_ILLEGAL_ENTRY, "OF-1")
        sync_once(client, log, None, 10)
        log.close()
        client.close()
    finally:
        srv.stop()
    data = str(tmp_path / "server")
    assert main(["server", "stations", "--data-dir", data]) == 0
    assert "ALERT ILLEGAL ENTRY: 1 suspected, not acknowledged" in capsys.readouterr().out
    assert main(["server", "alerts", "--data-dir", data]) == 0
    out = capsys.readouterr().out
    assert "ST-9" in out and "SUSPECTED ILLEGAL ENTRY: disposition 1: suspected illegal entry at crossing 2" in out
    number = out.split()[0].lstrip("#")
    assert main(["server", "alerts", "--data-dir", data, "--ack", number]) == 2  # who acknowledges is required
    capsys.readouterr()
    assert main(["server", "alerts", "--data-dir", data, "--ack", number, "--by", "CH01"]) == 0
    assert main(["server", "alerts", "--data-dir", data]) == 0
    assert "No open alerts." in capsys.readouterr().out
    assert main(["server", "alerts", "--data-dir", data, "--all"]) == 0
    assert "acknowledged by CH01" in capsys.readouterr().out
    assert main(["server", "stations", "--data-dir", data]) == 0
    assert "ILLEGAL ENTRY" not in capsys.readouterr().out
    assert main(["server", "alerts", "--data-dir", data, "--ack", number, "--by", "CH01"]) != 0  # only once
    capsys.readouterr()
    out = tmp_path / "central.csv"
    assert main(["server", "export", "--data-dir", data, "--format", "csv", "--out", str(out)]) == 0
    assert "Dispositions (the latest of each crossing): suspected_illegal_entry 1" in capsys.readouterr().out
    import csv

    with open(out, newline="", encoding="utf-8-sig") as f:
        table = list(csv.DictReader(f))
    assert [(r["seq"], r["disposition"]) for r in table] == [("1", ""), ("2", "suspected_illegal_entry")]


def test_a_server_without_dispositions_never_fails_the_round(server: RunningServer, tmp_path: Path):
    """An older central server answers 404 on the dispositions paths: the crossings and the heartbeat still go,
    the dispositions wait for a server that takes them."""
    from sync import protocol
    from sync.server.app import Fault

    def older_server(method: str, path: str) -> Fault | None:
        if path.startswith(protocol.DISPOSITIONS_PATH):
            return Fault(404, {}, {"error": "not_found", "message": "Not Found"})
        return None

    client = make_client(server.url, "ST-OLD")
    client.server_time()
    client.enroll(server.token())
    log = open_log(tmp_path / "crossings.sqlite", "ST-OLD")
    try:
        fill_log(log, 2)
        log.record_disposition(1, Disposition.FINED, "OF-1")
        server.hooks.before = older_server
        result = sync_once(client, log, None, 10)
        assert result.complete and log.sync_cursor == 2 and result.heartbeat_problem is None
        assert log.disposition_sync_cursor == 0 and "ST-OLD" in server.storage.heartbeats()
        server.hooks.before = None
        sync_once(client, log, None, 10)  # the server takes them now
        assert log.disposition_sync_cursor == 1
    finally:
        server.hooks.before = None
        log.close()
        client.close()
