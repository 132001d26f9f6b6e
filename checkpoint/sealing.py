"""Sealing personal data to a public key: the station can write it but cannot read it back.

An anonymous sealed box from ``cryptography`` primitives: a fresh X25519 key pair per message,
ECDH with the recipient (supervisor or central authority) public key, HKDF-SHA256 to an AES-256-GCM
key, and the ephemeral public key sent along. Only the holder of the private key can open it.

Layout: ``b"CPS1" || ephemeral public key (32) || nonce (12) || AES-GCM ciphertext+tag``.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from checkpoint.errors import CheckpointError, KeyLoadError

MAGIC = b"CPS1"
_INFO = b"checkpoint-station sealed personal data v1"


class UnsealError(CheckpointError):
    """A sealed record cannot be opened with this key (wrong key, or the record was altered)."""


def _key(shared: bytes, eph: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=eph + recipient, info=_INFO).derive(shared)


def _raw(pub: X25519PublicKey) -> bytes:
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def seal(plaintext: bytes, recipient: X25519PublicKey, aad: bytes = b"") -> bytes:
    eph = X25519PrivateKey.generate()
    eph_pub, rcpt = _raw(eph.public_key()), _raw(recipient)
    nonce = os.urandom(12)
    ct = AESGCM(_key(eph.exchange(recipient), eph_pub, rcpt)).encrypt(nonce, plaintext, aad)
    return MAGIC + eph_pub + nonce + ct


def unseal(sealed: bytes, private: X25519PrivateKey, aad: bytes = b"") -> bytes:
    if len(sealed) < 4 + 32 + 12 + 16 or not sealed.startswith(MAGIC):
        raise UnsealError("not a sealed record")
    eph_pub, nonce, ct = sealed[4:36], sealed[36:48], sealed[48:]
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(eph_pub))
        return AESGCM(_key(shared, eph_pub, _raw(private.public_key()))).decrypt(nonce, ct, aad)
    except (InvalidTag, ValueError):
        raise UnsealError("the sealed record does not open with this key (wrong key, or altered)") from None


def generate() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def private_pem(key: X25519PrivateKey, passphrase: bytes | None = None) -> bytes:
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def public_pem(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public(data: bytes, source: str) -> X25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as e:
        raise KeyLoadError(f"{source}: not a readable PEM public key ({e})") from None
    if not isinstance(key, X25519PublicKey):
        raise KeyLoadError(f"{source}: the sealing key must be an X25519 public key")
    return key


def load_private(data: bytes, source: str, passphrase: bytes | None = None) -> X25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError:
        raise KeyLoadError(f"{source}: the key is protected by a passphrase; give it") from None
    except ValueError:
        raise KeyLoadError(f"{source}: cannot read the key (wrong passphrase, or not a PEM private key)") from None
    if not isinstance(key, X25519PrivateKey):
        raise KeyLoadError(f"{source}: the supervisor key must be an X25519 private key")
    return key
