"""The stations as the console shows them: district, state, last heartbeat and what needs attention.

A station's district comes from the enrolment token it used (a token made in the console for a district gives
its station that district) or is set by the province administrator; ``console_station_districts`` (set) wins
over the token's. A station with no district is seen by the administrator and the auditor only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from checkpoint.clock import parse_instant
from sync import protocol
from sync.server.console.auth import DISTRICT_RE, User
from sync.server.console.db import ConsoleDB
from sync.server.health import Finding, Thresholds, assess, span
from sync.server.storage import Storage, token_hash


@dataclass(frozen=True)
class ListCell:
    """One list in force at a station, as its last heartbeat said, against the version the server publishes."""

    kind: str  # "policy-bundle", "watch-list" (protocol.LIST_KINDS)
    version: int
    issued_at: str
    age: str  # since issued: "3 d 2 h"
    expired: bool  # still in force at the station, flagged stale
    published: int | None  # the version the server publishes now; None: none published (or not known)

    @property
    def behind(self) -> bool:
        return self.published is not None and self.version < self.published


def list_cell(state: Mapping[str, Any], kind: str, now: datetime, published: Mapping[str, int]) -> ListCell | None:
    """The heartbeat's ``kind`` list, or None when the station has none in force."""
    item = next((x for x in state.get("lists", []) if x.get("kind") == kind), None)
    if item is None:
        return None
    issued = parse_instant(item["issued_at"])
    return ListCell(kind, int(item["version"]), item["issued_at"], span(now - issued),
                    parse_instant(item["expires_at"]) <= now, published.get(kind))


@dataclass(frozen=True)
class StationRow:
    station_id: str
    district: str | None
    enrolled_at: str
    revoked_at: str | None
    crossings: int  # the server holds 1..crossings
    last_seen: str | None
    software: str | None
    lists: str  # "trust-list v3, revocation-list v9" (the policy bundle and watch list: ``policy``, ``watch``)
    clock_offset: float | None
    backlog: int | None
    disk_free_gib: float | None
    camera: str | None
    findings: tuple[Finding, ...]
    alerts: tuple[dict[str, str], ...]
    policy: ListCell | None = None  # the policy bundle in force (lane fleet-lists)
    watch: ListCell | None = None  # the watch list in force

    @property
    def flagged(self) -> bool:
        return bool(self.findings or self.alerts)

    @property
    def silent(self) -> bool:
        return any(f.kind == "silent" for f in self.findings)

    @property
    def stale(self) -> bool:
        return any(f.kind == "stale_list" for f in self.findings)

    @property
    def behind(self) -> bool:
        return any(f.kind == "behind" for f in self.findings)


def districts(db: ConsoleDB) -> dict[str, str]:
    """Each station's district: the token's it enrolled with, unless the administrator set another."""
    out: dict[str, str] = {}
    for station_id, district in db.rows(
            "SELECT t.used_by, d.district FROM tokens t JOIN console_token_districts d ON d.token_hash = t.token_hash "
            "WHERE t.used_by IS NOT NULL ORDER BY t.used_at"):
        out[str(station_id)] = str(district)
    for station_id, district in db.rows("SELECT station_id, district FROM console_station_districts"):
        out[str(station_id)] = str(district)
    return out


def create_token(storage: Storage, db: ConsoleDB, district: str, now: datetime, valid_for: timedelta) -> str:
    if not DISTRICT_RE.match(district):
        raise ValueError("district: 1 to 64 letters, digits, spaces, '.', \"'\" or '-'")
    token = storage.create_token(now, valid_for)
    db.run("INSERT INTO console_token_districts (token_hash, district) VALUES (?, ?)", (token_hash(token), district))
    return token


def set_district(db: ConsoleDB, station_id: str, district: str) -> None:
    if not DISTRICT_RE.match(district):
        raise ValueError("district: 1 to 64 letters, digits, spaces, '.', \"'\" or '-'")
    with db.tx() as t:
        t.run("DELETE FROM console_station_districts WHERE station_id = ?", (station_id,))
        t.run("INSERT INTO console_station_districts (station_id, district) VALUES (?, ?)", (station_id, district))


def fleet(storage: Storage, db: ConsoleDB, user: User, now: datetime,
          limits: Thresholds | None = None, published: Mapping[str, int] | None = None) -> list[StationRow]:
    """The stations ``user`` may see, with what ``checkpoint server stations`` says of each; ``published``: the
    version of each list the server publishes now (``health.published_versions``), to flag stations behind."""
    published = published or {}
    where = districts(db)
    beats = storage.heartbeats()
    alerts: dict[str, list[dict[str, str]]] = {}
    for a in storage.alerts():  # one query for the fleet, not one a station
        alerts.setdefault(a["station_id"], []).append(a)
    out = []
    for st in storage.stations():
        district = where.get(st.station_id)
        if not user.sees(district):
            continue
        beat = beats.get(st.station_id)
        body = beat.body if beat else {}
        findings = () if st.revoked_at else tuple(
            assess(beat.received_at if beat else None, beat.body if beat else None, now, limits or Thresholds(),
                   published))
        disk = body.get("disk_free_bytes")
        offset = body.get("clock_offset_seconds")
        out.append(StationRow(
            st.station_id, district, st.enrolled_at, st.revoked_at, st.cursor,
            beat.received_at if beat else None, body.get("software_version"),
            ", ".join(f"{x['kind']} v{x['version']}" for x in body.get("lists", [])
                      if x["kind"] in protocol.REQUIRED_LIST_KINDS),  # the policy and watch list: columns of their own
            float(offset) if isinstance(offset, int | float) else None,
            body.get("queue"), disk / 2**30 if isinstance(disk, int) else None, body.get("camera"),
            findings, tuple(alerts.get(st.station_id, [])[-5:]),
            list_cell(body, "policy-bundle", now, published), list_cell(body, "watch-list", now, published)))
    return out


def visible_station(storage: Storage, db: ConsoleDB, user: User, station_id: str, now: datetime,
                    published: Mapping[str, int] | None = None) -> StationRow | None:
    """One station, or None when it does not exist *or* the user may not see it (one answer: no probing)."""
    for row in fleet(storage, db, user, now, published=published):
        if row.station_id == station_id:
            return row
    return None
