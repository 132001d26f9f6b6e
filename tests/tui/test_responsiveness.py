"""The UI never blocks: the event loop stays responsive while the camera decodes and passes are recorded."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.message import Message

from checkpoint.camera import SimulatedCamera
from checkpoint.tui.app import StationApp
from checkpoint.tui.messages import Checked
from tests.tui.conftest import make_services

pytestmark = pytest.mark.asyncio

TICK = 0.02


@pytest.fixture
def quiet_heap() -> Iterator[None]:
    """Collect and freeze what earlier tests left in the heap, so a full garbage collection of the test
    session's objects is not counted against the app (a station's heap is the app's alone)."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("quiet_heap")
async def test_event_loop_lag_stays_under_100ms_while_the_camera_runs(tmp_path: Path) -> None:
    keys = ("valid", "forged", "expired", "revoked", "valid_freight", "category")
    holder: dict[str, SimulatedCamera] = {}

    def camera() -> SimulatedCamera:
        w_texts = [world.text(k) for k in keys]
        holder["cam"] = SimulatedCamera(w_texts, fps=30, hold=6, gap=3, size=(1280, 720))
        return holder["cam"]

    world = make_services(tmp_path, ui={"preview": True}, camera=camera)
    all_checked = asyncio.Event()
    checked: list[Checked] = []

    def hook(message: Message) -> None:
        if isinstance(message, Checked):
            checked.append(message)
            if len(checked) == len(keys):
                all_checked.set()

    app = StationApp(world.services, officer=world.officer)
    lags: list[float] = []
    async with app.run_test(size=(140, 44), message_hook=hook) as pilot:
        loop = asyncio.get_running_loop()

        async def measure() -> None:
            while not all_checked.is_set():
                start = loop.time()
                await asyncio.sleep(TICK)
                lags.append(loop.time() - start - TICK)

        probe = asyncio.create_task(measure())
        await asyncio.wait_for(all_checked.wait(), timeout=30)
        await probe
        await pilot.pause()
        assert app.camera.state in ("running", "stopped")
    lags.sort()
    p98 = lags[int(len(lags) * 0.98)]
    print(f"event loop lag over {len(lags)} ticks: max {lags[-1] * 1000:.1f} ms, 98th percentile {p98 * 1000:.1f} ms")
    assert len(lags) > 50, "the camera ran long enough to measure"
    # The bound is 100 ms. The 98th percentile is held to it, and the worst tick to 2.5 times it: on a shared
    # 2-core CI machine another process can take the CPU for a moment, which is not this app blocking its loop.
    assert p98 < 0.100, f"event loop blocked for {p98 * 1000:.0f} ms (98th percentile)"
    assert lags[-1] < 0.250, f"event loop blocked for {lags[-1] * 1000:.0f} ms"
    assert [c.outcome.decision.display.value for c in checked].count("ACCEPT") == 2
