"""A day's figures across the stations a user may see: crossings per hour, per station and per district, by
outcome (ACCEPT / CHECK / REJECT, counted as every other surface counts them: ``checkpoint.figures``), reasons
for rejection and categories. Read through ``Storage.crossings`` (both backends), one day at a time.

Lane figures (issues 14 item 3, 15 item 6): by outcome, the latest disposition of each crossing (read through
``Storage.dispositions`` as ``checkpoint server export`` reads them: a later disposition corrects an earlier one),
the origin's risk level and the policy rule applied (the crossing's extension fields), and the vehicles of the day
(distinct ``vehicle_id``) with the crossings made in one."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from checkpoint.figures import OUTCOMES, outcome
from sync.server.console import localtime
from sync.server.dispositions import latest
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
    # lane figures: each by outcome; a crossing without a disposition or a rule is in neither table
    per_disposition: dict[str, Counter[str]] = field(default_factory=dict)  # the latest disposition's code
    per_level: dict[str, Counter[str]] = field(default_factory=dict)  # "1".."9", "unknown"; NO_POLICY: no bundle
    per_rule: dict[str, Counter[str]] = field(default_factory=dict)
    vehicle_ids: set[str] = field(default_factory=set)
    occupants: int = 0  # crossings made in a vehicle (its driver and passengers)

    @property
    def vehicles(self) -> int:
        return len(self.vehicle_ids)

    def levels(self) -> list[tuple[str, Counter[str]]]:
        """The levels in order: 1..9, then an unknown origin (or any other code), then no bundle in force."""
        return sorted(self.per_level.items(), key=lambda kv: level_order(kv[0]))

    @property
    def busiest_hour(self) -> int:
        return max((sum(c.values()) for c in self.per_hour), default=0)


NO_POLICY = "none"  # the level of a crossing decided with no policy bundle in force (or recorded before bundles)


def level_order(level: str) -> tuple[int, int, str]:
    if level.isdigit():
        return (0, int(level), level)
    return (2, 0, level) if level == NO_POLICY else (1, 0, level)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day in the province's time zone (sync.server.console.localtime), as the stations' reports count."""
    return localtime.day_bounds(day)


def day_figures(storage: Storage, stations: Mapping[str, str | None], day: date) -> DayFigures:
    """The figures of ``day`` (the province's local day) for ``stations`` (station id -> district)."""
    figs = DayFigures(day)
    if not stations:
        return figs
    since, until = day_bounds(day)
    seen = tuple(sorted(stations))
    codes = latest(storage.dispositions(ExportFilter(stations=seen)))  # any time: a disposition may come later
    add(figs, storage.crossings(ExportFilter(stations=seen, since=since, until=until)), stations, codes)
    return figs


def add(figs: DayFigures, crossings: Iterable[Mapping[str, Any]], stations: Mapping[str, str | None],
        dispositions: Mapping[tuple[str, int], str] | None = None) -> None:
    """Count ``crossings``; ``dispositions``: the latest code of each (station, crossing seq)."""
    codes = dispositions or {}
    for c in crossings:
        kind = outcome(str(c.get("display") or ""), str(c.get("verdict") or ""))
        hour = localtime.hour_of(str(c["recorded_at"]))
        station = str(c["station_id"])
        district = stations.get(station) or "-"
        figs.per_hour[hour][kind] += 1
        figs.per_station.setdefault(station, Counter())[kind] += 1
        figs.per_district.setdefault(district, Counter())[kind] += 1
        figs.total[kind] += 1
        if kind == "REJECT":
            figs.reasons[str(c.get("reason") or "-")] += 1
        figs.categories[str(c.get("category") or "-")] += 1
        code = codes.get((station, int(c.get("seq") or 0)))
        if code is not None:
            figs.per_disposition.setdefault(code, Counter())[kind] += 1
        figs.per_level.setdefault(str(c.get("origin_level") or NO_POLICY), Counter())[kind] += 1
        rule = c.get("policy_rule")
        if rule:
            figs.per_rule.setdefault(str(rule), Counter())[kind] += 1
        vehicle = c.get("vehicle_id")
        if vehicle:
            figs.vehicle_ids.add(str(vehicle))
            figs.occupants += 1


def report_rows(figs: DayFigures) -> list[list[Any]]:
    """The day's consolidated report as rows (the header first): per district, per station and per hour by outcome,
    then reasons for rejection and categories; then by outcome the latest dispositions (``disposition``, by code),
    the origin's risk levels (``origin_level``; ``none``: no policy bundle) and the rules applied (``policy_rule``);
    last the day's vehicles (``vehicles``: ``distinct`` vehicle ids, ``occupants`` the crossings made in one)."""
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
    for section, items in (("disposition", sorted(figs.per_disposition.items())), ("origin_level", figs.levels()),
                           ("policy_rule", sorted(figs.per_rule.items()))):
        for key, counts in items:
            rows.append([day, section, cell(key), *[counts[o] for o in OUTCOMES], sum(counts.values())])
    if figs.total:
        rows.append([day, "vehicles", "distinct", None, None, None, figs.vehicles])
        rows.append([day, "vehicles", "occupants", None, None, None, figs.occupants])
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
