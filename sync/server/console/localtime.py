"""The console's clock face: days, hours and times in the province's time zone, never UTC.

A provincial office reads "the day's report" as its own day (00:00 to 24:00 in Vietnam, UTC+7) and "08:00" as
eight in the morning; the server stores instants in UTC. ``CHECKPOINT_CONSOLE_TIMEZONE`` names the zone
(default ``Asia/Ho_Chi_Minh``, as the stations' ``[export] timezone``); without a time zone database the
default is the fixed UTC+07:00 Vietnam has kept since 1975.
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import cache

from checkpoint.isotime import parse_instant

ENV = "CHECKPOINT_CONSOLE_TIMEZONE"
DEFAULT = "Asia/Ho_Chi_Minh"
log = logging.getLogger(__name__)


@cache
def zone() -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = os.environ.get(ENV, "").strip() or DEFAULT
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name != DEFAULT:
            log.warning("%s=%r is not a known time zone: the console shows Vietnam's time (UTC+07:00)", ENV, name)
        return timezone(timedelta(hours=7), "UTC+07:00")


def today(now: datetime) -> date:
    return now.astimezone(zone()).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants (aware) that start ``day`` and the next day in the console's zone."""
    start = datetime.combine(day, time(0), tzinfo=zone())
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone())
    return start, end


def hour_of(instant: str) -> int:
    return parse_instant(instant).astimezone(zone()).hour


def shown_time(value: object) -> str:
    """An ISO instant as the province's local time, to the second ("2026-12-01 05:47:16"); anything else as it
    came (the template escapes it), empty for None."""
    if value is None or value == "":
        return ""
    try:
        return parse_instant(str(value)).astimezone(zone()).strftime("%Y-%m-%d %H:%M:%S")
    except (ValueError, TypeError):
        return str(value)
