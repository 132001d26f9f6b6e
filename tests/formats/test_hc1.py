"""HC1 through the verifier, on copied EU test cases (no ../shared needed), and its rules."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from checkpoint.config import parse_config
from checkpoint.decision import Reason, Verdict
from checkpoint.errors import ConfigError
from checkpoint.formats import hc1
from checkpoint.hc_rules import HealthRules
from checkpoint.rules import Rules
from checkpoint.trust._revocation import load_revocation_list
from checkpoint.trust._store import TrustedKey, TrustSource, TrustStore
from checkpoint.trust._trustlist import KeyEntry, load_trust_list
from checkpoint.verify import Verifier
from tests.conftest import DATA, shared_path
from tests.factories import ed25519, es256, revocation_list, trust_list
from tests.formats import dgc_cases, hc1_factory

DGC = DATA / "dgc"


def case(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DGC / f"{name}.json").read_text(encoding="utf-8"))
    return data


def verify(name: str, rules: Rules | None = None, later: timedelta = timedelta()) -> Any:
    c = case(name)
    verifier = Verifier(dgc_cases.store(c), rules=rules or Rules())
    return verifier.verify(c["PREFIX"], dgc_cases.clock(c) + later)


def test_vaccination_too_recent_is_refused_by_the_rule_with_plain_words() -> None:
    d = verify("DE-1")  # 2/2 on 2021-05-29, checked on 2021-06-01
    assert d.verdict is Verdict.REJECT and d.reason is Reason.RULE_FAILED
    assert d.rule == "hc_vaccination" and "3 days ago" in d.detail and "14" in d.detail
    assert d.format == "HC1"


def test_vaccination_accepted_once_old_enough_and_says_what_satisfied() -> None:
    d = verify("DE-1", Rules(health=HealthRules(vaccination_min_days=3)))
    assert d.accepted, d.detail
    assert d.detail == "vaccination dose 2/2 (EU/1/20/1507) on 2021-05-29"
    p = d.pass_
    assert p is not None and p.certificate is not None
    assert p.subject.name == "Erika Mustermann" and p.certificate.icao_name == "ERIKA MUSTERMANN"
    assert p.subject.birth_date == "1964-08-12" and p.subject.category == "health-certificate"
    assert p.subject.id_number is None  # a DCC names no national id: the UVCI is the document's id
    assert p.document_id == "URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W"


def test_test_and_recovery_certificates() -> None:
    assert verify("DE-2").detail.startswith("negative rapid antigen test sampled")
    assert verify("DE-3").detail.startswith("recovery, first positive test")
    old = verify("DE-2", Rules(health=HealthRules(test_max_hours=24)))
    assert old.reason is Reason.RULE_FAILED and old.rule == "hc_test" and "at most 24 h" in old.detail
    no_rat = verify("DE-2", Rules(health=HealthRules(test_types=frozenset({"LP6464-4"}))))
    assert no_rat.rule == "hc_test"


def test_incomplete_series_is_refused() -> None:
    d = verify("DE-4", later=timedelta(days=60))
    assert d.reason in (Reason.RULE_FAILED, Reason.EXPIRED)
    d = verify("DE-4", Rules(health=HealthRules(vaccination_min_days=0)))
    assert d.rule == "hc_vaccination" and "dose 1 of 2" in d.detail


def test_signer_with_other_purposes_only_may_sign_every_type() -> None:
    """IS 3: the EKU names only ICAO VDS-NC, no DCC OID: not restricted (the EU rule)."""
    d = verify("IS-3")
    assert d.reason is None, d.detail


def test_kid_and_alg_in_the_unprotected_header_verify() -> None:
    assert verify("common-CO20").reason not in (Reason.MALFORMED, Reason.UNKNOWN_KEY, Reason.BAD_SIGNATURE)


def test_wrong_protected_kid_is_not_rescued_by_the_unprotected_one() -> None:
    c = case("common-CO22")
    signed = hc1.parse_cose(bytes.fromhex(c["COSE"]))
    d = Verifier(dgc_cases.store(c)).check_signed(signed, dgc_cases.clock(c))
    assert d.reason is Reason.UNKNOWN_KEY


def test_unknown_signer() -> None:
    c = case("DE-2")
    assert Verifier(TrustStore((), TrustSource("none"))).verify(c["PREFIX"], dgc_cases.clock(c)).reason is (
        Reason.UNKNOWN_KEY
    )


def test_expired_certificate() -> None:
    d = verify("DE-2", later=timedelta(days=400))
    assert d.reason in (Reason.EXPIRED, Reason.KEY_REVOKED)
    d = verify("DE-3", later=timedelta(days=365 * 3))
    assert d.reason is Reason.EXPIRED


@pytest.mark.parametrize("name", ["DE-1", "DE-2", "DE-3", "DE-4", "common-CO20"])
def test_copied_cases_meet_their_expected_flags(name: str) -> None:
    c = case(name)
    for flag, (_, check) in dgc_cases.CHECKS.items():
        if flag in c["EXPECTEDRESULTS"] and all(f in c for f in dgc_cases.NEEDS[flag]):
            assert check(c) is c["EXPECTEDRESULTS"][flag], flag


def test_document_signer_certificates_from_the_signed_trust_list() -> None:
    """A DSC travels in the trust list as 'cert': found by its HC1 kid, EKU and validity kept."""
    good = case("DE-2")
    cert = x509.load_der_x509_certificate(base64.b64decode(good["TESTCTX"]["CERTIFICATE"]))
    vaccination_key, vaccination_only = hc1_factory.signer([hc1_factory.VACCINATION_OID])
    entries = [KeyEntry(c.public_key(), None, certificate=c) for c in (cert, vaccination_only)]
    at = dgc_cases.clock(good)
    root = ed25519()
    data = trust_list(root, *entries, issued=at - timedelta(hours=1))
    store = load_trust_list(data, [root.public_key()], at).store
    assert Verifier(store).verify(good["PREFIX"], at).detail.startswith("negative rapid antigen test")
    test_cert = hc1_factory.hc1_text(vaccination_key, vaccination_only, "t")
    d = Verifier(store).verify(test_cert, hc1_factory.T0 + timedelta(hours=1))
    assert d.reason is Reason.KEY_NOT_ALLOWED and "only vaccination" in d.detail
    (key,) = store.candidates(hc1.parse(good["PREFIX"]).kid)
    assert key.certificate is not None and key.not_after == key.certificate.not_valid_after_utc


def health_rules(table: dict[str, Any], path: str) -> HealthRules:
    return parse_config({"health_certificates": table}, path).rules.health


def eu_rules(tmp_path: Path, value_sets: str = "value-sets.json") -> HealthRules:
    rules_dir = DATA / "eu-rules"
    table = {
        "eu_rules": str(rules_dir / "rules.json"),
        "value_sets": str(rules_dir / value_sets),
        "vaccination_min_days": 3,
    }
    return health_rules(table, str(tmp_path / "station.toml"))


def test_eu_business_rules_pass_and_are_recorded(tmp_path: Path) -> None:
    d = verify("DE-1", Rules(health=eu_rules(tmp_path)))
    assert d.accepted, d.detail
    assert d.rules_applied == ("hc_vaccination", "eu_business_rules")


def test_eu_business_rule_refusal_names_the_rule(tmp_path: Path) -> None:
    d = verify("DE-2", Rules(health=eu_rules(tmp_path)))  # a rapid antigen test: not in the value set
    assert d.reason is Reason.RULE_FAILED and d.rule == "eu:TR-VN-0001"
    assert d.detail == "EU rule TR-VN-0001: The test must be from a recognised type."


def test_eu_rules_config_errors_name_the_key(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('[{"Identifier": "X", "CertificateType": "Pets", "Logic": true}]')
    with pytest.raises(ConfigError) as e:
        health_rules({"eu_rules": str(tmp_path / "bad.json")}, "station.toml")
    assert e.value.key == "health_certificates.eu_rules" and "CertificateType" in str(e.value)
    with pytest.raises(ConfigError, match="cannot read"):
        health_rules({"value_sets": "nope.json"}, "station.toml")


def test_a_rule_that_cannot_evaluate_refuses(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text(
        '{"Identifier": "GR-X", "CertificateType": "General", "ValidFrom": "2021-01-01", "ValidTo": "2030-01-01",'
        ' "Logic": {"+": [{"var": "payload.nam"}, 1]}}'
    )
    rules = health_rules({"eu_rules": str(tmp_path / "r.json")}, str(tmp_path / "s.toml"))
    assert verify("DE-3", Rules(health=rules)).rule == "eu:GR-X"


def test_pass_id_is_the_eu_uci_revocation_hash() -> None:
    samples = json.loads(shared_path("vectors", "dgc-extra", "RevocationCalculationSampleData.json").read_text())
    for s in samples:
        assert hc1.parse(s["barcodeData"]).pass_.pass_id.hex() == s["expUCI"], s["description"]


def test_hc1_certificate_on_the_station_revocation_list_is_refused() -> None:
    c = case("DE-2")
    root = ed25519()
    at = dgc_cases.clock(c)
    pass_id = hc1.parse(c["PREFIX"]).pass_.pass_id
    rl = load_revocation_list(revocation_list(root, [pass_id], issued=at - timedelta(hours=1)), [root.public_key()], at)
    assert Verifier(dgc_cases.store(c), rl).verify(c["PREFIX"], at).reason is Reason.PASS_REVOKED


def test_every_certificate_sharing_a_kid_is_tried() -> None:
    c = case("DE-2")
    (real,) = dgc_cases.store(c).all_keys()
    other = es256().public_key()
    impostor = TrustedKey(kid=b"x" * 8, public_key=other, source="other", aliases=real.aliases)
    store = TrustStore([impostor, real], TrustSource("two signers, one kid"))
    assert len(store.candidates(real.aliases[0])) == 2
    assert verify_with(store, c).reason is not Reason.BAD_SIGNATURE


def verify_with(store: TrustStore, c: dict[str, Any]) -> Any:
    return Verifier(store).verify(c["PREFIX"], dgc_cases.clock(c))
