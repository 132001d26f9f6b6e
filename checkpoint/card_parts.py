"""Multi-part SMART Health Cards scanned code by code (``shc:/1/3/...``): held until the set is whole.

Shared by the station app and ``checkpoint scan``; the joining itself is
:class:`checkpoint.formats.shc_chunks.Assembler`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from checkpoint.errors import MalformedPass
from checkpoint.formats import Assembler


@dataclass(frozen=True)
class PartialCard:
    """A part of a multi-part SMART Health Card was read; the card is decided once every part is in."""

    have: int
    total: int
    missing: tuple[int, ...]


#: Parts of a multi-part card older than this are dropped: the next traveller starts afresh.
PART_TIMEOUT = timedelta(minutes=2)


class CardParts:
    """Collects the parts of a multi-part SMART Health Card (``shc:/1/3/...``) scanned one by one."""

    def __init__(self) -> None:
        self._assembler = Assembler()
        self._last: datetime | None = None

    def add(self, text: str, now: datetime) -> str | PartialCard:
        """The text to decide (a single-QR text, or a completed card), or where the card stands."""
        if self._last is not None and now - self._last > PART_TIMEOUT:
            self._assembler.reset()
        self._last = now
        try:
            whole = self._assembler.add(text)
        except MalformedPass:
            try:  # a part of another card: the assembler has started over, begin the new set with it
                whole = self._assembler.add(text)
            except MalformedPass:  # not a well-formed part at all: the verifier will say why
                return text
        if whole is not None:
            return whole
        a = self._assembler
        total = a.total or 0
        return PartialCard(total - len(a.missing), total, tuple(a.missing))
