"""The supervisor's export from the app: the crossings of a period as CSV, without personal data.

Personal fields stay sealed (only a supervisor key opens them, in ``checkpoint export``); this file
carries what a daily report needs. Written to a temporary name and renamed when complete, so a full
disk never leaves half a file; progress goes to a callback.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from checkpoint.crossing import Crossing

COLUMNS = ("seq", "id", "station_id", "officer_id", "lane", "direction", "recorded_at", "clock_suspect", "format",
           "verdict", "reason", "rule", "display", "flags", "manual", "category", "expires", "hash")


def export_csv(crossings: Iterable[Crossing], path: Path, progress: Callable[[int], None] | None = None) -> int:
    """Write the rows; returns how many. Raises OSError (the caller says it in words)."""
    tmp = path.with_name(f".{path.name}.part")
    rows = 0
    try:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(COLUMNS)
            for c in crossings:
                w.writerow([_cell(c, k) for k in COLUMNS])
                rows += 1
                if progress is not None and rows % 500 == 0:
                    progress(rows)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if progress is not None:
        progress(rows)
    return rows


def _cell(c: Crossing, key: str) -> str:
    value = getattr(c, key)
    if isinstance(value, tuple):
        return ";".join(value)
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # no formulas when opened in a spreadsheet


