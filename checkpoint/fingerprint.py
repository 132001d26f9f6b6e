"""A station key's fingerprint: what a supervisor reads aloud, writes down and pins.

The fingerprint of an Ed25519 public key is the first 16 bytes (128 bits) of SHA-256 over its 32 raw
bytes, written as 32 upper-case hex digits in eight groups of four::

    3F2A 9C01 77B4 E0D2 5A6C 0B19 C4E8 21F7

Anyone can recompute it from the public key without this program (``openssl pkey -pubin -in
station.pub.pem -outform DER | tail -c 32 | sha256sum``: the first 32 hex digits). 128 bits make a
second key with the same fingerprint out of reach (2^128 tries). When one is typed in (``--fingerprint``)
case, spaces, colons and dashes do not matter; the full 64-digit SHA-256 is accepted too.
"""

from __future__ import annotations

import hashlib
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FINGERPRINT_HEX = 32  # hex digits shown: 128 bits
_SEPARATORS = re.compile(r"[\s:\-]+")


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint_hex(key: Ed25519PublicKey | bytes) -> str:
    """The fingerprint as 32 lower-case hex digits, no spaces (for comparing and storing)."""
    raw = key if isinstance(key, bytes) else raw_public(key)
    return hashlib.sha256(raw).hexdigest()[:FINGERPRINT_HEX]


def fingerprint(key: Ed25519PublicKey | bytes) -> str:
    """The fingerprint a person reads: ``3F2A 9C01 77B4 E0D2 5A6C 0B19 C4E8 21F7``."""
    digits = fingerprint_hex(key).upper()
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def parse_fingerprint(text: str) -> str:
    """A typed fingerprint as 32 lower-case hex digits; ``ValueError`` with a readable message if it is not one."""
    digits = _SEPARATORS.sub("", text).lower()
    if len(digits) == 64:
        digits = digits[:FINGERPRINT_HEX]
    if len(digits) != FINGERPRINT_HEX or any(c not in "0123456789abcdef" for c in digits):
        raise ValueError(f"{text!r} is not a station key fingerprint (32 hex digits, e.g. "
                         "'3F2A 9C01 77B4 E0D2 5A6C 0B19 C4E8 21F7', as 'checkpoint station fingerprint' prints it)")
    return digits
