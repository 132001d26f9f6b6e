"""Snapshots of the main screens (SVG under ``__snapshots__``; review changes, then ``--snapshot-update``).

Everything on screen is fixed: the clock, the people, the station; keys differ per run but never show,
except the station key's fingerprint on the supervisor screen (a fixed key there).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from checkpoint.tui.app import StationApp
from checkpoint.tui.messages import TextScanned
from checkpoint.tui.widgets.status_bar import StatusBar
from tests.tui.conftest import World, make_services, workers_done

SIZE = (130, 40)


@pytest.fixture(autouse=True)
def truecolour_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app picks its colours by the terminal's (16 colours: the console's own palette), so the snapshots
    fix the terminal: a truecolour one, except where a test says otherwise."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    for name in ("TEXTUAL_COLOR_SYSTEM", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
SnapCompare = Callable[..., bool]


def app_for(tmp_path: Path, language: str, signed_in: bool = True) -> tuple[World, StationApp]:
    w = make_services(tmp_path, language=language)
    return w, StationApp(w.services, officer=w.officer if signed_in else None)


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await workers_done(pilot.app)
    await pilot.pause()


def scans(world: World, *keys: str) -> Callable[[Pilot[None]], object]:
    async def run(pilot: Pilot[None]) -> None:
        for key in keys:
            pilot.app.post_message(TextScanned(world.text(key), "camera"))
            await settle(pilot)
        pilot.app.screen.query_one(StatusBar)  # the scan screen is up

    return run


def test_ready_screen_vi(snap_compare: SnapCompare, tmp_path: Path) -> None:
    _, app = app_for(tmp_path, "vi")
    assert snap_compare(app, terminal_size=SIZE)


def test_accept_en(snap_compare: SnapCompare, tmp_path: Path) -> None:
    world, app = app_for(tmp_path, "en")
    assert snap_compare(app, terminal_size=SIZE, run_before=scans(world, "valid"))


def test_reject_vi(snap_compare: SnapCompare, tmp_path: Path) -> None:
    world, app = app_for(tmp_path, "vi")
    assert snap_compare(app, terminal_size=SIZE, run_before=scans(world, "valid", "forged"))


def test_duplicate_check_en(snap_compare: SnapCompare, tmp_path: Path) -> None:
    world, app = app_for(tmp_path, "en")
    assert snap_compare(app, terminal_size=SIZE, run_before=scans(world, "valid", "expired", "valid"))


def test_sign_in_vi(snap_compare: SnapCompare, tmp_path: Path) -> None:
    _, app = app_for(tmp_path, "vi", signed_in=False)
    assert snap_compare(app, terminal_size=SIZE)


def test_manual_entry_en(snap_compare: SnapCompare, tmp_path: Path) -> None:
    _, app = app_for(tmp_path, "en")
    assert snap_compare(app, terminal_size=SIZE, press=["f4"])


def test_supervisor_vi(snap_compare: SnapCompare, tmp_path: Path) -> None:
    world, app = app_for(tmp_path, "vi")
    fixed_station_key(world)  # the screen shows the station key's fingerprint

    async def run(pilot: Pilot[None]) -> None:
        await scans(world, "valid", "forged", "expired", "valid", "symptoms")(pilot)
        assert isinstance(pilot.app, StationApp)
        pilot.app.open_supervisor()
        await pilot.pause()
        from textual.widgets import Input

        pilot.app.screen.query_one("#officer-id", Input).value = "CH01"
        pilot.app.screen.query_one("#pin", Input).value = "9876"
        pilot.app.screen.query_one("#pin", Input).focus()
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def fixed_station_key(world: World) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from checkpoint.station_keys import STATION_KEY_FILE
    from checkpoint.trust import keys

    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    (world.services.data_dir / STATION_KEY_FILE).write_bytes(keys.private_pem(key))


def test_accept_vi_80x24(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """The smallest screen the station supports: verdict, card, direction, lane, F10 and sync all show."""
    world, app = app_for(tmp_path, "vi")
    assert snap_compare(app, terminal_size=(80, 24), run_before=scans(world, "valid"))


def test_reject_en_7_inch(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """A 7-inch 800x480 display at a common console font: about 100x30."""
    world, app = app_for(tmp_path, "en")
    assert snap_compare(app, terminal_size=(100, 30), run_before=scans(world, "valid", "forged"))


def test_accept_vi_linux_console(snap_compare: SnapCompare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under TERM=linux (16 colours, the kiosk unit): the console's own green, not a dark grey."""
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("COLORTERM")
    world, app = app_for(tmp_path, "vi")
    assert snap_compare(app, terminal_size=(80, 24), run_before=scans(world, "valid"))


# -- the main screens at the two sizes issue 16 names and on the Linux console -----------------------------
def supervisor_signs_in(world: World, *then: str) -> Callable[[Pilot[None]], object]:
    async def run(pilot: Pilot[None]) -> None:
        from textual.widgets import Button, Input

        await scans(world, "valid", "forged", "expired", "valid", "symptoms")(pilot)
        assert isinstance(pilot.app, StationApp)
        pilot.app.open_supervisor()
        await pilot.pause()
        pilot.app.screen.query_one("#officer-id", Input).value = "CH01"
        pilot.app.screen.query_one("#pin", Input).value = "9876"
        pilot.app.screen.query_one("#pin", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        for button in then:
            pilot.app.screen.query_one(button, Button).press()
            await settle(pilot)

    return run


SCREENS: dict[str, tuple[bool, tuple[str, ...] | None]] = {
    # name: (an officer signed in, what is scanned; None: the supervisor's screens)
    "sign_in": (False, ()),
    "accept": (True, ("valid",)),
    "reject": (True, ("valid", "forged")),
    "check": (True, ("valid", "expired", "valid")),
    "supervisor": (True, None),
    "officers": (True, None),
}


def screen_run(world: World, name: str) -> Callable[[Pilot[None]], object] | None:
    keys = SCREENS[name][1]
    if keys is None:
        fixed_station_key(world)
        return supervisor_signs_in(world, *(("#officers",) if name == "officers" else ()))
    return scans(world, *keys) if keys else None


@pytest.mark.parametrize("name", list(SCREENS))
@pytest.mark.parametrize(("size", "language"), [((80, 24), "vi"), ((120, 40), "en")], ids=["80x24-vi", "120x40-en"])
def test_main_screens(snap_compare: SnapCompare, tmp_path: Path, name: str, size: tuple[int, int],
                      language: str) -> None:
    world, app = app_for(tmp_path, language, signed_in=SCREENS[name][0])
    assert snap_compare(app, terminal_size=size, run_before=screen_run(world, name))


@pytest.mark.parametrize("name", ["sign_in", "reject", "check", "supervisor"])
def test_main_screens_on_the_linux_console(snap_compare: SnapCompare, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """TERM=linux, as the kiosk unit sets it: 16 colours, the console's own red and yellow."""
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("COLORTERM")
    world, app = app_for(tmp_path, "vi", signed_in=SCREENS[name][0])
    assert snap_compare(app, terminal_size=(80, 24), run_before=screen_run(world, name))
