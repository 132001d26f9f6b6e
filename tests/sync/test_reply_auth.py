"""Sync replies are believed only when signed by the server key pinned at enrolment; plain http only to this
machine or in a declared lab; crossing ids are per station on the server (issue 12 item 5)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint.cli import main
from checkpoint.log import CrossingLog
from sync import protocol
from sync.client import ClientSettings
from sync.errors import Refused, Unauthenticated
from sync.outbox import upload_backlog
from sync.settings import ENROLMENT_FILE
from tests.sync.conftest import RunningServer, make_client
from tests.sync.helpers import FakeServer, ListOutbox, fill_log, make_crossings, open_log
from tests.sync.test_cli import Setup, enroll, token
from tests.sync.test_cli import setup as setup


@pytest.fixture
def log(tmp_path: Path) -> Iterator[CrossingLog]:
    lg = open_log(tmp_path / "log.sqlite", "ST-1")
    fill_log(lg, 30)
    yield lg
    lg.close()


@pytest.mark.parametrize("signer", ["unsigned", "another key"])
def test_an_acknowledgement_not_signed_by_the_pinned_key_moves_nothing(log: CrossingLog, signer: str):
    pinned = Ed25519PrivateKey.generate()  # the real server's key, pinned at enrolment
    fake = FakeServer(sign_with=None if signer == "unsigned" else Ed25519PrivateKey.generate())
    client = make_client(fake.url, "ST-1", server_key=pinned.public_key())
    try:
        with pytest.raises(Unauthenticated, match="not signed by the server key pinned at enrolment"):
            upload_backlog(client, log, 10)
    finally:
        client.close()
        fake.close()
    assert log.sync_cursor == 0  # nothing marked synced: retention will not erase anything
    assert log.erase_expired_personal_data(log._clock.now() + log.retention * 10) == 0


def test_a_signed_acknowledgement_with_another_hash_moves_nothing(log: CrossingLog):
    key = Ed25519PrivateKey.generate()  # even the right key (a confused or compromised server) must name our hash
    fake = FakeServer(sign_with=key, lie_hash="ab" * 32)
    client = make_client(fake.url, "ST-1", server_key=key.public_key())
    try:
        with pytest.raises(Exception, match="another hash"):
            upload_backlog(client, log, 10)
    finally:
        client.close()
        fake.close()
    assert fake.acknowledged and log.sync_cursor == 0


def test_the_real_server_signs_and_a_copied_signature_does_not_fit_another_request(server: RunningServer):
    import requests

    r = requests.get(server.url + protocol.TIME_PATH, headers={protocol.NONCE_HEADER: "1" * 32}, timeout=10)
    sig = r.headers[protocol.SERVER_SIGNATURE_HEADER]
    assert protocol.reply_signature_ok(server.public_key, "GET", protocol.TIME_PATH, 200, "1" * 32, r.content, sig)
    # replayed as the answer to a request with another nonce, the same reply is refused
    assert not protocol.reply_signature_ok(server.public_key, "GET", protocol.TIME_PATH, 200, "2" * 32, r.content,
                                           sig)


def test_an_acknowledgement_names_the_station_the_sequence_and_its_hash(server: RunningServer):
    other = make_client(server.url, "ST-OTHER", server_key=server.public_key)
    other.server_time()
    other.enroll(server.token())
    rows = [c.to_wire() for c in make_crossings(other.station_id, 2)]
    ack = other.upload(rows)
    assert ack.station_id == "ST-OTHER" and ack.acknowledged_seq == 2 and ack.acknowledged_hash == rows[-1]["hash"]
    other.close()


@pytest.mark.parametrize("url", ["http://sync.example.vn", "http://10.0.0.5:8080", "http://[2001:db8::1]/"])
def test_plain_http_to_another_host_is_refused_without_a_lab_flag(url: str):
    with pytest.raises(ValueError, match="plain http is allowed only for a server on this machine"):
        ClientSettings(url)
    assert not ClientSettings(url, allow_insecure_http=True).tls_or_local  # a lab: allowed, time not trusted


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://127.3.4.5", "http://[::1]:9", "http://localhost:1",
                                 "https://sync.example.vn"])
def test_loopback_http_and_any_https_are_allowed(url: str):
    assert ClientSettings(url).tls_or_local


def test_enroll_refuses_plain_http_to_a_remote_host(setup: Setup, capsys: pytest.CaptureFixture[str]):
    assert main(["enroll", *setup.args(), "--server", "http://sync.example.vn", "--token", "cpt_x"]) != 0
    assert "plain http" in capsys.readouterr().err
    assert not (setup.data / ENROLMENT_FILE).exists()


def test_enroll_pins_the_server_key_and_shows_its_fingerprint(server: RunningServer, setup: Setup,
                                                              capsys: pytest.CaptureFixture[str]):
    assert main(["server", "fingerprint", "--data-dir", str(server.data_dir)]) == 0
    fp = capsys.readouterr().out.strip()
    assert fp == protocol.fingerprint(server.public_key)
    wrong = protocol.fingerprint(Ed25519PrivateKey.generate().public_key())
    assert main(["enroll", *setup.args(), "--server", server.url, "--token", token(server, capsys),
                 "--server-fingerprint", wrong]) != 0
    assert "not the expected" in capsys.readouterr().err and not (setup.data / ENROLMENT_FILE).exists()
    assert main(["enroll", *setup.args(), "--server", server.url, "--token", token(server, capsys),
                 "--server-fingerprint", fp.replace(" ", ":").upper(), "--allow-insecure-http"]) == 0
    assert fp in capsys.readouterr().out
    record = json.loads((setup.data / ENROLMENT_FILE).read_text())
    assert record["server_key"] == protocol.public_key_text(server.public_key)
    assert record["allow_insecure_http"] is True  # the lab flag is recorded with the enrolment
    assert (setup.data / ENROLMENT_FILE).stat().st_mode & 0o077 == 0


def test_a_station_enrolled_before_signed_replies_must_enrol_again(server: RunningServer, setup: Setup,
                                                                   capsys: pytest.CaptureFixture[str]):
    enroll(server, setup, capsys)
    setup.record(5)
    assert main(["sync", *setup.args()]) == 0
    path = setup.data / ENROLMENT_FILE
    old = json.loads(path.read_text())
    path.write_text(json.dumps({k: old[k] for k in ("server_url", "station_id", "enrolled_at")}))  # an old record
    capsys.readouterr()
    assert main(["sync", *setup.args()]) != 0
    assert "enrolled before server replies were signed" in capsys.readouterr().err
    enroll(server, setup, capsys)  # a new token, the same station key: allowed, nothing lost
    setup.record(3)
    assert main(["sync", *setup.args()]) == 0
    assert "all 8 crossings" in capsys.readouterr().out


def test_another_station_cannot_take_this_stations_crossing_ids(server: RunningServer):
    a = make_client(server.url, "ST-VICTIM", server_key=server.public_key)
    b = make_client(server.url, "ST-THIEF", server_key=server.public_key)
    for c in (a, b):
        c.server_time()
        c.enroll(server.token())
    victim = ListOutbox(make_crossings("ST-VICTIM", 20))
    upload_backlog(a, victim, 5)
    victim.add(10)  # recorded offline: not on the server yet
    stolen = make_crossings("ST-THIEF", 10)
    import dataclasses

    from checkpoint.log import _chain as chain
    from checkpoint.log._rows import chain_fields

    prev, forged = "0" * 64, []
    for mine, theirs in zip(stolen, victim.rows[20:], strict=True):  # the thief reuses the victim's unsynced ids
        c = dataclasses.replace(mine, id=theirs.id, prev_hash=prev)
        c = dataclasses.replace(c, hash=chain.crossing_hash(chain_fields(c)))
        forged.append(c)
        prev = c.hash
    assert b.upload([c.to_wire() for c in forged]).acknowledged_seq == 10  # the thief's own log: its business
    progress = upload_backlog(a, victim, 5)
    assert progress.acknowledged == 30 and victim.sync_cursor == 30  # the victim is not blocked
    assert server.storage.alerts("ST-VICTIM") == []  # nor incriminated
    a.close()
    b.close()


def test_an_alert_needs_a_signed_request_and_a_known_kind(server: RunningServer, client: object):
    from sync.client import SyncClient

    assert isinstance(client, SyncClient)
    client.alert("log_replaced", "the log ends at 3 but the anchor says 9")
    assert [a["kind"] for a in server.storage.alerts(client.station_id)] == ["log_replaced"]
    with pytest.raises(Refused):
        client.alert("anything", "no")


def test_list_replies_must_be_signed_too(log: CrossingLog):
    fake = FakeServer(sign_with=Ed25519PrivateKey.generate())
    client = make_client(fake.url, "ST-1", server_key=Ed25519PrivateKey.generate().public_key())
    try:
        with pytest.raises(Unauthenticated):
            client.fetch_list("trust-list", None)
        with pytest.raises(Unauthenticated):
            client.server_time()
    finally:
        client.close()
        fake.close()
