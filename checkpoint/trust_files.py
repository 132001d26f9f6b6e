"""Issuer keys read from files: a folder of PEM keys or certificates, SMART Health Card issuers' copied
``.well-known`` folders, an NZ COVID Pass issuer's DID document.

The station's files layer: each file is read through the one capped reader (:mod:`checkpoint.capped`) and
handed, as bytes or parsed JSON, to the trust core (:mod:`checkpoint.trust`), which reads no file itself.
A file that breaks the rules raises ``KeyLoadError`` naming it: the station does not start half-trusting
an issuer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from checkpoint.capped import ISSUER_KEY_FILE, JWKS_FILE, read_capped
from checkpoint.errors import KeyLoadError
from checkpoint.trust import TrustedKey, TrustSource, TrustStore, did_keys, jwks_keys, trusted_key

KEY_SUFFIXES = {".pem", ".crt", ".cer", ".der"}


def load_key_file(path: Path) -> TrustedKey:
    data = read_capped(path, ISSUER_KEY_FILE, "key", error=lambda m: KeyLoadError(f"{path}: {m}"))
    return trusted_key(data, str(path))


def load_key_folder(folder: Path) -> TrustStore:
    """Every key file in ``folder``; a file that is not a key names itself in the error."""
    if not folder.is_dir():
        raise KeyLoadError(f"{folder}: not a folder of issuer keys")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in KEY_SUFFIXES and p.is_file())
    if not files:
        raise KeyLoadError(f"{folder}: no key files (*.pem, *.crt, *.cer, *.der) found")
    found = [load_key_file(p) for p in files]
    return TrustStore(found, TrustSource(f"key folder {folder} ({len(found)} keys)"))


def read_json(path: Path) -> Any:
    data = read_capped(path, JWKS_FILE, "JSON", error=lambda m: KeyLoadError(f"{path}: {m}"))
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise KeyLoadError(f"{path}: not valid JSON ({e})") from None


def load_jwks(iss: str, jwks_path: Path, crl_dir: Path | None = None) -> list[TrustedKey]:
    """The keys of issuer ``iss`` from its JWK set; each key's CRL is ``crl_dir/<kid>.json``."""
    folder = crl_dir or jwks_path.parent

    def crl_of(kid: str, listed: bool) -> tuple[Any, str] | None:
        path = folder / f"{kid}.json"
        if listed or (crl_dir is not None and path.exists()):
            return read_json(path), str(path)
        return None

    return jwks_keys(iss, read_json(jwks_path), str(jwks_path), crl_of)


def load_issuer_dir(iss: str, directory: Path) -> list[TrustedKey]:
    """The keys of issuer ``iss`` from a copy of its ``.well-known`` folder (under ``directory``)."""
    well_known = directory / ".well-known"
    return load_jwks(iss, well_known / "jwks.json", well_known / "crl")


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


def load_did_document(path: Path) -> list[TrustedKey]:
    """The pass-signing keys of an NZ COVID Pass issuer from a copy of its DID document."""
    return did_keys(read_json(path), str(path))
