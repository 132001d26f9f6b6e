"""Supervisors' reports: what happened at a checkpoint over a day or a date range (counts only).

    from checkpoint.export._station_export import report_station_log
    from checkpoint.report import render_html, render_text
    summary = report_station_log(config, clock, period)      # or summarize(rows, ...) over any rows
    print(render_text(summary, "vi")); page = render_html(summary, "vi")

The supervisor screen shows the same :class:`Summary` (no personal data in it).
"""

from checkpoint.report.aggregate import OfficerCounts, Summary, SyncStanding, summarize
from checkpoint.report.html import render_html
from checkpoint.report.text import render_text

__all__ = ["OfficerCounts", "Summary", "SyncStanding", "render_html", "render_text", "summarize"]
