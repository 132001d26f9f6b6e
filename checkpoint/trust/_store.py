"""The trust store: issuer keys by kid, immutable, replaced whole when a new list is accepted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from checkpoint.decision import Grounds, Why
from checkpoint.trust.keys import PublicKey

if TYPE_CHECKING:
    from cryptography import x509


class KeyStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


@dataclass(frozen=True)
class TrustedKey:
    kid: bytes
    public_key: PublicKey
    source: str
    issuer: str | None = None  # issuer code the key may sign for; None: any
    not_before: datetime | None = None
    not_after: datetime | None = None
    status: KeyStatus = KeyStatus.ACTIVE
    revoked_at: datetime | None = None
    certificate: x509.Certificate | None = None
    aliases: tuple[bytes, ...] = ()  # further kids it is found under (HC1: the certificate's kid)
    uses: frozenset[str] | None = None  # health-certificate kinds it may sign (EKU); None: any
    # Passes this key's issuer revoked (SHC rid lists): pass id -> revoked if issued before (None: all).
    revoked_ids: Mapping[bytes, datetime | None] | None = field(default=None, compare=False, hash=False)

    @property
    def kids(self) -> tuple[bytes, ...]:
        return (self.kid, *self.aliases)

    def problem_at(self, issued_at: datetime, issuer: str) -> Grounds | None:
        """Why this key may not vouch for a pass issued at ``issued_at`` by ``issuer``, or None.

        A revoked key refuses every pass, whatever its issue time: whoever holds a compromised key
        can write any ``iat`` they like, so the revocation time is a record, not a cut-off.
        """
        if self.status is KeyStatus.REVOKED:
            if self.revoked_at:
                return Grounds.of(Why.KEY_REVOKED_AT, revoked_at=self.revoked_at)
            return Grounds(Why.KEY_REVOKED)
        if self.not_before and issued_at < self.not_before:
            return Grounds(Why.KEY_NOT_YET_VALID)
        if self.not_after and issued_at >= self.not_after:
            return Grounds(Why.KEY_EXPIRED)
        if self.issuer is not None and issuer != self.issuer:
            return Grounds.of(Why.KEY_WRONG_ISSUER, issuer=issuer)
        return None

    def use_problem(self, use: str | None) -> Grounds | None:
        """Why the signer may not sign this kind of health certificate (vaccination, test, recovery),
        or None. Checked against the signer certificate's extended key usage (``certs.allowed_uses``);
        ``use`` is None for passes that have no kind (CP1)."""
        if use is None or self.may_sign(use):
            return None
        if not self.uses:
            return Grounds(Why.SIGNER_USE_UNREADABLE)
        return Grounds.of(Why.SIGNER_NOT_ALLOWED, allowed=", ".join(sorted(self.uses)), kind=use)

    def revokes(self, pass_id: bytes, issued_at: datetime) -> bool:
        """Whether this key's issuer revoked the pass (its own list, beside the station's)."""
        if self.revoked_ids is None or pass_id not in self.revoked_ids:
            return False
        before = self.revoked_ids[pass_id]
        return before is None or issued_at < before

    def may_sign(self, use: str) -> bool:
        """Whether the key usage allows signing this kind of health certificate."""
        return self.uses is None or use in self.uses


@dataclass(frozen=True)
class TrustSource:
    """Where the keys came from: a folder, or a signed trust list of a version."""

    description: str
    version: int | None = None
    issued: datetime | None = None
    expires: datetime | None = None


class TrustStore:
    def __init__(self, keys: Iterable[TrustedKey], source: TrustSource) -> None:
        index: dict[bytes, list[TrustedKey]] = {}
        for k in keys:
            for kid in k.kids:
                index.setdefault(kid, []).append(k)
        self._index = {kid: tuple(ks) for kid, ks in index.items()}
        self.source = source

    def candidates(self, kid: bytes) -> tuple[TrustedKey, ...]:
        return self._index.get(kid, ())

    def __len__(self) -> int:
        return len(self.all_keys())

    def all_keys(self) -> list[TrustedKey]:
        """Every key once, though a key with aliases is indexed under several kids."""
        return list({id(k): k for ks in self._index.values() for k in ks}.values())

    @classmethod
    def empty(cls) -> TrustStore:
        return cls((), TrustSource("no trusted keys"))
