"""The background worker in its own thread: it syncs, sleeps, wakes on a new crossing, stops promptly."""

from __future__ import annotations

import queue
import random
from pathlib import Path

import pytest

from checkpoint.clock import SystemClock
from checkpoint.config import parse_config
from checkpoint.errors import ConfigError
from sync.backoff import Backoff
from sync.settings import SyncSettings, sync_settings
from sync.worker import SyncState, SyncStatus, SyncWorker
from tests.sync.conftest import RunningServer, make_client
from tests.sync.helpers import fill_log, open_log


def next_synced(q: queue.Queue[SyncStatus], acknowledged: int) -> SyncStatus:
    while True:
        s = q.get(timeout=20)
        if s.state is SyncState.SYNCED and s.acknowledged == acknowledged:
            return s


def test_worker_thread_syncs_wakes_and_stops(server: RunningServer, tmp_path: Path):
    client = make_client(server.url, "ST-W")
    client.server_time()
    client.enroll(server.token())
    log = open_log(tmp_path / "log.sqlite", "ST-W")
    fill_log(log, 30)
    q: queue.Queue[SyncStatus] = queue.Queue()
    w = SyncWorker(client, log, None, batch_size=10, interval=3600, backoff=Backoff(0.001, 0.01),
                   clock=SystemClock(), on_status=q.put, rand=random.Random(3).random)
    w.start()
    try:
        assert next_synced(q, 30).pending == 0
        fill_log(log, 5)
        w.wake()  # without it the worker would sleep for the hour
        assert next_synced(q, 35).last_success is not None
    finally:
        w.stop(timeout=10)
    assert w._thread is not None and not w._thread.is_alive()
    assert server.storage.count("ST-W") == 35
    log.close()


def test_worker_reports_offline_with_the_retry_delay(tmp_path: Path):
    log = open_log(tmp_path / "log.sqlite", "ST-O")
    fill_log(log, 3)
    statuses: list[SyncStatus] = []
    client = make_client("http://127.0.0.1:9", "ST-O", timeout=2)  # the discard port: nothing listens
    w = SyncWorker(client, log, None, batch_size=10, interval=60, backoff=Backoff(1.0, 300.0),
                   clock=SystemClock(), on_status=statuses.append, rand=lambda: 0.5)
    assert w.round(3) == 4.0  # attempt 4: ceiling 8 s, half of it
    s = statuses[-1]
    assert (s.state, s.pending, s.retry_in) == (SyncState.OFFLINE, 3, 4.0)
    assert "cannot reach the server" in s.message
    log.close()


def test_sync_settings_defaults_and_errors(tmp_path: Path):
    assert sync_settings(parse_config({})) == SyncSettings()
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    s = sync_settings(parse_config({"sync": {"server_url": "https://s.example.vn", "batch_size": 1000,
                                             "ca_bundle": str(ca), "proxy": "http://p:3128"}}))
    assert (s.server_url, s.batch_size, s.ca_bundle, s.proxy) == ("https://s.example.vn", 1000, ca, "http://p:3128")
    with pytest.raises(ConfigError, match=r"sync\.batch_size"):
        sync_settings(parse_config({"sync": {"batch_size": 0}}, "station.toml"))
    with pytest.raises(ConfigError, match=r"station.toml: \[sync\.server_url\]"):
        sync_settings(parse_config({"sync": {"server_url": "ftp://x"}}, "station.toml"))
    with pytest.raises(ConfigError, match=r"sync\.verify"):
        sync_settings(parse_config({"sync": {"verify": False}}))
    with pytest.raises(ConfigError, match="does not exist"):
        sync_settings(parse_config({"sync": {"ca_bundle": str(tmp_path / "missing.pem")}}))


def test_the_example_config_sync_table_reads():
    from checkpoint.config import load_config

    example = Path(__file__).resolve().parents[2] / "config" / "station.example.toml"
    assert sync_settings(load_config(example)) == SyncSettings()


def test_an_unexpected_error_is_reported_and_the_worker_keeps_going(server: RunningServer):
    from tests.sync.helpers import ListOutbox, make_crossings

    class Flaky(ListOutbox):
        fail = True

        def crossings(self, **kw):
            if self.fail:
                self.fail = False
                raise RuntimeError("a bug")
            return super().crossings(**kw)

    client = make_client(server.url, "ST-F")
    client.server_time()
    client.enroll(server.token())
    statuses: list[SyncStatus] = []
    outbox = Flaky(make_crossings("ST-F", 5))
    w = SyncWorker(client, outbox, None, batch_size=10, interval=60, backoff=Backoff(0.001, 0.01),
                   clock=SystemClock(), on_status=statuses.append, rand=lambda: 0.5)
    w.round(0)
    assert statuses[-1].state is SyncState.ERROR and "RuntimeError" in statuses[-1].message
    w.round(1)
    assert statuses[-1].state is SyncState.SYNCED and statuses[-1].acknowledged == 5
