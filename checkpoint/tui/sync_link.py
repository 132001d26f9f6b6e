"""The sync worker as the app uses it: started in a thread worker, woken after each crossing, its status
posted to the status bar. A station that never enrolled with a server runs without it ("not configured")."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from checkpoint.clock import Clock
from checkpoint.config import StationConfig
from checkpoint.station import Station
from sync.heartbeat import AppSignals
from sync.worker import SyncState, SyncStatus, SyncWorker


class SyncLink:
    def __init__(self) -> None:
        self.worker: SyncWorker | None = None
        self.status: SyncStatus | None = None
        self.listener: Callable[[SyncStatus], object] | None = None
        self.signals = AppSignals()  # camera and last scan for the heartbeat: the app replaces it as they change
        self._lock = threading.Lock()

    def publish(self, status: SyncStatus) -> None:
        """Called on the sync thread."""
        with self._lock:
            self.status = status
            listener = self.listener
        if listener is not None:
            listener(status)

    def run(self) -> None:
        assert self.worker is not None
        self.worker.run()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    def wake(self) -> None:
        """A crossing was recorded, or the supervisor asked: sync soon (after a failure: at the next retry)."""
        if self.worker is not None:
            self.worker.wake()

    def summary(self) -> tuple[str, int, bool | None]:
        """(state, crossings waiting, online) for the status bar; online None until the first round ends."""
        s = self.status
        if s is None:
            return "starting", 0, None
        online = {SyncState.SYNCED: True, SyncState.SYNCING: True, SyncState.OFFLINE: False}.get(s.state)
        return s.state.value, s.pending, online


def open_sync(config: StationConfig, data_dir: Path, station: Station, clock: Clock) -> SyncLink | None:
    """The station's sync, or None when it never enrolled. The worker gets its own connection to the log
    (the log is thread-safe either way; a second connection keeps scans from queueing behind uploads)."""
    from checkpoint.log import open_station_log
    from sync.errors import NotEnrolled
    from sync.wiring import worker_for

    link = SyncLink()
    outbox = open_station_log(config, clock, data_dir)
    try:
        link.worker = worker_for(config, data_dir, outbox, station, link.publish, clock, lambda: link.signals)
    except NotEnrolled:
        outbox.close()
        return None
    except BaseException:
        outbox.close()
        raise
    return link
