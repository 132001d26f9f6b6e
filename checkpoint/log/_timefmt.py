"""Times in the log: fixed-width ISO-8601 UTC text with microseconds (``checkpoint.isotime.stamp``), so they sort
as text; and the SQL for a time range over them."""

from __future__ import annotations

from datetime import datetime

from checkpoint.isotime import stamp as stamp  # the form is defined there (the server sorts by it too)


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
