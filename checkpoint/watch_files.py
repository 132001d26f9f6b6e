"""The station's installed watch list: ``DATA_DIR/trust/watch-list.cose``, replaced only by a list that verified.

As the trust and revocation lists (:class:`checkpoint.station.Station`): a new list (``checkpoint trust install
watch-list``, sync) is judged at trusted time (signature, type, a higher version, not expired, not from the
future); the installed copy is loaded at start and whenever the file changes (another process installed one),
and an expired copy stays in force, stale. The highest version ever in force is kept in
``DATA_DIR/trust/watch-list-version.json``: after a restart an older copy put in place is refused, and a list
that was in force and is now missing flags every verdict ``lists_stale`` until a current one is installed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from checkpoint.atomic import write_atomic
from checkpoint.reload_throttle import InstalledFile, ReloadThrottle, load_changed, missing_message
from checkpoint.trust import WatchList, WatchState
from checkpoint.trust.keys import PublicKey
from checkpoint.version_mark import VersionMark

WATCH_FILE = "watch-list.cose"
VERSION_FILE = "watch-list-version.json"
WHAT = "watch list"

log = logging.getLogger(__name__)


class ProblemSink(Protocol):
    def set(self, source: str, message: str) -> None: ...

    def clear(self, source: str) -> None: ...


class InstalledWatchList:
    """The watch list in force at a station, its file and its highest version seen."""

    reload_interval = 1.0

    def __init__(self, trust_dir: Path, roots: Sequence[PublicKey], problems: ProblemSink,
                 trusted_now: Callable[[], datetime], skew: timedelta) -> None:
        self.trust_dir = trust_dir
        self.file = InstalledFile(trust_dir / WATCH_FILE)
        self.path = self.file.path
        self.problems = problems
        self._trusted_now = trusted_now
        self._skew = skew
        self._lock = threading.RLock()
        self._state = WatchState(tuple(roots))
        self._throttle = ReloadThrottle(self._lock)
        self._mark = VersionMark(trust_dir / VERSION_FILE, WHAT, self._problem)
        with self._lock:
            self._reload()
        if self.missing() and self.file.stamp is None:  # absent (a refused copy has said why already)
            self._problem(WHAT, missing_message(WHAT, self._seen, self.trust_dir))

    @property
    def in_force(self) -> WatchList | None:
        return self._state.watch_list

    def stale(self, now: datetime) -> bool:
        """Expired (still in force), or in force here once and missing now."""
        return self._state.stale(now) or self.missing()

    def missing(self) -> bool:
        return self._seen > 0 and self._state.watch_list is None

    def install(self, data: bytes) -> WatchList:
        """Verify a new watch list at trusted time and, if newer, put it in force (atomically)."""
        with self._lock:
            self._reload()
            new = self._state.update(data, self._trusted_now(), self._skew)
            if new is not self._state:
                write_atomic(self.path, data)
                self.file.written()
            self._put_in_force(new)
            assert new.watch_list is not None
            return new.watch_list

    def refresh(self, *, force: bool = False) -> bool:
        """Take in a list another process installed (at most every ``reload_interval`` s unless forced)."""
        return self._throttle.run(self._reload, self.reload_interval, force=force) is True

    def _reload(self) -> bool:
        """Under the lock: load the file if it changed. True when the list in force changed."""
        new = load_changed(self.file, WHAT, self._state.restore, _version, self._seen, self._problem)
        if new is None:
            return False  # unchanged, refused, or removed: the list in force stays; after a restart, missing()
        changed = new is not self._state
        self._put_in_force(new)
        return changed

    def _put_in_force(self, new: WatchState) -> None:
        """Under the lock: ``new`` is in force now (its version remembered, the watch list's problem cleared)."""
        self._state = new
        self._remember()
        self.problems.clear(WHAT)

    def _problem(self, source: str, message: str) -> None:
        log.warning("%s: %s", source, message)
        self.problems.set(source, message)

    @property
    def _seen(self) -> int:  # the highest version in force here, across restarts (checkpoint.version_mark)
        return self._mark.seen

    def _remember(self) -> None:
        if self._state.watch_list is not None:
            self._mark.remember(self._state.watch_list.version)


def _version(state: WatchState) -> int | None:
    return state.watch_list.version if state.watch_list is not None else None
