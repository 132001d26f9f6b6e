"""Occupancy at a hospital or office gate: people admitted in minus people admitted out, per local day.

Only admitted crossings count: verdict ``accept`` (shown ACCEPT or CHECK; a CHECK is admitted unless the
officer turns the person back, which the crossing row does not say). A REJECT never counts, either way.
Days are local (the station's ``[export] timezone``) and counted separately: someone who came in before
midnight and leaves after it counts +1 on the first day and -1 on the second, so a day's figure may be
negative, and the sum over consecutive days is who is still inside (as far as the gate saw them).
Pure: crossings and the zone in, figures out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

ADMITTED = "accept"  # the verdict of ACCEPT and CHECK


@dataclass(frozen=True)
class DayOccupancy:
    day: date  # local
    ins: int = 0  # admitted "in"
    outs: int = 0  # admitted "out"

    @property
    def inside(self) -> int:
        """In minus out on this day."""
        return self.ins - self.outs

    def add(self, direction: str, verdict: str) -> DayOccupancy:
        if verdict != ADMITTED:
            return self
        if direction == "in":
            return DayOccupancy(self.day, self.ins + 1, self.outs)
        if direction == "out":
            return DayOccupancy(self.day, self.ins, self.outs + 1)
        return self


def local_day(recorded_at: str | datetime, tz: tzinfo) -> date:
    at = datetime.fromisoformat(recorded_at) if isinstance(recorded_at, str) else recorded_at
    return at.astimezone(tz).date()


def day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The UTC-comparable start (inclusive) and end (exclusive) of a local day."""
    start = datetime.combine(day, time(0), tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tz)


def by_day(rows: Iterable[tuple[str, str, str]], tz: tzinfo) -> tuple[DayOccupancy, ...]:
    """Per local day, oldest first, from ``(recorded_at, direction, verdict)`` rows; days with no
    admitted crossing are left out."""
    days: dict[date, DayOccupancy] = {}
    for recorded_at, direction, verdict in rows:
        if verdict != ADMITTED or direction not in ("in", "out"):
            continue
        d = local_day(recorded_at, tz)
        days[d] = days.get(d, DayOccupancy(d)).add(direction, verdict)
    return tuple(days[d] for d in sorted(days))
