"""The FHIR bundle inside a SMART Health Card, as a :class:`HealthCertificate`.

Only what a checkpoint reads is taken: the Patient's name and birth date, completed COVID-19
Immunizations (by CVX code), and final SARS-CoV-2 test Observations (by LOINC code). Other
resources (lab panels, specimens, ...) are carried by the card but ignored here. Every value read is
type-checked; a wrong type is MALFORMED. FHIR profile validation is not done (the signature vouches
for the content; docs/formats.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from checkpoint.errors import MalformedPass
from checkpoint.model import HealthCertificate, HealthTest, Vaccination

COVID_19 = "840539006"
CVX = "http://hl7.org/fhir/sid/cvx"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
#: CVX codes of COVID-19 vaccines (CDC list, 2023).
COVID_CVX = frozenset(
    {str(c) for c in (*range(207, 214), *range(217, 222), *range(225, 231), 300, 301, 302, *range(500, 520))}
)
#: LOINC codes of SARS-CoV-2 tests: nucleic acid amplification (NAAT) and antigen.
NAAT_LOINC = frozenset(
    {
        "94309-2",
        "94500-6",
        "94306-8",
        "94531-1",
        "94533-7",
        "94534-5",
        "94759-8",
        "94845-5",
        "95406-5",
        "96094-8",
        "96123-5",
    }
)
ANTIGEN_LOINC = frozenset({"94558-4", "95209-3", "96119-3", "97097-0"})
NEGATIVE = frozenset({"260385009", "260415000"})  # SNOMED: Negative, Not detected
MAX_ENTRIES = 256
_PARTIAL_DATE = re.compile(r"\d{4}(-\d{2})?")


def certificate(bundle: Mapping[str, Any], issuer: str) -> HealthCertificate:
    entries = _list(bundle, "entry", "fhirBundle.entry")
    if len(entries) > MAX_ENTRIES:
        raise MalformedPass(f"fhirBundle has more than {MAX_ENTRIES} entries")
    resources = []
    for i, e in enumerate(entries):
        if not isinstance(e, Mapping) or not isinstance(e.get("resource"), Mapping):
            raise MalformedPass(f"fhirBundle.entry[{i}] has no resource")
        resources.append(e["resource"])
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    family, given, birth = _patient(patients[0]) if patients else (None, None, "")
    doses = sorted(
        (
            d
            for d in (_immunization(r, issuer) for r in resources if r.get("resourceType") == "Immunization")
            if d
        ),
        key=lambda v: v.date,
    )
    vaccinations = tuple(
        Vaccination(
            v.disease, v.vaccine, v.product, v.manufacturer, n, 0, v.date, v.country, v.issuer, v.cert_id
        )
        for n, v in enumerate((v for v in doses if v.disease == COVID_19), start=1)
    ) + tuple(v for v in doses if v.disease != COVID_19)
    tests = tuple(
        t for t in (_observation(r, issuer) for r in resources if r.get("resourceType") == "Observation") if t
    )
    return HealthCertificate(
        family_name=family,
        given_name=given,
        family_name_icao=None,
        given_name_icao=None,
        birth_date=birth,
        vaccinations=vaccinations,
        tests=tests,
    )


def _list(m: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = m.get(key, [])
    if not isinstance(value, list):
        raise MalformedPass(f"{where} is not a list")
    return value


def _text(m: Mapping[str, Any], key: str, where: str) -> str | None:
    value = m.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedPass(f"{where}.{key} is not text")
    return value


def _patient(r: Mapping[str, Any]) -> tuple[str | None, str | None, str]:
    names = _list(r, "name", "Patient.name")
    family = given = None
    if names:
        n = names[0]
        if not isinstance(n, Mapping):
            raise MalformedPass("Patient.name[0] is not a map")
        family = _text(n, "family", "Patient.name[0]")
        parts = _list(n, "given", "Patient.name[0].given")
        if not all(isinstance(p, str) for p in parts):
            raise MalformedPass("Patient.name[0].given is not a list of texts")
        given = " ".join(parts) or None
    return family, given, _text(r, "birthDate", "Patient") or ""


def _codes(r: Mapping[str, Any], key: str, where: str) -> list[tuple[str, str]]:
    concept = r.get(key)
    if not isinstance(concept, Mapping):
        return []
    out = []
    for c in _list(concept, "coding", f"{where}.{key}.coding"):
        if isinstance(c, Mapping) and isinstance(c.get("system"), str) and isinstance(c.get("code"), str):
            out.append((c["system"], c["code"]))
    return out


def _when(r: Mapping[str, Any], key: str, where: str) -> datetime | None:
    """A FHIR date or dateTime; None when absent or partial (YYYY, YYYY-MM: no day to count from)."""
    text = _text(r, key, where)
    if text is None or _PARTIAL_DATE.fullmatch(text):
        return None
    try:
        value = (
            datetime.fromisoformat(text)
            if "T" in text
            else datetime.combine(date.fromisoformat(text), datetime.min.time())
        )
    except ValueError:
        raise MalformedPass(f"{where}.{key} is not a date") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _immunization(r: Mapping[str, Any], issuer: str) -> Vaccination | None:
    if r.get("status") != "completed":
        return None
    when = _when(r, "occurrenceDateTime", "Immunization")
    cvx = next((code for system, code in _codes(r, "vaccineCode", "Immunization") if system == CVX), None)
    if when is None or cvx is None:
        return None
    disease = COVID_19 if cvx in COVID_CVX else f"cvx:{cvx}"
    return Vaccination(disease, cvx, f"CVX {cvx}", "", 0, 0, when.date(), "", issuer, "")


def _observation(r: Mapping[str, Any], issuer: str) -> HealthTest | None:
    if r.get("status") not in ("final", "amended", "corrected"):
        return None
    loinc = {code for system, code in _codes(r, "code", "Observation") if system == LOINC}
    kind = "LP6464-4" if loinc & NAAT_LOINC else "LP217198-3" if loinc & ANTIGEN_LOINC else None
    when = _when(r, "effectiveDateTime", "Observation")
    if kind is None or when is None:
        return None
    results = {code for system, code in _codes(r, "valueCodeableConcept", "Observation") if system == SNOMED}
    return HealthTest(COVID_19, kind, when, bool(results & NEGATIVE), "", issuer, "")
