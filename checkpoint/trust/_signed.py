"""Signed lists: a COSE_Sign1 by a pinned root key around a CBOR map (format: docs/signed-lists.md).

Trust lists, revocation lists, watch lists and policy bundles share this envelope, so one verification path
guards them all (:func:`open_list`, :func:`sign_list`). Nothing in the payload is parsed until the signature has
verified against a pinned root.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from checkpoint.errors import (
    ListExpiredError,
    ListFormatError,
    ListNotSignedError,
    ListRollbackError,
    ListSignatureError,
    MalformedPass,
)
from checkpoint.formats import (
    ALG_EDDSA,
    ALG_ES256,
    HEADER_ALG,
    HEADER_KID,
    LIST,
    build_sign1,
    dumps,
    loads_strict,
    parse_sign1,
)
from checkpoint.model import Alg
from checkpoint.trust import keys
from checkpoint.trust.keys import PrivateKey, PublicKey

MAX_LIST_BYTES = 64 * 1024 * 1024  # a revocation list of 1M passes is ~16 MiB
_ALGS = {ALG_EDDSA: Alg.EDDSA, ALG_ES256: Alg.ES256}


class InPlace(Protocol):
    """The list in place that a new one must be newer than (any of the signed lists)."""

    @property
    def version(self) -> int: ...

    @property
    def raw(self) -> bytes: ...


@dataclass(frozen=True)
class OpenedList:
    """A signed list's verified content and the header every list has."""

    doc: Mapping[str, Any]
    version: int
    issued: datetime
    expires: datetime


def open_list(data: bytes, roots: Sequence[PublicKey], expected_type: str, now: datetime | None, *, what: str,
              previous: InPlace | None) -> OpenedList:
    """:func:`open_document`, then refuse a rollback against ``previous`` (:func:`check_newer`) and read the
    issue and expiry times; the caller parses the rest of ``doc``."""
    doc = open_document(data, roots, expected_type, now, what=what)
    version: int = doc["version"]
    check_newer(what, version, data, previous.version if previous else None, previous.raw if previous else None)
    return OpenedList(doc, version, ts(doc["issued"], what, "issued"), ts(doc["expires"], what, "expires"))


def sign_list(doc_type: str, content: Mapping[str, Any], *, version: int, issued: datetime, expires: datetime,
              root: PrivateKey) -> bytes:
    """Sign a list of ``doc_type``: the header every list has, then its own ``content``."""
    payload = {"type": doc_type, "version": version, "issued": int(issued.timestamp()),
               "expires": int(expires.timestamp()), **content}
    return sign_document(payload, root)


def sign_document(payload: Mapping[str, Any], root: PrivateKey) -> bytes:
    alg = keys.alg_for_private(root)
    header = {HEADER_ALG: ALG_EDDSA if alg is Alg.EDDSA else ALG_ES256, HEADER_KID: keys.kid_of(root.public_key())}
    return build_sign1(header, dumps(dict(payload)), lambda data: keys.sign(root, data))


def open_document(
    data: bytes, roots: Sequence[PublicKey], expected_type: str, now: datetime | None, *, what: str
) -> Mapping[str, Any]:
    """Verify and decode a signed list; raises a ``SignedListError`` saying why it was refused.

    ``now`` None skips the expiry check: the station's trusted state judges expiry itself (an installed
    list that expired stays in force, flagged stale; see ``checkpoint.trust._state``)."""
    if len(data) > MAX_LIST_BYTES:
        raise ListFormatError(f"{what} is {len(data)} bytes, over the {MAX_LIST_BYTES // 2**20} MiB cap")
    try:
        sign1 = parse_sign1(data, limits=LIST)
    except MalformedPass:
        raise ListNotSignedError(f"{what} is not a signed list (expected a COSE_Sign1 document)") from None
    if not sign1.signature:
        raise ListNotSignedError(f"{what} carries no signature")
    kid = sign1.protected.get(HEADER_KID)
    alg = _ALGS.get(sign1.protected.get(HEADER_ALG))  # type: ignore[arg-type]
    if not roots:
        raise ListSignatureError(f"{what}: no root key is pinned in the station config ([trust] root_keys)")
    root = next((r for r in roots if keys.kid_of(r) == kid), None)
    if root is None:
        shown = kid.hex() if isinstance(kid, bytes) else "none"
        raise ListSignatureError(f"{what} is signed by key {shown}, which is not a pinned root key")
    if not keys.signature_valid(root, alg, sign1.signature, sign1.signed_data()):
        raise ListSignatureError(f"{what}: the signature does not verify with the pinned root key")
    try:
        payload = loads_strict(sign1.payload, what, LIST)
    except MalformedPass as e:
        raise ListFormatError(f"{what}: {e}") from None
    if not isinstance(payload, Mapping):
        raise ListFormatError(f"{what}: content is not a map")
    doc_type = payload.get("type")
    if doc_type != expected_type:
        raise ListFormatError(f"{what}: this document is a {doc_type!r}, not a {expected_type!r}")
    for field in ("version", "issued", "expires"):
        if not isinstance(payload.get(field), int) or isinstance(payload.get(field), bool):
            raise ListFormatError(f"{what}: field {field!r} is missing or not an integer")
    expires = ts(payload["expires"], what, "expires")
    if now is not None and now >= expires:
        raise ListExpiredError(f"{what} version {payload['version']} expired at {expires.isoformat()}")
    return payload


def check_newer(what: str, version: int, data: bytes, previous_version: int | None, previous_raw: bytes | None) -> None:
    """Refuse a rollback: a list must be newer than the one in place (the same bytes again are fine)."""
    if previous_version is not None and data != previous_raw and version <= previous_version:
        raise ListRollbackError(
            f"{what} version {version} is not newer than version {previous_version} already in place"
        )


def ts(value: Any, what: str, field: str) -> datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ListFormatError(f"{what}: field {field!r} is not an integer time")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise ListFormatError(f"{what}: field {field!r} is out of range") from None
