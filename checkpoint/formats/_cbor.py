"""Bounded, strict CBOR decoding for untrusted bytes: one item, nothing after it, any failure is MALFORMED.

Two steps, both linear in the input and bounded by construction (docs/formats.md, "Hostile input"):

1. :func:`scan` walks the item heads once, without building anything, and refuses what the station never
   needs and an attacker could use: nesting past ``max_depth``, more than ``max_items`` items or
   ``max_container`` entries in one array or map, a text string past ``max_text`` bytes, indefinite
   lengths, shared references and string references (tags 28, 29, 25, 256: a small DAG expands
   exponentially, a cycle recurses for ever), the tags cbor2 would turn into costly objects (bigfloats,
   decimal fractions, rationals, regular expressions, MIME messages, sets, ...), a bignum (tags 2/3)
   longer than ``max_bignum`` bytes, map keys other than integers and strings (hash flooding with
   crafted colliding tuples), simple values other than false/true/null/undefined, and bytes after the
   item.
2. cbor2 then decodes what passed (its Rust decoder is faster than any Python one), with duplicate map
   keys refused (anywhere, equal after decoding: ``1`` and a non-minimal ``1`` are the same key) and the
   same depth cap.

Why not a decoder of our own: measured, a pure-Python decoder took 25 us on a CP1 claims map that cbor2
decodes in 4 us; the scan takes 3.5-5 us (docs/formats.md has the figures and what paid for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cbor2

from checkpoint.errors import MalformedPass


@dataclass(frozen=True)
class Limits:
    max_depth: int  # nested arrays, maps and tags
    max_items: int  # data items in the whole document
    max_container: int  # entries of one array or map
    max_text: int  # bytes of one text string
    max_bignum: int  # bytes of a tag 2/3 bignum (16: 128 bits)


#: A pass (CP1, HC1, NZCP) or a COSE header: at most 64 KiB once inflated. The largest of the 571 EU
#: test certificates (shared/vectors/dgc-testdata) has 69 items in its claims; a CP1 pass ~45.
PASS = Limits(max_depth=16, max_items=4096, max_container=512, max_text=4096, max_bignum=16)
#: A signed trust or revocation list (up to 64 MiB, a million revoked ids in one byte string).
LIST = Limits(max_depth=16, max_items=1 << 20, max_container=1 << 18, max_text=1 << 16, max_bignum=16)

#: Tags cbor2 interprets that the scan lets through: date-times (0, 1) and bounded bignums (2, 3).
#: Every other tag cbor2 interprets is refused; any tag it does not interpret stays a ``CBORTag``
#: (18 COSE_Sign1, 61 CWT, 64 typed bytes). tests/formats/test_cbor_bounded.py pins cbor2's list.
REFUSED_TAGS = frozenset({4, 5, 25, 28, 29, 30, 35, 36, 37, 52, 54, 100, 256, 258, 260, 261, 1004, 55799})
_BIGNUM_TAGS = (2, 3)


def _skip(ib: int) -> int:
    """The bytes an item starting with ``ib`` takes when that alone says so and nothing in it needs a
    check: an integer (any width), a string shorter than 24 bytes. 0: take the general path."""
    major, ai = ib >> 5, ib & 31
    if major <= 1 and ai < 28:
        return 1 + (0, 1, 2, 4, 8)[max(0, ai - 23)]
    if major in (2, 3) and ai < 24:
        return 1 + ai
    return 0


_SKIP = bytes(_skip(ib) for ib in range(256))


def scan(data: bytes, limits: Limits = PASS) -> None:
    """Check the structure of one CBOR item against ``limits``; raises ``MalformedPass`` saying why.

    One loop over the item heads with an explicit stack (no recursion, nothing built): the cost is
    linear in ``len(data)`` whatever the content.
    """
    try:
        _scan(data, limits)
    except IndexError:
        raise MalformedPass("CBOR: the data ends inside an item") from None


def _scan(data: bytes, limits: Limits) -> None:
    n = len(data)
    pos = 0
    items = 1  # counted when a container or tag opens: the items it holds
    stack: list[tuple[int, bool]] = []  # the enclosing levels: (items still due, is a map)
    due, in_map = 1, False  # the current level; the top level holds one item
    skips = _SKIP
    max_depth, max_items, max_container, max_text = (
        limits.max_depth, limits.max_items, limits.max_container, limits.max_text)
    while True:
        ib = data[pos]
        pos += 1
        skip = skips[ib]
        if skip:
            pos += skip - 1
            due -= 1
        else:
            major, ai = ib >> 5, ib & 31
            if ai < 24:
                arg = ai
            elif ai == 24:
                arg = data[pos]
                pos += 1
            elif ai < 28:
                end = pos + (2, 4, 8)[ai - 25]
                if end > n:
                    raise IndexError
                arg = int.from_bytes(data[pos:end], "big")
                pos = end
            elif ai == 31:
                raise MalformedPass("CBOR: indefinite-length items are not accepted")
            else:
                raise MalformedPass("CBOR: reserved item header")
            is_key = in_map and not due & 1  # a map of k pairs counts 2k items down: keys at even counts
            due -= 1
            if major <= 1:
                pass  # an integer of at most 64 bits
            elif major <= 3:
                if major == 3 and arg > max_text:
                    raise MalformedPass(f"CBOR: a text string longer than {max_text} bytes")
                pos += arg
            elif is_key:
                raise MalformedPass("CBOR: a map key that is not an integer or a string")
            elif major <= 5:
                if arg > max_container:
                    raise MalformedPass(f"CBOR: an array or map of more than {max_container} entries")
                if arg:
                    if len(stack) >= max_depth:
                        raise MalformedPass(f"CBOR: nested deeper than {max_depth} levels")
                    stack.append((due, in_map))
                    due, in_map = (arg * 2, True) if major == 5 else (arg, False)
                    items += due
                    if items > max_items:
                        raise MalformedPass(f"CBOR: more than {max_items} items")
                    continue
            elif major == 6:
                if arg in REFUSED_TAGS:
                    what = "shared references are" if arg in (28, 29) else f"tag {arg} is"
                    raise MalformedPass(f"CBOR: {what} not accepted")
                if arg in _BIGNUM_TAGS:
                    _check_bignum(data, pos, limits.max_bignum)
                if len(stack) >= max_depth:
                    raise MalformedPass(f"CBOR: nested deeper than {max_depth} levels")
                stack.append((due, in_map))
                due, in_map = 1, False
                items += 1
                if items > max_items:
                    raise MalformedPass(f"CBOR: more than {max_items} items")
                continue
            elif not 20 <= ai <= 27 or ai == 24:
                raise MalformedPass("CBOR: a simple value that is not false, true, null or undefined")
        while due == 0:
            if not stack:
                if pos > n:
                    raise MalformedPass("CBOR: the data ends inside a string")
                if pos < n:
                    raise MalformedPass("CBOR: bytes after the CBOR item")
                return
            due, in_map = stack.pop()


def _check_bignum(data: bytes, pos: int, cap: int) -> None:
    """A bignum tag must hold a definite byte string of at most ``cap`` bytes."""
    ib = data[pos] if pos < len(data) else 0
    if ib >> 5 != 2 or (ib & 31) >= 24 or (ib & 31) > cap:
        raise MalformedPass(f"CBOR: an integer larger than {cap * 8} bits")


def loads_strict(data: bytes, what: str, limits: Limits = PASS) -> Any:
    """Decode one CBOR item within ``limits``; anything else raises ``MalformedPass`` naming ``what``."""
    try:
        scan(data, limits)
    except MalformedPass as e:
        raise MalformedPass(f"{what}: {e}") from None
    try:
        return cbor2.loads(data, max_depth=limits.max_depth + 1, allow_duplicate_keys=False,
                           allow_indefinite=False)
    except cbor2.CBORDecodeError as e:
        detail = "a map key appears twice" if "Duplicate map key" in str(e) else type(e).__name__
        raise MalformedPass(f"{what}: not valid CBOR ({detail})") from None
    except (ValueError, TypeError, RecursionError, OverflowError, MemoryError) as e:
        raise MalformedPass(f"{what}: not valid CBOR ({type(e).__name__})") from None


def dumps(value: Any) -> bytes:
    return bytes(cbor2.dumps(value))
