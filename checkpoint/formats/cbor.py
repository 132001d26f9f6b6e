"""Strict CBOR decoding for untrusted bytes: one item, nothing after it, any failure is MALFORMED."""

from __future__ import annotations

import io
from typing import Any

import cbor2

from checkpoint.errors import MalformedPass


def loads_strict(data: bytes, what: str) -> Any:
    buf = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(buf).decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError, OverflowError, MemoryError) as e:
        raise MalformedPass(f"{what}: not valid CBOR ({type(e).__name__})") from None
    if buf.tell() != len(data):
        raise MalformedPass(f"{what}: bytes after the CBOR item")
    return value


def dumps(value: Any) -> bytes:
    return bytes(cbor2.dumps(value))
