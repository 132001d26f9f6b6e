import json
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import protocol
from tests.sync.helpers import make_crossings

NOW = datetime(2021, 7, 24, tzinfo=UTC)


def test_signature_covers_body_method_and_path():
    key = Ed25519PrivateKey.generate()
    body = protocol.batch_body("ST-1", NOW, [c.to_wire() for c in make_crossings("ST-1", 3)])
    sig = protocol.sign(key, "POST", protocol.BATCH_PATH, body)
    pub = key.public_key()
    assert protocol.signature_ok(pub, "POST", protocol.BATCH_PATH, body, sig)
    assert not protocol.signature_ok(pub, "POST", protocol.CURSOR_PATH, body, sig)
    assert not protocol.signature_ok(pub, "POST", protocol.BATCH_PATH, body.replace(b"ST-1", b"ST-2", 1), sig)
    assert not protocol.signature_ok(Ed25519PrivateKey.generate().public_key(), "POST", protocol.BATCH_PATH,
                                     body, sig)
    assert not protocol.signature_ok(pub, "POST", protocol.BATCH_PATH, body, "not base64!")


def test_batch_body_names_its_run_and_a_fresh_nonce():
    wire = [c.to_wire() for c in make_crossings("ST-1", 5, start=11, prev_hash="a" * 64)]
    a, b = (json.loads(protocol.batch_body("ST-1", NOW, wire)) for _ in range(2))
    assert (a["type"], a["station_id"], a["first_seq"], a["last_seq"]) == ("batch", "ST-1", 11, 15)
    assert a["sent_at"] == "2021-07-24T00:00:00Z"
    assert a["nonce"] != b["nonce"] and len(a["nonce"]) == 32


def test_public_key_text_round_trip():
    pub = Ed25519PrivateKey.generate().public_key()
    assert protocol.public_key_from_text(protocol.public_key_text(pub)) == pub
