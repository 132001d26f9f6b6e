"""Serial scanners through real pyserial ports: a pseudo-terminal pair (as a CDC/ACM device looks) and
pyserial's ``loop://`` URL."""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import serial

from scanner._reconnect import ReconnectBackoff, SourceState, SourceStatus
from scanner._serial_source import SerialScan, SerialScanner

TIMEOUT = 10.0


def _live(scanner: SerialScanner) -> threading.Event:
    """Set once the port is open (a tty is in raw mode only from then on)."""
    live = threading.Event()
    scanner.on_status = lambda s: live.set() if s.state is SourceState.LIVE else None
    return live


def _run(scanner: SerialScanner, stop: threading.Event) -> tuple[queue.Queue[SerialScan], threading.Thread]:
    out: queue.Queue[SerialScan] = queue.Queue()

    def work() -> None:
        for scan in scanner.scans(stop):
            out.put(scan)

    t = threading.Thread(target=work, daemon=True)
    t.start()
    return out, t


@pytest.fixture
def pty() -> Iterator[tuple[int, str]]:
    try:
        master, slave = os.openpty()
    except OSError as e:  # a root without /dev/pts (the arm64 check's chroot binds /dev alone): no pseudo-terminal
        pytest.skip(f"no pseudo-terminal on this machine ({e.strerror}): mount /dev/pts to run the serial tests")
    yield master, os.ttyname(slave)
    for fd in (master, slave):
        with contextlib.suppress(OSError):  # the test may have closed the master already
            os.close(fd)


def test_lines_from_a_tty_device(pty: tuple[int, str]) -> None:
    master, name = pty
    stop = threading.Event()
    # the line ends end the scans here: with the default 0.3 s idle gap, a loaded machine pausing this thread
    # between the two writes of "shc:/..." cut it in two
    scanner = SerialScanner(name, 115200, idle_timeout=60)
    live = _live(scanner)
    scans, t = _run(scanner, stop)
    assert live.wait(TIMEOUT)
    os.write(master, b"CP1:6BF%*+-./:\r\n")
    os.write(master, b"shc:/5676")
    os.write(master, b"2909\n")
    first, second = scans.get(timeout=TIMEOUT), scans.get(timeout=TIMEOUT)
    assert (first.text, second.text) == ("CP1:6BF%*+-./:", "shc:/56762909")
    assert first.port == name
    stop.set()
    t.join(TIMEOUT)
    assert not t.is_alive()


def test_a_scanner_with_no_terminator_ends_scans_when_idle(pty: tuple[int, str]) -> None:
    master, name = pty
    stop = threading.Event()
    scanner = SerialScanner(name, idle_timeout=0.05, read_timeout=0.02)
    live = _live(scanner)
    scans, t = _run(scanner, stop)
    assert live.wait(TIMEOUT)
    os.write(master, b"CP1:ABC")
    assert scans.get(timeout=TIMEOUT).text == "CP1:ABC"
    stop.set()
    t.join(TIMEOUT)


def test_unplugged_then_replugged_scanner_reconnects_with_backoff() -> None:
    attempts: list[int] = []

    def open_port(port: str, baudrate: int, timeout: float) -> Any:
        attempts.append(baudrate)
        if len(attempts) <= 2:
            raise serial.SerialException(f"could not open port {port}: [Errno 2] No such file or directory")
        p = serial.serial_for_url("loop://", baudrate=baudrate, timeout=timeout)
        p.write(b"CP1:REPLUGGED\r\n")
        return p

    statuses: list[SourceStatus] = []
    waits: list[float] = []

    def wait(s: float) -> bool:
        waits.append(s)
        return False

    stop = threading.Event()
    scanner = SerialScanner("/dev/ttyACM0", backoff=ReconnectBackoff(0.5, 2.0, 5.0), on_status=statuses.append,
                            open_port=open_port, wait=wait)
    scans, t = _run(scanner, stop)
    assert scans.get(timeout=TIMEOUT).text == "CP1:REPLUGGED"
    stop.set()
    t.join(TIMEOUT)
    assert [s.state for s in statuses] == ["connecting", "lost", "connecting", "lost", "connecting", "live", "stopped"]
    assert waits == [0.5, 1.0]
    assert "No such file" in (statuses[1].error or "") and statuses[1].notice.code == "lost"
    assert statuses[1].source == "scanner /dev/ttyACM0"


def test_a_port_that_dies_mid_read_is_reported_lost(pty: tuple[int, str]) -> None:
    master, name = pty
    live, lost = threading.Event(), threading.Event()
    statuses: list[SourceStatus] = []

    def on_status(s: SourceStatus) -> None:
        statuses.append(s)
        {SourceState.LIVE: live, SourceState.LOST: lost}.get(s.state, threading.Event()).set()

    stop = threading.Event()
    scanner = SerialScanner(name, on_status=on_status, wait=lambda s: True)  # give up after the first loss
    scans, t = _run(scanner, stop)
    assert live.wait(TIMEOUT)
    os.write(master, b"CP1:A\n")
    assert scans.get(timeout=TIMEOUT).text == "CP1:A"
    os.close(master)  # the device goes away
    assert lost.wait(TIMEOUT)
    t.join(TIMEOUT)
    assert statuses[-1].state is SourceState.STOPPED
