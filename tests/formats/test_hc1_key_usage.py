"""HC1 signer key usage per the EU rule, with Document Signer Certificates made here.

Only the DCC OIDs (test, vaccination, recovery) restrict a signer; an EKU naming other purposes only
lets it sign every type; an EKU that cannot be read lets it sign nothing. A signer outside its key
usage is KEY_NOT_ALLOWED, not KEY_REVOKED.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from checkpoint.decision import Reason
from checkpoint.hc_rules import HealthRules
from checkpoint.rules import Rules
from checkpoint.trust import _certs as certs
from checkpoint.trust._folder import trusted_key
from checkpoint.trust._store import TrustSource, TrustStore
from checkpoint.verify import Verifier
from tests.formats.hc1_factory import (
    OTHER_PURPOSES,
    RECOVERY_OID,
    T0,
    TEST_OID,
    VACCINATION_OID,
    hc1_text,
    signer,
)

NOW = T0 + timedelta(hours=1)
RULES = Rules(health=HealthRules(vaccination_min_days=14, test_max_hours=72))


def decide(eku: list[str] | bytes | None, kind: str) -> tuple[Reason | None, str]:
    key, cert = signer(eku)
    store = TrustStore([trusted_key(cert.public_bytes(serialization.Encoding.DER), "dsc")], TrustSource("test"))
    d = Verifier(store, rules=RULES).verify(hc1_text(key, cert, kind), NOW)
    return d.reason, d.detail


@pytest.mark.parametrize("kind", ["v", "t", "r"])
def test_an_eku_with_other_purposes_only_may_sign_every_type(kind: str) -> None:
    """EU test data ES and IS 3: TLS client / e-mail EKU, no DCC OID: not restricted."""
    reason, detail = decide(list(OTHER_PURPOSES), kind)
    assert reason is None, detail


@pytest.mark.parametrize("kind", ["v", "t", "r"])
def test_no_eku_may_sign_every_type(kind: str) -> None:
    assert decide(None, kind)[0] is None


def test_the_vaccination_oid_refuses_a_test_certificate_with_its_own_reason() -> None:
    reason, detail = decide([VACCINATION_OID, *OTHER_PURPOSES], "t")
    assert reason is Reason.KEY_NOT_ALLOWED
    assert detail == "the signer may sign only vaccination certificates, not a test certificate"
    assert decide([VACCINATION_OID], "v")[0] is None


def test_both_arcs_of_the_dcc_oids_restrict() -> None:
    assert decide(["1.3.6.1.4.1.0.1847.2021.1.3"], "v")[0] is Reason.KEY_NOT_ALLOWED
    assert decide(["1.3.6.1.4.1.0.1847.2021.1.3"], "r")[0] is None
    assert decide([TEST_OID, RECOVERY_OID], "t")[0] is None


@pytest.mark.parametrize("raw", [b"garbage", b"\x30\x03\x06\x01", b"\x30\x04\x06\x02\x2b\x86", b"\x30\x03\x02\x01\x05",
                                 b"\x31\x00"], ids=["not-der", "cut-short", "oid-cut", "not-an-oid", "not-a-sequence"])
def test_an_eku_that_cannot_be_read_fails_closed(raw: bytes) -> None:
    _key, cert = signer(raw)
    assert certs.allowed_uses(cert) == frozenset()
    reason, detail = decide(raw, "v")
    assert reason is Reason.KEY_NOT_ALLOWED and "cannot read" in detail


def test_an_empty_eku_is_not_restricted() -> None:
    """EU test data CO15: an EKU SEQUENCE with no OID (cryptography refuses it; read from the DER)."""
    assert decide(b"\x30\x00", "r")[0] is None


def test_a_revoked_or_expired_signer_stays_key_revoked_first() -> None:
    """KEY_REVOKED is checked before KEY_NOT_ALLOWED (the order of the reason list)."""
    key, cert = signer([VACCINATION_OID])
    store = TrustStore([trusted_key(cert.public_bytes(serialization.Encoding.DER), "dsc")], TrustSource("test"))
    late = T0 + timedelta(days=800)  # issued after the DSC expired, and a test the DSC may not sign
    d = Verifier(store, rules=RULES).verify(hc1_text(key, cert, "t", at=late), late)
    assert d.reason is Reason.KEY_REVOKED
