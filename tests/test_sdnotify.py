"""sd_notify against a real Unix datagram socket, as systemd listens."""

from __future__ import annotations

import socket
from pathlib import Path

from checkpoint.sdnotify import Notifier


def _listener(path: Path) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(path))
    s.settimeout(5)
    return s


def test_ready_and_watchdog_reach_the_socket(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    with _listener(path) as s:
        n = Notifier.from_env({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"}, pid=42)
        assert n.enabled and n.watchdog_seconds == 30 and n.ping_interval == 15
        assert n.notify("READY=1", "STATUS=scanning")
        assert s.recv(1024) == b"READY=1\nSTATUS=scanning"
        assert n.notify("WATCHDOG=1")
        assert s.recv(1024) == b"WATCHDOG=1"


def test_abstract_socket_address() -> None:
    name = f"checkpoint-test-{id(object())}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.bind("\0" + name)
        s.settimeout(5)
        assert Notifier.from_env({"NOTIFY_SOCKET": "@" + name}).notify("READY=1")
        assert s.recv(64) == b"READY=1"


def test_outside_systemd_nothing_is_sent_and_nothing_raises(tmp_path: Path) -> None:
    assert not Notifier.from_env({}).enabled
    assert Notifier.from_env({}).notify("READY=1") is False
    assert Notifier.from_env({"NOTIFY_SOCKET": str(tmp_path / "gone")}).notify("READY=1") is False


def test_watchdog_meant_for_another_process_is_ignored() -> None:
    n = Notifier.from_env({"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, pid=42)
    assert n.watchdog_seconds is None and n.ping_interval is None
