"""Helpers for SHC tests: the example issuer's trust, and minting cards with a test key."""

from __future__ import annotations

import base64
import json
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from checkpoint.decision import Decision, Grounds, Reason, Why, reject
from checkpoint.errors import MalformedPass
from checkpoint.formats import shc
from checkpoint.trust import keys
from checkpoint.trust._store import TrustSource, TrustStore
from checkpoint.trust_files import load_issuer_dir
from checkpoint.verify import Verifier
from tests.conftest import DATA

EXAMPLE_ISS = "https://spec.smarthealth.cards/examples/issuer"
SHC = DATA / "shc"


def example_store(folder: Path = SHC / "issuer") -> TrustStore:
    return TrustStore(load_issuer_dir(EXAMPLE_ISS, folder), TrustSource("example issuer"))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def private_key(jwk: dict[str, Any]) -> ec.EllipticCurvePrivateKey:
    d = int.from_bytes(base64.urlsafe_b64decode(jwk["d"] + "=" * (-len(jwk["d"]) % 4)), "big")
    return ec.derive_private_key(d, ec.SECP256R1())


def mint(
    payload: bytes, key: ec.EllipticCurvePrivateKey, kid: str, header: dict[str, Any] | None = None
) -> str:
    """A compact JWS as a SMART issuer makes it: raw DEFLATE of the payload bytes, ES256."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(payload) + c.flush()
    h = b64url(json.dumps(header or {"zip": "DEF", "alg": "ES256", "kid": kid}).encode())
    signing_input = f"{h}.{b64url(body)}"
    return f"{signing_input}.{b64url(keys.sign(key, signing_input.encode()))}"


def verify_jws(verifier: Verifier, jws: str, now: datetime) -> Decision:
    """A JWS through the verifier's checks, as from a QR (less the digit layer: some vectors hold
    characters a numeric QR cannot carry)."""
    try:
        signed = shc.parse_jws(jws)
    except MalformedPass as e:
        return reject(Reason.MALFORMED, Grounds.of(Why.DAMAGED, problem=str(e)), now, format=shc.FORMAT)
    return verifier.check_signed(signed, now)
