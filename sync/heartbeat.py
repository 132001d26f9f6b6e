"""The station's heartbeat: its state, sent to the server at the end of every sync round.

Software version, the lists in force (trust and revocation lists, policy bundle, watch list: kind, version,
issued, expires; the server counts their age and compares them with the versions it publishes), the clock
offset measured this round, the queue (crossings not yet acknowledged), free disk, the camera's state and
the time of the last scan. The app knows the camera and the last scan and gives the sync worker a
``signals`` provider; a headless ``checkpoint sync`` reports them as unknown.

A heartbeat that fails never fails the round: its crossings were acknowledged already.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from checkpoint import __version__
from checkpoint.errors import CheckpointError
from checkpoint.station import Station
from checkpoint.trust import REVOCATIONS, TRUST
from sync import protocol
from sync.client import SyncClient
from sync.errors import Refused

log = logging.getLogger(__name__)
WIRE_KIND = {TRUST: "trust-list", REVOCATIONS: "revocation-list"}


@dataclass(frozen=True)
class AppSignals:
    """What only the app knows (thread-safe to read: a frozen value replaced as a whole)."""

    camera: str = "unknown"  # one of protocol.CAMERA_STATES
    last_scan_at: datetime | None = None


Signals = Callable[[], AppSignals]


def heartbeat_state(client: SyncClient, station: Station | None, queue: int, signals: AppSignals) -> dict[str, Any]:
    lists = []
    acks = station.policy.notices.unsent() if station is not None else []
    disk: int | None = None
    if station is not None:
        lists = lists_in_force(station)
        try:
            disk = shutil.disk_usage(station.data_dir).free
        except OSError:
            disk = None
    camera = signals.camera if signals.camera in protocol.CAMERA_STATES else "unknown"
    return {
        "software_version": __version__,
        "lists": lists,
        "clock_offset_seconds": round(client.offset.total_seconds(), 3),
        "queue": max(queue, 0),
        "disk_free_bytes": disk,
        "camera": camera,
        "last_scan_at": protocol.iso(signals.last_scan_at) if signals.last_scan_at is not None else None,
        # policy notices acknowledged here, until a heartbeat carrying them is recorded (only when there are any:
        # a server from before this field refuses it, and then only heartbeats with acknowledgements fail)
        **({"notice_acks": acks} if acks else {}),
    }


def lists_in_force(station: Station) -> list[dict[str, Any]]:
    """Every list in force here, each kind once: the trust and revocation lists, the policy bundle and the watch
    list (kind, version, issued, expires); a list not in force is not reported. An expired list still in force is
    reported as it is: the server flags it stale."""
    out = [_entry(WIRE_KIND[x.kind], x.version, x.issued, x.expires)
           for x in station.lists_in_force() if x.kind in WIRE_KIND]
    bundle = station.policy.bundle
    if bundle is not None:
        out.append(_entry("policy-bundle", bundle.version, bundle.issued, bundle.expires))
    watch = station.watch.in_force
    if watch is not None:
        out.append(_entry("watch-list", watch.version, watch.issued, watch.expires))
    return out


def _entry(kind: str, version: int, issued: datetime, expires: datetime) -> dict[str, Any]:
    return {"kind": kind, "version": version, "issued_at": protocol.iso(issued), "expires_at": protocol.iso(expires)}


def older_server_state(state: dict[str, Any]) -> dict[str, Any] | None:
    """The heartbeat as a server from before the policy bundle and watch list were reported accepts it (only the
    trust and revocation lists), or None when it carries nothing such a server refuses."""
    lists = state.get("lists", [])
    kept = [x for x in lists if x["kind"] in protocol.REQUIRED_LIST_KINDS]
    return None if len(kept) == len(lists) else {**state, "lists": kept}


def send_heartbeat(client: SyncClient, station: Station | None, queue: int, signals: Signals | None) -> str | None:
    """Send the heartbeat; None when the server recorded it, else why not (logged, never raised)."""
    try:
        state = heartbeat_state(client, station, queue, signals() if signals is not None else AppSignals())
        try:
            client.heartbeat(state)
        except Refused as e:
            # a server not yet updated refuses the policy bundle's and watch list's kinds: say the rest
            older = older_server_state(state)
            if older is None or e.code != "refused.bad_request":
                raise
            log.info("sync: the server refused the policy bundle and watch list in the heartbeat (%s); sent "
                     "without them", e)
            client.heartbeat(older)
        if station is not None and state.get("notice_acks"):  # recorded: the server keeps them
            station.policy.notices.mark_sent(a["notice_id"] for a in state["notice_acks"])
    except CheckpointError as e:
        log.info("sync: heartbeat not sent (%s)", e)
        return str(e)
    except Exception as e:  # a bug in gathering the state must not undo a round whose upload succeeded
        log.exception("sync: heartbeat failed")
        return f"heartbeat failed ({type(e).__name__})"
    return None
