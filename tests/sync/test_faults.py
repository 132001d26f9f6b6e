"""Fault injection between a real crossing log and a real server: afterwards the server holds exactly
the station's crossings, none missing, none twice."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from checkpoint.clock import SystemClock
from checkpoint.log import CrossingLog
from sync import protocol
from sync.backoff import Backoff
from sync.client import SyncClient
from sync.server.app import Fault
from sync.server.storage import ExportFilter
from sync.worker import SyncState, SyncStatus, SyncWorker
from tests.sync.conftest import RunningServer, make_client
from tests.sync.helpers import FaultProxy, fill_log, open_log

TINY = Backoff(base=0.001, cap=0.01)


def worker(client: SyncClient, log: CrossingLog, statuses: list[SyncStatus], batch_size: int = 50) -> SyncWorker:
    return SyncWorker(client, log, None, batch_size=batch_size, interval=60, backoff=TINY, clock=SystemClock(),
                      on_status=statuses.append, rand=random.Random(1).random)


def sync_until_done(w: SyncWorker, statuses: list[SyncStatus], max_rounds: int = 50) -> int:
    """Run rounds back to back (no waiting: the delays are asserted elsewhere); returns failed rounds."""
    for failures in range(max_rounds):
        w.round(failures)
        last = statuses[-1]
        if last.state is SyncState.SYNCED and last.pending == 0:
            return failures
    raise AssertionError(f"not synced after {max_rounds} rounds: {statuses[-1]}")


def assert_exactly_once(server: RunningServer, log: CrossingLog) -> None:
    held = [c["id"] for c in server.storage.crossings(ExportFilter(stations=(log.station_id,)))]
    mine = [c.id for c in log.crossings()]
    assert len(held) == len(set(held)), "a crossing is held twice"
    assert held == mine, "the server does not hold exactly the station's crossings"
    assert log.sync_cursor == log.last_seq == len(mine)


@pytest.fixture
def station(server: RunningServer, tmp_path: Path) -> tuple[SyncClient, CrossingLog]:
    client = make_client(server.url, "ST-1")
    client.server_time()
    client.enroll(server.token())
    log = open_log(tmp_path / "crossings.sqlite", "ST-1")
    yield client, log
    log.close()
    client.close()


def on_batches(action: Callable[[int], str]) -> Callable[[str, str], str]:
    """A proxy plan: ``action(n)`` for the n-th batch upload (from 1), every other request passes."""
    n = [0]

    def plan(method: str, path: str) -> str:
        if path != protocol.BATCH_PATH:
            return "pass"
        n[0] += 1
        return action(n[0])

    return plan


def batch_faults(server: RunningServer, fault: Fault, times: int) -> Callable[[], int]:
    left = [times]

    def before(method: str, path: str) -> Fault | None:
        if path == protocol.BATCH_PATH and left[0] > 0:
            left[0] -= 1
            return fault
        return None

    server.hooks.before = before
    return lambda: left[0]


def test_clean_sync_then_new_crossings(server: RunningServer, station: tuple[SyncClient, CrossingLog]):
    client, log = station
    fill_log(log, 120)
    statuses: list[SyncStatus] = []
    assert sync_until_done(worker(client, log, statuses), statuses) == 0
    fill_log(log, 7)
    assert sync_until_done(worker(client, log, statuses), statuses) == 0
    assert_exactly_once(server, log)
    assert statuses[-1].acknowledged == 127


def test_server_errors_500(server: RunningServer, station: tuple[SyncClient, CrossingLog]):
    client, log = station
    fill_log(log, 200)
    left = batch_faults(server, Fault(500, {}, {"error": "internal"}), 3)
    statuses: list[SyncStatus] = []
    assert sync_until_done(worker(client, log, statuses), statuses) == 3
    assert left() == 0
    assert [s.state for s in statuses if s.state is SyncState.OFFLINE] == [SyncState.OFFLINE] * 3
    assert_exactly_once(server, log)


def test_429_retry_after_is_honoured(server: RunningServer, station: tuple[SyncClient, CrossingLog]):
    client, log = station
    fill_log(log, 80)
    batch_faults(server, Fault(429, {"Retry-After": "42"}, {"error": "busy", "message": "slow down"}), 1)
    statuses: list[SyncStatus] = []
    w = worker(client, log, statuses)
    assert w.round(0) >= 42.0  # the wait the worker will take before the next round
    assert statuses[-1].state is SyncState.OFFLINE and statuses[-1].retry_in == 42.0
    assert sync_until_done(w, statuses) == 0
    assert_exactly_once(server, log)


def test_reply_lost_after_the_server_committed(server: RunningServer, station: tuple[SyncClient, CrossingLog]):
    client, log = station
    fill_log(log, 300)
    proxy = FaultProxy(server.port, on_batches(lambda n: "drop_reply" if n % 2 else "pass"))
    c = make_client(proxy.url, "ST-1", client.key, server_key=client.server_key)
    statuses: list[SyncStatus] = []
    failures = sync_until_done(worker(c, log, statuses), statuses)
    assert failures >= 3 and proxy.counts["drop_reply"] >= 3
    assert_exactly_once(server, log)
    proxy.close()


def test_timeouts(server: RunningServer, station: tuple[SyncClient, CrossingLog]):
    client, log = station
    fill_log(log, 100)
    proxy = FaultProxy(server.port, on_batches(lambda n: "hang" if n in (1, 2) else "pass"))
    c = make_client(proxy.url, "ST-1", client.key, server_key=client.server_key, timeout=0.3)
    statuses: list[SyncStatus] = []
    assert sync_until_done(worker(c, log, statuses), statuses) >= 2  # more if a loaded machine is slow too
    assert proxy.counts["hang"] == 2
    assert "no answer within 0.3 s" in next(s for s in statuses if s.state is SyncState.OFFLINE).message
    assert_exactly_once(server, log)
    proxy.close()


def test_server_down_for_a_while_then_restarted(server: RunningServer, station: tuple[SyncClient, CrossingLog]):
    client, log = station
    fill_log(log, 60)
    statuses: list[SyncStatus] = []
    w = worker(client, log, statuses)
    assert sync_until_done(w, statuses) == 0
    server.stop()
    fill_log(log, 90)  # the link is down; the checkpoint keeps working
    for attempt in range(1, 4):
        w.round(attempt)
        assert statuses[-1].state is SyncState.OFFLINE and statuses[-1].pending == 90
    server.start()
    assert sync_until_done(w, statuses) == 0
    assert_exactly_once(server, log)


@pytest.mark.slow
def test_mixed_faults_over_ten_thousand_crossings_made_offline(server: RunningServer, tmp_path: Path,
                                                               station: tuple[SyncClient, CrossingLog]):
    client, log = station
    server.stop()
    fill_log(log, 10_000)
    server.start()
    rng = random.Random(20210724)
    restarts = [0]
    scripted = ["drop_reply", "refuse", "hang", "pass", "drop_reply", "refuse", "drop_reply"]  # each at least once

    def random_fault(n: int) -> str:
        if n <= len(scripted):
            return scripted[n - 1]
        r = rng.random()
        return "drop_reply" if r < 0.15 else "refuse" if r < 0.25 else "pass"

    plan = on_batches(random_fault)

    def server_errors(method: str, path: str) -> Fault | None:
        r = rng.random()
        if path == protocol.BATCH_PATH and r < 0.05:
            return Fault(500, {}, {"error": "internal"})
        if path == protocol.BATCH_PATH and r < 0.10:
            return Fault(429, {"Retry-After": "0"}, {"error": "busy"})
        return None

    server.hooks.before = server_errors
    proxy = FaultProxy(server.port, plan)
    c = make_client(proxy.url, "ST-1", client.key, server_key=client.server_key, timeout=0.5)
    statuses: list[SyncStatus] = []
    w = worker(c, log, statuses, batch_size=250)
    for attempt in range(400):
        w.round(attempt)
        if statuses[-1].state is SyncState.SYNCED and statuses[-1].pending == 0:
            break
        if attempt == 4 and not restarts[0]:
            restarts[0] += 1
            server.stop()
            server.start()
            server.hooks.before = server_errors
    assert statuses[-1].state is SyncState.SYNCED
    assert restarts[0] == 1 and proxy.counts["drop_reply"] >= 3 and proxy.counts["refuse"] >= 2
    assert proxy.counts["hang"] == 1
    assert_exactly_once(server, log)
    proxy.close()


def test_a_locked_server_database_is_503_with_retry_after(server: RunningServer,
                                                          station: tuple[SyncClient, CrossingLog]):
    import sqlite3

    client, log = station
    fill_log(log, 20)
    blocker = sqlite3.connect(server.data_dir / "server.sqlite", timeout=0)
    server.storage._db.execute("PRAGMA busy_timeout=50")
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the database
    statuses: list[SyncStatus] = []
    w = worker(client, log, statuses)
    assert w.round(0) >= 30.0
    assert statuses[-1].state is SyncState.OFFLINE and "503" in statuses[-1].message
    blocker.rollback()
    blocker.close()
    assert sync_until_done(w, statuses) == 0
    assert_exactly_once(server, log)
