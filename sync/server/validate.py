"""Checking what a station sends before anything is stored: shapes, types, sizes, contiguity.

A crossing's rules come from the crossing's field table (``checkpoint.crossing.fields``, each field's
``check``); its hash is checked with the chain beside that table (``checkpoint.crossing.chain``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from checkpoint.clock import parse_instant
from checkpoint.crossing import chain
from checkpoint.crossing.fields import BY_NAME, FIELDS, MAX_LIST, MAX_TEXT, PERSONAL_DIGEST_FIELDS
from sync import protocol
from sync.protocol import ProtocolError

HEX64 = re.compile(r"^[0-9a-f]{64}$")
NONCE = re.compile(r"^[0-9a-f]{32}$")
__all__ = ["MAX_LIST", "MAX_TEXT", "REQUIRED"]  # the caps come from the field table
#: Fields every crossing must carry with these JSON types (others are stored as they come).
REQUIRED: dict[str, tuple[type, ...]] = {f.name: f.wire_types for f in FIELDS if f.check.required}
#: Fields with a rule beyond type and size (choices, a form, a minimum length), in table order.
_RULED = tuple(f for f in FIELDS if f.check.choices or f.check.form or f.check.min_chars)


#: No body the protocol defines nests deeper than 4 (a batch, its crossings, a crossing, its flags).
MAX_DEPTH = 6
#: Whole numbers must fit SQL's 64-bit integers; a number text longer than this is refused before it is read.
MAX_INT_DIGITS = 19


def _whole_number(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ProtocolError(f"a number in the body has more than {MAX_INT_DIGITS} digits")
    v = int(text)
    if not -(2**63) <= v < 2**63:
        raise ProtocolError("a number in the body is outside the 64-bit range")
    return v


def _number(text: str) -> float:
    if len(text) > 32:
        raise ProtocolError("a number in the body is longer than 32 characters")
    v = float(text)
    if v in (float("inf"), float("-inf")):
        raise ProtocolError("a number in the body is out of range")
    return v


def _no_constant(text: str) -> Any:
    raise ProtocolError(f"{text} is not JSON")


def parse_json(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; anything else (not JSON, NaN, a 5,000-digit number, nesting deeper than
    ``MAX_DEPTH``) is a ``ProtocolError`` (a 400), never an error of the server."""
    try:
        doc = json.loads(body, parse_int=_whole_number, parse_float=_number, parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProtocolError("the body is not JSON") from None
    except RecursionError:
        raise ProtocolError(f"the body nests deeper than {MAX_DEPTH} levels") from None
    if not isinstance(doc, dict):
        raise ProtocolError("the body is not a JSON object")
    if _depth(doc) > MAX_DEPTH:
        raise ProtocolError(f"the body nests deeper than {MAX_DEPTH} levels")
    return doc


def _depth(doc: Any) -> int:
    """How deeply objects and arrays nest in ``doc`` (iteratively: no recursion limit to hit)."""
    deepest, todo = 0, [(doc, 1)]
    while todo:
        v, d = todo.pop()
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, list):
            deepest = max(deepest, d)
            if d <= MAX_DEPTH:
                todo += [(x, d + 1) for x in v if isinstance(x, dict | list)]
    return deepest


def text(doc: Mapping[str, Any], key: str, limit: int = 256) -> str:
    v = doc.get(key)
    if not isinstance(v, str) or not v or len(v) > limit:
        raise ProtocolError(f"'{key}' is missing or not a string of at most {limit} characters")
    return v


def whole(doc: Mapping[str, Any], key: str) -> int:
    v = doc.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise ProtocolError(f"'{key}' is missing or not a positive whole number")
    return v


def envelope(doc: Mapping[str, Any], kind: str, station_id: str) -> None:
    if doc.get("type") != kind:
        raise ProtocolError(f"'type' must be {kind!r} on this path")
    if doc.get("station_id") != station_id:
        raise ProtocolError(f"'station_id' must match the {protocol.STATION_HEADER} header")
    if not NONCE.match(text(doc, "nonce")):
        raise ProtocolError("'nonce' must be 32 lowercase hex digits")
    try:
        parse_instant(text(doc, "sent_at"))
    except ValueError:
        raise ProtocolError("'sent_at' is not an ISO-8601 time") from None


ALERT_KINDS = ("log_replaced", "log_broken")


def alert_kind(doc: Mapping[str, Any]) -> str:
    kind = doc.get("kind")
    if kind not in ALERT_KINDS:
        raise ProtocolError(f"'kind' must be one of {', '.join(ALERT_KINDS)}")
    return str(kind)


def batch(doc: Mapping[str, Any], station_id: str) -> list[dict[str, Any]]:
    crossings = doc.get("crossings")
    if not isinstance(crossings, list) or not crossings:
        raise ProtocolError("'crossings' is missing or empty")
    if len(crossings) > protocol.MAX_BATCH_CROSSINGS:
        raise ProtocolError(f"a batch holds at most {protocol.MAX_BATCH_CROSSINGS} crossings, not {len(crossings)}")
    first, last = whole(doc, "first_seq"), whole(doc, "last_seq")
    if last - first + 1 != len(crossings):
        raise ProtocolError(f"first_seq..last_seq ({first}..{last}) does not match {len(crossings)} crossings")
    for i, c in enumerate(crossings):
        crossing(c, first + i, station_id)
    return crossings


def chain_problem(crossings: list[dict[str, Any]]) -> tuple[int, str] | None:
    """The first crossing whose hash does not match its content (docs/crossing-log.md), or None.

    Checked for every crossing received, so an edited row is refused even when the station's own
    chain links were recomputed around it; the personal-data digest is checked while the sealed blob
    is still there (retention may have erased it, keeping only the digest).
    """
    for c in crossings:
        try:
            if chain.crossing_hash({name: c.get(name) for name in chain.CROSSING_FIELDS}) != c["hash"]:
                return c["seq"], "does not match its hash (altered after it was recorded)"
            if c.get("sealed") is not None and c.get("personal_digest") is not None:
                digest = chain.personal_digest(*(_chain_value(name, c.get(name)) for name in PERSONAL_DIGEST_FIELDS))
                if digest != c["personal_digest"]:
                    return c["seq"], "carries personal data that does not match its digest"
        except (TypeError, ValueError, binascii.Error):
            return c["seq"], "has fields of the wrong type for its hash"
    return None


def _chain_value(name: str, v: Any) -> Any:
    """A wire value as the chain encodes it: ``blob`` fields travel as base64."""
    if v is not None and BY_NAME[name].kind == "blob":
        return base64.b64decode(v, validate=True)
    return v


def crossing(c: Any, seq: int, station_id: str) -> None:
    where = f"crossing #{seq}"
    if not isinstance(c, dict):
        raise ProtocolError(f"{where} is not an object")
    for key, types in REQUIRED.items():
        v = c.get(key)
        if not isinstance(v, types) or isinstance(v, bool):
            raise ProtocolError(f"{where}: '{key}' is missing or of the wrong type")
    if c["seq"] != seq:
        raise ProtocolError(f"{where}: sequence {c['seq']} out of order (the batch must be contiguous)")
    if c["station_id"] != station_id:
        raise ProtocolError(f"{where}: belongs to another station")
    for f in _RULED:
        v, rule = c.get(f.name), f.check
        if not isinstance(v, str):
            continue  # a nullable field left empty (required ones were type-checked above)
        if rule.choices and v not in rule.choices:
            raise ProtocolError(f"{where}: '{f.name}' must be {' or '.join(rule.choices)}")
        if rule.form == "hex64" and not HEX64.match(v):
            raise ProtocolError(f"{where}: '{f.name}' must be 64 lowercase hex digits")
        if rule.min_chars and not rule.min_chars <= len(v) <= rule.max_chars:
            raise ProtocolError(f"{where}: '{f.name}' must be {rule.min_chars} to {rule.max_chars} characters")
        if rule.form == "instant":
            try:
                parse_instant(v)
            except ValueError:
                raise ProtocolError(f"{where}: '{f.name}' is not an ISO-8601 time") from None
    for key, v in c.items():
        if isinstance(v, str):
            known = BY_NAME.get(key)
            if len(v) > (known.check.max_chars if known is not None else MAX_TEXT):
                raise ProtocolError(f"{where}: '{key}' is too long")
        elif isinstance(v, list):
            if len(v) > MAX_LIST or not all(isinstance(x, str) and len(x) <= MAX_TEXT for x in v):
                raise ProtocolError(f"{where}: '{key}' must be a short list of short strings")
        elif isinstance(v, dict):
            raise ProtocolError(f"{where}: '{key}' must not be an object")
