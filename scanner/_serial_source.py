"""Serial handheld scanners (USB CDC/ACM such as ``/dev/ttyACM0``, or any pyserial URL).

In serial mode the scanner's bytes reach us untouched by the keyboard layout or a Vietnamese input
method, which is why it is the advice whenever a keyboard-wedge scan comes in mangled. ``scans(stop)``
yields one :class:`SerialScan` per line and, like the camera sources, survives unplugging: the port is
reopened with backoff and each state change is reported (:mod:`scanner._reconnect`'s states and notices).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from scanner._lines import LineAssembler
from scanner._reconnect import ReconnectBackoff, SourceState, SourceStatus, status_for


@dataclass(frozen=True)
class SerialScan:
    text: str  # bytes decoded as UTF-8 (undecodable bytes shown as U+FFFD)
    port: str
    time: float  # time.monotonic() when the line ended
    truncated: bool = False


def _open_serial(port: str, baudrate: int, timeout: float) -> Any:
    import serial

    return serial.serial_for_url(port, baudrate=baudrate, timeout=timeout)


class SerialScanner:
    """Lines from a serial scanner. ``open_port(port, baudrate, timeout)`` defaults to pyserial's
    ``serial_for_url``, so ``loop://`` and ``rfc2217://`` URLs work as well as device paths."""

    def __init__(
        self,
        port: str,
        baudrate: int = 9600,
        backoff: ReconnectBackoff = ReconnectBackoff(),  # noqa: B008 - frozen value
        on_status: Callable[[SourceStatus], None] | None = None,
        idle_timeout: float | None = 0.3,
        read_timeout: float = 0.1,
        open_port: Callable[[str, int, float], Any] = _open_serial,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self.port = port
        self.label = f"scanner {port}"
        self.baudrate = baudrate
        self.backoff = backoff
        self.on_status = on_status
        self.idle_timeout = idle_timeout
        self.read_timeout = read_timeout
        self._open_port = open_port
        self._wait = wait
        self.status = self._status(SourceState.CONNECTING)

    def _status(self, state: SourceState, attempt: int = 0, retry_in: float | None = None,
                error: str | None = None) -> SourceStatus:
        return status_for(self.label, state, attempt, retry_in, error)

    def _report(self, status: SourceStatus) -> None:
        self.status = status
        if self.on_status is not None:
            self.on_status(status)

    def scans(self, stop: threading.Event) -> Iterator[SerialScan]:
        import serial

        wait = self._wait or stop.wait
        attempt = 0
        while not stop.is_set():
            self._report(self._status(SourceState.CONNECTING, attempt))
            port: Any = None
            try:
                port = self._open_port(self.port, self.baudrate, self.read_timeout)
                attempt = 0
                self._report(self._status(SourceState.LIVE))
                lines = LineAssembler(self.idle_timeout)
                while not stop.is_set():
                    data: bytes = port.read(max(1, port.in_waiting))
                    now = time.monotonic()
                    done = lines.feed(data.decode("utf-8", "replace"), now) if data else []
                    idle = lines.poll(now) if not data else None
                    for line in [*done, *([idle] if idle else [])]:
                        yield SerialScan(line.text, self.port, line.ended, line.truncated)
            except (serial.SerialException, OSError) as e:
                attempt += 1
                delay = self.backoff.delay(attempt)
                self._report(self._status(SourceState.LOST, attempt, delay, f"{e}"))
                if wait(delay):
                    break
            finally:
                if port is not None:
                    port.close()
        self._report(self._status(SourceState.STOPPED))
