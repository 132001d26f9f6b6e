"""COSE_Sign1 (RFC 9052 §4.2): parse untrusted bytes, build the signed structure, and sign.

Only structure lives here; which algorithms and header rules a format admits is the format's call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from checkpoint.errors import MalformedPass
from checkpoint.formats._cbor import PASS, Limits, dumps, loads_strict

COSE_SIGN1_TAG = 18
CWT_TAG = 61
HEADER_ALG = 1
HEADER_KID = 4
ALG_EDDSA = -8
ALG_ES256 = -7
ALG_PS256 = -37
_MAPS = (dict, cbor2.frozendict)  # what cbor2 decodes maps to; checked before the slower ABC test


@dataclass(frozen=True)
class Sign1:
    protected_bytes: bytes
    protected: Mapping[Any, Any]
    unprotected: Mapping[Any, Any]
    payload: bytes
    signature: bytes

    def signed_data(self) -> bytes:
        """The bytes the signature covers: Sig_structure with no external AAD."""
        return sig_structure(self.protected_bytes, self.payload)


def sig_structure(protected_bytes: bytes, payload: bytes) -> bytes:
    """``["Signature1", protected, h'', payload]`` in CBOR, written directly (the hot path of every verify)."""
    return b"".join((_SIG1_PREFIX, _bstr_head(len(protected_bytes)), protected_bytes, b"\x40",
                     _bstr_head(len(payload)), payload))


_SIG1_PREFIX = b"\x84\x6aSignature1"  # an array of 4, then the 10-character text "Signature1"


def _bstr_head(n: int) -> bytes:
    if n < 24:
        return bytes((0x40 | n,))
    if n < 0x100:
        return bytes((0x58, n))
    if n < 0x10000:
        return b"\x59" + n.to_bytes(2, "big")
    if n < 0x100000000:
        return b"\x5a" + n.to_bytes(4, "big")
    return b"\x5b" + n.to_bytes(8, "big")


#: Decoded protected headers by their bytes: one issuer key signs every pass with the same header, so
#: this saves a scan and a decode a pass. Bounded (cleared when full); the maps are never mutated.
_PROTECTED: dict[bytes, Mapping[Any, Any]] = {}
_PROTECTED_MAX = 256


def _protected_header(protected_bytes: bytes, limits: Limits) -> Mapping[Any, Any]:
    cached = _PROTECTED.get(protected_bytes)
    if cached is not None:
        return cached
    protected = loads_strict(protected_bytes, "COSE protected header", limits)
    if type(protected) is not dict and not isinstance(protected, Mapping):
        raise MalformedPass("COSE: protected header is not a map")
    if len(protected_bytes) <= 64:
        if len(_PROTECTED) >= _PROTECTED_MAX:
            _PROTECTED.clear()
        _PROTECTED[protected_bytes] = protected
    return protected


def parse_sign1(data: bytes, *, cwt_tag: bool = False, limits: Limits = PASS) -> Sign1:
    """``cwt_tag``: also accept the COSE_Sign1 wrapped in the CWT tag (61), as HC1 allows. Duplicate
    labels in either header are MALFORMED (:func:`loads_strict` refuses duplicate keys anywhere)."""
    obj = loads_strict(data, "COSE", limits)
    if cwt_tag and isinstance(obj, cbor2.CBORTag) and obj.tag == CWT_TAG:
        obj = obj.value
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != COSE_SIGN1_TAG:
            raise MalformedPass(f"COSE: CBOR tag {obj.tag} is not COSE_Sign1 (18)")
        obj = obj.value
    if not isinstance(obj, list | tuple) or len(obj) != 4:
        raise MalformedPass("COSE: not a COSE_Sign1 array of four items")
    protected_bytes, unprotected, payload, signature = obj
    if not isinstance(protected_bytes, bytes):
        raise MalformedPass("COSE: protected header is not a byte string")
    if type(unprotected) not in _MAPS and not isinstance(unprotected, Mapping):
        raise MalformedPass("COSE: unprotected header is not a map")
    if not isinstance(payload, bytes):
        raise MalformedPass("COSE: payload is not a byte string")
    if not isinstance(signature, bytes):
        raise MalformedPass("COSE: signature is not a byte string")
    protected = _protected_header(protected_bytes, limits) if protected_bytes else {}
    return Sign1(protected_bytes, protected, unprotected, payload, signature)


def build_sign1(protected: Mapping[int, Any], payload: bytes, sign: Any, *, tagged: bool = True) -> bytes:
    """Encode and sign a COSE_Sign1. ``sign`` maps the Sig_structure bytes to the signature."""
    protected_bytes = dumps(dict(protected))
    signature = sign(sig_structure(protected_bytes, payload))
    body = [protected_bytes, {}, payload, signature]
    return dumps(cbor2.CBORTag(COSE_SIGN1_TAG, body) if tagged else body)
