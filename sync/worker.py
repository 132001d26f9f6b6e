"""The background sync loop the terminal app runs in a thread, and the one-round ``sync_once``.

A round: learn the server's time (feeds the clock guard), upload the backlog, pull list updates. On
success the worker waits ``interval_seconds`` (or until ``wake()``: a new crossing was recorded); on
failure it backs off (full jitter, capped at ``max_backoff_seconds``, never sooner than ``Retry-After``).
It never touches the UI: it reports a ``SyncStatus`` through a callback (the app posts it as a message).
Scanning never waits on it: the log and the lists are shared through SQLite and atomic file replaces.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from checkpoint.clock import Clock
from checkpoint.errors import CheckpointError
from checkpoint.station import Station
from sync.backoff import Backoff
from sync.client import SyncClient
from sync.disposition_outbox import DispositionOutbox, upload_dispositions
from sync.errors import Refused, TamperDetected, Unreachable
from sync.heartbeat import Signals, send_heartbeat
from sync.outbox import Outbox, Progress, upload_backlog
from sync.updates import ListUpdate, observe_server_time, pull_lists

log = logging.getLogger(__name__)


class SyncState(StrEnum):
    SYNCING = "syncing"
    SYNCED = "synced"  # everything acknowledged at the end of the last round
    OFFLINE = "offline"  # the server could not be reached; retrying with backoff
    REFUSED = "refused"  # the server refuses this station: a person must act
    ERROR = "error"  # the station could not read its own log or lists


@dataclass(frozen=True)
class RoundResult:
    progress: Progress
    lists: tuple[ListUpdate, ...] = ()
    heartbeat_problem: str | None = None  # why the heartbeat was not recorded (the round still succeeded)

    @property
    def complete(self) -> bool:
        return self.progress.pending == 0

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(u.warning for u in self.lists if u.warning)


@dataclass(frozen=True)
class SyncStatus:
    state: SyncState
    acknowledged: int
    pending: int
    message: str = ""
    last_success: datetime | None = None
    retry_in: float | None = None  # seconds until the next attempt, after a failure
    warnings: tuple[str, ...] = field(default=())


def sync_once(client: SyncClient, outbox: Outbox, station: Station | None, batch_size: int,
              on_progress: Callable[[Progress], None] | None = None, signals: Signals | None = None) -> RoundResult:
    """One round: time, upload, lists, heartbeat. Raises a ``SyncError`` if the round could not finish (a
    heartbeat that fails does not: it is only reported in the result)."""
    observe_server_time(client, station)
    progress = upload_backlog(client, outbox, batch_size, on_progress)
    if isinstance(outbox, DispositionOutbox):  # the log's dispositions, after the crossings they name
        try:
            upload_dispositions(client, outbox)
        except Unreachable as e:  # the crossings went; the dispositions wait for the next round (an older server)
            log.warning("sync: dispositions not sent this round: %s", e)
    lists = tuple(pull_lists(client, station)) if station is not None else ()
    problem = send_heartbeat(client, station, outbox.last_seq - outbox.sync_cursor, signals)
    return RoundResult(progress, lists, problem)


class SyncWorker:
    """Runs rounds until ``stop()``; call ``run()`` in a thread (a Textual thread worker, or ``start()``)."""

    def __init__(self, client: SyncClient, outbox: Outbox, station: Station | None, *, batch_size: int,
                 interval: float, backoff: Backoff, clock: Clock, on_status: Callable[[SyncStatus], None],
                 rand: Callable[[], float] = random.random, signals: Signals | None = None) -> None:
        self.client, self.outbox, self.station = client, outbox, station
        self.batch_size, self.interval, self.backoff, self.clock = batch_size, interval, backoff, clock
        self.on_status, self.rand, self.signals = on_status, rand, signals
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._healthy = False
        self.last_success: datetime | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run, name="sync-worker", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """A crossing was recorded: sync soon, unless backing off after a failure (then wait our turn)."""
        if self._healthy:
            self._wake.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            delay = self.round(attempt)
            attempt = 0 if self._healthy else attempt + 1
            self._wake.wait(delay)
            self._wake.clear()

    def round(self, attempt: int) -> float:
        """One round with status reports; returns how long to wait before the next."""
        def progress(p: Progress) -> None:
            self.on_status(SyncStatus(SyncState.SYNCING, p.acknowledged, p.pending, last_success=self.last_success))

        try:
            result = sync_once(self.client, self.outbox, self.station, self.batch_size, progress, self.signals)
        except Unreachable as e:
            return self._failed(SyncState.OFFLINE, str(e), attempt + 1, e.retry_after)
        except (Refused, TamperDetected) as e:
            return self._failed(SyncState.REFUSED, str(e), attempt + 1, None)
        except CheckpointError as e:
            return self._failed(SyncState.ERROR, str(e), attempt + 1, None)
        except Exception as e:  # a bug must not end syncing for the days a station runs unattended
            log.exception("sync: round failed")
            return self._failed(SyncState.ERROR, f"sync failed unexpectedly ({type(e).__name__}); see the log",
                                attempt + 1, None)
        self._healthy = True
        self.last_success = self.clock.now()
        p = result.progress
        self.on_status(SyncStatus(SyncState.SYNCED, p.acknowledged, p.pending, last_success=self.last_success,
                                  warnings=result.warnings))
        return 0.0 if not result.complete else self.interval

    def _failed(self, state: SyncState, message: str, attempt: int, retry_after: float | None) -> float:
        self._healthy = False
        delay = self.backoff.delay(attempt, self.rand, retry_after)
        log.info("sync: %s (retry in %.1f s)", message, delay)
        try:
            acknowledged = self.outbox.sync_cursor
            pending = max(self.outbox.last_seq - acknowledged, 0)
        except CheckpointError:
            acknowledged = pending = 0  # the log itself is failing; the message says so
        self.on_status(SyncStatus(state, acknowledged, pending, message, self.last_success, delay))
        return delay
