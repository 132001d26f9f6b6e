"""HC1, the EU Digital COVID Certificate (eHealth Network, "Electronic Health Certificate Specification").

Vietnam's vaccine passport (Decision 5772/QĐ-BYT) uses it, as do the EU and many other countries.
Layers, outermost first, like CP1 (``docs/formats.md``): ``HC1:`` + Base45 → zlib (same 64 KiB cap; an
uncompressed COSE message is accepted too) → COSE_Sign1 → CWT claims → claim -260 (hcert) key 1
(``eu_dgc_v1``) → :mod:`checkpoint.formats._dcc`.

Differences from CP1: the algorithm is ES256 or PS256; the kid may sit in the protected or, as the
EU specification allows, the unprotected header (the protected one wins when both have it); and the
kid is the first 8 bytes of SHA-256 over the signer's certificate, not over its public key.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from checkpoint.errors import MalformedPass
from checkpoint.formats import _claims as claims
from checkpoint.formats import _dcc as dcc
from checkpoint.formats import base45
from checkpoint.formats._cbor import loads_strict
from checkpoint.formats._compression import maybe_inflate
from checkpoint.formats._cose import ALG_ES256, ALG_PS256, HEADER_ALG, HEADER_KID, Sign1, parse_sign1
from checkpoint.model import Alg, Pass, SignedPass, Subject

PREFIX = "HC1:"
FORMAT = "HC1"
CATEGORY = "health-certificate"
CLAIM_ISS, CLAIM_EXP, CLAIM_NBF, CLAIM_IAT = 1, 4, 5, 6
CLAIM_HCERT = -260
HCERT_EU_DGC_V1 = 1
ALGS = {ALG_ES256: Alg.ES256, ALG_PS256: Alg.PS256}
MAX_KID = 32


def parse(text: str) -> SignedPass:
    """Parse HC1 text (prefix included, line ending already stripped). Raises ``MalformedPass``."""
    return parse_cose(cose_bytes(text))


def cose_bytes(text: str) -> bytes:
    """The COSE message inside HC1 text: the prefix, Base45 and zlib layers taken off."""
    if not text.startswith(PREFIX):
        raise MalformedPass("not an HC1 certificate")
    return maybe_inflate(base45.b45decode(text[len(PREFIX) :]))


def parse_cose(data: bytes) -> SignedPass:
    sign1 = parse_sign1(data, cwt_tag=True)
    kid, alg = key_id(sign1), algorithm(sign1)
    payload = loads_strict(sign1.payload, "CWT claims")
    if not isinstance(payload, Mapping):
        raise MalformedPass("CWT claims are not a map")
    return SignedPass(
        format=FORMAT,
        kid=kid,
        alg=alg,
        signed_data=sign1.signed_data(),
        signature=sign1.signature,
        pass_=pass_from_claims(payload),
    )


def key_id(sign1: Sign1) -> bytes:
    """The kid: protected header first, else the unprotected one (EU rule)."""
    kid = sign1.protected.get(HEADER_KID, sign1.unprotected.get(HEADER_KID))
    if kid is None:
        raise MalformedPass("COSE: no key id in either header")
    if not isinstance(kid, bytes) or not 0 < len(kid) <= MAX_KID:
        raise MalformedPass("COSE: key id is not a byte string of a sensible length")
    return kid


def algorithm(sign1: Sign1) -> Alg | None:
    """ES256 or PS256, from the protected header first, else the unprotected one (as the EU test data
    requires); None (refused as BAD_SIGNATURE) for any other. It must still fit the signer's key."""
    value = sign1.protected.get(HEADER_ALG, sign1.unprotected.get(HEADER_ALG))
    if value is None:
        raise MalformedPass("COSE: no algorithm in either header")
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedPass("COSE: algorithm is not a number")
    return ALGS.get(value)


def health_payload(m: Mapping[Any, Any]) -> Mapping[Any, Any]:
    """The ``eu_dgc_v1`` map inside the CWT claims."""
    hcert = claims.get(m, CLAIM_HCERT, Mapping, "hcert (-260)", required=True)
    dgc: Mapping[Any, Any] = claims.get(hcert, HCERT_EU_DGC_V1, Mapping, "eu_dgc_v1", required=True)
    return dgc


def uci_hash(cert_id: str) -> bytes:
    """The pass id: the EU revocation hash of the certificate identifier (first 16 bytes of SHA-256
    of the UCI), so the station's revocation list (16-byte ids) can list HC1 certificates too."""
    return hashlib.sha256(cert_id.encode("utf-8")).digest()[:16]


def _time(m: Mapping[Any, Any], key: int, name: str) -> datetime:
    """A NumericDate (RFC 8392): an integer, or a float as several issuers write it (seconds kept)."""
    value = claims.get(m, key, (int, float), name, required=True)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise MalformedPass(f"claim {name} is out of range")
        value = int(value)
    return claims.timestamp(value, name)


def pass_from_claims(m: Mapping[Any, Any]) -> Pass:
    iss = claims.get(m, CLAIM_ISS, str, "iss", required=False) or ""
    iat = _time(m, CLAIM_IAT, "iat")
    nbf = _time(m, CLAIM_NBF, "nbf") if m.get(CLAIM_NBF) is not None else iat
    exp = _time(m, CLAIM_EXP, "exp")
    cert = dcc.certificate(health_payload(m))
    cert_id = cert.entries[0].cert_id
    return Pass(
        format=FORMAT,
        issuer=iss,
        pass_id=uci_hash(cert_id),
        issued_at=iat,
        not_before=nbf,
        expires=exp,
        subject=Subject(
            name=cert.name or cert.icao_name,
            id_number=None,  # a DCC names no national id; its UVCI is the document's id
            birth_date=cert.birth_date,
            category=CATEGORY,
        ),
        certificate=cert,
        document_id=cert_id,
    )
