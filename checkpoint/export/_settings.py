"""The ``[export]`` table of the station config, and the periods supervisors ask for.

    [export]
    timezone = "Asia/Ho_Chi_Minh"   # local time for exports and reports (days, hours, time columns)
    language = "vi"                 # headers and values of CSV/XLSX and reports; default [station] language

Days are local days: "2021-07-24" at a Vietnamese checkpoint runs from 00:00 to 24:00 UTC+7.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from checkpoint.config import LANGUAGES, StationConfig
from checkpoint.errors import CheckpointError, ConfigError

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
KEYS = {"timezone", "language"}


@dataclass(frozen=True)
class ExportSettings:
    tz: tzinfo
    language: str


def load_timezone(name: str, *, path: str | None = None) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == DEFAULT_TZ:  # no time zone database on this machine: Vietnam has kept UTC+7 since 1975
            return timezone(timedelta(hours=7), "UTC+07:00")
        raise ConfigError(f"unknown time zone {name!r} (e.g. {DEFAULT_TZ})", path=path, key="export.timezone") from None


def export_settings(config: StationConfig) -> ExportSettings:
    t = config.section("export")
    t.check_keys(KEYS)
    return ExportSettings(
        tz=load_timezone(t.get("timezone", str, DEFAULT_TZ), path=config.path),
        language=t.choice("language", LANGUAGES, config.station.language),
    )


def tz_label(tz: tzinfo, at: datetime) -> str:
    """``UTC+07:00``: the offset a spreadsheet's naive local times are in."""
    offset = at.astimezone(tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass(frozen=True)
class Period:
    since: datetime | None  # inclusive, UTC
    until: datetime | None  # exclusive, UTC
    label: str


def _day_start(d: date, tz: tzinfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC)


def _parse_bound(text: str, tz: tzinfo, *, end: bool, option: str) -> datetime:
    """A date (a whole local day; ``end``: up to its end) or a local date-time (or one with an offset)."""
    try:
        if len(text.strip()) == 10:
            d = date.fromisoformat(text.strip())
            return _day_start(d + timedelta(days=1) if end else d, tz)
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CheckpointError(f"{option} {text!r} is not a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM)") from None
    return (t if t.tzinfo is not None else t.replace(tzinfo=tz)).astimezone(UTC)


def period_from(*, day: str | None, start: str | None, end: str | None, tz: tzinfo,
                default_today: datetime | None = None) -> Period:
    """The period of ``--day`` or ``--from``/``--to`` (dates inclusive); with none of them, the local day
    of ``default_today`` if given, else everything."""
    if day is not None and (start is not None or end is not None):
        raise CheckpointError("give either --day or --from/--to, not both")
    if day is not None:
        return Period(_parse_bound(day, tz, end=False, option="--day"), _parse_bound(day, tz, end=True, option="--day"),
                      day)
    if start is None and end is None:
        if default_today is None:
            return Period(None, None, "")
        d = default_today.astimezone(tz).date()
        return Period(_day_start(d, tz), _day_start(d + timedelta(days=1), tz), d.isoformat())
    return _checked(_parse_bound(start, tz, end=False, option="--from") if start is not None else None,
                    _parse_bound(end, tz, end=True, option="--to") if end is not None else None,
                    f"{start or '…'} – {end or '…'}")


def _checked(since: datetime | None, until: datetime | None, label: str) -> Period:
    if since is not None and until is not None and until <= since:
        raise CheckpointError("--to is before --from")
    return Period(since, until, label)
