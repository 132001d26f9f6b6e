"""A dead camera is said on the verdict panel in the officer's language; scans that come while no
officer is signed in are kept and checked after sign-in, never dropped silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from checkpoint.camera_state import CameraState
from checkpoint.tui.app import StationApp
from checkpoint.tui.messages import CameraChanged, TextScanned
from checkpoint.tui.screens.scan import ScanScreen
from checkpoint.tui.screens.sign_in import SignInScreen
from checkpoint.tui.widgets.verdict_panel import VerdictPanel
from tests.tui.conftest import make_services, workers_done

pytestmark = pytest.mark.asyncio


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await workers_done(pilot.app)
    await pilot.pause()


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_a_dead_camera_is_said_on_the_verdict_panel(tmp_path: Path, language: str) -> None:
    world = make_services(tmp_path, language=language)
    t = world.services.texts
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        error = "camera 0: cannot open /dev/video0 (is it plugged in? is another program using it?) " * 2
        app.post_message(CameraChanged(CameraState("failed", error=error)))
        await pilot.pause()
        panel = app.screen.query_one(VerdictPanel)
        assert t("verdict.camera.failed") in panel.plain
        screen = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert t("verdict.camera.failed").split(":")[0] in screen  # on screen, not only in the widget
        app.post_message(CameraChanged(CameraState("running", fps=15)))
        await pilot.pause()
        assert t("verdict.camera.failed") not in panel.plain


async def test_a_scan_before_sign_in_is_checked_after_it(tmp_path: Path) -> None:
    world = make_services(tmp_path)
    app = StationApp(world.services, officer=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        app.post_message(TextScanned(world.text("valid"), "camera"))
        app.post_message(TextScanned(world.text("valid"), "camera"))  # the camera sees it again: kept once
        await settle(pilot)
        assert world.services.recorder.recent(5) == []
        screen = app.screen
        screen.query_one("#officer-id", Input).value = "CB01"
        screen.query_one("#pin", Input).value = "1234"
        screen.query_one("#pin", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ScanScreen)
        assert [c.display for c in world.services.recorder.recent(5)] == ["ACCEPT"]


async def test_an_old_scan_before_sign_in_is_said_not_checked(tmp_path: Path) -> None:
    import checkpoint.tui.app as app_module

    world = make_services(tmp_path)
    app = StationApp(world.services, officer=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.post_message(TextScanned(world.text("valid"), "camera"))
        await settle(pilot)
        at, message = app.pending[0]
        app.pending[0] = (at - app_module.PENDING_SECONDS - 1, message)  # it came long ago
        screen = app.screen
        screen.query_one("#officer-id", Input).value = "CB01"
        screen.query_one("#pin", Input).value = "1234"
        screen.query_one("#pin", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert world.services.recorder.recent(5) == []
        said = [str(n.message) for n in app._notifications]
        assert any("NOT checked" in s for s in said), said
