"""The lists timer never piles up reloads: while one is still verifying a big list, the next ticks wait."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from checkpoint.tui.app import StationApp
from tests.tui.conftest import make_services, until

pytestmark = pytest.mark.asyncio


async def test_a_slow_reload_is_not_started_again_by_the_next_ticks(tmp_path: Path) -> None:
    w = make_services(tmp_path)
    station = w.services.station
    station.reload_interval = 0.25  # the timer ticks every 0.25 s
    release = threading.Event()
    calls: list[int] = []
    running = [0]
    most = [0]

    def slow_refresh(force: bool = False) -> bool:  # a reload that takes as long as the test wants
        calls.append(1)
        running[0] += 1
        most[0] = max(most[0], running[0])
        release.wait(60)
        running[0] -= 1
        return False

    station.refresh = slow_refresh  # type: ignore[method-assign]
    app = StationApp(w.services, officer=w.officer)
    try:
        async with app.run_test(size=(140, 44)) as pilot:
            await until(pilot, lambda: len(calls) >= 1, "the first reload started")
            await pilot.pause(1.2)  # four ticks or more go by while it runs
            assert len(calls) == 1 and most[0] == 1, "a tick started another reload beside the running one"
            release.set()
            await until(pilot, lambda: len(calls) >= 2, "the next tick after it finished reloads again")
    finally:
        release.set()
    assert most[0] == 1
