"""The officers' screens: Unlock, Remove and Change PIN on screen, a CLI unlock seen by the running app, Escape
out of the supervisor's sign-in, the same answers for an unknown officer id as for a known one, and a
supervisor removing an officer (confirmed) or changing a PIN in the app, each recorded in the log."""

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
from tests.tui.conftest import World, make_services, workers_done

pytestmark = pytest.mark.asyncio


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await workers_done(pilot.app)
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
        for selector in ("#unlock", "#remove", "#set-pin", "#off-message"):
            widget = app.screen.query_one(selector)
            assert app.screen.region.contains_region(widget.region), (selector, widget.region)


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


def logged_actions(world: World) -> list[tuple[str, str | None, str]]:
    import sqlite3

    conn = sqlite3.connect(world.services.recorder.log.path)
    try:
        rows = conn.execute("SELECT action, officer_id, details FROM actions ORDER BY seq")
        return [(r[0], r[1], r[2]) for r in rows]
    finally:
        conn.close()


async def officers_screen(pilot: Pilot[None], world: World) -> OfficersScreen:
    await pilot.pause()
    screen = OfficersScreen(world.services, world.supervisor)
    pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


async def press(pilot: Pilot[None], selector: str) -> str:
    """Press a button of the officers screen; what the screen says after."""
    pilot.app.screen.query_one(selector, Button).press()
    await settle(pilot)
    return str(pilot.app.screen.query_one("#off-message", Label).render())


def type_in(pilot: Pilot[None], **fields: str) -> None:
    for selector, value in fields.items():
        pilot.app.screen.query_one(f"#{selector.replace('_', '-')}", Input).value = value


async def test_a_supervisor_removes_an_officer_after_confirming(world: World) -> None:
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await officers_screen(pilot, world)
        type_in(pilot, off_unlock_id="NOBODY")
        assert "No officer with id NOBODY" in await press(pilot, "#remove")
        type_in(pilot, off_unlock_id="CB01")
        said = await press(pilot, "#remove")
        assert "Remove officer CB01 (Trần Văn Bình)? Press Remove again" in said
        assert world.services.officers.get("CB01") is not None  # one press removes nobody
        assert "Officer CB01 removed" in await press(pilot, "#remove")
        assert world.services.officers.get("CB01") is None
        assert "CB01" not in (world.services.data_dir / "officers.json").read_text(encoding="utf-8")
        table = "".join(s.text for s in screen._compositor.render_strips())
        assert "Trần Văn Bình" not in table and "Lê Thị Hoa" in table
    assert any(a == "officer_remove" and by == "CH01" and "CB01" in d for a, by, d in logged_actions(world))
    assert not world.services.officers.sign_in("CB01", "1234").ok


async def test_a_press_on_another_id_asks_again(world: World) -> None:
    world.services.officers.add("CB02", "Phạm Thị Lan", "2222")
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(100, 30)) as pilot:
        await officers_screen(pilot, world)
        type_in(pilot, off_unlock_id="CB01")
        await press(pilot, "#remove")
        type_in(pilot, off_unlock_id="CB02")
        assert "Press Remove again" in await press(pilot, "#remove")  # the confirmation was for CB01
        assert world.services.officers.get("CB01") is not None and world.services.officers.get("CB02") is not None


async def test_no_supervisor_removes_themself_or_the_last_supervisor(world: World, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHECKPOINT_CONFIG", raising=False)
    world.services.officers.add("CH02", "Đỗ Văn Nam", "5555", supervisor=True)
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(100, 30)) as pilot:
        await officers_screen(pilot, world)
        type_in(pilot, off_unlock_id="CH01")
        assert "cannot remove yourself" in await press(pilot, "#remove")
        assert "cannot remove yourself" in await press(pilot, "#remove")
        assert world.services.officers.get("CH01") is not None
        # CH01 is removed from the command line meanwhile: CH02 is now the last supervisor
        assert cli_main(["officers", "--data-dir", str(tmp_path), "remove", "--id", "CH01"]) == 0
        type_in(pilot, off_unlock_id="CH02")
        assert "last supervisor cannot be removed" in await press(pilot, "#remove")
        assert "last supervisor cannot be removed" in await press(pilot, "#remove")
        assert world.services.officers.get("CH02") is not None


async def test_a_supervisor_changes_a_pin_typed_twice(world: World) -> None:
    for _ in range(5):
        world.services.officers.sign_in("CB01", "0000")  # CB01 forgot the PIN: locked
    app = StationApp(world.services, officer=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.pop_screen()  # the sign-in: a supervisor is at the station
        await officers_screen(pilot, world)
        type_in(pilot, off_unlock_id="CB01", off_set_pin="12", off_set_pin2="12")
        assert "4 to 32 digits" in await press(pilot, "#set-pin")
        type_in(pilot, off_set_pin="4321", off_set_pin2="4312")
        assert "differ" in await press(pilot, "#set-pin")
        type_in(pilot, off_set_pin="4321", off_set_pin2="4321")
        assert "PIN of CB01 changed (and unlocked)" in await press(pilot, "#set-pin")
        assert app.screen.query_one("#off-set-pin", Input).value == ""
    assert any(a == "officer_set_pin" and by == "CH01" and "CB01" in d for a, by, d in logged_actions(world))
    assert "4321" not in str(logged_actions(world))
    assert not world.services.officers.sign_in("CB01", "1234").ok  # the old PIN
    assert world.services.officers.sign_in("CB01", "4321").ok  # the new one, and unlocked


@pytest.mark.parametrize("language", ["vi"])
async def test_remove_and_change_pin_speak_vietnamese(tmp_path: Path, language: str) -> None:
    world = make_services(tmp_path, language=language)
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(80, 24)) as pilot:
        await officers_screen(pilot, world)
        type_in(pilot, off_unlock_id="CB01")
        assert "Bấm Xóa lần nữa" in await press(pilot, "#remove")
        type_in(pilot, off_set_pin="7777", off_set_pin2="7777")
        assert "Đã đổi PIN của CB01" in await press(pilot, "#set-pin")
        assert world.services.officers.get("CB01") is not None  # changing the PIN cancelled the removal


async def test_the_signed_in_officer_removed_is_signed_out(world: World) -> None:
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(100, 30)) as pilot:
        await officers_screen(pilot, world)
        type_in(pilot, off_unlock_id="CB01")
        await press(pilot, "#remove")
        await press(pilot, "#remove")
        assert world.services.officers.get("CB01") is None
        app.screen.query_one("#close", Button).press()
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen) and app.officer is None
    assert [a for a, _, _ in logged_actions(world)][-2:] == ["officer_remove", "sign_out"]


async def test_adding_an_officer_says_what_is_wrong_in_the_officer_s_language(tmp_path: Path) -> None:
    world = make_services(tmp_path, language="vi")
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(100, 30)) as pilot:
        await officers_screen(pilot, world)
        type_in(pilot, off_id="CB 02", off_name="Phạm Thị Lan", off_pin="2222")
        assert "Mã cán bộ gồm 1 đến 32" in await press(pilot, "#add")
        type_in(pilot, off_id="CB02", off_pin="22")
        assert "PIN phải gồm 4 đến 32 chữ số" in await press(pilot, "#add")
        type_in(pilot, off_id="CB01", off_pin="2222")
        assert "Đã có cán bộ mã CB01" in await press(pilot, "#add")
        assert "Error" not in await press(pilot, "#add") and world.services.officers.get("CB02") is None
        type_in(pilot, off_id="CB02")
        assert "Đã thêm cán bộ CB02" in await press(pilot, "#add")
    assert world.services.officers.sign_in("CB02", "2222").ok
