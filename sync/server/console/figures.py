"""A day's figures across the stations a user may see: crossings per hour, per station and per district, by
outcome (ACCEPT / CHECK / REJECT, counted as every other surface counts them: ``checkpoint.figures``), reasons
for rejection and categories. Read through ``Storage.crossings`` (both backends), one day at a time."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from checkpoint.figures import OUTCOMES, outcome
from checkpoint.isotime import parse_instant
from sync.server.export import cell
from sync.server.storage import ExportFilter, Storage


@dataclass
class DayFigures:
    day: date
    per_hour: list[Counter[str]] = field(default_factory=lambda: [Counter() for _ in range(24)])
    per_station: dict[str, Counter[str]] = field(default_factory=dict)
    per_district: dict[str, Counter[str]] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)

    @property
    def busiest_hour(self) -> int:
        return max((sum(c.values()) for c in self.per_hour), default=0)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    from datetime import UTC

    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def day_figures(storage: Storage, stations: Mapping[str, str | None], day: date) -> DayFigures:
    """The figures of ``day`` (UTC) for ``stations`` (station id -> district)."""
    figs = DayFigures(day)
    if not stations:
        return figs
    since, until = day_bounds(day)
    add(figs, storage.crossings(ExportFilter(stations=tuple(sorted(stations)), since=since, until=until)), stations)
    return figs


def add(figs: DayFigures, crossings: Iterable[Mapping[str, Any]], stations: Mapping[str, str | None]) -> None:
    for c in crossings:
        kind = outcome(str(c.get("display") or ""), str(c.get("verdict") or ""))
        hour = parse_instant(str(c["recorded_at"])).hour
        station = str(c["station_id"])
        district = stations.get(station) or "-"
        figs.per_hour[hour][kind] += 1
        figs.per_station.setdefault(station, Counter())[kind] += 1
        figs.per_district.setdefault(district, Counter())[kind] += 1
        figs.total[kind] += 1
        if kind == "REJECT":
            figs.reasons[str(c.get("reason") or "-")] += 1
        figs.categories[str(c.get("category") or "-")] += 1


def report_rows(figs: DayFigures) -> list[list[Any]]:
    """The day's consolidated report as rows (the header first): per district, per station and per hour by outcome,
    then reasons for rejection and categories."""
    rows: list[list[Any]] = [["day", "section", "key", *[o.lower() for o in OUTCOMES], "total"]]
    day = figs.day.isoformat()
    for section, table in (("district", figs.per_district), ("station", figs.per_station)):
        for key in sorted(table):
            counts = table[key]
            rows.append([day, section, cell(key), *[counts[o] for o in OUTCOMES], sum(counts.values())])
    for hour, counts in enumerate(figs.per_hour):
        if counts:
            rows.append([day, "hour", f"{hour:02d}", *[counts[o] for o in OUTCOMES], sum(counts.values())])
    for reason, n in sorted(figs.reasons.items()):
        rows.append([day, "reason", cell(reason), None, None, n, n])
    for category, n in sorted(figs.categories.items()):
        rows.append([day, "category", cell(category), None, None, None, n])
    return rows


def report_xlsx(figs: DayFigures) -> bytes:
    """The same rows as a workbook (one sheet; texts defused as in the CSV)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    made = datetime.combine(figs.day, time(0))
    wb.properties.created = wb.properties.modified = made
    ws = wb.create_sheet(f"report {figs.day.isoformat()}")
    for row in report_rows(figs):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return _same_bytes_each_time(out.getvalue(), made)


def _same_bytes_each_time(xlsx: bytes, at: datetime) -> bytes:
    """The workbook with every zip entry dated ``at``: the same day's report is the same bytes whenever it is made,
    so its manifest (made by another request) describes the file downloaded."""
    import re
    import zipfile

    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=at.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the time of saving
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", data)
            dst.writestr(entry, data)
    return out.getvalue()


def report_csv(figs: DayFigures) -> bytes:
    """The report as CSV (UTF-8 with a BOM, as the station's exports)."""
    out = io.StringIO()
    w = csv.writer(out)
    for row in report_rows(figs):
        w.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode()
