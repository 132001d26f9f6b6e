"""``checkpoint report``: what happened at this checkpoint over a day or a date range (counts only)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from checkpoint.cli import EXIT_OK
from checkpoint.cli.common import add_config_option, add_data_dir_option, clock_from, config_from


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "report", help="counts for a day or a period: per hour, verdicts and reasons, officers, sync",
        description="Print what happened at this checkpoint: crossings per hour, accepted and rejected by\n"
        "reason, duplicates, manual entries, per officer, and the sync state. With --html, also write it\n"
        "as one self-contained HTML file with charts, for printing. No personal data appears in a report.",
        epilog="Examples:\n  checkpoint report                      (today)\n"
        "  checkpoint report --day 2021-07-24 --html bao-cao-24-07.html\n"
        "  checkpoint report --from 2021-07-01 --to 2021-07-31",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(p)
    add_data_dir_option(p)
    p.add_argument("--at", metavar="ISO-8601", help=argparse.SUPPRESS)
    p.add_argument("--day", metavar="YYYY-MM-DD", help="one local day (default: today)")
    p.add_argument("--from", dest="start", metavar="DATE", help="from this day on")
    p.add_argument("--to", dest="end", metavar="DATE", help="up to and including this day")
    p.add_argument("--html", type=Path, metavar="FILE", help="also write the report as an HTML file")
    p.add_argument("--language", choices=["vi", "en"], help="default [export] language")
    p.add_argument("--overwrite", action="store_true", help="replace the HTML file if it exists")
    p.set_defaults(run=run_report)


def run_report(args: argparse.Namespace) -> int:
    from checkpoint.cli.progress import ProgressBar
    from checkpoint.display import shown_lines
    from checkpoint.export import atomic_output, export_settings, period_from, report_station_log
    from checkpoint.report import render_html, render_text

    config = config_from(args)
    clock = clock_from(args)
    settings = export_settings(config)
    language = args.language or settings.language
    period = period_from(day=args.day, start=args.start, end=args.end, tz=settings.tz, default_today=clock.now())
    bar = ProgressBar("report")
    bar.status("checking the log…")
    try:
        summary = report_station_log(config, clock, period, data_dir=args.data_dir, progress=bar)
    finally:
        bar.done()
    print(shown_lines(render_text(summary, language)), end="")  # station and officer ids are outside text
    if args.html is not None:
        with atomic_output(args.html, overwrite=args.overwrite) as (f, _):
            f.write(render_html(summary, language).encode())
        print(f"HTML: {args.html}")
    return EXIT_OK
