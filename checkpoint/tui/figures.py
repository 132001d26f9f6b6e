"""Today's figures for the supervisor screen, from the crossings themselves."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta, timezone

from checkpoint.clock import parse_instant
from checkpoint.crossing import Crossing


@dataclass(frozen=True)
class Figures:
    per_hour: tuple[int, ...] = (0,) * 24  # local hours 0-23
    accepted: int = 0
    rejected: int = 0
    check: int = 0
    duplicates: int = 0
    manual: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)  # "REASON" or "RULE_FAILED:rule"

    @property
    def total(self) -> int:
        return self.accepted + self.rejected + self.check


def figures(crossings: Iterable[Crossing], utc_offset: timedelta = timedelta(hours=7)) -> Figures:
    """Counts by displayed verdict, reason, hour (local time: Vietnam is UTC+7), duplicates, manual."""
    tz = timezone(utc_offset)
    hours = [0] * 24
    shown: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    duplicates = manual = 0
    for c in crossings:
        hours[parse_instant(c.recorded_at).astimezone(tz).hour] += 1
        shown[c.display] += 1
        if c.reason:
            reasons[f"{c.reason}:{c.rule}" if c.rule else c.reason] += 1
        duplicates += "duplicate" in c.flags
        manual += c.manual
    return Figures(tuple(hours), shown["ACCEPT"], shown["REJECT"], shown["CHECK"], duplicates, manual,
                   dict(reasons.most_common()))


def bar_chart(values: tuple[int, ...], height: int = 6) -> list[str]:
    """A column chart in block characters, one column per value, ``height`` rows (top row first)."""
    top = max(values) if values and max(values) > 0 else 1
    eighths = " ▁▂▃▄▅▆▇█"
    rows = []
    for level in range(height, 0, -1):
        line = []
        for v in values:
            filled = v / top * height - (level - 1)
            line.append(eighths[max(0, min(8, round(filled * 8)))] * 2)
        rows.append(" ".join(line))
    return rows
