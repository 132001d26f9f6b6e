"""Stations' heartbeats: what the server accepts (strictly: known fields, bounded sizes) and what it makes of
the latest one for ``checkpoint server stations`` and the console's fleet (silent stations, stale lists, lists
behind the version the server publishes, clock trouble).

A heartbeat is sent at the end of every sync round (``sync.heartbeat``). Only the latest is kept per station
(``Storage.record_heartbeat``), so the table stays one row per station however often they sync.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from checkpoint.clock import parse_instant
from checkpoint.errors import MalformedPass
from checkpoint.formats import LIST, loads_strict, parse_sign1
from sync import protocol
from sync.protocol import ProtocolError
from sync.server.lists import FILES

ENVELOPE = ("type", "station_id", "sent_at", "nonce")
FIELDS = ("software_version", "lists", "clock_offset_seconds", "queue", "disk_free_bytes", "camera", "last_scan_at")
LIST_FIELDS = ("kind", "version", "issued_at", "expires_at")
#: Optional: policy notices acknowledged at the station, sent until a heartbeat is recorded (lane policy)
OPTIONAL = ("notice_acks",)
ACK_FIELDS = ("notice_id", "policy_version", "officer_id", "acknowledged_at")
MAX_ACKS = 100
MAX_OFFSET_SECONDS = 10 * 365 * 86400
MAX_COUNT = 2**53  # queue lengths, versions, bytes: what any JSON reader holds exactly


def validate(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The heartbeat's state fields, checked (the envelope is checked by the caller); ``ProtocolError`` names
    the first field that is missing, unknown, of the wrong type or out of bounds."""
    unknown = sorted(set(doc) - set(ENVELOPE) - set(FIELDS) - set(OPTIONAL))
    if unknown:
        raise ProtocolError(f"heartbeat: unknown field {unknown[0][:40]!r}")
    missing = [f for f in FIELDS if f not in doc]
    if missing:
        raise ProtocolError(f"heartbeat: '{missing[0]}' is missing")
    version = doc["software_version"]
    if not isinstance(version, str) or not 0 < len(version) <= 64 or not version.isprintable():
        raise ProtocolError("heartbeat: 'software_version' must be 1 to 64 printable characters")
    offset = doc["clock_offset_seconds"]
    if not _number(offset) or abs(offset) > MAX_OFFSET_SECONDS:
        raise ProtocolError("heartbeat: 'clock_offset_seconds' must be a number of at most ten years either way")
    if doc["camera"] not in protocol.CAMERA_STATES:
        raise ProtocolError(f"heartbeat: 'camera' must be one of {', '.join(protocol.CAMERA_STATES)}")
    return {
        "software_version": version,
        "lists": _lists(doc["lists"]),
        "clock_offset_seconds": float(offset),
        "queue": _count(doc, "queue", nullable=False),
        "disk_free_bytes": _count(doc, "disk_free_bytes", nullable=True),
        "camera": doc["camera"],
        "last_scan_at": _time(doc["last_scan_at"], "last_scan_at", nullable=True),
    }


def notice_acks(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The heartbeat's policy notice acknowledgements, checked (none when the field is absent)."""
    v = doc.get("notice_acks", [])
    if not isinstance(v, list) or len(v) > MAX_ACKS:
        raise ProtocolError(f"heartbeat: 'notice_acks' must be a list of at most {MAX_ACKS}")
    out = []
    for item in v:
        if not isinstance(item, dict) or set(item) != set(ACK_FIELDS):
            raise ProtocolError(f"heartbeat: each of 'notice_acks' must have exactly {', '.join(ACK_FIELDS)}")
        nid, officer = item["notice_id"], item["officer_id"]
        if not isinstance(nid, str) or not 0 < len(nid) <= 64 or not nid.isprintable():
            raise ProtocolError("heartbeat: a notice's 'notice_id' must be 1 to 64 printable characters")
        if officer is not None and (not isinstance(officer, str) or len(officer) > 64 or not officer.isprintable()):
            raise ProtocolError("heartbeat: a notice's 'officer_id' must be at most 64 printable characters or null")
        out.append({"notice_id": nid, "policy_version": _count(item, "policy_version", nullable=False),
                    "officer_id": officer,
                    "acknowledged_at": _time(item["acknowledged_at"], "acknowledged_at", nullable=False)})
    return out


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _count(doc: Mapping[str, Any], key: str, *, nullable: bool) -> int | None:
    v = doc[key]
    if v is None and nullable:
        return None
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < MAX_COUNT:
        raise ProtocolError(f"heartbeat: '{key}' must be a whole number from 0" + (" or null" if nullable else ""))
    return v


def _time(v: Any, key: str, *, nullable: bool) -> str | None:
    if v is None and nullable:
        return None
    if not isinstance(v, str) or len(v) > 40:
        raise ProtocolError(f"heartbeat: '{key}' must be an ISO-8601 time")
    try:
        return protocol.iso(parse_instant(v))
    except ValueError:
        raise ProtocolError(f"heartbeat: '{key}' must be an ISO-8601 time") from None


def _lists(v: Any) -> list[dict[str, Any]]:
    if not isinstance(v, list) or len(v) > len(protocol.LIST_KINDS):
        raise ProtocolError(f"heartbeat: 'lists' must be a list of at most {len(protocol.LIST_KINDS)} lists")
    out: list[dict[str, Any]] = []
    for item in v:
        if not isinstance(item, dict) or set(item) != set(LIST_FIELDS):
            raise ProtocolError(f"heartbeat: each of 'lists' must have exactly {', '.join(LIST_FIELDS)}")
        if item["kind"] not in protocol.LIST_KINDS or any(x["kind"] == item["kind"] for x in out):
            raise ProtocolError(f"heartbeat: a list's 'kind' must be one of {', '.join(protocol.LIST_KINDS)}, once")
        out.append({"kind": item["kind"], "version": _count(item, "version", nullable=False),
                    "issued_at": _time(item["issued_at"], "issued_at", nullable=False),
                    "expires_at": _time(item["expires_at"], "expires_at", nullable=False)})
    return out


# -- what a supervisor is told ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    silent: timedelta = timedelta(minutes=15)  # stations sync every minute: 15 missed rounds
    list_age: timedelta = timedelta(hours=48)  # lists are issued daily: two missed issues
    clock: timedelta = timedelta(minutes=2)  # the station's clock against the server's


@dataclass(frozen=True)
class Finding:
    kind: str  # "silent", "stale_list", "behind", "clock", "camera"
    text: str


def assess(received_at: str | None, state: Mapping[str, Any] | None, now: datetime,
           limits: Thresholds, published: Mapping[str, int] | None = None) -> list[Finding]:
    """What needs a supervisor's attention in a station's latest heartbeat (``None``: it never sent one).

    ``published``: the version of each list the server publishes now (``published_versions``); a station whose
    list is older, or that has none of a list published, is flagged "behind". The trust and revocation lists are
    also flagged when missing or older than ``limits.list_age``; the policy bundle and the watch list are not
    (a province may publish neither, and issue them less often than daily). Every list is flagged once expired."""
    if received_at is None or state is None:
        return [Finding("silent", "no heartbeat received yet (the station has not synced with this version)")]
    out = []
    silent_for = now - parse_instant(received_at)
    if silent_for > limits.silent:
        out.append(Finding("silent", f"no heartbeat for {span(silent_for)} (threshold {span(limits.silent)})"))
    lists = {x["kind"]: x for x in state.get("lists", [])}
    published = published or {}
    for kind in protocol.LIST_KINDS:
        item, newest = lists.get(kind), published.get(kind)
        required = kind in protocol.REQUIRED_LIST_KINDS
        if item is None:
            if required:
                out.append(Finding("stale_list", f"no {kind} in force"))
            elif newest is not None:
                out.append(Finding("behind", f"no {kind} in force; the server publishes version {newest}"))
            continue
        age = now - parse_instant(item["issued_at"])
        if parse_instant(item["expires_at"]) <= now:
            out.append(Finding("stale_list", f"{kind} version {item['version']} expired at {item['expires_at']}"))
        elif required and age > limits.list_age:
            out.append(Finding("stale_list", f"{kind} version {item['version']} is {span(age)} old "
                                             f"(threshold {span(limits.list_age)})"))
        if newest is not None and item["version"] < newest:
            out.append(Finding("behind", f"{kind} version {item['version']} in force; the server publishes "
                                         f"version {newest}"))
    offset = float(state.get("clock_offset_seconds", 0.0))
    if abs(offset) > limits.clock.total_seconds():
        way = "behind" if offset > 0 else "ahead of"
        out.append(Finding("clock", f"the station's clock is {span(timedelta(seconds=abs(offset)))} {way} the "
                                    f"server's (threshold {span(limits.clock)})"))
    if state.get("camera") == "failed":
        out.append(Finding("camera", "the camera has failed"))
    return out


def span(d: timedelta) -> str:
    """A duration for people: '2 d 3 h', '5 h 4 min', '7 min 3 s', '40 s'."""
    s = int(abs(d.total_seconds()))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    return f"{seconds} s"


# -- the versions the server publishes now ---------------------------------------------------------------

_VERSIONS: dict[tuple[Path, str], tuple[tuple[int, int], int | None]] = {}  # per file: its stamp, its version


def published_versions(folder: Path) -> dict[str, int]:
    """The version of each list published in the server's data folder (``sync.server.lists``), by kind; a
    list not published, or that no longer reads, is left out. The file is the server's own, written only after
    it verified against the roots (``PublishedLists.publish``), so its version is read without the roots (the
    stations verify it again); read again only when the file changed (a revocation list can be MiBs)."""
    out = {}
    for kind in protocol.LIST_KINDS:
        path = folder / FILES[kind]
        try:
            st = path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
            hit = _VERSIONS.get((folder, kind))
            if hit is None or hit[0] != stamp:
                hit = (stamp, _version_of(path.read_bytes(), kind))
                _VERSIONS[(folder, kind)] = hit
        except OSError:
            continue
        if hit[1] is not None:
            out[kind] = hit[1]
    return out


def _version_of(data: bytes, kind: str) -> int | None:
    try:
        payload = loads_strict(parse_sign1(data, limits=LIST).payload, kind, LIST)
    except MalformedPass:
        return None
    version = payload.get("version") if isinstance(payload, Mapping) else None
    return version if isinstance(version, int) and not isinstance(version, bool) and version >= 0 else None
