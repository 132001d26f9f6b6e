"""Event-loop lag of the station app while the camera runs: how late a 20 ms timer on the UI's loop wakes.

    .venv/bin/python -m bench.tui_responsiveness [RUNS]

The simulated camera plays six passes at 30 fps (1280x720 frames through the real decoder cascade, debounce,
verifier and SQLite log, with the half-block preview on) in the real app, headless (Pilot). A probe on the
event loop asks to wake every 20 ms; lag is how late each wake-up came. Prints, per run, the ticks, the
worst and the 98th percentile, and the 98th percentile's ratio to the 100 ms budget (a key press must not wait
longer). This was tests/tui/test_responsiveness.py's timed assertion: on a loaded machine another process
takes the CPU for longer than 100 ms, which is not this app blocking its loop, so the suite now checks only
where the work runs (off the event loop) and the lag is measured here.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import tempfile
from pathlib import Path

BUDGET = 0.100
TICK = 0.02
KEYS = ("valid", "forged", "expired", "revoked", "valid_freight", "category")


async def one_run(folder: Path) -> list[float]:
    from textual.message import Message

    from checkpoint.camera import SimulatedCamera
    from checkpoint.tui.app import StationApp
    from checkpoint.tui.messages import Checked
    from tests.tui.conftest import make_services

    def camera() -> SimulatedCamera:
        return SimulatedCamera([world.text(k) for k in KEYS], fps=30, hold=6, gap=3, size=(1280, 720))

    world = make_services(folder, ui={"preview": True}, camera=camera)
    all_checked = asyncio.Event()
    checked: list[Checked] = []

    def hook(message: Message) -> None:
        if isinstance(message, Checked):
            checked.append(message)
            if len(checked) == len(KEYS):
                all_checked.set()

    app = StationApp(world.services, officer=world.officer)
    lags: list[float] = []
    async with app.run_test(size=(140, 44), message_hook=hook):
        loop = asyncio.get_running_loop()

        async def measure() -> None:
            while not all_checked.is_set():
                start = loop.time()
                await asyncio.sleep(TICK)
                lags.append(loop.time() - start - TICK)

        probe = asyncio.create_task(measure())
        try:
            await asyncio.wait_for(all_checked.wait(), timeout=60)
        except TimeoutError:  # a live camera drops frames on a busy machine: a pass held 0.2 s can be missed
            print(f"  only {len(checked)} of {len(KEYS)} passes seen in 60 s (frames dropped under load)")
            all_checked.set()
        await probe
    return sorted(lags)


def main(runs: int) -> None:
    p98s = []
    for n in range(1, runs + 1):
        with tempfile.TemporaryDirectory() as tmp:
            gc.collect()
            gc.freeze()  # the heap of earlier runs is not this run's
            lags = asyncio.run(one_run(Path(tmp)))
            gc.unfreeze()
        p98 = lags[int(len(lags) * 0.98)]
        p98s.append(p98)
        print(f"run {n}: {len(lags)} ticks, worst {lags[-1] * 1000:.1f} ms, 98th percentile {p98 * 1000:.1f} ms "
              f"({p98 / BUDGET:.2f} of the {BUDGET * 1000:.0f} ms budget)")
    median = statistics.median(p98s)
    print(f"median 98th percentile over {runs} runs: {median * 1000:.1f} ms ({median / BUDGET:.2f} of the budget)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
