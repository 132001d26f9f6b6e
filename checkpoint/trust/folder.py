"""Issuer keys from a folder of PEM public keys or X.509 certificates (one key per file)."""

from __future__ import annotations

from pathlib import Path

from checkpoint.errors import KeyLoadError
from checkpoint.trust import keys
from checkpoint.trust.store import TrustedKey, TrustSource, TrustStore

KEY_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
MAX_KEY_FILE = 1024 * 1024


def load_key_file(path: Path) -> TrustedKey:
    try:
        if path.stat().st_size > MAX_KEY_FILE:
            raise KeyLoadError(f"{path}: larger than {MAX_KEY_FILE // 1024} KiB; not a key file")
        data = path.read_bytes()
    except OSError as e:
        raise KeyLoadError(f"{path}: cannot read ({e.strerror})") from None
    public, cert = keys.load_public_pem(data, str(path))
    nb, na = keys.cert_validity(cert) if cert is not None else (None, None)
    return TrustedKey(
        kid=keys.kid_of(public), public_key=public, source=str(path), not_before=nb, not_after=na,
        certificate=cert,
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
