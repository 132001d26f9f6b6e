"""NZCP, the New Zealand COVID Pass (nzcp.covid19.health.nz, version 1), verified offline.

Layers: ``NZCP:/1/`` + Base32 (RFC 4648, no padding) → COSE_Sign1 (tag 18) with ES256 and the kid in
the protected header → CWT claims: ``iss`` (a ``did:web`` issuer), ``nbf``, ``exp``, ``cti`` (16
bytes), ``vc`` with type ``PublicCovidPass`` and the holder's ``givenName``, ``familyName``, ``dob``.

A Public Covid Pass lists no vaccination or test: the issuer attests that the holder meets its
requirements, so the certificate carries that attestation for the rules (``accept_attestations``).
The key is looked up as ``<iss>#<kid>``, the DID verification method id (``trust/_did.py``).
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Mapping
from typing import Any

import cbor2

from checkpoint.errors import MalformedPass
from checkpoint.formats import _claims as claims
from checkpoint.formats._cbor import loads_strict
from checkpoint.formats._cose import ALG_ES256, HEADER_ALG, HEADER_KID, parse_sign1
from checkpoint.model import Alg, HealthCertificate, Pass, SignedPass, Subject

PREFIX = "NZCP:/"
FORMAT = "NZCP"
CATEGORY = "health-certificate"
VC_TYPE = "PublicCovidPass"
ATTESTATION = "NZ COVID Pass (the issuer attests the holder meets its requirements)"
CLAIM_ISS, CLAIM_EXP, CLAIM_NBF, CLAIM_CTI = 1, 4, 5, 7
TAG_UINT8_ARRAY = 64  # RFC 8746
_BASE32 = re.compile(r"[A-Z2-7]+")


def parse(text: str) -> SignedPass:
    """Parse NZCP text (prefix included, line ending stripped). Raises ``MalformedPass``."""
    if not text.startswith(PREFIX + "1/"):
        raise MalformedPass("NZCP: only version 1 (NZCP:/1/) is supported")
    body = text[len(PREFIX) + 2 :]
    if not _BASE32.fullmatch(body):
        raise MalformedPass("NZCP: the payload is not Base32")
    try:
        data = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        raise MalformedPass("NZCP: the payload is not Base32") from None
    sign1 = parse_sign1(data)
    kid = sign1.protected.get(HEADER_KID)
    if not isinstance(kid, bytes) or not kid:
        raise MalformedPass("COSE: key id is not in the protected header")
    if sign1.protected.get(HEADER_ALG) != ALG_ES256:
        raise MalformedPass("COSE: NZCP requires ES256 in the protected header")
    payload = loads_strict(sign1.payload, "CWT claims")
    if not isinstance(payload, Mapping):
        raise MalformedPass("CWT claims are not a map")
    p = pass_from_claims(payload)
    return SignedPass(
        format=FORMAT,
        kid=p.issuer.encode("utf-8") + b"#" + kid,
        alg=Alg.ES256,
        signed_data=sign1.signed_data(),
        signature=sign1.signature,
        pass_=p,
    )


def pass_from_claims(m: Mapping[Any, Any]) -> Pass:
    iss = claims.get(m, CLAIM_ISS, str, "iss", required=True)
    nbf = claims.timestamp(claims.get(m, CLAIM_NBF, int, "nbf", required=True), "nbf")
    exp = claims.timestamp(claims.get(m, CLAIM_EXP, int, "exp", required=True), "exp")
    cti = m.get(CLAIM_CTI)
    if isinstance(cti, cbor2.CBORTag) and cti.tag == TAG_UINT8_ARRAY:  # some issuers tag the bytes
        cti = cti.value
    if not isinstance(cti, bytes) or len(cti) != 16:
        raise MalformedPass("claim cti is not 16 bytes (a UUID)")
    vc = claims.get(m, "vc", Mapping, "vc", required=True)
    types = claims.get(vc, "type", list, "vc.type", required=True)
    if VC_TYPE not in types:
        raise MalformedPass(f"vc.type does not include {VC_TYPE}")
    version = claims.get(vc, "version", str, "vc.version", required=True)
    if not version.startswith("1."):
        raise MalformedPass(f"vc.version {version} is not supported (this station reads 1.x)")
    subject = claims.get(vc, "credentialSubject", Mapping, "vc.credentialSubject", required=True)
    given = claims.get(subject, "givenName", str, "givenName", required=True)
    family = claims.get(subject, "familyName", str, "familyName", required=False)
    dob = claims.get(subject, "dob", str, "dob", required=True)
    cert = HealthCertificate(
        family_name=family,
        given_name=given,
        family_name_icao=None,
        given_name_icao=None,
        birth_date=dob,
        schema_version=version,
        attestation=ATTESTATION,
    )
    return Pass(
        format=FORMAT,
        issuer=iss,
        pass_id=cti,
        issued_at=nbf,
        not_before=nbf,
        expires=exp,
        subject=Subject(name=cert.name, id_number=None, birth_date=dob, category=CATEGORY),
        certificate=cert,
        document_id=f"urn:uuid:{uuid.UUID(bytes=cti)}",  # the pass's jti (NZCP spec)
    )
