"""CP1, the native checkpoint pass (``shared/specs/cp1-pass-format.md``, copied to ``docs/``).

Layers, outermost first: ``CP1:`` + Base45 → zlib (or none) → COSE_Sign1 → CWT claims → pass body.
Everything here is parsing; the signature and times are the verifier's job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from checkpoint.errors import MalformedPass
from checkpoint.formats import _claims as claims
from checkpoint.formats import base45
from checkpoint.formats._cbor import dumps, loads_strict
from checkpoint.formats._compression import maybe_inflate
from checkpoint.formats._cose import ALG_EDDSA, ALG_ES256, HEADER_ALG, HEADER_KID, build_sign1, parse_sign1
from checkpoint.model import Alg, Health, Pass, SignedPass, Subject, TestResult

PREFIX = "CP1:"
FORMAT = "CP1"
CLAIM_ISS, CLAIM_EXP, CLAIM_NBF, CLAIM_IAT, CLAIM_CTI = 1, 4, 5, 6, 7
CLAIM_PASS = -65537
ALGS = {ALG_EDDSA: Alg.EDDSA, ALG_ES256: Alg.ES256}
COSE_ALG = {v: k for k, v in ALGS.items()}
_DOB = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")


def parse(text: str) -> SignedPass:
    """Parse CP1 text (prefix included, line ending already stripped). Raises ``MalformedPass``."""
    if not text.startswith(PREFIX):
        raise MalformedPass("not a CP1 pass")
    cose = maybe_inflate(base45.b45decode(text[len(PREFIX) :]))
    sign1 = parse_sign1(cose)
    if HEADER_KID not in sign1.protected:
        where = "only in the unprotected header" if HEADER_KID in sign1.unprotected else "missing"
        raise MalformedPass(f"COSE: key id is {where}; CP1 requires it in the protected header")
    kid = sign1.protected[HEADER_KID]
    if not isinstance(kid, bytes) or len(kid) != 8:
        raise MalformedPass("COSE: key id is not 8 bytes")
    alg_value = sign1.protected.get(HEADER_ALG)
    if not isinstance(alg_value, int) or isinstance(alg_value, bool):
        raise MalformedPass("COSE: algorithm is missing from the protected header")
    payload = loads_strict(sign1.payload, "CWT claims")
    if type(payload) is not dict and not isinstance(payload, Mapping):
        raise MalformedPass("CWT claims are not a map")
    return SignedPass(
        format=FORMAT,
        kid=kid,
        alg=ALGS.get(alg_value),
        signed_data=sign1.signed_data(),
        signature=sign1.signature,
        pass_=pass_from_claims(payload),
    )


def pass_from_claims(m: Mapping[Any, Any]) -> Pass:
    iss = claims.get(m, CLAIM_ISS, str, "iss", required=True)
    iat = claims.timestamp(claims.get(m, CLAIM_IAT, int, "iat", required=True), "iat")
    nbf_raw = claims.get(m, CLAIM_NBF, int, "nbf", required=False)
    nbf = claims.timestamp(nbf_raw, "nbf") if nbf_raw is not None else iat
    exp = claims.timestamp(claims.get(m, CLAIM_EXP, int, "exp", required=True), "exp")
    cti = claims.get(m, CLAIM_CTI, bytes, "cti", required=True)
    if len(cti) != 16:
        raise MalformedPass("claim cti is not 16 bytes")
    body = claims.get(m, CLAIM_PASS, Mapping, "pass", required=True)
    return Pass(
        format=FORMAT,
        issuer=iss,
        pass_id=cti,
        issued_at=iat,
        not_before=nbf,
        expires=exp,
        subject=_subject(body),
        health=_health(claims.get(body, "hs", Mapping, "pass.hs", required=False)),
        document_id=cti.hex(),
    )


def _subject(body: Mapping[Any, Any]) -> Subject:
    version = claims.get(body, "v", int, "pass.v", required=True)
    if version != 1:
        raise MalformedPass(f"pass body version {version} is not supported (this station reads version 1)")
    dob = claims.get(body, "dob", str, "pass.dob", required=True)
    if not _DOB.fullmatch(dob):
        raise MalformedPass("claim pass.dob is not YYYY, YYYY-MM or YYYY-MM-DD")

    def opt(key: str) -> str | None:
        value: str | None = claims.get(body, key, str, f"pass.{key}", required=False)
        return value

    return Subject(
        name=claims.get(body, "nam", str, "pass.nam", required=True),
        id_number=claims.get(body, "idn", str, "pass.idn", required=True),
        birth_date=dob,
        category=claims.get(body, "cat", str, "pass.cat", required=True),
        vehicle=opt("veh"),
        origin=opt("org"),
        destination=opt("dst"),
        purpose=opt("pur"),
    )


def _health(hs: Mapping[Any, Any] | None) -> Health:
    if hs is None:
        return Health()
    test = None
    tst = claims.get(hs, "tst", Mapping, "pass.hs.tst", required=False)
    if tst is not None:
        test = TestResult(
            type=claims.get(tst, "typ", str, "pass.hs.tst.typ", required=True),
            sampled_at=claims.timestamp(claims.get(tst, "dat", int, "pass.hs.tst.dat", required=True), "dat"),
            result=claims.get(tst, "res", str, "pass.hs.tst.res", required=True),
        )
    return Health(
        symptoms=claims.get(hs, "sym", bool, "pass.hs.sym", required=False),
        test=test,
        vaccine_doses=claims.get(hs, "vac", int, "pass.hs.vac", required=False),
    )


def encode(
    claims_map: Mapping[int, Any],
    *,
    kid: bytes,
    alg: Alg,
    sign: Any,
    compress: bool = True,
    tagged: bool = True,
) -> str:
    """Build CP1 text from a claims map: the issuer side, for tools, demos and tests."""
    import zlib

    header = {HEADER_ALG: COSE_ALG[alg], HEADER_KID: kid}
    cose = build_sign1(header, dumps(dict(claims_map)), sign, tagged=tagged)
    data = zlib.compress(cose, 9) if compress else cose
    return PREFIX + base45.b45encode(data)
