"""End to end on 127.0.0.1: a policy bundle published on the real central server changes the verdicts of a
running, syncing station (real sync worker thread, real log, real signatures); a stale or rolled-back bundle
from the server is refused like the other lists, and the bundle in force stays."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkpoint.atomic import write_atomic
from checkpoint.clock import SystemClock
from checkpoint.config import parse_config
from checkpoint.decision import Display, Why
from checkpoint.errors import ListRollbackError
from checkpoint.model import Subject
from checkpoint.service import Outcome, Post, StationService
from checkpoint.trust import keys
from checkpoint.trust._trustlist import KeyEntry
from sync.backoff import Backoff
from sync.server.lists import FILES, PublishedLists
from sync.server.storage import ExportFilter
from sync.worker import SyncState, SyncWorker
from tests import factories
from tests.policy_helpers import bundle
from tests.sync.conftest import RunningServer, make_client

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
POST = Post("CB01", "1", "in")
STATUSES: list[object] = []
FROM_HOAN_KIEM = Subject("Nguyễn Văn An", "001085012345", "1985-03-02", "worker", None, "Phường Hoàn Kiếm", "Bắc Ninh")


def wait_for(what: str, ok: Callable[[], bool], timeout: float = 60.0) -> None:  # the bound only stops a hang
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if ok():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; sync said {STATUSES[-2:]}")


@pytest.fixture
def root() -> keys.PrivateKey:
    return factories.ed25519()


@pytest.fixture
def issuer() -> keys.PrivateKey:
    return factories.ed25519()


@pytest.fixture
def running(tmp_path: Path, server: RunningServer, root: keys.PrivateKey,
            issuer: keys.PrivateKey) -> Iterator[tuple[StationService, SyncWorker]]:
    STATUSES.clear()
    pem = tmp_path / "root.pem"
    pem.write_bytes(keys.public_pem(root.public_key()))
    config = parse_config({"station": {"id": "ST-POL", "data_dir": str(tmp_path / "station")},
                           "trust": {"root_keys": [str(pem)]}}, str(tmp_path / "station.toml"))
    service = StationService.open(config, SystemClock())
    service.station.install_trust_list(factories.trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI"),
                                                            issued=NOW))
    client = make_client(server.url, "ST-POL")
    client.server_time()
    client.enroll(server.token())
    worker = SyncWorker(client, service.log, service.station, batch_size=50, interval=3600,
                        backoff=Backoff(0.001, 0.01), clock=SystemClock(), on_status=STATUSES.append,
                        rand=random.Random(5).random)
    worker.start()
    wait_for("the first round", lambda: rounds() > 0)  # healthy from here on: wake() starts a round
    yield service, worker
    worker.stop(timeout=10)
    client.close()
    service.close()


def rounds() -> int:
    return sum(1 for s in STATUSES if getattr(s, "state", None) is SyncState.SYNCED)


def sync_now(worker: SyncWorker) -> None:
    """Wake the worker and wait until a round that started after this call has finished."""
    before = rounds()
    worker.wake()
    wait_for("a sync round", lambda: rounds() > before)  # no round runs now: each step waited for its own


def publish(server: RunningServer, root: keys.PrivateKey, data: bytes) -> None:
    PublishedLists(server.data_dir).publish("policy-bundle", data, [root.public_key()], datetime.now(UTC))


def scan(service: StationService, issuer: keys.PrivateKey) -> Outcome:
    out = service.check(factories.make_pass(issuer, subject=FROM_HOAN_KIEM, at=NOW), POST)
    assert isinstance(out, Outcome)
    return out


def test_a_bundle_published_on_the_server_changes_a_running_stations_verdicts(
        running: tuple[StationService, SyncWorker], server: RunningServer, root: keys.PrivateKey,
        issuer: keys.PrivateKey) -> None:
    service, worker = running
    assert scan(service, issuer).decision.display is Display.ACCEPT  # no policy yet
    publish(server, root, bundle(root, version=1, issued=NOW))  # Phường Hoàn Kiếm: level 4, test within 72 h
    sync_now(worker)
    assert service.station.policy.bundle is not None
    after = scan(service, issuer)
    assert after.decision.display is Display.REJECT and after.crossing is not None
    assert after.decision.grounds is not None and after.decision.grounds.why is Why.POLICY_TEST_NEEDED
    assert after.decision.detail == "from Phường Hoàn Kiếm, level 4: a negative test of at most 72 h is needed"
    c = after.crossing
    assert (c.origin_level, c.policy_rule, c.policy_version) == ("4", "L4:*:test72", 1)  # recorded, hash-chained
    sync_now(worker)
    assert server.storage.count("ST-POL") == 2
    stored = list(server.storage.crossings(ExportFilter()))
    assert [(x.get("origin_level"), x.get("policy_rule"), x.get("policy_version")) for x in stored] == [
        (None, None, None), ("4", "L4:*:test72", 1)]
    report = service.log.verify_chain()
    assert report.ok and report.checked == 2


def test_a_rolled_back_or_expired_bundle_from_the_server_is_refused_and_the_one_in_force_stays(
        running: tuple[StationService, SyncWorker], server: RunningServer, root: keys.PrivateKey,
        issuer: keys.PrivateKey) -> None:
    service, worker = running
    old, new = bundle(root, version=1, issued=NOW), bundle(root, version=2, issued=NOW + timedelta(minutes=1))
    publish(server, root, old)
    publish(server, root, new)
    with pytest.raises(ListRollbackError):
        publish(server, root, old)  # the server's own publish check
    sync_now(worker)
    assert (b := service.station.policy.bundle) is not None and b.version == 2
    write_atomic(server.data_dir / FILES["policy-bundle"], old)  # whoever owns the server's disk serves v1
    sync_now(worker)
    assert any(p.source == "sync policy bundle" and "not newer" in p.message for p in service.station.problems)
    expired = bundle(root, version=3, issued=NOW - timedelta(days=40), valid_for=timedelta(days=30))
    write_atomic(server.data_dir / FILES["policy-bundle"], expired)
    sync_now(worker)
    assert any(p.source == "sync policy bundle" and "expired" in p.message for p in service.station.problems)
    b = service.station.policy.bundle
    assert b is not None and b.version == 2
    assert scan(service, issuer).decision.display is Display.REJECT  # v2's rule still applies


def test_notice_acknowledgements_travel_in_the_heartbeat_until_the_server_has_stored_them(
        running: tuple[StationService, SyncWorker], server: RunningServer, root: keys.PrivateKey,
        capsys: pytest.CaptureFixture[str]) -> None:
    from checkpoint.policy import Notice
    from sync.heartbeat import AppSignals, heartbeat_state

    service, worker = running
    notice = Notice("n-urgent", "urgent", "Đóng chốt từ 18h", "Checkpoint closes at 18:00", NOW,
                    NOW + timedelta(days=1))
    publish(server, root, bundle(root, version=1, issued=NOW, notices=(notice,)))
    sync_now(worker)
    book = service.station.policy.notices
    assert book.pending(service.station.policy.bundle, datetime.now(UTC)) == (notice,)
    book.acknowledge(notice, 1, "CB01", datetime.now(UTC))
    assert book.pending(service.station.policy.bundle, datetime.now(UTC)) == ()
    assert [a["notice_id"] for a in book.unsent()] == ["n-urgent"]
    sync_now(worker)
    stored = server.storage.notice_acks("ST-POL")
    assert [(a["notice_id"], a["officer_id"], a["policy_version"]) for a in stored] == [("n-urgent", "CB01", 1)]
    assert book.unsent() == []  # the next heartbeat no longer carries it
    from checkpoint.cli import main

    assert main(["server", "stations", "--data-dir", str(server.data_dir)]) == 0
    assert "notice n-urgent (policy v1) acknowledged" in capsys.readouterr().out
    assert "notice_acks" not in heartbeat_state(worker.client, service.station, 0, AppSignals())


def test_the_server_refuses_a_malformed_acknowledgement() -> None:
    from sync.protocol import ProtocolError
    from sync.server import health

    good = {"notice_id": "n-1", "policy_version": 2, "officer_id": None, "acknowledged_at": "2026-11-30T08:00:00Z"}
    assert health.notice_acks({"notice_acks": [good]})[0]["notice_id"] == "n-1"
    assert health.notice_acks({}) == []
    for bad in ({**good, "notice_id": ""}, {**good, "policy_version": -1}, {**good, "acknowledged_at": "soon"},
                {**good, "extra": 1}, {**good, "officer_id": "x" * 65}):
        with pytest.raises(ProtocolError):
            health.notice_acks({"notice_acks": [bad]})
    with pytest.raises(ProtocolError):
        health.notice_acks({"notice_acks": [good] * 101})
