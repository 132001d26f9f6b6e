"""SHC, the SMART Health Card (spec.smarthealth.cards), verified offline like CP1 and HC1.

Layers, outermost first: ``shc:/`` + digits (:mod:`checkpoint.formats.shc_chunks`; a multi-part
card is reassembled before it gets here) → compact JWS ``header.payload.signature`` (base64url) →
header ``{"alg": "ES256", "zip": "DEF", "kid": ...}`` → payload raw DEFLATE (same 64 KiB cap) →
JSON ``{"iss", "nbf", "exp"?, "vc": {"type", "credentialSubject": {"fhirBundle"}, "rid"?}}`` →
:mod:`checkpoint.formats._shc_fhir`.

The kid is the issuer's JWK ``kid`` (its thumbprint), looked up as its UTF-8 bytes; the key must also
belong to the ``iss`` the card names (the trust store records each key's issuer URL).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from checkpoint.errors import MalformedPass
from checkpoint.formats import _claims as claims
from checkpoint.formats import _shc_fhir as shc_fhir
from checkpoint.formats import shc_chunks
from checkpoint.formats._compression import inflate_capped
from checkpoint.model import Alg, Pass, SignedPass, Subject

PREFIX = shc_chunks.PREFIX
FORMAT = "SHC"
CATEGORY = "health-certificate"
HEALTH_CARD_TYPE = "https://smarthealth.cards#health-card"
ALGS = {"ES256": Alg.ES256}
NO_EXPIRY = datetime.max.replace(tzinfo=UTC)
MAX_SECONDS = 10**11  # a NumericDate past this (year 5138) is milliseconds written by mistake
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def parse(text: str) -> SignedPass:
    """Parse single-QR SHC text (prefix included, line ending stripped). Raises ``MalformedPass``."""
    if not text.startswith(PREFIX):
        raise MalformedPass("not a SMART Health Card")
    chunk = shc_chunks.chunk_of(text)
    if chunk is None:
        return parse_jws(shc_chunks.decode_numeric(text[len(PREFIX) :]))
    if chunk.total == 1:
        return parse_jws(shc_chunks.decode_numeric(chunk.digits))
    raise MalformedPass(f"this QR is part {chunk.index} of {chunk.total} of one card: scan every part")


def b64url(part: str, what: str) -> bytes:
    if not _B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise MalformedPass(f"SHC: JWS {what} is not base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise MalformedPass(f"SHC: JWS {what} is not base64url") from None


def json_strict(data: bytes, what: str) -> Any:
    """Strict, bounded JSON: UTF-8 without BOM, no NaN/Infinity, nothing around the value (issuers
    minify); at most ``MAX_JSON_DEPTH`` deep, ``MAX_JSON_ITEMS`` values and ``MAX_JSON_STRING``
    characters a string, integers of at most ``MAX_INT_DIGITS`` digits, and no name twice in one
    object (a second ``"alg"`` must not override the first)."""
    if data != data.strip():
        raise MalformedPass(f"SHC: {what} has characters around the JSON value")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPass(f"SHC: {what} is not valid JSON (not UTF-8)") from None
    problem = _json_shape_problem(text)
    if problem:
        raise MalformedPass(f"SHC: {what} {problem}")
    try:
        return json.loads(text, parse_constant=_no_constant, parse_int=_bounded_int, parse_float=_finite_float,
                          object_pairs_hook=_unique_names)
    except (ValueError, RecursionError) as e:
        why = str(e) if isinstance(e, _JsonRefused) else type(e).__name__
        raise MalformedPass(f"SHC: {what} is not valid JSON ({why})") from None


MAX_JSON_DEPTH = 32  # a SMART Health Card's FHIR bundle nests about 10 deep
MAX_JSON_ITEMS = 4096  # arrays, objects and values after a comma; a card holds a few hundred
MAX_JSON_STRING = 4096  # characters of one string (escapes counted as written)
MAX_FLOAT_CHARS = 40  # 17 significant digits, sign, point and exponent leave room to spare
MAX_INT_DIGITS = 19  # a 64-bit integer; no claim needs more (Python refuses past 4,300 digits, slowly)
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # unrolled: one tight loop per run of plain characters
_JSON_BRACKETS = re.compile(r"[\[\]{}]")


class _JsonRefused(ValueError):
    pass


def _json_shape_problem(text: str) -> str | None:
    """Caps checked on the text before any parsing, in time linear in its length: the strings'
    lengths, then on what is left without them the number of values and the nesting depth."""
    strings = _JSON_STRING.findall(text)
    if strings and max(map(len, strings)) > MAX_JSON_STRING + 2:
        return f"has a string longer than {MAX_JSON_STRING} characters"
    skeleton = _JSON_STRING.sub('""', text) if strings else text
    opens = skeleton.count("[") + skeleton.count("{")
    if opens + skeleton.count(",") > MAX_JSON_ITEMS:
        return f"has more than {MAX_JSON_ITEMS} values"
    if opens <= MAX_JSON_DEPTH:
        return None
    depth = 0
    for b in _JSON_BRACKETS.findall(skeleton):  # at most 2 * MAX_JSON_ITEMS
        depth += 1 if b in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            return f"is nested deeper than {MAX_JSON_DEPTH} levels"
    return None


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _JsonRefused(f"an integer of more than {MAX_INT_DIGITS} digits")
    return int(digits)


def _finite_float(digits: str) -> float:
    value = float(digits) if len(digits) <= MAX_FLOAT_CHARS else math.inf
    if not math.isfinite(value):
        raise _JsonRefused("a number out of range")
    return value


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _JsonRefused("a name appears twice in one object")
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_jws(jws: str) -> SignedPass:
    parts = jws.split(".")
    if len(parts) != 3:
        raise MalformedPass("SHC: not a compact JWS (header.payload.signature)")
    header = json_strict(b64url(parts[0], "header"), "JWS header")
    if not isinstance(header, Mapping):
        raise MalformedPass("SHC: JWS header is not an object")
    for key in ("alg", "kid", "zip"):
        if not isinstance(header.get(key), str):
            raise MalformedPass(f"SHC: JWS header has no '{key}'")
    if header["zip"] != "DEF":
        raise MalformedPass("SHC: JWS payload is not DEFLATE-compressed (zip must be 'DEF')")
    payload = json_strict(inflate_capped(b64url(parts[1], "payload"), raw=True), "JWS payload")
    if not isinstance(payload, Mapping):
        raise MalformedPass("SHC: JWS payload is not an object")
    signature = b64url(parts[2], "signature")
    return SignedPass(
        format=FORMAT,
        kid=header["kid"].encode("utf-8"),
        alg=ALGS.get(header["alg"]),
        signed_data=f"{parts[0]}.{parts[1]}".encode("ascii"),
        signature=signature,
        pass_=pass_from_payload(payload, hashlib.sha256(signature).digest()[:16]),
    )


def _time(m: Mapping[str, Any], key: str, *, required: bool) -> datetime | None:
    value = claims.get(m, key, (int, float), key, required=required)
    if value is None:
        return None
    if not math.isfinite(value) or abs(value) >= MAX_SECONDS:
        raise MalformedPass(f"claim {key} is out of range (milliseconds instead of seconds?)")
    return claims.timestamp(int(value), key)


def pass_from_payload(m: Mapping[str, Any], fallback_id: bytes) -> Pass:
    """The pass; ``fallback_id`` (from the signature) identifies a card without a ``rid``."""
    iss = claims.get(m, "iss", str, "iss", required=True)
    nbf = _time(m, "nbf", required=True)
    assert nbf is not None
    exp = _time(m, "exp", required=False) or NO_EXPIRY
    vc = claims.get(m, "vc", Mapping, "vc", required=True)
    types = claims.get(vc, "type", list, "vc.type", required=True)
    if HEALTH_CARD_TYPE not in types:
        raise MalformedPass(f"vc.type does not include {HEALTH_CARD_TYPE}")
    rid = claims.get(vc, "rid", str, "vc.rid", required=False)
    subject = claims.get(vc, "credentialSubject", Mapping, "vc.credentialSubject", required=True)
    bundle = claims.get(subject, "fhirBundle", Mapping, "vc.credentialSubject.fhirBundle", required=True)
    cert = shc_fhir.certificate(bundle, iss)
    return Pass(
        format=FORMAT,
        issuer=iss,
        pass_id=rid.encode("ascii", "replace") if rid else fallback_id,
        issued_at=nbf,
        not_before=nbf,
        expires=exp,
        subject=Subject(name=cert.name, id_number=None, birth_date=cert.birth_date, category=CATEGORY),
        certificate=cert,
        document_id=rid or None,
    )
