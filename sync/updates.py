"""Pulling the trust list, the revocation list and the policy bundle, and the server's time, into the station.

The bytes are handed to ``Station.install_trust_list`` / ``install_revocation_list``, which verify the
root signature, the version (no rollback) and the expiry before replacing the installed copy atomically.
A refused list leaves the old one in force and becomes a visible warning (status bar, ``checkpoint
sync`` output); the download itself is cheap when nothing changed (``If-None-Match`` -> 304).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from checkpoint.errors import SignedListError
from checkpoint.station import Station
from sync.client import SyncClient
from sync.protocol import etag_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListUpdate:
    kind: str
    installed_version: int | None  # the version now in force after a successful install; None: unchanged
    warning: str | None  # why a downloaded list was refused


def observe_server_time(client: SyncClient, station: Station | None) -> None:
    """Ask the server's time; feed it to the clock guard when the answer can be believed."""
    t = client.server_time()
    if station is not None and client.settings.tls_or_local and client.server_key is not None:
        station.guard.observe(t, "server")


def pull_lists(client: SyncClient, station: Station) -> list[ListUpdate]:
    """Fetch the trust, revocation and watch lists if they changed; install what verifies; report what did not."""
    out = []
    for kind, what, current, install in (
        ("trust-list", "trust list", station.trust_list, station.install_trust_list),
        ("revocation-list", "revocation list", station.revocations, station.install_revocation_list),
        ("watch-list", "watch list", station.watch.in_force, station.install_watch_list),
        ("policy-bundle", "policy bundle", station.policy.bundle, station.install_policy_bundle),
    ):
        data = client.fetch_list(kind, etag_of(current.raw) if current else None)
        if data is None:
            station.problems.clear(f"sync {what}")  # the server serves the list in force
            continue
        try:
            out.append(ListUpdate(kind, install(data).version, None))
            station.problems.clear(f"sync {what}")
        except SignedListError as e:
            out.append(_refused(station, what, str(e)))
    return out


def _refused(station: Station, what: str, why: str) -> ListUpdate:
    message = f"the {what} from the server was refused ({why}); the list in force stays"
    log.warning("sync: %s", message)
    station.problems.set(f"sync {what}", message)  # one per list: replaced each round, not appended
    return ListUpdate(what.replace(" ", "-"), None, message)
