"""SMART Health Card issuer keys: a JWK set per issuer, with its revocation lists (by ``rid``).

An issuer publishes ``<iss>/.well-known/jwks.json`` and, per key, ``<iss>/.well-known/crl/<kid>.json``.
A station holds a copy of each issuer's ``.well-known`` folder; :func:`load_issuer_dir` reads one
(with the issuer URL it belongs to) and :func:`load_issuer_folder` reads a folder whose
``issuers.json`` maps each issuer URL to its folder. The keys go into the same
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
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from checkpoint.capped import JWKS_FILE, read_capped
from checkpoint.errors import KeyLoadError
from checkpoint.trust._store import TrustedKey, TrustSource, TrustStore

MAX_FILE = JWKS_FILE
MAX_RID = 24  # characters of a base64url rid (SMART Health Cards revocation spec)
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


def read_json(path: Path) -> Any:
    data = read_capped(path, MAX_FILE, "JSON", error=lambda m: KeyLoadError(f"{path}: {m}"))
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise KeyLoadError(f"{path}: not valid JSON ({e})") from None


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


def load_issuer_dir(iss: str, directory: Path) -> list[TrustedKey]:
    """The keys of issuer ``iss`` from a copy of its ``.well-known`` folder (under ``directory``)."""
    well_known = directory / ".well-known"
    return load_jwks(iss, well_known / "jwks.json", well_known / "crl")


def load_jwks(iss: str, jwks_path: Path, crl_dir: Path | None = None) -> list[TrustedKey]:
    """The keys of issuer ``iss`` from its JWK set; each key's CRL is ``crl_dir/<kid>.json``."""
    if not iss.startswith("https://") or iss.endswith("/"):
        raise KeyLoadError(f"{jwks_path}: issuer URL {iss!r} must be https:// with no trailing '/'")
    jwks = read_json(jwks_path)
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list) or not keys:
        raise KeyLoadError(f"{jwks_path}: no 'keys' list")
    out = []
    for i, jwk in enumerate(keys):
        where = f"{jwks_path}: key #{i}"
        if not isinstance(jwk, Mapping):
            raise KeyLoadError(f"{where} is not a JSON object")
        public = public_key(jwk, where)
        kid = str(jwk["kid"])
        revoked = None
        crl_path = (crl_dir or jwks_path.parent) / f"{kid}.json"
        if "crlVersion" in jwk or (crl_dir is not None and crl_path.exists()):
            revoked = revoked_ids(read_json(crl_path), kid, jwk.get("crlVersion"), str(crl_path))
        out.append(
            TrustedKey(
                kid=kid.encode("utf-8"),
                public_key=public,
                source=str(jwks_path),
                issuer=iss,
                revoked_ids=revoked,
            )
        )
    return out


def load_issuer_folder(folder: Path) -> TrustStore:
    """Every issuer listed in ``folder/issuers.json`` (``{"https://issuer": "relative/folder"}``)."""
    manifest_path = folder / "issuers.json"
    manifest = read_json(manifest_path)
    if not isinstance(manifest, Mapping) or not manifest:
        raise KeyLoadError(f"{manifest_path}: must map issuer URLs to folders")
    found: list[TrustedKey] = []
    for iss, rel in manifest.items():
        if not isinstance(rel, str):
            raise KeyLoadError(f"{manifest_path}: the folder of {iss!r} is not text")
        found += load_issuer_dir(iss, folder / rel)
    return TrustStore(
        found, TrustSource(f"SMART issuers {folder} ({len(manifest)} issuers, {len(found)} keys)")
    )
