"""Trust and revocation list updates from the server, verified by the station before they replace anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkpoint.atomic import write_atomic
from checkpoint.clock import SystemClock
from checkpoint.config import parse_config
from checkpoint.errors import ListRollbackError, ListSignatureError
from checkpoint.station import Station
from checkpoint.trust import keys
from checkpoint.trust._trustlist import KeyEntry
from sync.client import SyncClient
from sync.server.lists import FILES, PublishedLists
from sync.updates import observe_server_time, pull_lists
from tests import factories
from tests.sync.conftest import RunningServer, make_client

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
PASS_ID = bytes(range(16))


@pytest.fixture
def root() -> keys.PrivateKey:
    return factories.ed25519()


@pytest.fixture
def station(tmp_path: Path, root: keys.PrivateKey) -> Station:
    pem = tmp_path / "root.pem"
    pem.write_bytes(keys.public_pem(root.public_key()))
    config = parse_config({"trust": {"root_keys": [str(pem)]}})
    return Station(config, SystemClock(), data_dir=tmp_path / "station")


def trust(root: keys.PrivateKey, version: int) -> bytes:
    entry = KeyEntry(factories.ed25519().public_key(), "VN-LCI")
    return factories.trust_list(root, entry, version=version, issued=NOW + timedelta(minutes=version))


def revocations(root: keys.PrivateKey, version: int, ids: list[bytes]) -> bytes:
    return factories.revocation_list(root, ids, version=version, issued=NOW + timedelta(minutes=version))


def publish(server: RunningServer, root: keys.PrivateKey, kind: str, data: bytes) -> None:
    PublishedLists(server.data_dir).publish(kind, data, [root.public_key()], datetime.now(UTC))


@pytest.fixture
def plain(server: RunningServer) -> SyncClient:
    return make_client(server.url, server_key=server.public_key)


def test_new_lists_are_installed_and_unchanged_ones_not_downloaded(server: RunningServer, plain: SyncClient,
                                                                    station: Station, root: keys.PrivateKey):
    publish(server, root, "trust-list", trust(root, 1))
    publish(server, root, "revocation-list", revocations(root, 1, [PASS_ID]))
    updates = pull_lists(plain, station)
    assert [(u.kind, u.installed_version, u.warning) for u in updates] == [
        ("trust-list", 1, None), ("revocation-list", 1, None)]
    assert station.trust_list is not None and station.trust_list.version == 1
    assert station.revocations is not None and PASS_ID in station.revocations.ids
    assert (station.trust_dir / "trust-list.cose").read_bytes() == trust_bytes(server)
    assert pull_lists(plain, station) == []  # 304: nothing downloaded, nothing installed
    publish(server, root, "trust-list", trust(root, 2))
    assert [u.installed_version for u in pull_lists(plain, station)] == [2]


def test_a_list_signed_by_the_wrong_key_is_refused_and_the_old_one_stays(
        server: RunningServer, plain: SyncClient, station: Station, root: keys.PrivateKey):
    publish(server, root, "trust-list", trust(root, 1))
    pull_lists(plain, station)
    forged = trust(factories.ed25519(), 5)
    with pytest.raises(ListSignatureError):
        publish(server, root, "trust-list", forged)  # the server's publish check refuses it too
    write_atomic(server.data_dir / FILES["trust-list"], forged)  # an attacker who owns the server's disk
    updates = pull_lists(plain, station)
    assert updates[0].installed_version is None and "not a pinned root key" in (updates[0].warning or "")
    assert station.trust_list is not None and station.trust_list.version == 1
    assert any("refused" in p.message for p in station.problems)


def test_a_rolled_back_list_is_refused(server: RunningServer, plain: SyncClient, station: Station,
                                       root: keys.PrivateKey):
    old, new = revocations(root, 1, [PASS_ID]), revocations(root, 2, [PASS_ID, bytes(16)])
    publish(server, root, "revocation-list", old)
    publish(server, root, "revocation-list", new)
    with pytest.raises(ListRollbackError):
        publish(server, root, "revocation-list", old)
    pull_lists(plain, station)
    write_atomic(server.data_dir / FILES["revocation-list"], old)
    updates = pull_lists(plain, station)
    assert updates[0].installed_version is None and "not newer" in (updates[0].warning or "")
    assert station.revocations is not None and station.revocations.version == 2


def test_server_time_feeds_the_clock_guard(server: RunningServer, plain: SyncClient, station: Station):
    observe_server_time(plain, station)
    assert station.guard.source == "server"
    assert station.guard.high_water is not None
    assert abs((station.guard.high_water - datetime.now(UTC)).total_seconds()) < 60


def test_server_time_over_plain_http_to_a_remote_host_is_not_trusted(station: Station):
    from sync.client import ClientSettings

    assert not ClientSettings("http://checkpoint.example.vn", allow_insecure_http=True).tls_or_local
    assert ClientSettings("https://checkpoint.example.vn").tls_or_local
    assert ClientSettings("http://127.0.0.1:8080").tls_or_local


def trust_bytes(server: RunningServer) -> bytes:
    return (server.data_dir / FILES["trust-list"]).read_bytes()


def test_list_download_uses_etag_and_304(server: RunningServer, root: keys.PrivateKey):
    import requests

    from sync import protocol
    from sync.protocol import etag_of

    data = trust(root, 1)
    publish(server, root, "trust-list", data)
    url = server.url + protocol.LIST_PATHS["trust-list"]
    r = requests.get(url, timeout=10)
    assert r.status_code == 200 and r.content == data and r.headers["ETag"] == etag_of(data)
    assert r.headers["Content-Type"] == "application/cose"
    again = requests.get(url, headers={"If-None-Match": etag_of(data)}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    stale = requests.get(url, headers={"If-None-Match": etag_of(b"older")}, timeout=10)
    assert stale.status_code == 200


def test_an_expired_list_is_refused(server: RunningServer, plain: SyncClient, station: Station,
                                    root: keys.PrivateKey):
    publish(server, root, "trust-list", trust(root, 1))
    pull_lists(plain, station)
    expired = factories.trust_list(root, KeyEntry(factories.ed25519().public_key(), "VN-LCI"), version=2,
                                   issued=NOW - timedelta(days=40), valid_for=timedelta(days=30))
    write_atomic(server.data_dir / FILES["trust-list"], expired)
    updates = pull_lists(plain, station)
    assert updates[0].installed_version is None and "expired" in (updates[0].warning or "")
    assert station.trust_list is not None and station.trust_list.version == 1
