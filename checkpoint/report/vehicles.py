"""Vehicles and occupancy in a report: counted in the same one pass over the rows as the rest.

A vehicle is the set of crossings that share a ``vehicle_id`` (``checkpoint.vehicle``); it counts in the
local hour of its first occupant, its size is how many occupants were recorded, and its verdict is its
worst occupant's (any REJECT: refused; else any CHECK: checked). Memory grows with the vehicles of the
period (a few dozen bytes each), not with the rows.

Occupancy (``checkpoint.occupancy``) counts admitted crossings only (verdict accept: shown ACCEPT or
CHECK), in minus out, per local day; it is shown for a hospital or office gate (``[station] site``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from checkpoint.occupancy import ADMITTED, DayOccupancy
from checkpoint.vehicle import SEVERITY
from checkpoint.words import Texts


@dataclass(frozen=True)
class VehicleFigures:
    vehicles: int = 0
    occupants: int = 0  # crossings made in a vehicle
    most: int = 0  # occupants of the fullest vehicle
    rejected: int = 0  # vehicles with an occupant shown REJECT
    checks: int = 0  # vehicles with an occupant shown CHECK and none REJECT
    freight_drivers: int = 0  # drivers judged by the freight drivers' rules
    by_hour: tuple[tuple[datetime, int], ...] = ()  # local hour (naive) of each vehicle's first occupant
    by_size: tuple[tuple[int, int], ...] = ()  # (occupants, vehicles), smallest first

    @property
    def average(self) -> float:
        return self.occupants / self.vehicles if self.vehicles else 0.0


@dataclass
class VehicleCounter:
    """Fed one row at a time (``feed``) while a report counts; ``figures`` and ``occupancy`` at the end."""

    tz: tzinfo
    _first_hour: dict[str, datetime] = field(default_factory=dict)
    _size: Counter[str] = field(default_factory=Counter)
    _worst: dict[str, int] = field(default_factory=dict)  # index into SEVERITY: 0 REJECT, 1 CHECK, 2 ACCEPT
    _freight: int = 0
    _days: dict[date, DayOccupancy] = field(default_factory=dict)

    def feed(self, local: datetime, vehicle_id: str | None, display: str, direction: str, verdict: str,
             rules_applied: str | None = None) -> None:
        """One crossing, its time already local (aware)."""
        if verdict == ADMITTED and direction in ("in", "out"):
            d = local.date()
            self._days[d] = self._days.get(d, DayOccupancy(d)).add(direction, verdict)
        if vehicle_id is None:
            return
        if vehicle_id not in self._first_hour:
            self._first_hour[vehicle_id] = local.replace(minute=0, second=0, microsecond=0, tzinfo=None)
        self._size[vehicle_id] += 1
        rank = SEVERITY.index(display) if display in SEVERITY else 0
        self._worst[vehicle_id] = min(self._worst.get(vehicle_id, 2), rank)
        if rules_applied is not None and '"freight_driver"' in rules_applied:
            self._freight += 1

    def figures(self) -> VehicleFigures:
        hours: Counter[datetime] = Counter(self._first_hour.values())
        sizes: Counter[int] = Counter(self._size.values())
        worst = Counter(self._worst.values())
        return VehicleFigures(
            vehicles=len(self._size), occupants=sum(self._size.values()), most=max(self._size.values(), default=0),
            rejected=worst[0], checks=worst[1], freight_drivers=self._freight,
            by_hour=tuple(sorted(hours.items())), by_size=tuple(sorted(sizes.items())))

    def occupancy(self) -> tuple[DayOccupancy, ...]:
        return tuple(self._days[d] for d in sorted(self._days))


def vehicle_lines(v: VehicleFigures, occupancy: tuple[DayOccupancy, ...], language: str) -> list[str]:
    """The report's text for vehicles and occupancy (nothing when neither has anything to say)."""
    t = Texts(language)
    out: list[str] = []
    if v.vehicles:
        out += ["", t("report.vehicles"),
                "  " + t("report.vehicles_line", vehicles=f"{v.vehicles:,}", occupants=f"{v.occupants:,}",
                         average=f"{v.average:.1f}", most=v.most),
                "  " + t("report.vehicles_flagged", rejected=v.rejected, checks=v.checks,
                         freight=v.freight_drivers),
                "  " + t("report.vehicles_per_hour")]
        out += [f"    {h.strftime('%Y-%m-%d %H:00')}  {n:>6,}" for h, n in v.by_hour]
        out += ["  " + t("report.vehicles_by_size")]
        out += [f"    {size:>3}  {n:>6,}" for size, n in v.by_size]
    if occupancy:
        out += ["", t("report.occupancy"),
                f"  {'':<12} {t('occupancy.in'):>8} {t('occupancy.out'):>8} {t('occupancy.inside'):>8}"]
        out += [f"  {d.day.isoformat():<12} {d.ins:>8,} {d.outs:>8,} {d.inside:>8,}" for d in occupancy]
    return out


def vehicle_html(v: VehicleFigures, occupancy: tuple[DayOccupancy, ...], language: str) -> str:
    """The same as HTML sections (every value is a number or a date, and words from the catalogue)."""
    from html import escape

    t = Texts(language)
    parts: list[str] = []
    if v.vehicles:
        rows = "".join(f"<tr><td>{h.strftime('%Y-%m-%d %H:00')}</td><td>{n:,}</td></tr>" for h, n in v.by_hour)
        line = t("report.vehicles_line", vehicles=f"{v.vehicles:,}", occupants=f"{v.occupants:,}",
                 average=f"{v.average:.1f}", most=v.most)
        flagged = t("report.vehicles_flagged", rejected=v.rejected, checks=v.checks, freight=v.freight_drivers)
        parts.append(
            f"<section><h2>{escape(t('report.vehicles'))}</h2><p>{escape(line)}<br>{escape(flagged)}</p>"
            f"<table><tr><th>{escape(t('report.vehicles_per_hour'))}</th><th>#</th></tr>{rows}</table></section>")
    if occupancy:
        head = "".join(f"<th>{escape(h)}</th>" for h in ("", t("occupancy.in"), t("occupancy.out"),
                                                          t("occupancy.inside")))
        rows = "".join(f"<tr><td>{d.day.isoformat()}</td><td>{d.ins:,}</td><td>{d.outs:,}</td><td>{d.inside:,}</td>"
                       "</tr>" for d in occupancy)
        parts.append(f"<section><h2>{escape(t('report.occupancy'))}</h2><table><tr>{head}</tr>{rows}</table>"
                     "</section>")
    return "".join(parts)
