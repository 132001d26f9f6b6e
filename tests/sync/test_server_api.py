"""The central server over real HTTP on 127.0.0.1: enrolment, uploads, their rules, and the attacks."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import protocol
from sync.client import SyncClient
from sync.errors import Refused, TamperDetected
from sync.outbox import upload_backlog
from sync.server.app import create_app
from sync.server.storage import ExportFilter
from tests.sync.conftest import RunningServer, make_client, start_server
from tests.sync.helpers import ListOutbox, make_crossings


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One server per backend for this module's tests (each uses its own station id): the API behaves the same
    on the SQLite file and on PostgreSQL."""
    database = request.getfixturevalue("pg_cluster").create_database() if request.param == "postgresql" else None
    srv = start_server(tmp_path_factory.mktemp("server"), database)
    yield srv
    srv.stop()


OPENAPI_SNAPSHOT = Path(__file__).resolve().parents[2] / "docs" / "sync-openapi.json"


def post(server: RunningServer, path: str, body: bytes, *, station: str | None = None,
         key: Ed25519PrivateKey | None = None, signature: str | None = None) -> requests.Response:
    if station is None:
        station = json.loads(body)["station_id"] if body.startswith(b"{\"") else "ST-1"
    headers = {protocol.STATION_HEADER: station, "Content-Type": "application/json"}
    if signature is None and key is not None:
        signature = protocol.sign(key, "POST", path, body)
    if signature is not None:
        headers[protocol.SIGNATURE_HEADER] = signature
    return requests.post(server.url + path, data=body, headers=headers, timeout=10)


def now() -> datetime:
    return datetime.now(UTC)


def batch(station: str, crossings: list, at: datetime | None = None) -> bytes:
    return protocol.batch_body(station, at or now(), [c.to_wire() for c in crossings])


def own(client: SyncClient, n: int) -> bytes:
    return batch(client.station_id, make_crossings(client.station_id, n))


# -- OpenAPI -------------------------------------------------------------------------------------------


def test_openapi_is_published_and_matches_the_checked_in_document(server: RunningServer):
    doc = requests.get(server.url + "/openapi.json", timeout=10).json()
    for path in (protocol.ENROLL_PATH, protocol.CURSOR_PATH, protocol.BATCH_PATH, protocol.TIME_PATH,
                 *protocol.LIST_PATHS.values()):
        assert path in doc["paths"], path
    batch_op = doc["paths"][protocol.BATCH_PATH]["post"]
    assert {"409", "401", "403", "413"} <= set(batch_op["responses"])
    assert "first_seq" in json.dumps(batch_op["requestBody"])
    # The checked-in document is what client authors read: it must not drift from the code.
    # Regenerate with: python -m sync.server.openapi > docs/sync-openapi.json
    assert json.loads(OPENAPI_SNAPSHOT.read_text()) == doc


def test_openapi_document_does_not_depend_on_storage(tmp_path: Path):
    from checkpoint.clock import SystemClock
    from sync.server.lists import PublishedLists
    from sync.server.storage import SQLiteStorage

    app = create_app(SQLiteStorage(tmp_path / "s.sqlite"), PublishedLists(tmp_path), SystemClock(),
                     server_key=Ed25519PrivateKey.generate())
    assert app.openapi()["info"]["title"] == "Checkpoint central sync server"


# -- enrolment -----------------------------------------------------------------------------------------


def test_a_token_enrols_one_station_once(server: RunningServer):
    token = server.token()
    a = make_client(server.url, "ST-A")
    assert a.enroll(token)["station_id"] == "ST-A"
    assert a.enroll(token)["station_id"] == "ST-A"  # the same enrolment again (lost reply): harmless
    b = make_client(server.url, "ST-B")
    with pytest.raises(Refused, match="not valid"):  # used; the same words as unknown or expired (test_hardening)
        b.enroll(token)
    with pytest.raises(Refused, match="not valid"):
        b.enroll("cpt_made-up")


def test_an_enrolled_id_cannot_be_taken_over_with_another_key(server: RunningServer, client: SyncClient):
    thief = make_client(server.url, client.station_id)
    with pytest.raises(Refused, match="already enrolled"):
        thief.enroll(server.token())


def test_an_expired_token_is_refused(server: RunningServer):
    token = server.storage.create_token(now() - timedelta(days=2), timedelta(days=1))
    with pytest.raises(Refused, match="not valid"):
        make_client(server.url, "ST-X").enroll(token)
    assert server.storage.station("ST-X") is None


def test_enrolment_must_be_signed_by_the_key_it_registers(server: RunningServer):
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    body = protocol.dumps(protocol.envelope("enroll", "ST-Z", now(), token=server.token(),
                                            public_key=protocol.public_key_text(key.public_key())))
    r = post(server, protocol.ENROLL_PATH, body, station="ST-Z", key=other)
    assert r.status_code == 401 and r.json()["error"] == "bad_signature"
    assert server.storage.station("ST-Z") is None


# -- uploads -------------------------------------------------------------------------------------------


def test_upload_is_idempotent_and_acknowledges_the_contiguous_run(server: RunningServer, client: SyncClient):
    rows = make_crossings(client.station_id, 10)
    assert client.upload([c.to_wire() for c in rows[:6]]).acknowledged_seq == 6
    again = client.upload([c.to_wire() for c in rows[:6]])  # the reply was lost; the station sends again
    assert (again.acknowledged_seq, again.stored, again.already_had) == (6, 0, 6)
    overlap = client.upload([c.to_wire() for c in rows[4:]])
    assert (overlap.acknowledged_seq, overlap.stored, overlap.already_had) == (10, 4, 2)
    assert server.storage.count(client.station_id) == 10
    assert client.cursor().acknowledged_seq == 10


def test_a_gap_is_refused_naming_the_next_expected_sequence(server: RunningServer, client: SyncClient):
    rows = make_crossings(client.station_id, 10)
    client.upload([c.to_wire() for c in rows[:3]])
    r = post(server, protocol.BATCH_PATH, batch(client.station_id, rows[5:]), key=client.key)
    assert r.status_code == 409
    assert r.json()["error"] == "gap" and r.json()["expected_seq"] == 4
    assert server.storage.count(client.station_id) == 3


def test_same_sequence_with_different_content_is_flagged_as_tampering(server: RunningServer, client: SyncClient):
    rows = make_crossings(client.station_id, 5)
    client.upload([c.to_wire() for c in rows])
    other = make_crossings(client.station_id, 5)  # a second, self-consistent history for the same seqs
    with pytest.raises(TamperDetected, match="altered"):
        client.upload([c.to_wire() for c in other[2:]])
    alerts = server.storage.alerts(client.station_id)
    assert len(alerts) == 1 and alerts[0]["kind"] == "tampering" and "seq 3" in alerts[0]["detail"]
    stored = list(server.storage.crossings(ExportFilter(stations=(client.station_id,))))
    assert [c["id"] for c in stored] == [c.id for c in rows]  # nothing replaced


def test_a_broken_hash_chain_is_refused(server: RunningServer, client: SyncClient):
    rows = make_crossings(client.station_id, 5)
    client.upload([c.to_wire() for c in rows[:2]])
    forged = make_crossings(client.station_id, 3, start=3, prev_hash="f" * 64)
    with pytest.raises(TamperDetected, match="hash chain"):
        client.upload([c.to_wire() for c in forged])
    assert server.storage.count(client.station_id) == 2


def test_a_crossing_id_seen_before_is_not_stored_twice(server: RunningServer, client: SyncClient):
    rows = make_crossings(client.station_id, 3)
    client.upload([c.to_wire() for c in rows[:2]])
    dup = rows[2].to_wire()
    dup["id"] = rows[0].id
    with pytest.raises(TamperDetected):
        client.upload([dup])
    assert server.storage.count(client.station_id) == 2


def test_crossings_of_another_station_are_refused(server: RunningServer, client: SyncClient):
    r = post(server, protocol.BATCH_PATH, batch(client.station_id, make_crossings("ST-OTHER", 2)), key=client.key)
    assert r.status_code == 400 and "another station" in r.json()["message"]


# -- attacks -------------------------------------------------------------------------------------------


def test_forged_batch_signature_is_refused(server: RunningServer, client: SyncClient):
    r = post(server, protocol.BATCH_PATH, own(client, 2), key=Ed25519PrivateKey.generate())
    assert r.status_code == 401 and r.json()["error"] == "bad_signature"
    body = own(client, 2)
    good = protocol.sign(client.key, "POST", protocol.BATCH_PATH, body)
    r = post(server, protocol.BATCH_PATH, body.replace(b'"accept"', b'"reject"', 1), signature=good)
    assert r.status_code == 401
    assert post(server, protocol.BATCH_PATH, body).status_code == 401  # no signature at all
    assert server.storage.count(client.station_id) == 0


def test_replayed_batch_is_refused(server: RunningServer, client: SyncClient):
    rows = make_crossings(client.station_id, 3)
    body = batch(client.station_id, rows)
    assert post(server, protocol.BATCH_PATH, body, key=client.key).status_code == 200
    r = post(server, protocol.BATCH_PATH, body, key=client.key)
    assert r.status_code == 401 and r.json()["error"] == "replayed"


def test_a_replayed_edited_batch_is_refused_without_a_second_alert(server: RunningServer, client: SyncClient):
    """The batch's nonce is remembered with its crossings; a batch refused before storage remembers it too."""
    rows = [c.to_wire() for c in make_crossings(client.station_id, 3)]
    rows[1]["verdict"] = "accept" if rows[1]["verdict"] == "reject" else "reject"
    body = protocol.batch_body(client.station_id, now(), rows)
    assert post(server, protocol.BATCH_PATH, body, key=client.key).status_code == 409
    r = post(server, protocol.BATCH_PATH, body, key=client.key)
    assert r.status_code == 401 and r.json()["error"] == "replayed"
    assert len(server.storage.alerts(client.station_id)) == 1 and server.storage.count(client.station_id) == 0


def test_a_stale_request_is_refused_even_with_a_new_nonce(server: RunningServer, client: SyncClient):
    body = batch(client.station_id, make_crossings(client.station_id, 1), at=now() - timedelta(hours=1))
    r = post(server, protocol.BATCH_PATH, body, key=client.key)
    assert r.status_code == 401 and r.json()["error"] == "stale" and r.json()["server_time"]


def test_unknown_station_gets_401(server: RunningServer):
    key = Ed25519PrivateKey.generate()
    r = post(server, protocol.BATCH_PATH, batch("ST-9", make_crossings("ST-9", 1)), station="ST-9", key=key)
    assert r.status_code == 401 and r.json()["error"] == "unknown_station"


def test_revoked_station_gets_403(server: RunningServer, client: SyncClient):
    assert server.storage.revoke_station(client.station_id, now())
    r = post(server, protocol.BATCH_PATH, own(client, 1), key=client.key)
    assert r.status_code == 403 and r.json()["error"] == "revoked"
    with pytest.raises(Refused, match="revoked"):
        upload_backlog(client, ListOutbox(make_crossings(client.station_id, 2)), 10)


def test_oversized_body_is_refused_before_it_is_read(server: RunningServer, client: SyncClient):
    body = b"{" + b" " * (protocol.MAX_BODY_BYTES + 1) + b"}"
    r = post(server, protocol.BATCH_PATH, body, station=client.station_id, key=client.key)
    assert r.status_code == 413 and r.json()["error"] == "too_large"


def test_oversized_chunked_body_is_cut_off(server: RunningServer, client: SyncClient):
    def chunks():
        for _ in range(protocol.MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    # a well-formed (wrong) signature: a malformed one is refused before the body is read (test_hardening)
    wrong = base64.b64encode(bytes(64)).decode()
    headers = {protocol.STATION_HEADER: client.station_id, protocol.SIGNATURE_HEADER: wrong}
    r = requests.post(server.url + protocol.BATCH_PATH, data=chunks(), headers=headers, timeout=10)
    assert r.status_code == 413


def test_too_many_crossings_in_one_batch_is_refused(server: RunningServer, client: SyncClient):
    doc = protocol.envelope("batch", client.station_id, now(), first_seq=1, last_seq=protocol.MAX_BATCH_CROSSINGS + 1,
                            crossings=[{}] * (protocol.MAX_BATCH_CROSSINGS + 1))
    r = post(server, protocol.BATCH_PATH, protocol.dumps(doc), key=client.key)
    assert r.status_code == 400 and "at most" in r.json()["message"]


def test_malformed_bodies_are_refused_clearly(server: RunningServer, client: SyncClient):
    def send(doc: object) -> requests.Response:
        if isinstance(doc, dict):
            doc = {**doc, "nonce": protocol.new_nonce()}
        return post(server, protocol.BATCH_PATH, json.dumps(doc).encode(), station=client.station_id, key=client.key)

    good = json.loads(own(client, 2))
    assert send([1, 2]).status_code == 400
    assert send({**good, "type": "cursor"}).json()["error"] == "bad_request"
    assert "first_seq" in send({**good, "last_seq": 5}).json()["message"]
    bad_hash = json.loads(json.dumps(good))
    bad_hash["crossings"][0]["hash"] = "xyz"
    assert "hash" in send(bad_hash).json()["message"]
    assert server.storage.count(client.station_id) == 0


# -- time and lists ------------------------------------------------------------------------------------


def test_server_time(server: RunningServer):
    doc = requests.get(server.url + protocol.TIME_PATH, timeout=10).json()
    t = datetime.fromisoformat(doc["time"].replace("Z", "+00:00"))
    assert abs((t - now()).total_seconds()) < 60


def test_lists_are_404_until_published(server: RunningServer):
    r = requests.get(server.url + protocol.LIST_PATHS["trust-list"], timeout=10)
    assert r.status_code == 404 and r.json()["error"] == "not_published"


def test_an_edited_crossing_is_refused_by_its_hash(server: RunningServer, client: SyncClient):
    rows = [c.to_wire() for c in make_crossings(client.station_id, 3)]
    rows[1]["verdict"] = "accept" if rows[1]["verdict"] == "reject" else "reject"
    rows[1]["display"] = "ACCEPT"
    with pytest.raises(TamperDetected, match="does not match its hash"):
        client.upload(rows)
    assert server.storage.count(client.station_id) == 0
    assert "seq 2" in server.storage.alerts(client.station_id)[0]["detail"]


def test_swapped_personal_data_is_refused_by_its_digest(server: RunningServer, client: SyncClient):
    rows = [c.to_wire() for c in make_crossings(client.station_id, 2)]
    rows[0]["sealed"] = base64.b64encode(b"CPS1" + bytes(61)).decode()
    with pytest.raises(TamperDetected, match="personal data"):
        client.upload(rows)


def test_oversized_fields_in_a_crossing_are_refused(server: RunningServer, client: SyncClient):
    rows = [c.to_wire() for c in make_crossings(client.station_id, 1)]
    big = {**rows[0], "sealed": "A" * (protocol.MAX_CROSSING_BYTES + 4)}
    long_officer = {**rows[0], "officer_id": "x" * 5000}
    for bad in (big, long_officer, {**rows[0], "flags": ["f"] * 1000}):
        body = protocol.batch_body(client.station_id, now(), [bad])
        r = post(server, protocol.BATCH_PATH, body, key=client.key)
        assert r.status_code == 400, bad
    assert server.storage.count(client.station_id) == 0
