"""Counts for the supervisor screen and ``checkpoint report``: no personal data, only tallies.

Computed by SQLite over the ``recorded_at`` index, so a month of crossings costs one pass of
GROUP BY queries, not a Python loop over rows. ``since`` is inclusive, ``until`` exclusive.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from checkpoint.log.timefmt import time_range


@dataclass(frozen=True)
class LogStats:
    total: int = 0
    by_verdict: dict[str, int] = field(default_factory=dict)  # accept / reject
    by_display: dict[str, int] = field(default_factory=dict)  # ACCEPT / REJECT / CHECK
    by_reason: dict[str, int] = field(default_factory=dict)  # reject reasons
    by_hour: dict[str, int] = field(default_factory=dict)  # "2021-07-24T08" (UTC) -> count
    by_officer: dict[str, int] = field(default_factory=dict)  # officer id ("" when none) -> count
    by_direction: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    manual: int = 0
    clock_suspect: int = 0


def compute_stats(conn: sqlite3.Connection, since: datetime | None, until: datetime | None) -> LogStats:
    where, params = time_range(since, until)
    cond = " AND ".join(["1", *where])

    def grouped(expr: str, extra: str = "") -> dict[str, int]:
        sql = f"SELECT {expr}, count(*) FROM crossings WHERE {cond}{extra} GROUP BY 1 ORDER BY 1"  # noqa: S608
        return {str(k): int(n) for k, n in conn.execute(sql, params)}

    conn.execute("BEGIN")  # one snapshot for every count
    try:
        totals = ("count(*), coalesce(sum(instr(flags, '\"duplicate\"') > 0), 0), coalesce(sum(manual), 0), "
                  "coalesce(sum(clock_suspect), 0)")
        sql = f"SELECT {totals} FROM crossings WHERE {cond}"  # noqa: S608 (fixed expressions; values are bound)
        total, dup, manual, suspect = conn.execute(sql, params).fetchone()
        return LogStats(
            total=int(total),
            by_verdict=grouped("verdict"),
            by_display=grouped("display"),
            by_reason=grouped("reason", " AND reason IS NOT NULL"),
            by_hour=grouped("substr(recorded_at, 1, 13)"),
            by_officer=grouped("coalesce(officer_id, '')"),
            by_direction=grouped("direction"),
            duplicates=int(dup),
            manual=int(manual),
            clock_suspect=int(suspect),
        )
    finally:
        conn.execute("COMMIT")
