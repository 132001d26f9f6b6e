"""The UI never blocks: while the camera decodes and passes are recorded, that work runs off the event loop.

Not timed: how late the event loop's ticks come depends on the machine and its load, so the lag is measured
by ``bench/tui_responsiveness.py`` (figures in docs/benchmarks-tui.md). This test says where the work runs:
it fails if a frame is read, a frame decoded or a pass decided and recorded on the event loop's thread.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from textual.message import Message

from checkpoint.camera import SimulatedCamera
from checkpoint.tui.app import StationApp
from checkpoint.tui.messages import Checked
from scanner._pipeline import Pipeline
from tests.tui.conftest import make_services

pytestmark = pytest.mark.asyncio

KEYS = ("valid", "forged", "expired", "revoked", "valid_freight", "category")


class ThreadLog:
    """The threads that did each kind of work."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: dict[str, list[int]] = {"read": [], "decode": [], "check": []}

    def note(self, what: str) -> None:
        with self.lock:
            self.seen[what].append(threading.get_ident())


async def test_the_camera_decodes_and_passes_are_recorded_off_the_event_loop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads = ThreadLog()

    class WatchedCamera(SimulatedCamera):
        def read(self):  # type: ignore[no-untyped-def]
            threads.note("read")
            return super().read()

    decode = Pipeline.decode

    def watched_decode(self: Pipeline, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        threads.note("decode")
        return decode(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Pipeline, "decode", watched_decode)

    def camera() -> SimulatedCamera:
        # each pass in one frame, every frame decoded in order (live=False): however loaded the machine, no
        # pass is skipped and none is seen twice
        return WatchedCamera([world.text(k) for k in KEYS], fps=30, hold=1, gap=0, live=False)

    world = make_services(tmp_path, ui={"preview": True}, camera=camera)
    check = world.services.service.check

    def watched_check(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        threads.note("check")
        return check(*args, **kwargs)  # type: ignore[arg-type]

    world.services.service.check = watched_check  # type: ignore[method-assign]
    all_checked = asyncio.Event()
    checked: list[Checked] = []

    def hook(message: Message) -> None:
        if isinstance(message, Checked):
            checked.append(message)
            if len(checked) == len(KEYS):
                all_checked.set()

    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(140, 44), message_hook=hook) as pilot:
        loop_thread = threading.get_ident()
        await asyncio.wait_for(all_checked.wait(), timeout=120)  # bounds a hang only
        await pilot.pause()
        assert app.camera.state in ("running", "stopped")
    seen = threads.seen
    assert seen["read"] and seen["decode"] and len(seen["check"]) == len(KEYS), {k: len(v) for k, v in seen.items()}
    for what, idents in seen.items():
        assert loop_thread not in idents, f"{what} ran on the event loop's thread"
    assert [c.outcome.decision.display.value for c in checked].count("ACCEPT") == 2
