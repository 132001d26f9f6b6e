"""NZ COVID Pass: the specification's valid and invalid examples (copied to tests/data/nzcp)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from checkpoint.clock import FixedClock
from checkpoint.config import parse_config
from checkpoint.decision import Reason
from checkpoint.hc_rules import HealthRules
from checkpoint.rules import Rules
from checkpoint.station import Station
from checkpoint.trust._store import TrustSource, TrustStore
from checkpoint.trust_files import load_did_document
from checkpoint.verify import Verifier
from tests.conftest import DATA

NZ = DATA / "nzcp"
NOW = datetime(2021, 11, 27, tzinfo=UTC)  # the examples' publication


@pytest.fixture(scope="module")
def store() -> TrustStore:
    return TrustStore(load_did_document(NZ / "did.json"), TrustSource("NZCP example issuer"))


def test_valid_pass_is_accepted(store: TrustStore) -> None:
    d = Verifier(store).verify((NZ / "valid.txt").read_text().strip(), NOW)
    assert d.accepted and d.format == "NZCP" and d.detail.startswith("NZ COVID Pass")
    assert d.pass_ is not None and d.pass_.subject.name == "Jack Sparrow" and d.pass_.subject.birth_date == "1960-04-16"
    assert d.kid == b"did:web:nzcp.covid19.health.nz#key-1"


def test_attestations_can_be_refused(store: TrustStore) -> None:
    rules = Rules(health=HealthRules(accept_attestations=False))
    d = Verifier(store, rules=rules).verify((NZ / "valid.txt").read_text().strip(), NOW)
    assert d.reason is Reason.RULE_FAILED and d.rule == "hc_attestation"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bad-public-key", Reason.BAD_SIGNATURE),
        ("modified-payload", Reason.BAD_SIGNATURE),
        ("modified-sig", Reason.BAD_SIGNATURE),
        ("expired-payload", Reason.EXPIRED),
        ("notactive-payload", Reason.NOT_YET_VALID),
        ("not-associated-public-key", Reason.UNKNOWN_KEY),  # key-2 is not an assertionMethod
        ("revoked-public-key", Reason.UNKNOWN_KEY),  # an issuer this station does not trust
    ],
)
def test_invalid_examples(name: str, reason: Reason, store: TrustStore) -> None:
    assert Verifier(store).verify((NZ / f"{name}.txt").read_text().strip(), NOW).reason is reason


@pytest.mark.parametrize("text", ["NZCP:/2/ABC", "NZCP:/1/", "NZCP:/1/abc", "NZCP:/1/AAAAAAAA", "NZCP:/1/8"])
def test_malformed(text: str, store: TrustStore) -> None:
    assert Verifier(store).verify(text, NOW).reason is Reason.MALFORMED


def test_station_trusts_the_did_documents_in_its_config(tmp_path: Path) -> None:
    cfg = parse_config({"trust": {"did_documents": [str(NZ / "did.json"), str(tmp_path / "missing.json")]},
                        "station": {"data_dir": str(tmp_path / "d")}})
    station = Station(cfg, FixedClock(NOW))
    assert [p.message for p in station.problems if "missing.json" in p.message]  # named, the rest still loads
    assert station.decide((NZ / "valid.txt").read_text().strip())[0].accepted
