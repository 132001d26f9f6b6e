"""The hash chain: a canonical byte encoding of a crossing (or action) and its SHA-256.

Every row carries the hash of the row before it, so editing, deleting or reordering rows breaks a
link that ``checkpoint log verify`` (and the central server) can find. The encoding is specified in
``docs/crossing-log.md``; in short it is a sequence of typed, length-prefixed values:

    value   = tag (1 byte) || length (4 bytes, big-endian) || payload (length bytes)
    N  null           payload empty
    B  boolean        b"1" or b"0"
    I  integer        decimal ASCII, "-" for negatives, no leading zeros
    S  text           UTF-8, exactly as stored (no normalisation)
    X  bytes          raw
    L  list           the encodings of its items, concatenated

    crossing hash   = SHA-256( encode("CPLOG1") || encode(field) for each fixed field of CROSSING_FIELDS
                               || encode(name) || encode(value) for each extension field whose value is not null )
    personal digest = SHA-256( encode("CPLOG1-personal") || encode(pass_id_hash) || encode(id_number_hash)
                               || encode(sealed) )

Personal data enters the chain only through ``personal_digest``: retention can erase the sealed blob
and the keyed hashes (set NULL) and keep the digest, so the chain still verifies after erasure.

Which fields are hashed, in which order, comes from the field table (:mod:`checkpoint.crossing.fields`:
the ``chain`` fields in table order; the ``personal`` fields for the digest). This module lives beside
the table, outside the station log, so the central server checks chains without importing the log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from checkpoint.crossing.fields import CHAIN_FIELDS, EXTENSION_FIELDS, PERSONAL_DIGEST_FIELDS

GENESIS = "0" * 64
CROSSING_DOMAIN = "CPLOG1"
PERSONAL_DOMAIN = "CPLOG1-personal"
ACTION_DOMAIN = "CPACT1"

#: Fields of a crossing in chain order (the Crossing dataclass names); ``hash``, the sealed blob and
#: the keyed hashes are not here: they are covered by ``personal_digest``.
CROSSING_FIELDS = CHAIN_FIELDS
#: How many of ``CROSSING_FIELDS`` are fixed (always hashed); the rest are extension fields.
FIXED_COUNT = len(CHAIN_FIELDS) - len(EXTENSION_FIELDS)
assert CHAIN_FIELDS[FIXED_COUNT:] == EXTENSION_FIELDS, "extension fields come after every fixed field"
assert PERSONAL_DIGEST_FIELDS == ("pass_id_hash", "id_number_hash", "sealed"), "personal_digest's order is fixed"
ACTION_FIELDS = ("seq", "id", "at", "station_id", "action", "officer_id", "details", "prev_hash")

Value = None | bool | int | str | bytes | Sequence["Value"]


def encode(value: Value) -> bytes:
    out: list[bytes] = []
    _encode(value, out)
    return b"".join(out)


_NULL, _TRUE, _FALSE = b"N\x00\x00\x00\x00", b"B\x00\x00\x00\x011", b"B\x00\x00\x00\x010"


def _encode(value: Value, out: list[bytes]) -> None:
    if value is None:
        out.append(_NULL)
    elif value is True:
        out.append(_TRUE)
    elif value is False:
        out.append(_FALSE)
    elif isinstance(value, str):
        _tlv(b"S", value.encode("utf-8"), out)
    elif isinstance(value, int):
        _tlv(b"I", str(value).encode("ascii"), out)
    elif isinstance(value, bytes):
        _tlv(b"X", value, out)
    else:
        _tlv(b"L", b"".join(encode(v) for v in value), out)


def _tlv(tag: bytes, payload: bytes, out: list[bytes]) -> None:
    out.append(tag)
    out.append(len(payload).to_bytes(4, "big"))
    out.append(payload)


def _digest(domain: str, values: Iterable[Value]) -> str:
    out: list[bytes] = []
    _encode(domain, out)
    for v in values:
        _encode(v, out)
    return hashlib.sha256(b"".join(out)).hexdigest()


def crossing_hash(fields: Mapping[str, Value]) -> str:
    """The crossing hash of its chain fields by name (an extension field may be missing: it counts as null)."""
    return crossing_hash_of(fields.get(name) for name in CROSSING_FIELDS)


def crossing_hash_of(values: Iterable[Value]) -> str:
    """The crossing hash from its field values already in ``CROSSING_FIELDS`` order."""
    return extended_digest(values, FIXED_COUNT, EXTENSION_FIELDS)


def extended_digest(values: Iterable[Value], fixed: int, extensions: Sequence[str]) -> str:
    """``CPLOG1`` over the first ``fixed`` values, then ``name, value`` for each later value that is not None
    (``extensions`` names them, in order). With every extension value None this is the digest of the fixed
    values alone: the hash every crossing had before extension fields existed."""
    out: list[bytes] = []
    _encode(CROSSING_DOMAIN, out)
    for i, v in enumerate(values):
        if i < fixed:
            _encode(v, out)
        elif v is not None:
            _encode(extensions[i - fixed], out)
            _encode(v, out)
    return hashlib.sha256(b"".join(out)).hexdigest()


def personal_digest(pass_id_hash: str | None, id_number_hash: str | None, sealed: bytes | None) -> str:
    return _digest(PERSONAL_DOMAIN, (pass_id_hash, id_number_hash, sealed))


def action_hash(fields: Mapping[str, Value]) -> str:
    return _digest(ACTION_DOMAIN, (fields[name] for name in ACTION_FIELDS))


def details_list(details: Mapping[str, str]) -> list[Value]:
    """Action details in the chain: key, value, key, value... sorted by key."""
    return [x for k in sorted(details) for x in (k, details[k])]
