"""On the Linux console (TERM=linux, 16 colours: the kiosk unit sets it) the verdict colours are the
console's own green, red and yellow, not truecolours that come out dark grey."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import ColorSystem

from checkpoint.tui.app import StationApp
from checkpoint.tui.messages import TextScanned
from checkpoint.tui.widgets.verdict_panel import VerdictPanel
from tests.tui.conftest import make_services, workers_done

pytestmark = pytest.mark.asyncio

# the 16-colour console's numbers: green, red, yellow
EXPECTED = {"accept": (("valid",), 2), "reject": (("forged",), 1), "check": (("valid", "valid"), 3)}


@pytest.mark.parametrize("verdict", list(EXPECTED))
async def test_verdict_colours_on_the_linux_console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    verdict: str) -> None:
    keys, number = EXPECTED[verdict]
    monkeypatch.setenv("TERM", "linux")
    for name in ("COLORTERM", "TEXTUAL_COLOR_SYSTEM", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    world = make_services(tmp_path)
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.console.color_system == "standard"
        for key in keys:
            await pilot.pause()
            app.post_message(TextScanned(world.text(key), "camera"))
            await pilot.pause()
            await workers_done(app)
            await pilot.pause()
        panel = app.screen.query_one(VerdictPanel)
        style = panel.rich_style
        assert style.bgcolor is not None
        shown = style.bgcolor.downgrade(ColorSystem.STANDARD)  # what the console draws
        assert panel.state == verdict
        assert shown.number == number, (panel.state, style)
