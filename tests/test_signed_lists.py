"""Signed trust lists and revocation lists: what is refused, and that the old list stays."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import cbor2
import pytest

from checkpoint.clock import FixedClock
from checkpoint.config import parse_config
from checkpoint.decision import Reason
from checkpoint.errors import (
    ListExpiredError,
    ListFormatError,
    ListNotSignedError,
    ListRollbackError,
    ListSignatureError,
)
from checkpoint.station import REVOCATION_FILE, TRUST_LIST_FILE, Station
from checkpoint.trust import keys
from checkpoint.trust._revocation import SortedIds, load_revocation_list
from checkpoint.trust._signed import sign_document
from checkpoint.trust._trustlist import KeyEntry, load_trust_list
from checkpoint.verify import Verifier
from tests.factories import T0, ed25519, es256, make_pass, revocation_list, trust_list

NOW = T0 + timedelta(hours=1)


@pytest.fixture
def root() -> keys.PrivateKey:
    return ed25519()


def test_trust_list_round_trip_and_verification(root: keys.PrivateKey) -> None:
    a, b = ed25519(), es256()
    data = trust_list(root, KeyEntry(a.public_key(), "VN-LCI"), KeyEntry(b.public_key(), "VN-HNI"))
    tl = load_trust_list(data, [root.public_key()], NOW)
    assert tl.version == 1 and len(tl.store) == 2
    v = Verifier(tl.store)
    assert v.verify(make_pass(a, issuer="VN-LCI"), NOW).accepted
    assert v.verify(make_pass(b, issuer="VN-HNI"), NOW).accepted


def test_unsigned_lists_are_refused(root: keys.PrivateKey) -> None:
    plain = cbor2.dumps({"type": "cp1-trust-list", "version": 9, "issued": 0, "expires": 2**31, "keys": []})
    with pytest.raises(ListNotSignedError):
        load_trust_list(plain, [root.public_key()], NOW)
    with pytest.raises(ListNotSignedError):
        load_trust_list(json.dumps({"keys": []}).encode(), [root.public_key()], NOW)


def test_list_signed_by_another_key_is_refused(root: keys.PrivateKey) -> None:
    data = trust_list(ed25519(), KeyEntry(ed25519().public_key(), "VN-LCI"))
    with pytest.raises(ListSignatureError, match="not a pinned root"):
        load_trust_list(data, [root.public_key()], NOW)


def test_list_with_forged_signature_under_root_kid_is_refused(root: keys.PrivateKey) -> None:
    data = bytearray(trust_list(root, KeyEntry(ed25519().public_key(), "VN-LCI")))
    data[-1] ^= 1
    with pytest.raises(ListSignatureError, match="does not verify"):
        load_trust_list(bytes(data), [root.public_key()], NOW)


def test_expired_list_is_refused(root: keys.PrivateKey) -> None:
    data = trust_list(root, KeyEntry(ed25519().public_key(), "VN-LCI"), valid_for=timedelta(minutes=30))
    with pytest.raises(ListExpiredError):
        load_trust_list(data, [root.public_key()], NOW)


def test_rollback_is_refused(root: keys.PrivateKey) -> None:
    k = KeyEntry(ed25519().public_key(), "VN-LCI")
    v2 = load_trust_list(trust_list(root, k, version=2), [root.public_key()], NOW)
    with pytest.raises(ListRollbackError, match="version 1 is not newer than version 2"):
        load_trust_list(trust_list(root, k, version=1), [root.public_key()], NOW, previous=v2)
    with pytest.raises(ListRollbackError):  # same version, different content
        load_trust_list(trust_list(root, k, KeyEntry(ed25519().public_key(), "X"), version=2),
                        [root.public_key()], NOW, previous=v2)
    again = load_trust_list(v2.raw, [root.public_key()], NOW, previous=v2)  # the same list again is fine
    assert again.version == 2


def test_a_revocation_list_is_not_a_trust_list(root: keys.PrivateKey) -> None:
    with pytest.raises(ListFormatError, match="cp1-revocation-list"):
        load_trust_list(revocation_list(root, []), [root.public_key()], NOW)


def test_entry_kid_must_match_key(root: keys.PrivateKey) -> None:
    a = ed25519()
    doc = {"type": "cp1-trust-list", "version": 1, "issued": int(T0.timestamp()), "expires": int(T0.timestamp()) + 9999,
           "keys": [{"kid": b"\x00" * 8, "iss": "X", "alg": -8, "key": keys.spki_der(a.public_key())}]}
    with pytest.raises(ListFormatError, match="kid"):
        load_trust_list(sign_document(doc, root), [root.public_key()], NOW)


def test_revoked_key_and_key_validity(root: keys.PrivateKey) -> None:
    old, young, lci = ed25519(), ed25519(), ed25519()
    data = trust_list(
        root,
        KeyEntry(old.public_key(), "VN-LCI", revoked_at=T0 + timedelta(days=5)),
        KeyEntry(young.public_key(), "VN-LCI", not_before=T0 + timedelta(minutes=30)),
        KeyEntry(lci.public_key(), "VN-LCI"),
    )
    v = Verifier(load_trust_list(data, [root.public_key()], NOW).store)
    # revoked: refused even for a pass claiming an issue time before the revocation
    assert v.verify(make_pass(old), NOW).reason is Reason.KEY_REVOKED
    assert v.verify(make_pass(young), NOW).reason is Reason.KEY_REVOKED  # issued before the key was valid
    d = v.verify(make_pass(lci, issuer="VN-HNI"), NOW)  # a key may only sign for its own issuer code
    assert d.reason is Reason.KEY_REVOKED and "VN-HNI" in d.detail


def test_revocation_list_membership_and_monotonic(root: keys.PrivateKey) -> None:
    a = ed25519()
    ids = [os.urandom(16) for _ in range(100)]
    rl1 = load_revocation_list(revocation_list(root, ids), [root.public_key()], NOW)
    assert all(i in rl1 for i in ids) and os.urandom(16) not in rl1
    v = Verifier(load_trust_list(trust_list(root, KeyEntry(a.public_key(), "VN-LCI")), [root.public_key()], NOW).store,
                 rl1)
    assert v.verify(make_pass(a, pass_id=ids[7]), NOW).reason is Reason.PASS_REVOKED
    assert v.verify(make_pass(a), NOW).accepted
    with pytest.raises(ListRollbackError, match="drops 1 revoked"):
        load_revocation_list(revocation_list(root, ids[1:], version=2), [root.public_key()], NOW, previous=rl1)
    grown = load_revocation_list(revocation_list(root, [*ids, os.urandom(16)], version=2), [root.public_key()], NOW,
                                 previous=rl1)
    assert len(grown.ids) == 101


def test_unsorted_id_block_is_refused() -> None:
    with pytest.raises(ListFormatError, match="sorted"):
        SortedIds(b"\x02" * 16 + b"\x01" * 16)


def test_million_ids_membership() -> None:
    blob = os.urandom(16 * 1_000_000)
    ids = SortedIds.from_ids(blob[i : i + 16] for i in range(0, len(blob), 16))
    assert len(ids) == 1_000_000
    assert blob[16 * 123_456 : 16 * 123_457] in ids
    assert blob[-16:] in ids and blob[:16] in ids
    assert os.urandom(16) not in ids


def _station(tmp_path: Path, root: keys.PrivateKey) -> Station:
    (tmp_path / "root.pub.pem").write_bytes(keys.public_pem(root.public_key()))
    cfg = parse_config({"station": {"data_dir": str(tmp_path / "data")}, "trust": {"root_keys": ["root.pub.pem"]}},
                       str(tmp_path / "station.toml"))
    return Station(cfg, FixedClock(NOW))


def test_station_keeps_the_old_list_when_an_update_is_refused(tmp_path: Path, root: keys.PrivateKey) -> None:
    st = _station(tmp_path, root)
    issuer = ed25519()
    st.install_trust_list(trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI"), version=3))
    installed = (tmp_path / "data" / "trust" / TRUST_LIST_FILE).read_bytes()
    for bad in (trust_list(root, KeyEntry(ed25519().public_key(), "X"), version=2),  # rollback
                trust_list(ed25519(), KeyEntry(ed25519().public_key(), "X"), version=4),  # wrong key
                b"garbage"):
        with pytest.raises((ListRollbackError, ListSignatureError, ListNotSignedError)):
            st.install_trust_list(bad)
        assert (tmp_path / "data" / "trust" / TRUST_LIST_FILE).read_bytes() == installed
        assert st.decide(make_pass(issuer))[0].accepted
    # a restart loads the installed list, and the clock guard learned its issue time
    again = _station(tmp_path, root)
    assert again.trust_list is not None and again.trust_list.version == 3
    assert again.decide(make_pass(issuer))[0].accepted


def test_station_installs_revocations(tmp_path: Path, root: keys.PrivateKey) -> None:
    st = _station(tmp_path, root)
    issuer = ed25519()
    st.install_trust_list(trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI")))
    pid = os.urandom(16)
    st.install_revocation_list(revocation_list(root, [pid]))
    assert (tmp_path / "data" / "trust" / REVOCATION_FILE).exists()
    assert st.decide(make_pass(issuer, pass_id=pid))[0].reason is Reason.PASS_REVOKED
