"""SMART Health Card issuer keys: a JWK set per issuer, with its revocation lists (by ``rid``).

An issuer publishes ``<iss>/.well-known/jwks.json`` and, per key, ``<iss>/.well-known/crl/<kid>.json``.
A station holds a copy of each issuer's ``.well-known`` folder; :mod:`checkpoint.trust_files` reads
them and :func:`jwks_keys` checks what they hold. The keys go into the same
:class:`TrustStore` as CP1 and HC1 keys: kid = the JWK ``kid`` (UTF-8), issuer = the URL, so a card
naming another ``iss`` than its key's is refused (KEY_REVOKED). ``x5c`` chains are not checked.
A key or list that breaks the SMART rules raises ``KeyLoadError`` naming the file: the station does
not start half-trusting an issuer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from checkpoint.errors import KeyLoadError
from checkpoint.trust._store import TrustedKey

MAX_RID = 24  # characters of a base64url rid (SMART Health Cards revocation spec)
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


def _b64url_int(value: Any, where: str) -> int:
    if not isinstance(value, str) or not _B64URL.fullmatch(value):
        raise KeyLoadError(f"{where} is not base64url")
    try:
        return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")
    except (binascii.Error, ValueError):
        raise KeyLoadError(f"{where} is not base64url") from None


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of an EC JWK, base64url: what a SMART kid must be."""
    canonical = json.dumps(
        {k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True
    )
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def public_key(jwk: Mapping[str, Any], where: str) -> ec.EllipticCurvePublicKey:
    """The P-256 signing key of a SMART issuer JWK; anything else is refused, saying why."""
    key = ec_p256_key(jwk, where)
    if jwk.get("kid") != thumbprint(jwk):
        raise KeyLoadError(f"{where}: kid is not the key's SHA-256 thumbprint")
    return key


def ec_p256_key(jwk: Mapping[str, Any], where: str) -> ec.EllipticCurvePublicKey:
    """An EC P-256 signing JWK's public key (SMART issuers, NZ COVID Pass DID documents)."""
    if jwk.get("kty") != "EC":
        raise KeyLoadError(f"{where}: kty must be 'EC'")
    if jwk.get("crv") != "P-256":
        raise KeyLoadError(f"{where}: crv must be 'P-256'")
    if jwk.get("alg", "ES256") != "ES256":
        raise KeyLoadError(f"{where}: alg must be 'ES256'")
    if jwk.get("use", "sig") != "sig":
        raise KeyLoadError(f"{where}: use must be 'sig'")
    x, y = _b64url_int(jwk.get("x"), f"{where}: x"), _b64url_int(jwk.get("y"), f"{where}: y")
    try:
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    except ValueError:
        raise KeyLoadError(f"{where}: the point is not on P-256") from None


def revoked_ids(crl: Any, kid: str, crl_version: Any, where: str) -> dict[bytes, datetime | None]:
    """rid -> revoked for cards issued before this time (None: all), from one key's CRL."""
    if not isinstance(crl, Mapping):
        raise KeyLoadError(f"{where}: not a JSON object")
    if crl.get("kid") != kid:
        raise KeyLoadError(f"{where}: kid does not name its key")
    if crl.get("method") != "rid":
        raise KeyLoadError(f"{where}: method must be 'rid'")
    if crl.get("ctr") != crl_version:
        raise KeyLoadError(
            f"{where}: ctr {crl.get('ctr')!r} does not match the key's crlVersion {crl_version!r}"
        )
    rids = crl.get("rids")
    if not isinstance(rids, list):
        raise KeyLoadError(f"{where}: rids is not a list")
    out: dict[bytes, datetime | None] = {}
    for entry in rids:
        rid, _, stamp = entry.partition(".") if isinstance(entry, str) else ("", "", "")
        if not _B64URL.fullmatch(rid) or len(rid) > MAX_RID:
            raise KeyLoadError(
                f"{where}: rid {entry!r} is not a base64url id of at most {MAX_RID} characters"
            )
        if stamp and not stamp.isdigit():
            raise KeyLoadError(f"{where}: rid {entry!r} has a bad timestamp")
        key = rid.encode("ascii")
        if key in out:
            raise KeyLoadError(f"{where}: rid {rid} is listed twice")
        out[key] = datetime.fromtimestamp(int(stamp), UTC) if stamp else None
    return out


def jwks_keys(iss: str, jwks: Any, where: str,
              crl_of: Callable[[str, bool], tuple[Any, str] | None]) -> list[TrustedKey]:
    """The keys of issuer ``iss`` from its parsed JWK set (read from ``where``). ``crl_of(kid, listed)`` gives a
    key's parsed CRL and where it came from, or None when there is none (``listed``: the key names a
    ``crlVersion``, so its CRL must exist)."""
    if not iss.startswith("https://") or iss.endswith("/"):
        raise KeyLoadError(f"{where}: issuer URL {iss!r} must be https:// with no trailing '/'")
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list) or not keys:
        raise KeyLoadError(f"{where}: no 'keys' list")
    out = []
    for i, jwk in enumerate(keys):
        at = f"{where}: key #{i}"
        if not isinstance(jwk, Mapping):
            raise KeyLoadError(f"{at} is not a JSON object")
        public = public_key(jwk, at)
        kid = str(jwk["kid"])
        revoked = None
        crl = crl_of(kid, "crlVersion" in jwk)
        if crl is not None:
            revoked = revoked_ids(crl[0], kid, jwk.get("crlVersion"), crl[1])
        out.append(TrustedKey(kid=kid.encode("utf-8"), public_key=public, source=where, issuer=iss,
                              revoked_ids=revoked))
    return out
