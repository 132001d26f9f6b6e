"""Snapshots of the vehicle card and the occupancy widget (SVG under ``__snapshots__``; review changes, then
``--snapshot-update``): a closed vehicle's summary at 80x24 in Vietnamese, an open vehicle at a hospital gate."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input

from checkpoint.tui.app import StationApp
from checkpoint.tui.messages import TextScanned
from tests.tui.conftest import NOW, World, make_services, workers_done
from tests.tui.test_vehicles import _gate

SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def truecolour_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    for name in ("TEXTUAL_COLOR_SYSTEM", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


async def _settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await workers_done(pilot.app)
    await pilot.pause()


def vehicle(world: World, plate: str, *keys: str, close: bool) -> Callable[[Pilot[None]], object]:
    async def run(pilot: Pilot[None]) -> None:
        await _settle(pilot)
        await pilot.press("f8")
        await pilot.pause()
        pilot.app.screen.query_one("#plate", Input).value = plate
        pilot.app.screen.query_one("#start", Button).press()
        await pilot.pause()
        for key in keys:
            pilot.app.post_message(TextScanned(world.text(key), "camera"))
            await _settle(pilot)
        if close:
            await pilot.press("f9")
            await pilot.pause()

    return run


def test_a_closed_vehicle_vi_80x24(snap_compare: SnapCompare, tmp_path: Path) -> None:
    w = make_services(tmp_path, language="vi")
    app = StationApp(w.services, officer=w.officer)
    assert snap_compare(app, terminal_size=(80, 24), run_before=vehicle(w, "29C-123.45", "valid", "valid_freight",
                                                                          "forged", close=True))


def test_an_open_vehicle_at_a_hospital_gate_en(snap_compare: SnapCompare, tmp_path: Path) -> None:
    w = _gate(tmp_path, NOW)
    app = StationApp(w.services, officer=w.officer)
    assert snap_compare(app, terminal_size=(130, 40), run_before=vehicle(w, "51LD-012.34", "valid", close=False))
