"""The policy bundle in force at the station: the installed file ``DATA_DIR/trust/policy-bundle.cose``,
with the same guarantees as the trust and revocation lists (docs/signed-lists.md, docs/policy.md):

- a new bundle (``checkpoint policy install``, sync) must verify against a pinned root, be newer than the
  one in force, not be expired and not be issued later than trusted time plus the clock skew;
- the installed copy is loaded at start and whenever the file changes (another process's install takes
  effect in the running app within ``Station.reload_interval``); an expired one stays in force, flagged
  stale (every verdict ``lists_stale``: ACCEPT shows as CHECK);
- the highest version ever in force is kept in ``policy-version.json``: an older copy put in place is
  refused across a restart, and a bundle that was in force and is now missing flags every verdict.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from checkpoint import __version__
from checkpoint.atomic import write_atomic
from checkpoint.decision import Decision
from checkpoint.errors import (
    ListExpiredError,
    ListFromFutureError,
    ListRollbackError,
)
from checkpoint.isotime import iso_z
from checkpoint.policy import PolicyBundle, apply_policy, apply_policy_declared, load_policy_bundle, version_below
from checkpoint.policy_notices import NoticeBook
from checkpoint.reload_throttle import InstalledFile, ReloadThrottle, load_changed, missing_message
from checkpoint.trust.keys import PublicKey
from checkpoint.version_mark import VersionMark

log = logging.getLogger(__name__)

POLICY_FILE = "policy-bundle.cose"
POLICY_VERSION_FILE = "policy-version.json"
WHAT = "policy bundle"


class PolicyHolder:
    """The bundle in force, swapped whole (readers see one bundle); thread-safe installs and reloads."""

    #: Looks for another process's install at every refresh: ``Station.refresh`` is throttled already.
    reload_interval = 0.0

    def __init__(self, trust_dir: Path, roots: Sequence[PublicKey], report: Callable[[str, str | None], None],
                 skew: timedelta, *, running_version: str = __version__) -> None:
        self.trust_dir = trust_dir
        self.roots = tuple(roots)
        self._report = report  # (source, message or None to clear)
        self.skew = skew
        self.running_version = running_version
        self._bundle: PolicyBundle | None = None
        self.file = InstalledFile(trust_dir / POLICY_FILE)
        self._lock = threading.Lock()
        self._throttle = ReloadThrottle(self._lock)
        self._mark = VersionMark(trust_dir / POLICY_VERSION_FILE, WHAT, self._report)
        self.notices = NoticeBook(trust_dir)  # which notices officers here have acknowledged
        self.refresh()
        if self._bundle is None and self._seen and self.file.stamp is None:
            self._report(WHAT, missing_message(WHAT, self._seen, trust_dir))

    @property
    def bundle(self) -> PolicyBundle | None:
        return self._bundle

    @property
    def path(self) -> Path:
        return self.file.path

    def refresh(self) -> bool:
        """Load the installed file if it changed (never blocks behind an install). True when it changed."""
        return self._throttle.run(self._reload, self.reload_interval) is True

    def _reload(self) -> bool:
        current = self._bundle
        new = load_changed(self.file, WHAT, self._restore, _version, self._seen, self._report)
        if new is None or new is current:
            return False  # unchanged, the same bundle, refused, or removed: the bundle in force stays (missing())
        self._put_in_force(new)
        return True

    def _put_in_force(self, new: PolicyBundle) -> None:
        """Under the lock: ``new`` is the bundle in force now (its version remembered, its problems cleared)."""
        self._bundle = new
        self._remember(new.version)
        self._report(WHAT, None)
        self._report_outdated()

    def _restore(self, data: bytes) -> PolicyBundle:
        """The installed copy: signature, content and no rollback; expiry is no reason to drop it."""
        current = self._bundle
        if current is not None and data == current.raw:
            return current
        return load_policy_bundle(data, self.roots, None, previous=current)

    def install(self, data: bytes, now: datetime) -> PolicyBundle:
        """Verify a new bundle at trusted time ``now`` and put it in force (atomically); raises a
        ``SignedListError`` saying why not, and the bundle in force stays."""
        with self._lock:
            self._reload()
            old = self._bundle
            if old is not None and data == old.raw:
                return old
            new = load_policy_bundle(data, self.roots, None, previous=old)
            if new.version < self._seen:
                raise ListRollbackError(f"{WHAT} version {new.version} is older than v{self._seen} in force here")
            if new.issued > now + self.skew:
                raise ListFromFutureError(
                    f"{WHAT} version {new.version} is issued at {iso_z(new.issued)}, later than the station's trusted "
                    f"time {iso_z(now)} plus the allowed clock skew; it is refused")
            if now >= new.expires:
                kept = f"; version {old.version} stays in force" if old is not None else ""
                raise ListExpiredError(f"{WHAT} version {new.version} expired at {iso_z(new.expires)}{kept}")
            write_atomic(self.path, data)
            self.file.written()
            self._put_in_force(new)
            return new

    # -- what the station does with it ---------------------------------------------------------------
    def stale(self, now: datetime) -> bool:
        """The bundle in force has expired (still applied), or one that was in force is missing."""
        b = self._bundle
        return (b is not None and b.expired(now)) or (b is None and self._seen > 0)

    def apply(self, decision: Decision, now: datetime) -> Decision:
        return apply_policy(self._bundle, decision, now, running_version=self.running_version, skew=self.skew)

    def apply_declared(self, decision: Decision, origin: str | None) -> Decision:
        """A manual entry's declared origin under the bundle in force (checkpoint.policy.apply_policy_declared)."""
        return apply_policy_declared(self._bundle, decision, origin)

    def _report_outdated(self) -> None:
        """A station below the bundle's minimum software version says so (status bar, F5, doctor)."""
        below = self.outdated()
        b = self._bundle
        self._report("policy software version", None if below is None or b is None else
                     f"station software {below[0]} is older than the minimum {below[1]} of policy bundle v{b.version}: "
                     + ("every pass is refused until the station is updated" if b.below_min == "refuse"
                        else "update the station"))

    def outdated(self) -> tuple[str, str] | None:
        """(running, minimum) when this station's software is below the bundle's minimum version."""
        b = self._bundle
        if b is None or b.min_station_version is None or not version_below(self.running_version,
                                                                            b.min_station_version):
            return None
        return self.running_version, b.min_station_version

    # -- the highest version in force here, across restarts (checkpoint.version_mark) ----------------
    @property
    def _seen(self) -> int:
        return self._mark.seen

    def _remember(self, version: int) -> None:
        self._mark.remember(version)


def _version(bundle: PolicyBundle) -> int:
    return bundle.version
