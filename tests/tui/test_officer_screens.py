"""The officers' screens: Unlock on screen, a CLI unlock seen by the running app, Escape out of the
supervisor's sign-in, and the same answers for an unknown officer id as for a known one."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label

from checkpoint.cli import main as cli_main
from checkpoint.tui.app import StationApp
from checkpoint.tui.screens.officers import OfficersScreen
from checkpoint.tui.screens.scan import ScanScreen
from checkpoint.tui.screens.sign_in import SignInScreen
from tests.tui.conftest import World, make_services

pytestmark = pytest.mark.asyncio


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def try_pin(pilot: Pilot[None], officer_id: str, pin: str) -> str:
    """Sign in on the sign-in screen; what it says after."""
    screen = pilot.app.screen
    assert isinstance(screen, SignInScreen)
    screen.query_one("#officer-id", Input).value = officer_id
    screen.query_one("#pin", Input).value = pin
    screen.query_one("#pin", Input).focus()
    await pilot.press("enter")
    await settle(pilot)
    if not isinstance(pilot.app.screen, SignInScreen):
        return ""
    return str(pilot.app.screen.query_one("#signin-message", Label).render())


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (130, 40)])
async def test_the_unlock_button_is_on_screen(world: World, size: tuple[int, int]) -> None:
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.push_screen(OfficersScreen(world.services, world.supervisor))
        await settle(pilot)
        button = app.screen.query_one("#unlock", Button)
        assert app.screen.region.contains_region(button.region), button.region


async def test_a_cli_unlock_is_seen_by_the_running_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHECKPOINT_CONFIG", raising=False)
    world = make_services(tmp_path)
    app = StationApp(world.services, officer=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for _ in range(5):
            said = await try_pin(pilot, "CB01", "0000")
        assert "Locked" in said
        assert "Locked" in await try_pin(pilot, "CB01", "1234")  # the right PIN while locked
        assert cli_main(["officers", "--data-dir", str(tmp_path), "unlock", "--id", "CB01"]) == 0
        assert await try_pin(pilot, "CB01", "1234") == ""
        assert isinstance(app.screen, ScanScreen)


async def test_the_officers_table_shows_a_cli_unlock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHECKPOINT_CONFIG", raising=False)
    world = make_services(tmp_path)
    for _ in range(5):
        world.services.officers.sign_in("CB01", "0000")
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = OfficersScreen(world.services, world.supervisor)
        app.push_screen(screen)
        await settle(pilot)
        table = lambda: "".join(s.text for s in app.screen._compositor.render_strips())  # noqa: E731
        assert "locked" in table()
        assert cli_main(["officers", "--data-dir", str(tmp_path), "unlock", "--id", "CB01"]) == 0
        screen._reload()  # what its timer does every RELOAD_EVERY seconds
        await settle(pilot)
        assert "locked" not in table()


async def test_escape_closes_the_supervisor_sign_in(world: World) -> None:
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.open_supervisor()
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ScanScreen)


async def test_an_unknown_officer_id_answers_like_a_known_one(world: World) -> None:
    """Enumeration: the answers to wrong PINs must not tell which officer ids exist."""
    app = StationApp(world.services, officer=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        known = [await try_pin(pilot, "CB01", "0000") for _ in range(6)]
        unknown = [await try_pin(pilot, "NOBODY", "0000") for _ in range(6)]
        assert known == unknown
        assert known[0] != known[1]  # it does count down
        assert "Locked" in known[-1]
