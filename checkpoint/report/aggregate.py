"""Counting crossings for a report: one pass over the log's rows (``checkpoint.export._source``),
constant memory per hour.

Hours and days are local (the station's ``[export] timezone``): a supervisor reads "07:00-08:00",
not UTC. Every hour of the period up to 31 days appears, empty ones too, so a quiet hour shows as a
gap in the chart rather than disappearing.

Accepted, CHECK and rejected are counted as everywhere else (:mod:`checkpoint.figures`): by what the
officer was shown, three disjoint figures that add up to the total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from checkpoint.export import ExportRow
from checkpoint.figures import OUTCOMES, Tally, outcome
from checkpoint.occupancy import DayOccupancy
from checkpoint.report.vehicles import VehicleCounter, VehicleFigures

MAX_HOURS_FILLED = 31 * 24


@dataclass(frozen=True)
class SyncStanding:
    last_seq: int  # the newest crossing in the log
    synced_upto: int  # the central server has every crossing up to this seq
    last_sync: str | None = None  # when the server last acknowledged the log (local time), None if never

    @property
    def unsynced(self) -> int:
        return max(self.last_seq - self.synced_upto, 0)


@dataclass(frozen=True)
class OfficerCounts:
    officer: str
    accepted: int = 0  # shown ACCEPT
    rejected: int = 0
    checks: int = 0  # shown CHECK
    manual: int = 0
    duplicates: int = 0

    @property
    def total(self) -> int:
        return self.accepted + self.rejected + self.checks


@dataclass(frozen=True)
class HourCounts:
    start: datetime  # local, naive
    accepted: int = 0  # shown ACCEPT
    rejected: int = 0
    checks: int = 0  # shown CHECK

    @property
    def total(self) -> int:
        return self.accepted + self.rejected + self.checks


@dataclass(frozen=True)
class Summary:
    station_id: str
    period: str
    since: datetime | None
    until: datetime | None
    tz_name: str
    generated_at: datetime  # local
    total: int = 0  # accepted + checks + rejected
    accepted: int = 0  # shown ACCEPT (checkpoint.figures)
    rejected: int = 0
    checks: int = 0  # admitted, shown CHECK
    duplicates: int = 0
    manual: int = 0
    clock_suspect: int = 0
    by_direction: dict[str, int] = field(default_factory=dict)
    by_reason: tuple[tuple[str, int], ...] = ()  # most frequent first
    by_category: tuple[tuple[str, int], ...] = ()
    by_hour: tuple[HourCounts, ...] = ()
    by_day: tuple[HourCounts, ...] = ()  # start = local midnight
    by_officer: tuple[OfficerCounts, ...] = ()
    first_seq: int | None = None
    last_seq: int | None = None
    sync: SyncStanding | None = None
    station_name: str = ""  # the station's [station] name, shown beside its id
    vehicles: VehicleFigures = field(default_factory=VehicleFigures)  # vehicle crossings (report.vehicles)
    occupancy: tuple[DayOccupancy, ...] = ()  # admitted in minus out per local day (a gate's report only)
    # lane policy: crossings by the origin's risk level and by the policy rule applied ("" : no bundle in force)
    by_level: tuple[tuple[str, int], ...] = ()  # level order: "1".."9", "unknown", ""
    by_policy_rule: tuple[tuple[str, int], ...] = ()  # most frequent first
    by_disposition: tuple[tuple[str, int], ...] = ()  # the latest disposition of each crossing, most frequent first

    @property
    def figures(self) -> Tally:
        return Tally(self.accepted, self.checks, self.rejected)


_INDEX = {"ACCEPT": 0, "REJECT": 1, "CHECK": 2}  # the places of the figures in the counting lists below
assert set(_INDEX) == set(OUTCOMES)


def summarize(rows: Iterable[ExportRow], *, tz: tzinfo, station_id: str, generated_at: datetime,
              since: datetime | None = None, until: datetime | None = None, period: str = "",
              sync: SyncStanding | None = None, station_name: str = "", occupancy: bool = False) -> Summary:
    """``occupancy``: count who is inside per day too (a hospital or office gate, ``[station] site``)."""
    dup = manual = suspect = 0
    shown = [0, 0, 0]
    directions: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    levels: Counter[str] = Counter()
    policy_rules: Counter[str] = Counter()
    dispositions: Counter[str] = Counter()
    hours: dict[datetime, list[int]] = {}
    officers: dict[str, list[int]] = {}
    first_seq = last_seq = None
    vehicles = VehicleCounter(tz)
    for c in rows:
        at = datetime.fromisoformat(c.recorded_at)
        if (since is not None and at < since) or (until is not None and at >= until):
            continue
        first_seq = c.seq if first_seq is None else first_seq
        last_seq = c.seq
        local = at.astimezone(tz)
        hour = local.replace(minute=0, second=0, microsecond=0, tzinfo=None)
        vehicles.feed(local, c.vehicle_id, c.display, c.direction, c.verdict, c.rules_applied)
        h = hours.setdefault(hour, [0, 0, 0])
        o = officers.setdefault(c.officer_id or "", [0, 0, 0, 0, 0])
        is_dup = '"duplicate"' in c.flags  # the log's JSON list
        k = _INDEX[outcome(c.display, c.verdict)]
        shown[k] += 1
        h[k] += 1
        o[k] += 1
        if c.verdict != "accept":
            reasons[c.reason or "?"] += 1
        if is_dup:
            dup += 1
            o[4] += 1
        if c.manual:
            manual += 1
            o[3] += 1
        suspect += c.clock_suspect
        directions[c.direction] += 1
        categories[c.category or "-"] += 1
        levels[c.origin_level or ""] += 1
        if c.policy_rule:
            policy_rules[c.policy_rule] += 1
        if c.disposition is not None:
            dispositions[c.disposition] += 1
    _fill_hours(hours, since, until, tz)
    days: dict[datetime, list[int]] = {}
    for start, counts in hours.items():
        d = days.setdefault(start.replace(hour=0), [0, 0, 0])
        for i, n in enumerate(counts):
            d[i] += n
    accepted, rejected, checks = shown
    return Summary(
        station_id=station_id, period=period, since=since, until=until, tz_name=str(tz),
        generated_at=generated_at.astimezone(tz), total=accepted + rejected + checks, accepted=accepted,
        rejected=rejected, checks=checks, station_name=station_name,
        duplicates=dup, manual=manual, clock_suspect=suspect, by_direction=dict(sorted(directions.items())),
        by_reason=tuple(reasons.most_common()), by_category=tuple(categories.most_common()),
        by_hour=tuple(HourCounts(k, *v) for k, v in sorted(hours.items())),
        by_day=tuple(HourCounts(k, *v) for k, v in sorted(days.items())),
        by_officer=tuple(sorted((OfficerCounts(k, *v) for k, v in officers.items()), key=lambda o: (-o.total,
                                                                                                   o.officer))),
        first_seq=first_seq, last_seq=last_seq, sync=sync, by_disposition=tuple(dispositions.most_common()),
        vehicles=vehicles.figures(), occupancy=vehicles.occupancy() if occupancy else (),
        by_level=tuple(sorted(levels.items(), key=lambda kv: _level_order(kv[0]))) if set(levels) != {""} else (),
        by_policy_rule=tuple(policy_rules.most_common()),
    )


def _level_order(level: str) -> tuple[int, str]:
    """Levels 1..9 in order, then an unknown origin, then crossings made without a policy bundle."""
    return (0, level) if level.isdigit() else (1, level) if level else (2, level)


def _fill_hours(hours: dict[datetime, list[int]], since: datetime | None, until: datetime | None,
                tz: tzinfo) -> None:
    """Add the empty hours of a bounded period (up to a month), so charts show quiet hours."""
    if since is None or until is None or until - since > timedelta(hours=MAX_HOURS_FILLED):
        return
    t = since
    while t < until:
        hours.setdefault(t.astimezone(tz).replace(minute=0, second=0, microsecond=0, tzinfo=None), [0, 0, 0])
        t += timedelta(hours=1)
