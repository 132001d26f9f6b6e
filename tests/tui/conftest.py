"""A demo world, a station and the app's services for the TUI tests (real keys, real lists, real decoder)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from checkpoint.clock import FixedClock
from checkpoint.config import parse_config
from checkpoint.demo import DemoWorld, make_world
from checkpoint.officers import Officer
from checkpoint.tui.services import Services
from checkpoint.tui.wiring import build_services

NOW = datetime(2021, 7, 24, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


def cheap_hasher() -> PasswordHasher:
    """Real argon2id with test-sized cost (the station's default takes 64 MiB per check)."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass
class World:
    demo: DemoWorld
    services: Services
    clock: FixedClock
    officer: Officer
    supervisor: Officer

    def text(self, key: str) -> str:
        return next(p.text for p in self.demo.passes if p.key == key)


def make_services(tmp_path: Path, *, language: str = "en", ui: dict[str, object] | None = None,
                  camera: object = None) -> World:
    clock = FixedClock(NOW)
    demo = make_world(tmp_path, NOW)
    raw = dict(demo.config.raw)
    raw["station"] = {**raw["station"], "language": language}
    # a verdict held long enough that no test's assertions race its return to READY on a loaded machine (the
    # test of the hold sets its own)
    raw["ui"] = {"sound": "bell", "verdict_seconds": 120, **(ui or {})}
    raw["scanner"] = {"source": ""}
    config = parse_config(raw)
    services = build_services(config, clock, data_dir=tmp_path, camera=camera, hasher=cheap_hasher())  # type: ignore[arg-type]
    officer = services.officers.add("CB01", "Trần Văn Bình", "1234")
    supervisor = services.officers.add("CH01", "Lê Thị Hoa", "9876", supervisor=True)
    return World(demo, services, clock, officer, supervisor)


@pytest.fixture(autouse=True)
def steady_cursors(monkeypatch: pytest.MonkeyPatch) -> None:
    """An input's cursor stays as focus left it (shown) instead of blinking on a 0.5 s timer: a snapshot taken
    more than half a second after the focus (a loaded machine) caught it hidden and failed."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_services(tmp_path)


@dataclass(frozen=True)
class HeldClock:
    at: float

    def __call__(self) -> float:
        return self.at


def hold_the_wedge_clock(app: object) -> None:
    """Stop the clock the scan screen's wedge measures its idle gap by (``ScanScreen.wedge_clock``): keys typed
    by a test are one scan however long a loaded machine takes between them. (A test of the idle gap itself
    moves the clock on instead.)"""
    from checkpoint.tui.app import StationApp

    assert isinstance(app, StationApp)
    if not isinstance(app.scan.wedge_clock, HeldClock):  # held already: it stays where it was held
        app.scan.wedge_clock = HeldClock(time.monotonic())


def post_keys_like_a_scanner(app: object, text: str) -> None:
    """Keystrokes as the terminal driver delivers them (to the app, which routes them), at wedge speed, then
    Enter: ``Pilot.press`` waits for the screen after every key, which a scanner does not, and on a loaded
    machine its pauses pass the wedge's idle gap and cut the scan in two. The wedge's clock is held still too
    (a loaded machine can stall between two queued keys)."""
    from textual import events
    from textual.app import App
    from textual.keys import _character_to_key

    assert isinstance(app, App)
    hold_the_wedge_clock(app)
    for ch in text:
        app.post_message(events.Key(_character_to_key(ch), ch))
    app.post_message(events.Key("enter", "\r"))


async def until(pilot: object, ok: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Let the app run until ``ok()`` holds (its timers and workers go on meanwhile). The timeout only bounds a
    hang: a loaded machine makes this wait longer, never fail."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    deadline = time.monotonic() + timeout
    while not ok():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        await pilot.pause(0.05)


async def workers_done(app: object) -> None:
    """``app.workers.wait_for_complete()``, less its one race: the lists worker is started by a timer and is
    exclusive, so on a loaded machine its next start cancels the last one, and waiting on a cancelled worker
    raises ``WorkerCancelled``. A worker that fails still raises."""
    from textual.app import App
    from textual.worker import WorkerCancelled

    assert isinstance(app, App)
    for worker in list(app.workers):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()
