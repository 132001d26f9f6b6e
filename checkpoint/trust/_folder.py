"""Issuer keys from a folder of PEM public keys or X.509 certificates (one key per file)."""

from __future__ import annotations

from pathlib import Path

from checkpoint.capped import ISSUER_KEY_FILE, read_capped
from checkpoint.errors import KeyLoadError
from checkpoint.trust import keys
from checkpoint.trust._store import TrustedKey, TrustSource, TrustStore

KEY_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
MAX_KEY_FILE = ISSUER_KEY_FILE


def load_key_file(path: Path) -> TrustedKey:
    data = read_capped(path, MAX_KEY_FILE, "key", error=lambda m: KeyLoadError(f"{path}: {m}"))
    return trusted_key(data, str(path))


def trusted_key(data: bytes, source: str) -> TrustedKey:
    """A PEM public key, or an X.509 certificate (PEM or DER).

    A certificate is found under two kids: its public key's (CP1) and its own (HC1 Document Signer
    Certificates); its validity period and extended key usage bind what it may sign.
    """
    public, cert = keys.load_public_pem(data, source)
    if cert is None:
        return TrustedKey(kid=keys.kid_of(public), public_key=public, source=source)
    from checkpoint.trust import _certs as certs  # X.509 only for certificates: plain keys do not load it

    nb, na = keys.cert_validity(cert)
    return TrustedKey(
        kid=keys.kid_of(public), public_key=public, source=source, not_before=nb, not_after=na,
        certificate=cert, aliases=(certs.cert_kid(cert),), uses=certs.allowed_uses(cert),
    )


def load_key_folder(folder: Path) -> TrustStore:
    """Every key file in ``folder``; a file that is not a key names itself in the error."""
    if not folder.is_dir():
        raise KeyLoadError(f"{folder}: not a folder of issuer keys")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in KEY_SUFFIXES and p.is_file())
    if not files:
        raise KeyLoadError(f"{folder}: no key files (*.pem, *.crt, *.cer, *.der) found")
    found = [load_key_file(p) for p in files]
    return TrustStore(found, TrustSource(f"key folder {folder} ({len(found)} keys)"))
