"""SMART Health Card QR text: the ``shc:/`` numeric encoding, and multi-part (chunked) QR sets.

A card's compact JWS is written into the QR as digits, two per character (``ord(c) - 45``), after
``shc:/``. A JWS too long for one QR was split (now deprecated, still in circulation) into parts
``shc:/1/3/...``, ``shc:/2/3/...``, ``shc:/3/3/...``, scanned in any order. :class:`Assembler`
holds the parts a station has seen and gives back the whole card as one ``shc:/`` text once every
part is in; :func:`assemble` does the same for a list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from checkpoint.errors import MalformedPass

PREFIX = "shc:/"
MAX_PART_DIGITS = 2 * 1191  # a part holds at most 1191 JWS characters (SMART spec, QR version 22)
_CHUNK = re.compile(r"shc:/([1-9][0-9]?)/([1-9][0-9]?)/(.*)", re.DOTALL)


def decode_numeric(digits: str) -> str:
    """The JWS text from the digits after ``shc:/``."""
    if not digits or not digits.isascii() or not digits.isdigit():
        raise MalformedPass("SHC: the QR text after 'shc:/' is not all digits")
    if len(digits) % 2:
        raise MalformedPass("SHC: the QR holds an odd number of digits")
    out = []
    for i in range(0, len(digits), 2):
        value = int(digits[i : i + 2])
        if value > ord("z") - 45:
            raise MalformedPass(f"SHC: digit pair {value} is out of range (at most {ord('z') - 45})")
        out.append(chr(value + 45))
    return "".join(out)


def encode_numeric(jws: str) -> str:
    """``shc:/`` text for a JWS: the issuer side, for tools and tests."""
    return PREFIX + "".join(f"{ord(c) - 45:02d}" for c in jws)


@dataclass(frozen=True)
class Chunk:
    index: int
    total: int
    digits: str


def chunk_of(text: str) -> Chunk | None:
    """The part number, part count and digits of a multi-part QR text; None for a single QR.

    ``shc:/1/1/...`` (a one-part "set") is read as a single QR, as the SMART validator does.
    """
    m = _CHUNK.fullmatch(text)
    if m is None:
        return None
    index, total = int(m.group(1)), int(m.group(2))
    if index > total:
        raise MalformedPass(f"SHC: QR part header {index}/{total} is not valid")
    if total > 1 and len(m.group(3)) > MAX_PART_DIGITS:
        raise MalformedPass(f"SHC: QR part {index} is larger than a part may be ({MAX_PART_DIGITS} digits)")
    return Chunk(index, total, m.group(3))


def chunk_of_or_none(text: str) -> Chunk | None:
    """:func:`chunk_of`, with a malformed part header read as "not a part" (for sorting inputs)."""
    try:
        return chunk_of(text)
    except MalformedPass:
        return None


@dataclass
class Assembler:
    """Parts of one multi-part card as they are scanned; mutable, one per station (not thread-safe)."""

    total: int | None = None
    parts: dict[int, str] = field(default_factory=dict)

    def add(self, text: str) -> str | None:
        """Take one QR text. A single-QR text comes straight back; a part gives None until the
        last one is in, then the whole card as one ``shc:/`` text. A part that does not fit the
        parts held (another count, a duplicate that differs) raises ``MalformedPass`` and starts over.
        """
        chunk = chunk_of(text)
        if chunk is None or chunk.total == 1:
            return text
        if self.total is not None and chunk.total != self.total:
            self.reset()
            raise MalformedPass(
                f"SHC: a part of a {chunk.total}-part card among parts of a {self.total}-part one"
            )
        if self.parts.get(chunk.index, chunk.digits) != chunk.digits:
            self.reset()
            raise MalformedPass(f"SHC: part {chunk.index} was scanned twice with different content")
        self.total = chunk.total
        self.parts[chunk.index] = chunk.digits
        if len(self.parts) < chunk.total:
            return None
        whole = PREFIX + "".join(self.parts[i] for i in range(1, chunk.total + 1))
        self.reset()
        return whole

    @property
    def missing(self) -> list[int]:
        return [i for i in range(1, (self.total or 0) + 1) if i not in self.parts]

    def reset(self) -> None:
        self.total = None
        self.parts = {}


def assemble(texts: Iterable[str]) -> str:
    """One ``shc:/`` text from a complete set of parts in any order (or from one single-QR text)."""
    items = list(texts)
    asm = Assembler()
    whole = None
    for i, text in enumerate(items):
        if whole is not None:
            raise MalformedPass("SHC: more QR texts than the parts of one card")
        whole = asm.add(text)
        if whole is not None and chunk_of(text) is None and i:
            raise MalformedPass("SHC: a single-QR card among the parts of a multi-part one")
    if whole is None:
        raise MalformedPass(f"SHC: QR part(s) {', '.join(map(str, asm.missing)) or '?'} missing")
    return whole
