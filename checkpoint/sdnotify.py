"""systemd's service notification protocol (sd_notify), spoken directly: no library needed.

Under a unit with ``Type=notify`` and ``WatchdogSec=``, systemd passes ``NOTIFY_SOCKET`` (a Unix datagram
socket, ``@`` for the abstract namespace) and ``WATCHDOG_USEC``. The app says ``READY=1`` once its scan
screen is up and ``WATCHDOG=1`` from its event loop at half the watchdog period: a frozen loop stops the
pings and systemd restarts the station. Outside systemd every call is a no-op.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Notifier:
    address: str | None  # None: not run by systemd with notification
    watchdog_seconds: float | None  # the unit's WatchdogSec, when the watchdog is for this process

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, pid: int | None = None) -> Notifier:
        env = os.environ if env is None else env
        address = env.get("NOTIFY_SOCKET") or None
        watchdog: float | None = None
        usec = env.get("WATCHDOG_USEC", "")
        owner = env.get("WATCHDOG_PID", "")
        if usec.isdigit() and int(usec) > 0 and (not owner or owner == str(pid if pid is not None else os.getpid())):
            watchdog = int(usec) / 1_000_000
        return cls(address, watchdog)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    @property
    def ping_interval(self) -> float | None:
        """How often to send ``WATCHDOG=1``: half the period, as systemd advises."""
        return None if self.watchdog_seconds is None or not self.enabled else self.watchdog_seconds / 2

    def notify(self, *states: str) -> bool:
        """Send ``KEY=value`` lines; False when not under systemd or the socket is gone (never raises)."""
        if self.address is None:
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
                s.sendto("\n".join(states).encode("utf-8"), target)
        except OSError:
            return False
        return True
