"""What a pass says, once decoded: format-neutral values the verifier, rules, log and UI share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


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
    """The person, and what the officer checks against the ID card."""

    name: str
    id_number: str
    birth_date: str
    category: str
    vehicle: str | None = None
    origin: str | None = None
    destination: str | None = None
    purpose: str | None = None

    @property
    def masked_id(self) -> str:
        """The id number with all but the last 4 digits hidden, for screens and logs."""
        tail = self.id_number[-4:]
        return "•" * max(0, len(self.id_number) - 4) + tail


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


@dataclass(frozen=True)
class SignedPass:
    """A parsed pass with what is needed to check its signature."""

    format: str
    kid: bytes
    alg: Alg | None  # None: the header names an algorithm this format does not admit
    signed_data: bytes
    signature: bytes
    pass_: Pass
