"""Keep a live source alive: open, read, and on failure report the state and retry with backoff.

A camera unplugged or a stream dropped is an ordinary event at a checkpoint, never a reason to stop
scanning. States go ``connecting -> live -> lost -> connecting -> live ...``; a finite source (file,
folder) ends with ``ended``; ``stopped`` when asked to stop. Each change is reported once with a
notice for the officer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from scanner._errors import SourceError
from scanner._notice import Notice, notice
from scanner.frames import Frame
from scanner.sources import FrameSource

log = logging.getLogger("scanner")

MESSAGES = {
    "connecting": "Connecting to {source}…",
    "live": "{source} is working.",
    "lost": "{source} stopped working: {error}. Retrying in {retry_in} s.",
    "ended": "{source}: no more frames.",
    "stopped": "{source}: scanning stopped.",
}


class SourceState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    LOST = "lost"
    ENDED = "ended"
    STOPPED = "stopped"


@dataclass(frozen=True)
class SourceStatus:
    state: SourceState
    source: str
    notice: Notice
    attempt: int = 0  # failed attempts in a row
    retry_in: float | None = None  # seconds, when lost
    error: str | None = None


@dataclass(frozen=True)
class ReconnectBackoff:
    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 10.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        return float(min(self.maximum, self.initial * self.factor ** max(0, attempt - 1)))


def status_for(label: str, state: SourceState, attempt: int = 0, retry_in: float | None = None,
               error: str | None = None) -> SourceStatus:
    """A status with its notice filled in (shared by frame sources and serial scanners)."""
    params: dict[str, object] = {"source": label}
    if state is SourceState.LOST:
        params.update(error=error, retry_in=f"{retry_in:g}" if retry_in is not None else "-")
    return SourceStatus(state, label, notice(MESSAGES, state.value, **params), attempt, retry_in, error)


class Reconnecting:
    """Wraps a source; ``frames(stop)`` yields frames until the source ends or ``stop`` is set.

    ``wait(seconds)`` waits between retries and returns True to give up (defaults to ``stop.wait``,
    so a stop request cuts a backoff short). ``max_attempts`` (0: forever) bounds retries for sources that
    are not live: a missing file is not going to come back.
    """

    def __init__(
        self,
        source: FrameSource,
        backoff: ReconnectBackoff = ReconnectBackoff(),
        on_status: Callable[[SourceStatus], None] | None = None,
        max_attempts: int | None = None,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self.source = source
        self.backoff = backoff
        self.on_status = on_status
        self.max_attempts = max_attempts if max_attempts is not None else (0 if source.live else 1)
        self._wait = wait
        self.status: SourceStatus = self._status(SourceState.CONNECTING)

    @property
    def label(self) -> str:
        return self.source.label

    @property
    def live(self) -> bool:
        return self.source.live

    def _status(self, state: SourceState, attempt: int = 0, retry_in: float | None = None,
                error: str | None = None) -> SourceStatus:
        return status_for(self.source.label, state, attempt, retry_in, error)

    def _report(self, status: SourceStatus) -> None:
        self.status = status
        log.log(logging.WARNING if status.state is SourceState.LOST else logging.INFO, "%s", status.notice.text)
        if self.on_status is not None:
            self.on_status(status)

    def frames(self, stop: threading.Event) -> Iterator[Frame]:
        wait = self._wait or stop.wait
        attempt = 0
        try:
            while not stop.is_set():
                self._report(self._status(SourceState.CONNECTING, attempt))
                try:
                    self.source.open()
                    first = True
                    while not stop.is_set():
                        frame = self.source.read()
                        if frame is None:
                            self._report(self._status(SourceState.ENDED))
                            return
                        if first:
                            attempt, first = 0, False
                            self._report(self._status(SourceState.LIVE))
                        yield frame
                except SourceError as e:
                    attempt += 1
                    self.source.close()
                    if self.max_attempts and attempt >= self.max_attempts:
                        self._report(self._status(SourceState.LOST, attempt, None, str(e)))
                        raise
                    delay = self.backoff.delay(attempt)
                    self._report(self._status(SourceState.LOST, attempt, delay, str(e)))
                    if wait(delay):
                        break
            self._report(self._status(SourceState.STOPPED))
        finally:
            self.source.close()
