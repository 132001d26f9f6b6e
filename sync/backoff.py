"""When to try again: exponential backoff with full jitter, and the server's ``Retry-After``.

Pure: the random source and the current time are parameters, so the schedule is tested exactly.
Full jitter (a uniform delay between 0 and the exponential ceiling) spreads many stations that lost
the same link at the same moment, instead of having them all knock again together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

#: A server asking for more than this is not believed (a misconfigured proxy must not stop sync for a day).
MAX_RETRY_AFTER = 3600.0


@dataclass(frozen=True)
class Backoff:
    base: float = 1.0  # seconds: the ceiling of the first retry
    cap: float = 300.0  # seconds: the ceiling never grows past this

    def ceiling(self, attempt: int) -> float:
        """The largest delay for the ``attempt``-th consecutive failure (1, 2, ...)."""
        return min(self.cap, self.base * 2.0 ** min(max(attempt - 1, 0), 60))

    def delay(self, attempt: int, rand: Callable[[], float], retry_after: float | None = None) -> float:
        """Seconds to wait: uniform in [0, ceiling), but never less than the server asked for."""
        d = rand() * self.ceiling(attempt)
        if retry_after is not None:
            d = max(d, min(max(retry_after, 0.0), MAX_RETRY_AFTER))
        return d


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds: a number of seconds, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - now).total_seconds(), 0.0)
