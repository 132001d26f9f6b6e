"""Real keys, real signatures, real lists: builders for tests (no mocks of the crypto)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from checkpoint.issuer import PassRequest, sign_pass
from checkpoint.model import Alg, Health, Subject
from checkpoint.trust import keys
from checkpoint.trust._revocation import build_revocation_list
from checkpoint.trust._trustlist import KeyEntry, build_trust_list

T0 = datetime(2021, 7, 24, 0, 0, tzinfo=UTC)
PERSON = Subject("Nguyễn Văn An", "001085012345", "1985-03-02", "worker", "29A-123.45", "Hà Nội", "Bắc Ninh")


def make_pass(key: keys.PrivateKey, *, issuer: str = "VN-LCI", at: datetime = T0, subject: Subject = PERSON,
              health: Health | None = None, valid_for: timedelta = timedelta(days=3), pass_id: bytes | None = None,
              not_before: datetime | None = None, body: dict[str, Any] | None = None) -> str:
    req = PassRequest(subject, issuer, at, health or Health(symptoms=False), valid_for, not_before, pass_id)
    return sign_pass(req, key, body=body)


def trust_list(root: keys.PrivateKey, *entries: KeyEntry, version: int = 1, issued: datetime = T0,
               valid_for: timedelta = timedelta(days=30)) -> bytes:
    return build_trust_list(entries, version=version, issued=issued, expires=issued + valid_for, root=root)


def revocation_list(root: keys.PrivateKey, ids: list[bytes], *, version: int = 1, issued: datetime = T0,
                    valid_for: timedelta = timedelta(days=7)) -> bytes:
    return build_revocation_list(ids, version=version, issued=issued, expires=issued + valid_for, root=root)


def ed25519() -> keys.PrivateKey:
    return keys.generate(Alg.EDDSA)


def es256() -> keys.PrivateKey:
    return keys.generate(Alg.ES256)
