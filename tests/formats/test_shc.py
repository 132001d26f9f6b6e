"""SMART Health Cards: the specification's examples (copied to tests/data/shc) through the verifier."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checkpoint.clock import FixedClock
from checkpoint.config import parse_config
from checkpoint.decision import Reason
from checkpoint.errors import MalformedPass
from checkpoint.formats import _shc_fhir as shc_fhir
from checkpoint.formats import shc, shc_chunks
from checkpoint.formats.shc_chunks import Assembler, assemble
from checkpoint.station import Station
from checkpoint.trust._store import TrustStore
from checkpoint.verify import Verifier
from tests.formats.shc_helpers import SHC, example_store, verify_jws

NOW = datetime(2023, 7, 1, tzinfo=UTC)  # the examples were issued on 2023-06-22


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(example_store())


def qr_texts(n: str) -> list[str]:
    return [p.read_text().strip() for p in sorted(SHC.glob(f"example-{n}-f-qr-code-numeric-value-*.txt"))]


def test_example_00_is_accepted_and_says_what_satisfied(verifier: Verifier) -> None:
    d = verifier.verify(qr_texts("00")[0], NOW)
    assert d.accepted and d.format == "SHC", d.detail
    assert d.detail == "vaccination dose 3 (CVX 229) on 2022-09-05"  # the latest dose is named
    assert d.pass_ is not None and d.pass_.subject.name == "John B. Anyperson"
    assert d.pass_.subject.birth_date == "1951-01-20"
    assert d.pass_.issuer == "https://spec.smarthealth.cards/examples/issuer"


def test_example_01_is_accepted(verifier: Verifier) -> None:
    assert verifier.verify(qr_texts("01")[0], NOW).accepted


def test_example_02_three_part_qr_in_any_order(verifier: Verifier) -> None:
    parts = qr_texts("02")
    for order in (parts, parts[::-1], [parts[1], parts[0], parts[2]]):
        d = verifier.verify(assemble(order), NOW)
        # A lab panel with no COVID-19 entry: authentic and valid, but nothing for the rules to admit.
        assert d.reason is Reason.RULE_FAILED and d.rule == "hc_content", d.detail


def test_example_03_is_revoked_by_its_issuer(verifier: Verifier) -> None:
    d = verifier.verify(qr_texts("03")[0], NOW)
    assert d.reason is Reason.PASS_REVOKED


@pytest.mark.parametrize("n", ["00", "01", "02", "03"])
def test_numeric_qr_holds_the_jws(n: str) -> None:
    jws = (SHC / f"example-{n}-d-jws.txt").read_text().strip()
    assert shc_chunks.decode_numeric(assemble(qr_texts(n))[len("shc:/") :]) == jws
    assert shc_chunks.encode_numeric(jws) == assemble(qr_texts(n))


def test_jws_path_matches_qr_path(verifier: Verifier) -> None:
    jws = (SHC / "example-00-d-jws.txt").read_text().strip()
    assert verify_jws(verifier, jws, NOW).accepted


def test_one_part_alone_asks_for_the_others(verifier: Verifier) -> None:
    d = verifier.verify(qr_texts("02")[0], NOW)
    assert d.reason is Reason.MALFORMED and "part 1 of 3" in d.detail


def test_assembler_holds_parts_until_complete() -> None:
    a = Assembler()
    p = qr_texts("02")
    assert a.add(p[2]) is None and a.add(p[0]) is None and a.missing == [2]
    assert a.add(p[0]) is None  # the same part scanned twice is harmless
    assert a.add(p[1]) == assemble(p)
    assert a.parts == {} and a.add(qr_texts("00")[0]) == qr_texts("00")[0]


@pytest.mark.parametrize(
    "texts",
    [
        ["shc:/1/3/5676", "shc:/3/3/5676"],  # a part missing
        ["shc:/1/2/56", "shc:/1/2/57"],  # a part twice, different
        ["shc:/1/2/56", "shc:/2/3/56"],  # parts of different sets
        ["shc:/3/2/56"],  # index beyond the count
        [],
    ],
)
def test_bad_part_sets(texts: list[str]) -> None:
    with pytest.raises(MalformedPass):
        assemble(texts)


@pytest.mark.parametrize("text", ["shc:/", "shc:/5", "shc:/567", "shc:/78", "shc:/12a4", "shc:/５６"])
def test_bad_digits_are_malformed(text: str, verifier: Verifier) -> None:
    assert verifier.verify(text, NOW).reason is Reason.MALFORMED


def test_unknown_issuer() -> None:
    d = Verifier(TrustStore.empty()).verify(qr_texts("00")[0], NOW)
    assert d.reason is Reason.UNKNOWN_KEY


def test_parse_refuses_a_jws_that_is_not_three_parts() -> None:
    with pytest.raises(MalformedPass):
        shc.parse_jws("a.b")


def test_station_trusts_the_issuers_named_in_its_config(tmp_path: Path) -> None:
    issuers = tmp_path / "shc-issuers"
    shutil.copytree(SHC / "issuer", issuers / "example")
    (issuers / "issuers.json").write_text(json.dumps({"https://spec.smarthealth.cards/examples/issuer": "example"}))
    cfg = parse_config({"trust": {"shc_issuers": str(issuers)}, "station": {"data_dir": str(tmp_path / "d")}})
    station = Station(cfg, FixedClock(NOW))
    assert not station.problems
    decision, _ = station.decide(qr_texts("00")[0])
    assert decision.accepted, decision.detail


def test_station_reports_an_unreadable_issuer_folder(tmp_path: Path) -> None:
    cfg = parse_config({"trust": {"shc_issuers": str(tmp_path)}, "station": {"data_dir": str(tmp_path / "d")}})
    station = Station(cfg, FixedClock(NOW))
    assert any("issuers.json" in p.message for p in station.problems)


def test_fhir_partial_dates_and_unknown_codes_are_skipped_not_fatal() -> None:
    bundle = {
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
                    "name": [{"family": "Trần", "given": ["Thị", "Bích"]}],
                    "birthDate": "1990",
                }
            },
            {
                "resource": {
                    "resourceType": "Immunization",
                    "status": "completed",
                    "occurrenceDateTime": "2021-05",
                    "vaccineCode": {"coding": [{"system": shc_fhir.CVX, "code": "208"}]},
                }
            },
            {
                "resource": {
                    "resourceType": "Immunization",
                    "status": "not-done",
                    "occurrenceDateTime": "2021-06-01",
                    "vaccineCode": {"coding": [{"system": shc_fhir.CVX, "code": "208"}]},
                }
            },
            {
                "resource": {
                    "resourceType": "Immunization",
                    "status": "completed",
                    "occurrenceDateTime": "2021-07-01",
                    "vaccineCode": {"coding": [{"system": shc_fhir.CVX, "code": "03"}]},
                }
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "effectiveDateTime": "2021-07-02T08:00:00Z",
                    "code": {"coding": [{"system": shc_fhir.LOINC, "code": "94500-6"}]},
                    "valueCodeableConcept": {"coding": [{"system": shc_fhir.SNOMED, "code": "260385009"}]},
                }
            },
        ]
    }
    cert = shc_fhir.certificate(bundle, "https://issuer.example")
    assert cert.name == "Thị Bích Trần" and cert.birth_date == "1990"
    assert [v.disease for v in cert.vaccinations] == ["cvx:03"]  # MMR: kept, but not COVID-19
    (t,) = cert.tests
    assert t.negative and t.test_type == "LP6464-4"
    with pytest.raises(MalformedPass):
        shc_fhir.certificate({"entry": [{"resource": {"resourceType": "Patient", "name": "x"}}]}, "i")
