"""Times in the log: fixed-width ISO-8601 UTC text with microseconds, so they sort as text."""

from __future__ import annotations

from datetime import UTC, datetime


def stamp(t: datetime) -> str:
    if t.tzinfo is None:
        raise ValueError("the log keeps aware (UTC) times only")
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def time_range(since: datetime | None, until: datetime | None) -> tuple[list[str], list[str]]:
    """SQL conditions and their values for ``since <= recorded_at < until`` (either end open)."""
    where, params = [], []
    if since is not None:
        where.append("recorded_at >= ?")
        params.append(stamp(since))
    if until is not None:
        where.append("recorded_at < ?")
        params.append(stamp(until))
    return where, params
