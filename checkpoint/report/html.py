"""The report as one self-contained HTML file for printing: inline CSS and SVG charts, no external assets.

Every text that comes from the log (station and officer ids, categories) goes through the display
boundary (control, bidi and zero-width characters as visible escapes) and is then HTML-escaped: an officer
id is typed by a person, and the file is opened in a browser.
"""

from __future__ import annotations

from collections.abc import Sequence

from checkpoint.display import html_text as escape  # sanitised first, then HTML-escaped
from checkpoint.report.aggregate import HourCounts, Summary
from checkpoint.report.text import level_words, station_line
from checkpoint.report.vehicles import vehicle_html
from checkpoint.words import Texts

GREEN, RED, AMBER, GREY = "#2e7d32", "#c62828", "#ef6c00", "#9e9e9e"

CSS = """
body{font-family:"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;margin:24px;color:#212121}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:13px}.tiles{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
.tile{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}
.tile b{display:block;font-size:22px}.tile span{font-size:12px;color:#555}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f5f5f5}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
section{page-break-inside:avoid}svg text{font-size:10px;fill:#424242}
@media print{body{margin:10mm}@page{size:A4 landscape}}
"""


def _tile(value: int, label: str, color: str = "#212121") -> str:
    return f'<div class="tile"><b style="color:{color}">{value:,}</b><span>{escape(label)}</span></div>'


def nice_step(top: int) -> int:
    """A round grid step (1, 2, 5, 10, 20, 50, ...) so that four steps cover ``top``."""
    step = 1
    while step * 4 < top:
        digits = 10 ** (len(str(step)) - 1)
        step = {1: 2, 2: 5, 5: 10}[step // digits] * digits
    return step


def _columns_chart(series: Sequence[HourCounts], label_fmt: str, accepted: str, checks: str, rejected: str) -> str:
    """Stacked columns (accepted below, CHECK, then rejected on top) with a value axis."""
    n = max(len(series), 1)
    width, height, left, bottom, top_pad = 900, 220, 40, 36, 10
    slot = (width - left) / n
    bar = max(min(slot * 0.8, 40), 1)
    step = nice_step(max((h.total for h in series), default=0))
    top = step * 4
    scale = (height - bottom - top_pad) / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'viewBox="0 0 {width} {height}">']
    for i in range(5):  # value grid
        v = step * i
        y = height - bottom - v * scale
        parts.append(f'<line x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                     f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{round(v):,}</text>')
    every = max(1, round(n / 24))
    for i, h in enumerate(series):
        x = left + i * slot + (slot - bar) / 2
        ya = height - bottom - h.accepted * scale
        yc = ya - h.checks * scale
        yr = yc - h.rejected * scale
        title = (f"{h.start.strftime(label_fmt)}: {accepted} {h.accepted:,}, {checks} {h.checks:,}, "
                 f"{rejected} {h.rejected:,}")
        parts.append(f'<g><title>{escape(title)}</title>'
                     f'<rect x="{x:.1f}" y="{ya:.1f}" width="{bar:.1f}" height="{h.accepted * scale:.1f}" '
                     f'fill="{GREEN}"/><rect x="{x:.1f}" y="{yc:.1f}" width="{bar:.1f}" '
                     f'height="{h.checks * scale:.1f}" fill="{AMBER}"/><rect x="{x:.1f}" y="{yr:.1f}" '
                     f'width="{bar:.1f}" height="{h.rejected * scale:.1f}" fill="{RED}"/></g>')
        if i % every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle">'
                         f"{escape(h.start.strftime(label_fmt))}</text>")
    parts.append(f'<line x1="{left}" x2="{width}" y1="{height - bottom}" y2="{height - bottom}" stroke="#999"/></svg>')
    return "".join(parts)


def _bars_chart(items: Sequence[tuple[str, int]], color: str) -> str:
    """Horizontal bars with their labels and values."""
    row, label_w, width = 22, 260, 900
    top = max((n for _, n in items), default=0) or 1
    height = row * len(items) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'viewBox="0 0 {width} {height}">']
    for i, (label, n) in enumerate(items):
        y = i * row + 2
        w = (width - label_w - 80) * n / top
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" style="font-size:12px">'
                     f"{escape(label)}</text><rect x=\"{label_w}\" y=\"{y + 3}\" width=\"{w:.1f}\" height=\"14\" "
                     f'fill="{color}"/><text x="{label_w + w + 6:.1f}" y="{y + 14}" style="font-size:12px">'
                     f"{n:,}</text>")
    parts.append("</svg>")
    return "".join(parts)


def render_html(s: Summary, language: str = "vi") -> str:
    t = Texts(language)
    L = {k: t(f"report.{k}") for k in ("title", "station", "period", "generated", "total",
                                       "clock_suspect", "none", "reasons", "per_hour", "per_day", "officers",
                                       "officer", "manual_short", "dup_short", "no_officer", "sync", "synced",
                                       "unsynced", "last_sync", "never_synced", "all", "categories")}
    L.update(accepted=t.result("ACCEPT"), rejected=t.result("REJECT"), checks=t.result("CHECK"),
             duplicates=t("figure.duplicates"), manual=t("figure.manual"))
    title = f"{L['title']} — {station_line(s)} — {s.period or L['all']}"
    body = [f"<h1>{escape(L['title'])}</h1>",
            f'<div class="meta">{escape(L["station"])}: <b>{escape(station_line(s))}</b> &nbsp; {escape(L["period"])}: '
            f"<b>{escape(s.period or L['all'])}</b> ({escape(s.tz_name)}) &nbsp; {escape(L['generated'])}: "
            f"{s.generated_at.strftime('%Y-%m-%d %H:%M')}</div>",
            '<div class="tiles">', _tile(s.total, L["total"]), _tile(s.accepted, L["accepted"], GREEN),
            _tile(s.checks, L["checks"], AMBER), _tile(s.rejected, L["rejected"], RED),
            _tile(s.duplicates, L["duplicates"], AMBER), _tile(s.manual, L["manual"]),
            _tile(s.clock_suspect, L["clock_suspect"]), "</div>"]
    if s.by_direction:
        body.append('<p class="meta">' + escape(", ".join(f"{t.direction(d)}: {n:,}"
                                                          for d, n in s.by_direction.items())) + "</p>")
    if s.total == 0:
        body.append(f"<p>{escape(L['none'])}</p>")
    else:
        hourly = len(s.by_hour) <= 48
        series = s.by_hour if hourly else s.by_day
        fmt = ("%H:00" if len(s.by_day) == 1 else "%d/%m %Hh") if hourly else "%d/%m"
        legend = (f'<div class="legend meta"><span style="background:{GREEN}"></span>{escape(L["accepted"])}'
                  f'<span style="background:{AMBER}"></span>{escape(L["checks"])}'
                  f'<span style="background:{RED}"></span>{escape(L["rejected"])}</div>')
        body.append(f"<section><h2>{escape(L['per_hour' if hourly else 'per_day'])}</h2>{legend}"
                    f"{_columns_chart(series, fmt, L['accepted'], L['checks'], L['rejected'])}</section>")
    if s.by_reason:
        items = [(t.reason(r, short=True), n) for r, n in s.by_reason]
        body.append(f"<section><h2>{escape(L['reasons'])}</h2>{_bars_chart(items, RED)}</section>")
    if s.by_category:
        categories = [(t.category(c), n) for c, n in s.by_category]
        body.append(f"<section><h2>{escape(L['categories'])}</h2>{_bars_chart(categories, GREY)}</section>")
    body.append(vehicle_html(s.vehicles, s.occupancy, language))
    if s.by_level:  # lane policy
        levels = [(level_words(t, lv), n) for lv, n in s.by_level]
        body.append(f"<section><h2>{escape(t('report.by_level'))}</h2>{_bars_chart(levels, GREY)}</section>")
    if s.by_policy_rule:
        body.append(f"<section><h2>{escape(t('report.by_policy_rule'))}</h2>"
                    f"{_bars_chart(list(s.by_policy_rule), GREY)}</section>")
    if s.by_disposition:  # lane dispositions: what officers did after the verdicts (the latest per crossing)
        items = [(t(f"disposition.{d}"), n) for d, n in s.by_disposition]
        body.append(f"<section><h2>{escape(t('report.dispositions'))}</h2>{_bars_chart(items, AMBER)}</section>")
    if s.by_officer:
        head = "".join(f"<th>{escape(h)}</th>" for h in (L["officer"], L["accepted"], L["checks"], L["rejected"],
                                                           L["manual_short"], L["dup_short"]))
        rows = "".join(
            f"<tr><td>{escape(o.officer or L['no_officer'])}</td><td>{o.accepted:,}</td><td>{o.checks:,}</td>"
            f"<td>{o.rejected:,}</td><td>{o.manual:,}</td><td>{o.duplicates:,}</td></tr>" for o in s.by_officer)
        body.append(f"<section><h2>{escape(L['officers'])}</h2><table><tr>{head}</tr>{rows}</table></section>")
    if s.sync is not None:
        body.append(f"<section><h2>{escape(L['sync'])}</h2><table>"
                    f"<tr><td>{escape(L['synced'])}</td><td>{s.sync.synced_upto:,} / {s.sync.last_seq:,}</td></tr>"
                    f"<tr><td>{escape(L['unsynced'])}</td><td>{s.sync.unsynced:,}</td></tr>"
                    f"<tr><td>{escape(L['last_sync'])}</td><td>{escape(s.sync.last_sync or L['never_synced'])}</td>"
                    "</tr></table></section>")
    return (f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n")
