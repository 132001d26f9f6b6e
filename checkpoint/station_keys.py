"""The station's own secrets in its data folder, made on first use, readable by the station user only.

- ``station.key``: Ed25519 key that signs sync batches (its public half is enrolled with the central
  server) and export manifests.
- ``hmac.key``: 32 random bytes keying the hashes of pass ids and id numbers (duplicate detection and
  lookups without storing the values).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint.atomic import write_atomic
from checkpoint.errors import CheckpointError, KeyLoadError
from checkpoint.trust import keys

STATION_KEY_FILE = "station.key"
HMAC_KEY_FILE = "hmac.key"


def load_or_create_station_key(data_dir: Path) -> Ed25519PrivateKey:
    path = data_dir / STATION_KEY_FILE
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        _write_secret(path, keys.private_pem(key))
        return key
    loaded = keys.load_private_pem(_read_secret(path, "station key"), str(path))
    if not isinstance(loaded, Ed25519PrivateKey):
        raise KeyLoadError(f"{path}: the station key must be Ed25519")
    return loaded


def load_or_create_hmac_key(data_dir: Path) -> bytes:
    path = data_dir / HMAC_KEY_FILE
    if not path.exists():
        secret = os.urandom(32)
        _write_secret(path, secret)
        return secret
    secret = _read_secret(path, "hash key")
    if len(secret) != 32:
        raise KeyLoadError(f"{path}: the hash key is damaged (expected 32 bytes); restore it from backup")
    return secret


def _write_secret(path: Path, data: bytes) -> None:
    try:
        write_atomic(path, data, mode=0o600)
    except OSError as e:
        raise CheckpointError(f"{path}: cannot create the station's key ({e.strerror})") from None


def _read_secret(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read the {what} ({e.strerror})") from None
