"""The signed trust list: which issuer keys a station trusts (format: docs/signed-lists.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization

from checkpoint.errors import KeyLoadError, ListFormatError
from checkpoint.formats import ALG_EDDSA, ALG_ES256, ALG_PS256
from checkpoint.model import Alg
from checkpoint.trust import keys
from checkpoint.trust._folder import trusted_key
from checkpoint.trust._signed import open_list, sign_list, ts
from checkpoint.trust._store import KeyStatus, TrustedKey, TrustSource, TrustStore

if TYPE_CHECKING:
    from cryptography import x509

DOC_TYPE = "cp1-trust-list"
_ALG_NAMES = {ALG_EDDSA: Alg.EDDSA, ALG_ES256: Alg.ES256, ALG_PS256: Alg.PS256}
_COSE_ALG = {v: k for k, v in _ALG_NAMES.items()}


@dataclass(frozen=True)
class TrustList:
    version: int
    issued: datetime
    expires: datetime
    store: TrustStore
    raw: bytes  # the exact signed bytes, to install as they came


def load_trust_list(
    data: bytes, roots: Sequence[keys.PublicKey], now: datetime | None, *, previous: TrustList | None = None
) -> TrustList:
    """Verify and parse a signed trust list; refuse a rollback against ``previous``."""
    opened = open_list(data, roots, DOC_TYPE, now, what="trust list", previous=previous)
    version = opened.version
    entries = opened.doc.get("keys")
    if not isinstance(entries, list | tuple):
        raise ListFormatError("trust list: 'keys' is missing or not a list")
    label = f"trust list v{version}"
    trusted = [_entry(e, i, label) for i, e in enumerate(entries)]
    store = TrustStore(trusted, TrustSource(label, version, opened.issued, opened.expires))
    return TrustList(version, opened.issued, opened.expires, store, data)


def _entry(e: Any, i: int, label: str) -> TrustedKey:
    where = f"{label}: key #{i}"
    if not isinstance(e, Mapping):
        raise ListFormatError(f"{where} is not a map")
    cert_der = e.get("cert")
    try:
        if cert_der is not None:  # a Document Signer Certificate (HC1): found by both kids
            if not isinstance(cert_der, bytes):
                raise ListFormatError(f"{where}: 'cert' is not a DER X.509 certificate")
            base = trusted_key(cert_der, where)
        else:
            spki = e.get("key")
            if not isinstance(spki, bytes):
                raise ListFormatError(f"{where}: 'key' is not a DER public key")
            public = keys.public_from_spki(spki, where)
            base = TrustedKey(kid=keys.kid_of(public), public_key=public, source=where)
    except KeyLoadError as err:
        raise ListFormatError(str(err)) from None
    public = base.public_key
    if e.get("kid") not in (None, *base.kids):
        raise ListFormatError(f"{where}: 'kid' does not match the key")
    alg = _ALG_NAMES.get(e.get("alg"))  # type: ignore[arg-type]
    if alg is None or not keys.alg_fits(alg, public):
        raise ListFormatError(f"{where}: 'alg' is missing or does not fit the key")
    issuer = e.get("iss")
    if not isinstance(issuer, str) and not (cert_der is not None and issuer is None):
        raise ListFormatError(f"{where}: 'iss' (issuer code) is missing")
    try:
        status = KeyStatus(e.get("status", "active"))
    except ValueError:
        raise ListFormatError(f"{where}: 'status' must be 'active' or 'revoked'") from None
    revoked_at = e.get("revoked_at")
    return replace(
        base,
        source=label,
        issuer=issuer,
        not_before=ts(e["nbf"], where, "nbf") if "nbf" in e else base.not_before,
        not_after=ts(e["exp"], where, "exp") if "exp" in e else base.not_after,
        status=status,
        revoked_at=ts(revoked_at, where, "revoked_at") if revoked_at is not None else None,
    )


@dataclass(frozen=True)
class KeyEntry:
    """One issuer key as the list-making tool takes it (with ``certificate``: an HC1 signer)."""

    public_key: keys.PublicKey
    issuer: str | None  # None: any issuer (certificate entries only)
    not_before: datetime | None = None
    not_after: datetime | None = None
    revoked_at: datetime | None = None
    certificate: x509.Certificate | None = None


def build_trust_list(
    entries: Iterable[KeyEntry], *, version: int, issued: datetime, expires: datetime, root: keys.PrivateKey
) -> bytes:
    out = []
    for k in entries:
        alg = next(a for a in (Alg.EDDSA, Alg.ES256, Alg.PS256) if keys.alg_fits(a, k.public_key))
        item: dict[str, Any] = {
            "kid": keys.kid_of(k.public_key),
            "alg": _COSE_ALG[alg],
            "status": "revoked" if k.revoked_at else "active",
        }
        if k.issuer is not None:
            item["iss"] = k.issuer
        if k.certificate is not None:
            item["cert"] = k.certificate.public_bytes(serialization.Encoding.DER)
        else:
            item["key"] = keys.spki_der(k.public_key)
        if k.not_before:
            item["nbf"] = int(k.not_before.timestamp())
        if k.not_after:
            item["exp"] = int(k.not_after.timestamp())
        if k.revoked_at:
            item["revoked_at"] = int(k.revoked_at.timestamp())
        out.append(item)
    return sign_list(DOC_TYPE, {"keys": out}, version=version, issued=issued, expires=expires, root=root)
