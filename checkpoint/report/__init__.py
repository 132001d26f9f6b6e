"""Supervisors' reports: what happened at a checkpoint over a day or a date range.

    from checkpoint.report import summarize, render_text, render_html, SyncState
    with LogRows(log_path, since=p.since, until=p.until) as rows:
        summary = summarize(rows, since=p.since, until=p.until, tz=tz,
                        station_id=..., generated_at=clock.now(), sync=SyncState(log.last_seq, log.sync_cursor))
    print(render_text(summary, "vi")); html = render_html(summary, "vi")

The supervisor screen shows the same :class:`Summary` (no personal data in it: counts only).
"""

from checkpoint.report.aggregate import OfficerCounts, Summary, SyncState, summarize
from checkpoint.report.html import render_html
from checkpoint.report.text import render_text

__all__ = ["OfficerCounts", "Summary", "SyncState", "render_html", "render_text", "summarize"]
