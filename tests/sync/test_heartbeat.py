"""Heartbeats (issue 13 item 3): sent in every round over real HTTP, validated strictly, kept one per station,
shown by 'checkpoint server stations' with its alerts; a failed heartbeat never fails the upload."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint.cli import main
from checkpoint.clock import SystemClock
from sync import protocol
from sync.backoff import Backoff
from sync.client import ClientSettings, SyncClient
from sync.errors import Refused
from sync.heartbeat import AppSignals
from sync.server.app import Fault
from sync.server.health import Thresholds, assess
from sync.server.storage import SQLiteStorage
from sync.worker import SyncState, SyncStatus, SyncWorker, sync_once
from tests.sync.conftest import RunningServer
from tests.sync.helpers import ListOutbox, make_crossings


def now() -> datetime:
    return datetime.now(UTC)


SCANNED = datetime(2026, 11, 30, 8, 15, 0, tzinfo=UTC)


def state(**changes: Any) -> dict[str, Any]:
    good: dict[str, Any] = {
        "software_version": "0.1.0",
        "lists": [{"kind": "trust-list", "version": 3, "issued_at": "2026-11-30T00:00:00Z",
                   "expires_at": "2026-12-30T00:00:00Z"}],
        "clock_offset_seconds": 1.5, "queue": 4, "disk_free_bytes": 2 * 2**30, "camera": "running",
        "last_scan_at": "2026-11-30T08:15:00Z",
    }
    return {**good, **changes}


def test_each_round_sends_a_heartbeat_the_server_keeps(server: RunningServer, client: SyncClient):
    outbox = ListOutbox(make_crossings(client.station_id, 7))
    result = sync_once(client, outbox, None, 5, signals=lambda: AppSignals("running", SCANNED))
    assert result.complete and result.heartbeat_problem is None
    beat = server.storage.heartbeats()[client.station_id]
    assert beat.body["camera"] == "running" and beat.body["last_scan_at"] == "2026-11-30T08:15:00Z"
    assert beat.body["queue"] == 0 and beat.body["lists"] == [] and beat.body["disk_free_bytes"] is None
    assert abs(beat.body["clock_offset_seconds"]) < 5  # the server and this test share a clock
    assert abs(datetime.fromisoformat(beat.received_at.replace("Z", "+00:00")) - now()) < timedelta(minutes=1)
    outbox.add(3)
    sync_once(client, outbox, None, 5)  # headless: camera and last scan unknown; the latest replaces the first
    latest = server.storage.heartbeats()[client.station_id].body
    assert latest["camera"] == "unknown" and latest["last_scan_at"] is None


def test_a_failed_heartbeat_never_fails_the_upload(server: RunningServer, client: SyncClient):
    def fail_heartbeats(method: str, path: str) -> Fault | None:
        if path == protocol.HEARTBEAT_PATH:
            return Fault(500, {}, {"error": "busy", "message": "down"})
        return None

    server.hooks.before = fail_heartbeats
    try:
        outbox = ListOutbox(make_crossings(client.station_id, 12))
        statuses: list[SyncStatus] = []
        w = SyncWorker(client, outbox, None, batch_size=5, interval=60, backoff=Backoff(base=0.001, cap=0.01),
                       clock=SystemClock(), on_status=statuses.append, rand=random.Random(1).random,
                       signals=lambda: AppSignals("failed", None))
        w.round(0)
    finally:
        server.hooks.before = None
    assert statuses[-1].state is SyncState.SYNCED and statuses[-1].pending == 0
    assert outbox.sync_cursor == 12 and server.storage.count(client.station_id) == 12
    assert client.station_id not in server.storage.heartbeats()
    result = sync_once(client, outbox, None, 5, signals=lambda: (_ for _ in ()).throw(RuntimeError("a bug")))
    assert result.complete and result.heartbeat_problem == "heartbeat failed (RuntimeError)"


def post(server: RunningServer, client: SyncClient, body: bytes) -> requests.Response:
    headers = {protocol.STATION_HEADER: client.station_id, "Content-Type": "application/json",
               protocol.SIGNATURE_HEADER: protocol.sign(client.key, "POST", protocol.HEARTBEAT_PATH, body)}
    return requests.post(server.url + protocol.HEARTBEAT_PATH, data=body, headers=headers, timeout=10)


def heartbeat_body(client: SyncClient, fields: dict[str, Any]) -> bytes:
    return protocol.dumps(protocol.envelope("heartbeat", client.station_id, now(), **fields))


BAD = {
    "unknown field": state(extra="x"),
    "missing field": {k: v for k, v in state().items() if k != "queue"},
    "long version": state(software_version="v" * 65),
    "control characters": state(software_version="1.0\x1b[2J"),
    "a boolean queue": state(queue=True),
    "a negative queue": state(queue=-1),
    "a string offset": state(clock_offset_seconds="5"),
    "an offset past ten years": state(clock_offset_seconds=4e8),
    "an unknown camera state": state(camera="on fire"),
    "a bad time": state(last_scan_at="yesterday"),
    "three lists": state(lists=[state()["lists"][0]] * 3),
    "a list twice": state(lists=[state()["lists"][0]] * 2),
    "a list with more fields": state(lists=[{**state()["lists"][0], "note": "x"}]),
    "an unknown list": state(lists=[{**state()["lists"][0], "kind": "allow-list"}]),
    "lists as an object": state(lists={"trust-list": 3}),
}


def test_the_server_validates_heartbeats_strictly(server: RunningServer, client: SyncClient):
    for what, fields in BAD.items():
        r = post(server, client, heartbeat_body(client, fields))
        assert r.status_code == 400, what
        assert r.json()["error"] == "bad_request" and "heartbeat" in r.json()["message"], what
    assert client.station_id not in server.storage.heartbeats()
    big = heartbeat_body(client, state(software_version="1", pad="x" * 20_000))
    assert post(server, client, big).status_code == 413  # a heartbeat is small: capped before it is read
    assert post(server, client, heartbeat_body(client, state())).status_code == 200
    assert server.storage.heartbeats()[client.station_id].body == state()


def test_a_heartbeat_must_be_signed_by_the_station(server: RunningServer, client: SyncClient):
    impostor = SyncClient(ClientSettings(server.url), client.station_id, Ed25519PrivateKey.generate(),
                          SystemClock(), server.public_key)
    with pytest.raises(Refused, match="bad_signature"):
        impostor.heartbeat(state())
    assert client.station_id not in server.storage.heartbeats()


# -- what a supervisor sees ----------------------------------------------------------------------------


T = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_assess_flags_silence_stale_lists_clock_and_camera():
    limits = Thresholds()
    fresh = {**state(), "lists": [
        {"kind": "trust-list", "version": 3, "issued_at": "2026-11-30T00:00:00Z", "expires_at": "2026-12-30T00:00:00Z"},
        {"kind": "revocation-list", "version": 9, "issued_at": "2026-11-30T06:00:00Z",
         "expires_at": "2026-12-07T00:00:00Z"}]}
    assert assess("2026-11-30T11:59:00Z", fresh, T, limits) == []
    kinds = [f.kind for f in assess("2026-11-30T10:00:00Z", fresh, T, limits)]
    assert kinds == ["silent"]
    old = {**fresh, "lists": [{**fresh["lists"][0], "issued_at": "2026-11-25T00:00:00Z"},
                              {**fresh["lists"][1], "expires_at": "2026-11-30T11:00:00Z"}]}
    texts = [f.text for f in assess("2026-11-30T11:59:00Z", old, T, limits)]
    assert texts == ["trust-list version 3 is 5 d 12 h old (threshold 2 d 0 h)",
                     "revocation-list version 9 expired at 2026-11-30T11:00:00Z"]
    skewed = {**fresh, "clock_offset_seconds": 423.0, "camera": "failed"}
    texts = [f.text for f in assess("2026-11-30T11:59:00Z", skewed, T, limits)]
    assert texts == ["the station's clock is 7 min 3 s behind the server's (threshold 2 min)", "the camera has failed"]
    assert [f.kind for f in assess(None, None, T, limits)] == ["silent"]


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "srv"
    s = SQLiteStorage(folder / "server.sqlite")
    t = now()
    lists = [{"kind": "trust-list", "version": 3, "issued_at": protocol.iso(t - timedelta(hours=1)),
              "expires_at": protocol.iso(t + timedelta(days=30))},
             {"kind": "revocation-list", "version": 8, "issued_at": protocol.iso(t - timedelta(hours=2)),
              "expires_at": protocol.iso(t + timedelta(days=6))}]
    for sid, at, changes in (
        ("HN-OK", t, {}),
        ("HN-SILENT", t - timedelta(hours=3), {}),
        ("HN-STALE", t, {"lists": [{**lists[0], "issued_at": protocol.iso(t - timedelta(days=4))}, lists[1]]}),
        ("HN-CLOCK", t, {"clock_offset_seconds": -3600.0}),
    ):
        s.enroll(s.create_token(t, timedelta(hours=1)), sid, f"key-{sid}", t)
        s.record_heartbeat(sid, state(**{"lists": lists, **changes}), at)
    s.enroll(s.create_token(t, timedelta(hours=1)), "HN-NEVER", "key-never", t)
    s.close()
    yield folder


def station_block(out: str, sid: str) -> str:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(sid))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("    ")), len(lines))
    return "\n".join(lines[start:end])


def test_server_stations_shows_heartbeats_and_their_alerts(data: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["server", "stations", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    ok = station_block(out, "HN-OK")
    assert "ALERT" not in ok and "camera running" in ok and "trust-list v3, revocation-list v8" in ok
    assert "4 waiting" in ok and "2.0 GiB free" in ok and "clock offset +1.5 s" in ok
    assert "ALERT SILENT: no heartbeat for 3 h 0 min (threshold 15 min)" in station_block(out, "HN-SILENT")
    assert "ALERT STALE LIST: trust-list version 3 is 4 d 0 h old (threshold 2 d 0 h)" in station_block(out, "HN-STALE")
    assert "ALERT CLOCK: the station's clock is 1 h 0 min ahead of the server's" in station_block(out, "HN-CLOCK")
    assert "ALERT SILENT: no heartbeat received yet" in station_block(out, "HN-NEVER")


def test_server_stations_thresholds_are_options(data: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["server", "stations", "--data-dir", str(data), "--silent-minutes", "240", "--list-age-hours",
                 "120", "--clock-seconds", "7200"]) == 0
    out = capsys.readouterr().out
    for sid in ("HN-SILENT", "HN-STALE", "HN-CLOCK"):
        assert "ALERT" not in station_block(out, sid), sid
    assert main(["server", "stations", "--data-dir", str(data), "--silent-minutes", "0"]) == 2
    assert "--silent-minutes must be at least 1" in capsys.readouterr().err


def test_the_heartbeat_is_in_the_published_protocol():
    doc = json.loads((Path(__file__).resolve().parents[2] / "docs" / "sync-openapi.json").read_text())
    op = doc["paths"][protocol.HEARTBEAT_PATH]["post"]
    assert "clock_offset_seconds" in json.dumps(op["requestBody"]) or "HeartbeatRequest" in json.dumps(op)
