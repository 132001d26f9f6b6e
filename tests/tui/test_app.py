"""The station app driven like an officer would: Pilot presses keys, the real pipeline decides and records."""

from __future__ import annotations

import csv
import time
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input

from checkpoint.decision import Display
from checkpoint.export import verify
from checkpoint.officers import Officer
from checkpoint.tui.app import StationApp
from checkpoint.tui.messages import TextScanned
from checkpoint.tui.screens.sign_in import SignInScreen
from checkpoint.tui.screens.supervisor import SupervisorScreen
from checkpoint.tui.widgets.verdict_panel import VerdictPanel
from tests.tui.conftest import World, hold_the_wedge_clock, make_services, post_keys_like_a_scanner, until, workers_done

pytestmark = pytest.mark.asyncio

SIZE = (140, 44)


def app_for(world: World, officer: Officer | None = None) -> StationApp:
    return StationApp(world.services, officer=officer)


async def scan(app: StationApp, pilot: object, text: str) -> None:
    app.post_message(TextScanned(text, "camera"))
    await settle(app, pilot)


async def settle(app: StationApp, pilot: object) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await pilot.pause()
    await workers_done(app)
    await pilot.pause()


def panel_text(app: StationApp) -> str:
    return app.scan.query_one(VerdictPanel).plain


def logged_actions(world: World) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(world.services.recorder.log.path)
    try:
        return [row[0] for row in conn.execute("SELECT action FROM actions ORDER BY seq")]
    finally:
        conn.close()


async def press(pilot: object, app: StationApp, selector: str) -> None:
    from textual.pilot import Pilot
    from textual.widgets import Button

    assert isinstance(pilot, Pilot)
    app.screen.query_one(selector, Button).press()
    await pilot.pause()


def message(screen: object, selector: str) -> str:
    from textual.screen import Screen
    from textual.widgets import Label

    assert isinstance(screen, Screen)
    return str(screen.query_one(selector, Label).content)


async def test_valid_forged_and_duplicate(world: World) -> None:
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, world.text("valid"))
        panel = app.scan.query_one(VerdictPanel)
        assert panel.state == "accept" and panel.has_class("-accept")
        assert "ACCEPT" in panel_text(app) and "Nguyễn Văn An" in panel_text(app)
        assert "••••••••2345" in panel_text(app) and "001085012345" not in panel_text(app)
        logged = world.services.recorder.recent(1)[0]
        assert logged.display == "ACCEPT" and logged.officer_id == "CB01"

        await scan(app, pilot, world.text("forged"))
        assert panel.state == "reject"
        assert "Unknown issuer" in panel_text(app)

        await scan(app, pilot, world.text("valid"))
        assert panel.state == "check"
        assert "just scanned" in panel_text(app)
        assert [o.decision.display for o in app.outcomes] == [Display.ACCEPT, Display.REJECT, Display.CHECK]
        assert app.sound.played == ["ACCEPT", "REJECT", "CHECK"]
        assert len(world.services.recorder.recent(10)) == 3


async def test_the_verdict_returns_to_ready_by_itself(tmp_path: Path) -> None:
    """Shown, then READY again after ``verdict_seconds`` with nothing pressed. The panel's states are noted as
    they come (a loaded machine can take longer than the hold to settle after the scan): REJECT, then READY
    no sooner than the hold (a lower bound only: load makes it later, never sooner)."""
    w = make_services(tmp_path, ui={"verdict_seconds": 1})
    app = app_for(w, w.officer)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.scan.query_one(VerdictPanel)
        states: list[tuple[str, float]] = []
        set_state = panel._set_state

        def noted(state: str) -> None:
            states.append((state, time.monotonic()))
            set_state(state)

        panel._set_state = noted  # type: ignore[method-assign]
        await scan(app, pilot, w.text("expired"))
        await until(pilot, lambda: panel.state == "ready", "the panel back to READY")
        shown = [s for i, (s, _) in enumerate(states) if i == 0 or states[i - 1][0] != s]
        assert shown == ["reject", "ready"]
        assert states[-1][1] - states[0][1] >= 0.95  # held for verdict_seconds (the timer may fire a tick early)


async def type_like_a_scanner(app: StationApp, pilot: object, text: str) -> None:
    post_keys_like_a_scanner(app, text)
    await settle(app, pilot)


async def test_a_handheld_scanner_typing_anywhere_is_caught(world: World) -> None:
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        text = world.text("expired")
        hold_the_wedge_clock(app)  # Pilot's pause after "P" may pass the idle gap on a loaded machine
        await pilot.press("C", "P")  # the first keys through the Pilot, the rest at scanner speed
        await type_like_a_scanner(app, pilot, text[2:])
        assert [o.source for o in app.outcomes] == ["scanner"]
        assert app.outcomes[0].decision.reason is not None
        assert app.outcomes[0].decision.reason.value == "EXPIRED"
        assert app.post_state.direction == "in"  # no character of the pass was taken as a command


async def test_a_scan_mangled_by_a_vietnamese_input_method_is_explained_not_recorded(world: World) -> None:
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        mangled = world.text("valid")[:40] + "Â" + world.text("valid")[42:]  # Telex: AA -> Â
        await type_like_a_scanner(app, pilot, mangled)
        assert app.outcomes == []
        assert world.services.recorder.log.count() == 0
        assert any("Unikey" in str(n.message) for n in app._notifications)
        assert app.sound.played == ["REJECT"]


async def test_direction_and_lane_switch_with_one_key(tmp_path: Path) -> None:
    w = make_services(tmp_path, ui={"lanes": ["1", "2"]})
    app = app_for(w, w.officer)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", "f3")
        assert (app.post_state.direction, app.post_state.lane) == ("out", "2")
        await scan(app, pilot, w.text("valid"))
        c = w.services.recorder.recent(1)[0]
        assert (c.direction, c.lane) == ("out", "2")
        await pilot.press("f3", "f2")
        assert (app.post_state.direction, app.post_state.lane) == ("in", "1")


async def test_manual_entry_is_logged_as_manual(world: World) -> None:
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#m-name", Input).value = "Bùi Văn Tư"
        screen.query_one("#m-id_number", Input).value = "12"
        screen.query_one("#m-birth_year", Input).value = "1960"
        await press(pilot, app, "#save")
        assert app.screen is screen  # a bad id number keeps the form open, with the reason
        assert "9 to 12 digits" in message(screen, "#manual-message")
        screen.query_one("#m-id_number", Input).value = "001099004321"
        screen.query_one("#m-origin", Input).value = "Sa Pa"
        await press(pilot, app, "#save")
        await settle(app, pilot)
        assert app.screen is app.scan
        c = world.services.recorder.recent(1)[0]
        assert c.manual and c.display == "CHECK" and c.officer_id == "CB01"
        assert "Manual entry" in panel_text(app)

        await pilot.press("f4")
        await pilot.pause()
        app.screen.query_one("#m-name", Input).value = "Lò Thị Sáu"
        app.screen.query_one("#m-id_number", Input).value = "012345678"
        app.screen.query_one("#m-birth_year", Input).value = "1975"
        app.screen.query_one("#m-symptom-fever", Checkbox).value = True
        await press(pilot, app, "#save")
        await settle(app, pilot)
        assert world.services.recorder.recent(1)[0].display == "REJECT"


async def sign_in(app: StationApp, pilot: object, officer_id: str, pin: str) -> None:
    screen = app.screen
    assert isinstance(screen, SignInScreen)
    screen.query_one("#officer-id", Input).value = officer_id
    screen.query_one("#pin", Input).value = pin
    screen.query_one("#pin", Input).focus()
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await pilot.press("enter")
    await settle(app, pilot)


async def test_sign_in_then_lock_out(world: World) -> None:
    app = app_for(world)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        await scan(app, pilot, world.text("valid"))
        assert app.outcomes == []  # nobody signed in: nothing is decided or recorded

        await sign_in(app, pilot, "CB01", "0000")
        assert "4 tries left" in message(app.screen, "#signin-message")
        for _ in range(4):
            await sign_in(app, pilot, "CB01", "0000")
        assert "Locked until 10:15" in message(app.screen, "#signin-message")
        await sign_in(app, pilot, "CB01", "1234")  # the right PIN, but locked
        assert isinstance(app.screen, SignInScreen)

        world.clock.advance(timedelta(minutes=16))
        await sign_in(app, pilot, "CB01", "1234")
        assert app.screen is app.scan and app.officer is not None and app.officer.id == "CB01"
        await scan(app, pilot, world.text("valid"))
        assert world.services.recorder.recent(1)[0].officer_id == "CB01"


async def test_supervisor_export_is_behind_the_supervisor_pin(world: World) -> None:
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        for key in ("valid", "forged", "expired", "valid"):
            await scan(app, pilot, world.text(key))
        await pilot.press("f5")
        await pilot.pause()
        await sign_in(app, pilot, "CB01", "1234")  # an officer's right PIN does not open it
        assert isinstance(app.screen, SignInScreen)
        assert "not a supervisor" in message(app.screen, "#signin-message")
        await sign_in(app, pilot, "CH01", "9876")
        sup = app.screen
        assert isinstance(sup, SupervisorScreen)
        s = sup.summary
        assert s is not None
        assert (s.accepted, s.rejected, s.checks, s.duplicates) == (1, 2, 1, 1)  # CHECK apart, as on every surface
        assert [h.total for h in s.by_hour if h.start.hour == 10] == [4]  # 03:00 UTC: 10:00 in VN
        await press(pilot, app, "#export")
        await settle(app, pilot)
        assert sup.exported is not None
        with open(sup.exported, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        assert len(rows) == 5  # the header and four crossings
        from checkpoint.station_keys import load_or_create_station_key

        station_key = load_or_create_station_key(world.services.data_dir).public_key()
        assert verify(sup.exported, trusted=station_key).ok  # the signed manifest checks out against the station
        body = sup.exported.read_text(encoding="utf-8-sig")
        assert "Nguyễn Văn An" not in body and "001085012345" not in body
        actions = logged_actions(world)
        assert "supervisor_open" in actions and "export" in actions
        await pilot.press("escape")
        assert app.screen is app.scan


async def test_vietnamese_is_the_station_language(tmp_path: Path) -> None:
    w = make_services(tmp_path, language="vi")
    app = app_for(w, w.officer)
    async with app.run_test(size=SIZE) as pilot:
        assert "SẴN SÀNG" in panel_text(app)
        await scan(app, pilot, w.text("revoked"))
        assert "TỪ CHỐI" in panel_text(app) and "Thẻ đã bị thu hồi" in panel_text(app)
        await scan(app, pilot, w.text("valid"))
        assert "ĐƯỢC QUA" in panel_text(app) and "Họ tên" in panel_text(app)


async def test_systemd_hears_ready_and_watchdog_pings(world: World, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from textual.pilot import Pilot

    async def receive(s: socket.socket, pilot: Pilot[None]) -> bytes:
        for _ in range(200):  # the app's timers run while the test waits
            try:
                return s.recv(256)
            except BlockingIOError:
                await pilot.pause(0.05)
        raise AssertionError("nothing reached the notify socket")

    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.bind(str(path))
        s.setblocking(False)
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        monkeypatch.setenv("WATCHDOG_USEC", "200000")  # ping every 0.1 s
        monkeypatch.delenv("WATCHDOG_PID", raising=False)
        app = app_for(world, world.officer)
        async with app.run_test(size=SIZE) as pilot:
            assert (await receive(s, pilot)).startswith(b"READY=1")
            assert await receive(s, pilot) == b"WATCHDOG=1"  # sent by the running event loop
            assert await receive(s, pilot) == b"WATCHDOG=1"
        rest = []
        while True:
            try:
                rest.append(s.recv(256))
            except BlockingIOError:
                break
        assert rest[-1:] == [b"STOPPING=1"]


async def test_supervisor_screen_shows_the_fingerprint_the_cli_prints(world: World, capsys: pytest.CaptureFixture[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """F5 shows the same fingerprint as ``checkpoint station fingerprint`` (what a supervisor pins)."""
    from textual.widgets import Static

    from checkpoint.cli import main

    monkeypatch.delenv("CHECKPOINT_CONFIG", raising=False)
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        await sign_in(app, pilot, "CH01", "9876")
        sup = app.screen
        assert isinstance(sup, SupervisorScreen)
        shown = str(sup.query_one("#sup-station-key", Static).render())
    capsys.readouterr()
    assert main(["station", "fingerprint", "--data-dir", str(world.services.data_dir)]) == 0
    printed = capsys.readouterr().out.strip()
    assert len(printed) == 39 and printed in shown and shown.startswith("Station signing key fingerprint")


async def test_a_hostile_pass_or_a_fault_never_shows_a_storage_failure(world: World,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from checkpoint.tui.widgets.status_bar import StatusBar
    from tests import hostile

    cycle = next(c.text for c in hostile.corpus() if c.name == "HC1:cycle-unsigned")
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, cycle)
        shown = panel_text(app)
        assert "REJECT" in shown and "damaged" in shown and "Storage" not in shown
        assert app.log_error is None
        monkeypatch.setattr(world.services.station, "decide", lambda text: 1 / 0)
        await scan(app, pilot, world.text("valid"))
        shown = panel_text(app)
        assert "REJECT" in shown and "could not evaluate" in shown and "Storage" not in shown
        assert app.log_error is None
        bar = app.scan.query_one(StatusBar)
        assert "FAILED" not in str(bar.render())


async def test_a_log_deleted_under_the_running_app_is_refused_and_shown(world: World) -> None:
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, world.text("valid"))
        assert app.scan.query_one(VerdictPanel).state == "accept"
        for p in world.services.recorder.log.path.parent.glob(world.services.recorder.log.path.name + "*"):
            p.unlink()  # someone deletes the crossing log while the station runs
        await scan(app, pilot, world.text("valid"))
        assert app.scan.query_one(VerdictPanel).state == "reject"
        assert app.current_status().log_error == "replaced"
        assert "replaced or cut back" in panel_text(app)
