"""Typed reads of untrusted claim maps: a wrong type is MALFORMED, naming the claim."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from checkpoint.errors import MalformedPass

_MISSING = object()


def get(m: Mapping[Any, Any], key: Any, typ: type | tuple[type, ...], name: str, *, required: bool) -> Any:
    value = m.get(key, _MISSING)
    if type(value) is typ or (typ is Mapping and type(value) is dict):
        return value  # the common case, and never a bool standing in for an int
    if value is _MISSING or (value is None and not required):
        if required:
            raise MalformedPass(f"claim {name} is missing")
        return None
    # bool is an int in Python; a CBOR true is never an acceptable number.
    if not isinstance(value, typ) or (isinstance(value, bool) and bool not in _as_tuple(typ)):
        raise MalformedPass(f"claim {name} has the wrong type ({type(value).__name__})")
    return value


def _as_tuple(typ: type | tuple[type, ...]) -> tuple[type, ...]:
    return typ if isinstance(typ, tuple) else (typ,)


def timestamp(value: int, name: str) -> datetime:
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedPass(f"claim {name} is out of range") from None
