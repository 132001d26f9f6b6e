"""ISO-8601 times as text: the one definition of each form the station writes and reads.

Two forms are written:

- ``iso_z``: ``2021-07-24T15:15:00+07:00`` written as ``2021-07-24T08:15:00Z`` (messages, the wire, manifests,
  audit details, the clock guard's file). Microseconds appear only when the time has them.
- ``stamp``: fixed width, UTC, always with microseconds (``2021-07-24T08:15:00.000000Z``), so that text
  order is time order. The crossing log and the central server's crossing table keep times this way.

Pure: no clock, no I/O (the core may import it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@overload
def iso_z(t: datetime) -> str: ...


@overload
def iso_z(t: None) -> None: ...


@overload
def iso_z(t: datetime | None) -> str | None: ...


def iso_z(t: datetime | None) -> str | None:
    """An aware time in UTC, written with ``Z``; None stays None. A time without zone is written as it is
    (never guessed to be local time)."""
    if t is None:
        return None
    return (t.astimezone(UTC) if t.tzinfo is not None else t).isoformat().replace("+00:00", "Z")


def stamp(t: datetime) -> str:
    """Fixed-width UTC text with microseconds; raises ValueError for a time without zone (never guessed)."""
    if t.tzinfo is None:
        raise ValueError("the log keeps aware (UTC) times only")
    return t.astimezone(UTC).strftime(STAMP_FORMAT)


def parse_stamp(text: str) -> datetime:
    """The exact inverse of :func:`stamp` (any other form raises ValueError)."""
    return datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=UTC)


def parse_instant(text: str) -> datetime:
    """ISO-8601 to an aware UTC datetime; a time without zone is taken as UTC. Raises ValueError."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def sortable(text: str) -> str:
    """Any ISO-8601 time (as :func:`parse_instant` reads it) as a :func:`stamp`, so it sorts as text."""
    return stamp(parse_instant(text))
