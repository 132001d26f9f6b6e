"""The issuer side: sign CP1 passes, make trust and revocation lists.

For pilots, demos and tests; the same functions a provincial portal could script through
``checkpoint issuer``. Test keys made here must never be trusted in a deployment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from checkpoint.formats import cp1
from checkpoint.model import Health, Subject
from checkpoint.trust import keys

PASS_VALIDITY = timedelta(days=3)


@dataclass(frozen=True)
class PassRequest:
    subject: Subject
    issuer: str
    issued_at: datetime
    health: Health = field(default_factory=Health)
    valid_for: timedelta = PASS_VALIDITY
    not_before: datetime | None = None
    pass_id: bytes | None = None  # 16 random bytes when None


def body_of(subject: Subject, health: Health) -> dict[str, Any]:
    if not subject.id_number:
        raise ValueError("a CP1 pass names the holder's id number (idn)")
    body: dict[str, Any] = {
        "v": 1,
        "nam": subject.name,
        "idn": subject.id_number,
        "dob": subject.birth_date,
        "cat": subject.category,
    }
    for key, value in (("veh", subject.vehicle), ("org", subject.origin), ("dst", subject.destination),
                       ("pur", subject.purpose)):
        if value is not None:
            body[key] = value
    hs: dict[str, Any] = {}
    if health.symptoms is not None:
        hs["sym"] = health.symptoms
    if health.test is not None:
        hs["tst"] = {"typ": health.test.type, "dat": int(health.test.sampled_at.timestamp()),
                     "res": health.test.result}
    if health.vaccine_doses is not None:
        hs["vac"] = health.vaccine_doses
    if hs:
        body["hs"] = hs
    return body


def claims_of(req: PassRequest, body: Mapping[str, Any] | None = None) -> dict[int, Any]:
    iat = int(req.issued_at.timestamp())
    claims: dict[int, Any] = {
        cp1.CLAIM_ISS: req.issuer,
        cp1.CLAIM_IAT: iat,
        cp1.CLAIM_EXP: iat + int(req.valid_for.total_seconds()),
        cp1.CLAIM_CTI: req.pass_id or os.urandom(16),
        cp1.CLAIM_PASS: dict(body) if body is not None else body_of(req.subject, req.health),
    }
    if req.not_before is not None:
        claims[cp1.CLAIM_NBF] = int(req.not_before.timestamp())
    return claims


def sign_pass(req: PassRequest, key: keys.PrivateKey, *, body: Mapping[str, Any] | None = None) -> str:
    """CP1 text for ``req``, signed with ``key``. ``body`` overrides the pass body (raw keys)."""
    return cp1.encode(
        claims_of(req, body),
        kid=keys.kid_of(key.public_key()),
        alg=keys.alg_for_private(key),
        sign=lambda data: keys.sign(key, data),
    )


def qr_png(text: str, scale: int = 6) -> bytes:
    """The pass as a QR image (alphanumeric mode, error correction Q as the spec recommends)."""
    import io

    import segno

    qr = segno.make_qr(text, error="q", boost_error=False)
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()
