"""The station's own secrets in its data folder, made on first use, readable by the station user only.

- ``station.key``: Ed25519 key that signs sync batches (its public half is enrolled with the central
  server) and export manifests.
- ``lookup.key``: 32 random bytes keying the hashes of pass ids (duplicate detection) and the
  memory-hard id-number index (lookups without storing the numbers; ``checkpoint.log._idindex``).
- ``hmac.key``: the hash key of stations before schema 4. It made id numbers cheap to recover, so it
  is retired: the log seals it to the supervisor and :func:`retire_legacy_hmac_key` overwrites and
  deletes the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint.atomic import write_atomic
from checkpoint.errors import CheckpointError, KeyLoadError
from checkpoint.trust import keys

STATION_KEY_FILE = "station.key"
HMAC_KEY_FILE = "hmac.key"  # before schema 4; retired
LOOKUP_KEY_FILE = "lookup.key"


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


def load_or_create_lookup_key(data_dir: Path) -> bytes:
    return _load_or_create_32(data_dir / LOOKUP_KEY_FILE, "lookup key")


def load_or_create_hmac_key(data_dir: Path) -> bytes:
    """The station's hash key: since schema 4 the lookup key (kept under this name for callers)."""
    return load_or_create_lookup_key(data_dir)


def legacy_hmac_key(data_dir: Path) -> bytes | None:
    """The pre-schema-4 hash key, while its file is still there (None once retired)."""
    path = data_dir / HMAC_KEY_FILE
    if not path.exists():
        return None
    secret = _read_secret(path, "old hash key")
    return secret if len(secret) == 32 else None


def retire_legacy_hmac_key(data_dir: Path) -> bool:
    """Overwrite and delete the pre-schema-4 hash key (call once the log has sealed it). True if it was there.

    Overwriting defeats a plain undelete on a file system that writes in place; on flash storage the
    old bytes may survive in the device's spare blocks (docs/crossing-log.md says what that means).
    """
    path = data_dir / HMAC_KEY_FILE
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    try:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, b"\0" * size)
            os.fsync(fd)
        finally:
            os.close(fd)
        path.unlink()
    except OSError as e:
        raise CheckpointError(f"{path}: cannot delete the old hash key ({e.strerror}); delete it by hand") from None
    return True


def _load_or_create_32(path: Path, what: str) -> bytes:
    if not path.exists():
        secret = os.urandom(32)
        _write_secret(path, secret)
        return secret
    secret = _read_secret(path, what)
    if len(secret) != 32:
        raise KeyLoadError(f"{path}: the {what} is damaged (expected 32 bytes); restore it from backup")
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
