"""What a pass says, once decoded: format-neutral values the verifier, rules, log and UI share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

#: Pass categories (CP1 spec). Kept here, not in the CP1 parser, so config and rules need no parser.
CATEGORIES = ("resident", "worker", "freight", "official", "medical", "emergency", "transit")


def mask_id(id_number: str, fill: str = "•") -> str:
    """An id number with all but its last 4 characters hidden: the one masking rule (screens, ``scan`` output,
    masked exports). A number of 4 characters or fewer keeps at most all but 2, so it is never shown whole.
    Screens fill with ``•``, files with ``*`` (checkpoint.export._masking)."""
    value = id_number.strip()
    keep = 4 if len(value) > 4 else max(len(value) - 2, 0)
    return fill * (len(value) - keep) + value[len(value) - keep :]


class Alg(StrEnum):
    """Signature algorithms the station can check. Which ones a format admits is the parser's call."""

    EDDSA = "EdDSA"  # Ed25519
    ES256 = "ES256"  # ECDSA P-256, SHA-256, raw r||s signature
    PS256 = "PS256"  # RSASSA-PSS, SHA-256 (HC1 only)


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class, despite the name

    type: str  # "PCR" / "RAT"
    sampled_at: datetime
    result: str  # "negative" / "positive"


@dataclass(frozen=True)
class Health:
    symptoms: bool | None = None
    test: TestResult | None = None
    vaccine_doses: int | None = None


@dataclass(frozen=True)
class Subject:
    """The person, and what the officer checks against the ID card: name, birth date and, where the
    document carries one, the holder's national id (CP1 ``idn``: CCCD or passport number).

    ``id_number`` is the person's id, never the document's: a health certificate (HC1, SHC, NZCP)
    carries none, so it is None there; the document's own id is :attr:`Pass.document_id`.
    """

    name: str
    id_number: str | None
    birth_date: str
    category: str
    vehicle: str | None = None
    origin: str | None = None
    destination: str | None = None
    purpose: str | None = None

    @property
    def masked_id(self) -> str | None:
        """The id number with all but the last 4 digits hidden, for screens; None without one."""
        return mask_id(self.id_number) if self.id_number else None


@dataclass(frozen=True)
class Vaccination:
    """One vaccination entry of a health certificate (EU DCC ``v``)."""

    disease: str  # tg, SNOMED CT code: 840539006 is COVID-19
    vaccine: str  # vp
    product: str  # mp, e.g. EU/1/20/1528
    manufacturer: str  # ma
    dose: int  # dn
    doses_total: int  # sd
    date: date  # dt
    country: str  # co
    issuer: str  # is
    cert_id: str  # ci


@dataclass(frozen=True)
class HealthTest:
    """One test entry of a health certificate (EU DCC ``t``)."""

    disease: str  # tg
    test_type: str  # tt: LP6464-4 NAAT (PCR), LP217198-3 rapid antigen
    sampled_at: datetime  # sc
    negative: bool  # tr: 260415000 not detected (negative), 260373001 detected
    country: str  # co
    issuer: str  # is
    cert_id: str  # ci
    name: str | None = None  # nm
    device: str | None = None  # ma, rapid antigen device id
    centre: str | None = None  # tc


@dataclass(frozen=True)
class Recovery:
    """One recovery entry of a health certificate (EU DCC ``r``)."""

    disease: str  # tg
    first_positive: date  # fr
    valid_from: date  # df
    valid_until: date  # du
    country: str  # co
    issuer: str  # is
    cert_id: str  # ci


@dataclass(frozen=True)
class HealthCertificate:
    """A health certificate (EU DCC, SMART Health Card, NZ COVID Pass) as the rules and the display need it."""

    family_name: str | None
    given_name: str | None
    family_name_icao: str | None  # ICAO 9303 transliteration, e.g. NGUYEN<VAN
    given_name_icao: str | None
    birth_date: str
    vaccinations: tuple[Vaccination, ...] = ()
    tests: tuple[HealthTest, ...] = ()
    recoveries: tuple[Recovery, ...] = ()
    schema_version: str = ""
    # NZ COVID Pass: no entries; the issuer attests that the holder meets its requirements.
    attestation: str | None = None
    payload_json: str = ""  # HC1: the certificate as JSON, for the EU business rules (CertLogic)

    @property
    def entries(self) -> tuple[Vaccination | HealthTest | Recovery, ...]:
        return (*self.vaccinations, *self.tests, *self.recoveries)

    @property
    def kind(self) -> str:
        """vaccination, test or recovery (the key usage a signing certificate must allow)."""
        if self.vaccinations:
            return "vaccination"
        if self.tests:
            return "test"
        return "recovery" if self.recoveries else "none"

    @property
    def name(self) -> str:
        return " ".join(n for n in (self.given_name, self.family_name) if n)

    @property
    def icao_name(self) -> str:
        return " ".join(n for n in (self.given_name_icao, self.family_name_icao) if n)


@dataclass(frozen=True)
class Pass:
    """A decoded pass. Nothing in it is trusted until the verifier has checked the signature."""

    format: str
    issuer: str
    pass_id: bytes
    issued_at: datetime
    not_before: datetime
    expires: datetime
    subject: Subject
    health: Health = field(default_factory=Health)
    certificate: HealthCertificate | None = None  # health-certificate formats (HC1, SHC, NZCP) only
    # The document's own id, as the document writes it (CP1: cti in hex; HC1: the UVCI ``ci``; SHC:
    # ``vc.rid``; NZCP: ``urn:uuid:`` + cti). Shown and exported as "Document no.", never as an id
    # number; ``pass_id`` (bytes) is its key for revocation and duplicate detection.
    document_id: str | None = None


@dataclass(frozen=True)
class SignedPass:
    """A parsed pass with what is needed to check its signature."""

    format: str
    kid: bytes
    alg: Alg | None  # None: the header names an algorithm this format does not admit
    signed_data: bytes
    signature: bytes
    pass_: Pass
