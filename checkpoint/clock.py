"""Time, injected everywhere; and the clock guard's rule for a clock that cannot be trusted.

A Raspberry Pi has no real-time clock: after a power cut it may boot at a time long past. The
station keeps a high-water mark of trusted time (the latest of: trust list issue time, server time at
the last sync, the last crossing). When the system clock is behind it by more than the tolerance,
verdicts are flagged ``clock_suspect`` and evaluated at the high-water mark instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from checkpoint.isotime import parse_instant as parse_instant  # defined there; many callers import it from here


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told (tests, ``--at``); ``advance`` moves it on."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        self._at = at


@dataclass(frozen=True)
class TimeAssessment:
    system: datetime
    effective: datetime
    high_water: datetime | None
    suspect: bool


def assess(system: datetime, high_water: datetime | None, tolerance: timedelta) -> TimeAssessment:
    """Which time to evaluate at, and whether the system clock is suspect."""
    if high_water is not None and system < high_water - tolerance:
        return TimeAssessment(system, high_water, high_water, True)
    return TimeAssessment(system, system, high_water, False)


