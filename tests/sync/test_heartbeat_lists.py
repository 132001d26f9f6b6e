"""Every list in force in the heartbeat (lane fleet-lists): a real station reports its trust and revocation lists,
policy bundle and watch list over real HTTP on 127.0.0.1, the server keeps them (SQLite and PostgreSQL) and
flags a station whose policy bundle is older than the one it publishes, or expired; a heartbeat naming an
unknown kind or a kind twice is refused; a station of before keeps being accepted, and a station of now talking
to a server of before still gets its heartbeat recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from checkpoint.cli import main
from checkpoint.clock import SystemClock
from checkpoint.config import parse_config
from checkpoint.service import StationService
from checkpoint.trust import Instruction, WatchHashParams, WatchKind, build_watch_list, entry_key, keys
from checkpoint.trust._trustlist import KeyEntry
from sync import protocol
from sync.heartbeat import AppSignals, heartbeat_state
from sync.server import health
from sync.server.app import Fault
from sync.server.health import Thresholds, assess
from sync.server.lists import PublishedLists
from sync.worker import sync_once
from tests import factories
from tests.policy_helpers import bundle
from tests.sync.conftest import RunningServer, make_client, start_server
from tests.sync.test_heartbeat import heartbeat_body, post, state, station_block

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
CHEAP = WatchHashParams(time_cost=1, memory_kib=64)


def watch_list(root: keys.PrivateKey, version: int) -> bytes:
    salt = bytes(range(16))
    return build_watch_list([(entry_key("001085012345", salt, CHEAP), Instruction(WatchKind.CASE))],
                            version=version, issued=NOW, expires=NOW + timedelta(days=7), salt=salt, params=CHEAP,
                            root=root)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    database = None
    if request.param == "postgresql":
        database = request.getfixturevalue("pg_cluster").create_database()
    srv = start_server(tmp_path / "server", database)
    yield srv
    srv.stop()


@pytest.fixture
def root() -> keys.PrivateKey:
    return factories.ed25519()


@pytest.fixture
def service(tmp_path: Path, root: keys.PrivateKey) -> Iterator[StationService]:
    """A station with all four lists in force: trust v3, revocation v8, policy bundle v5, watch list v2."""
    pem = tmp_path / "root.pem"
    pem.write_bytes(keys.public_pem(root.public_key()))
    config = parse_config({"station": {"id": "ST-LISTS", "data_dir": str(tmp_path / "station")},
                           "trust": {"root_keys": [str(pem)]}}, str(tmp_path / "station.toml"))
    svc = StationService.open(config, SystemClock())
    st = svc.station
    st.install_trust_list(factories.trust_list(root, KeyEntry(factories.ed25519().public_key(), "VN-LCI"),
                                               version=3, issued=NOW))
    st.install_revocation_list(factories.revocation_list(root, [b"\x01" * 16], version=8, issued=NOW))
    st.install_policy_bundle(bundle(root, version=5, issued=NOW))
    st.install_watch_list(watch_list(root, 2))
    yield svc
    svc.close()


def test_a_station_reports_every_list_in_force_and_the_server_keeps_them(
        backend_server: RunningServer, service: StationService, root: keys.PrivateKey,
        capsys: pytest.CaptureFixture[str]) -> None:
    client = make_client(backend_server.url, "ST-LISTS")
    client.server_time()
    client.enroll(backend_server.token())
    try:
        result = sync_once(client, service.log, service.station, 50, signals=lambda: AppSignals("running", None))
    finally:
        client.close()
    assert result.complete and result.heartbeat_problem is None
    iso = protocol.iso
    kept = backend_server.storage.heartbeats()["ST-LISTS"].body["lists"]
    assert kept == [
        {"kind": "trust-list", "version": 3, "issued_at": iso(NOW), "expires_at": iso(NOW + timedelta(days=30))},
        {"kind": "revocation-list", "version": 8, "issued_at": iso(NOW), "expires_at": iso(NOW + timedelta(days=7))},
        {"kind": "policy-bundle", "version": 5, "issued_at": iso(NOW), "expires_at": iso(NOW + timedelta(days=7))},
        {"kind": "watch-list", "version": 2, "issued_at": iso(NOW), "expires_at": iso(NOW + timedelta(days=7))}]
    # the province publishes policy version 7 (this station still applies 5) and the same watch list
    srv = PublishedLists(backend_server.data_dir)
    srv.publish("policy-bundle", bundle(root, version=7, issued=NOW + timedelta(minutes=1)), [root.public_key()],
                datetime.now(UTC))
    srv.publish("watch-list", watch_list(root, 2), [root.public_key()], datetime.now(UTC))
    assert health.published_versions(backend_server.data_dir) == {"policy-bundle": 7, "watch-list": 2}
    args = ["server", "stations", "--data-dir", str(backend_server.data_dir)]
    assert main(args + (["--database", backend_server.database] if backend_server.database else [])) == 0
    block = station_block(capsys.readouterr().out, "ST-LISTS")
    assert "trust-list v3, revocation-list v8," in block
    assert "policy bundle v5, issued 1 h " in block and "BEHIND: the server publishes v7" in block
    assert "ALERT BEHIND: policy-bundle version 5 in force; the server publishes version 7" in block
    watch_line = next(line for line in block.splitlines() if "watch list v2" in line)
    assert "BEHIND" not in watch_line and "EXPIRED" not in watch_line


def test_nothing_in_force_is_not_reported(tmp_path: Path) -> None:
    config = parse_config({"station": {"id": "ST-EMPTY", "data_dir": str(tmp_path / "station")}},
                          str(tmp_path / "station.toml"))
    svc = StationService.open(config, SystemClock())
    try:
        client = make_client("http://127.0.0.1:9", "ST-EMPTY")
        assert heartbeat_state(client, svc.station, 0, AppSignals())["lists"] == []
    finally:
        svc.close()


LISTS = [{"kind": k, "version": 2, "issued_at": "2026-11-30T00:00:00Z", "expires_at": "2026-12-30T00:00:00Z"}
         for k in ("trust-list", "revocation-list", "policy-bundle", "watch-list")]

REFUSED: dict[str, list[Any]] = {
    "an unknown kind": [LISTS[0], {**LISTS[2], "kind": "policy-list"}],
    "a policy bundle twice": [LISTS[2], LISTS[2]],
    "a watch list twice": [LISTS[3], LISTS[0], LISTS[3]],
    "five lists": [*LISTS, LISTS[0]],
    "a policy bundle with a bad time": [{**LISTS[2], "expires_at": "next week"}],
    "a watch list with a negative version": [{**LISTS[3], "version": -1}],
    "a policy bundle with a fractional version": [{**LISTS[2], "version": 7.5}],
}


def test_the_server_accepts_the_four_kinds_once_each_and_refuses_the_rest(server: RunningServer, client: Any) -> None:
    for what, lists in REFUSED.items():
        r = post(server, client, heartbeat_body(client, state(lists=lists)))
        assert r.status_code == 400 and "heartbeat" in r.json()["message"], what
    assert client.station_id not in server.storage.heartbeats()
    assert post(server, client, heartbeat_body(client, state(lists=LISTS))).status_code == 200
    assert server.storage.heartbeats()[client.station_id].body["lists"] == LISTS
    # a station from before the policy bundle and watch list were reported: still accepted
    assert post(server, client, heartbeat_body(client, state(lists=LISTS[:2]))).status_code == 200
    assert server.storage.heartbeats()[client.station_id].body["lists"] == LISTS[:2]


def test_a_server_of_before_refusing_the_new_kinds_still_gets_the_heartbeat(
        server: RunningServer, service: StationService) -> None:
    calls: list[str] = []

    def old_server(method: str, path: str) -> Fault | None:  # what a server of before answers the four kinds
        if path == protocol.HEARTBEAT_PATH:
            calls.append(path)
            if len(calls) == 1:
                return Fault(400, {}, {"error": "bad_request", "message": "heartbeat: a list's 'kind' must be "
                                                                         "one of trust-list, revocation-list, once"})
        return None

    client = make_client(server.url, "ST-LISTS")
    client.server_time()
    client.enroll(server.token())
    server.hooks.before = old_server
    try:
        result = sync_once(client, service.log, service.station, 50)
    finally:
        server.hooks.before = None
        client.close()
    assert result.heartbeat_problem is None and len(calls) == 2
    kept = server.storage.heartbeats()["ST-LISTS"].body["lists"]
    assert [(x["kind"], x["version"]) for x in kept] == [("trust-list", 3), ("revocation-list", 8)]


T = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_assess_flags_a_policy_or_watch_list_behind_the_published_one_or_expired() -> None:
    lists = [{"kind": "trust-list", "version": 3, "issued_at": "2026-11-30T00:00:00Z",
              "expires_at": "2026-12-30T00:00:00Z"},
             {"kind": "revocation-list", "version": 9, "issued_at": "2026-11-30T06:00:00Z",
              "expires_at": "2026-12-07T00:00:00Z"},
             {"kind": "policy-bundle", "version": 5, "issued_at": "2026-11-20T00:00:00Z",  # ten days: not stale
              "expires_at": "2026-12-07T00:00:00Z"},
             {"kind": "watch-list", "version": 2, "issued_at": "2026-11-20T00:00:00Z",
              "expires_at": "2026-11-30T11:00:00Z"}]
    beat = {**state(), "lists": lists}
    at = "2026-11-30T11:59:00Z"
    assert assess(at, beat, T, Thresholds()) == assess(at, beat, T, Thresholds(), {"policy-bundle": 5}) != []
    assert [f.text for f in assess(at, beat, T, Thresholds(), {"policy-bundle": 7, "watch-list": 2})] == [
        "policy-bundle version 5 in force; the server publishes version 7",
        "watch-list version 2 expired at 2026-11-30T11:00:00Z"]
    assert [f.kind for f in assess(at, beat, T, Thresholds(), {"policy-bundle": 7})] == ["behind", "stale_list"]
    none = {**beat, "lists": lists[:2]}
    assert assess(at, none, T, Thresholds()) == []  # a province that publishes no policy: nothing to flag
    assert [f.text for f in assess(at, none, T, Thresholds(), {"watch-list": 1})] == [
        "no watch-list in force; the server publishes version 1"]
