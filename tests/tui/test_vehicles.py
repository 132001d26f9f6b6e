"""Vehicles and occupancy in the app, driven with Pilot: the plate, the driver and passengers scanned one after
another through the real pipeline, the vehicle's summary card; today's occupancy at a gate, across midnight
(the clock is injected)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Button, Checkbox, Input

from checkpoint.clock import FixedClock
from checkpoint.config import parse_config
from checkpoint.demo import make_world
from checkpoint.tui.app import StationApp
from checkpoint.tui.screens.plate_entry import PlateScreen
from checkpoint.tui.widgets.occupancy import Occupancy
from checkpoint.tui.widgets.vehicle_card import VehicleCard
from checkpoint.tui.wiring import build_services
from tests.tui.conftest import NOW, World, cheap_hasher
from tests.tui.test_app import SIZE, app_for, scan, settle

pytestmark = pytest.mark.asyncio


def _rows(world: World) -> list[tuple[str | None, str | None, str, str]]:
    conn = sqlite3.connect(world.services.recorder.log.path)
    try:
        return list(conn.execute("SELECT vehicle_id, vehicle_role, display, direction FROM crossings ORDER BY seq"))
    finally:
        conn.close()


async def _start_vehicle(app: StationApp, pilot: object, typed: str, *, freight: bool = False) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await pilot.press("f8")
    await pilot.pause()
    assert isinstance(app.screen, PlateScreen)
    app.screen.query_one("#plate", Input).value = typed
    app.screen.query_one("#freight", Checkbox).value = freight
    app.screen.query_one("#start", Button).press()
    await pilot.pause()


def _card(app: StationApp) -> VehicleCard:
    return app.scan.query_one(VehicleCard)


async def test_a_vehicle_with_its_driver_and_two_passengers_one_rejected(world: World) -> None:
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        assert not _card(app).display  # no vehicle: no card
        await _start_vehicle(app, pilot, "29c 123.45")
        card = _card(app)
        assert card.display and card.state == "open"
        assert "VEHICLE 29C12345" in card.plain and "next: driver" in card.plain

        await scan(app, pilot, world.text("valid"))  # the driver
        assert "on board: 1" in card.plain and "next: passenger" in card.plain
        await scan(app, pilot, world.text("valid_freight"))  # a passenger
        await scan(app, pilot, world.text("forged"))  # a passenger with a forged pass: REJECT
        assert "on board: 3" in card.plain and card.state == "open"
        await pilot.press("f9")  # closed by the officer
        await pilot.pause()
        assert card.state == "reject" and card.has_class("-reject")
        assert "CLOSED: REJECT · 3 people: 2 accepted, 0 to check, 1 rejected" in card.plain
        assert app.vehicles.open is None

        await scan(app, pilot, world.text("category"))  # after the vehicle: on foot again
    rows = _rows(world)
    assert [r[1:3] for r in rows] == [("driver", "ACCEPT"), ("passenger", "ACCEPT"), ("passenger", "REJECT"),
                                      (None, "REJECT")]
    assert len({r[0] for r in rows[:3]}) == 1 and rows[0][0] is not None and rows[3][0] is None


async def test_a_wrong_plate_is_refused_and_a_new_vehicle_closes_the_last(world: World) -> None:
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlateScreen)
        screen.query_one("#plate", Input).value = " -. "
        screen.query_one("#start", Button).press()
        await pilot.pause()
        assert app.screen is screen and "Not a plate" in str(screen.query_one("#plate-message").render())
        screen.query_one("#plate", Input).value = "LAO 1234"  # foreign: asked once more, then taken
        screen.query_one("#start", Button).press()
        await pilot.pause()
        assert app.screen is screen and "Not a Vietnamese plate" in str(screen.query_one("#plate-message").render())
        screen.query_one("#start", Button).press()
        await pilot.pause()
        assert app.screen is app.scan and app.vehicles.open is not None and app.vehicles.open.plate == "LAO1234"
        first = app.vehicles.open.id

        await scan(app, pilot, world.text("valid"))
        await _start_vehicle(app, pilot, "51LD-012.34", freight=True)  # the next vehicle closes this one
        assert app.vehicles.open is not None and app.vehicles.open.id != first and app.vehicles.open.freight
        assert "(freight)" in _card(app).plain
        await scan(app, pilot, world.text("valid_freight"))
    rows = _rows(world)
    assert rows[0][1] == "driver" and rows[1][1] == "driver" and rows[0][0] != rows[1][0]


async def test_an_open_vehicle_closes_by_itself_after_its_timeout(world: World) -> None:
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await _start_vehicle(app, pilot, "29C-123.45")
        await scan(app, pilot, world.text("valid"))
        world.clock.advance(timedelta(seconds=world.services.settings.vehicle_timeout_seconds + 1))
        app.tick_vehicles()  # the app's 1-second timer does this
        await pilot.pause()
        assert app.vehicles.open is None and _card(app).state == "accept"
        await scan(app, pilot, world.text("valid_freight"))  # not a passenger of the closed vehicle
    assert [r[1] for r in _rows(world)] == ["driver", None]


def _gate(tmp_path: Path, at: datetime) -> World:
    """The conftest's world at a hospital gate, its clock at ``at``."""
    clock = FixedClock(at)
    demo = make_world(tmp_path, NOW)
    raw = dict(demo.config.raw)
    raw["station"] = {**raw["station"], "language": "en", "site": "hospital"}
    raw["ui"] = {"sound": "bell"}
    raw["scanner"] = {"source": ""}
    services = build_services(parse_config(raw), clock, data_dir=tmp_path, hasher=cheap_hasher())
    officer = services.officers.add("CB01", "Trần Văn Bình", "1234")
    supervisor = services.officers.add("CH01", "Lê Thị Hoa", "9876", supervisor=True)
    return World(demo, services, clock, officer, supervisor)


def _occupancy(app: StationApp) -> str:
    return str(app.scan.query_one(Occupancy).render())


async def test_occupancy_at_a_gate_counts_admitted_ins_minus_outs_and_starts_again_at_midnight(
        tmp_path: Path) -> None:
    before_midnight = datetime(2021, 7, 24, 16, 50, tzinfo=UTC)  # 23:50 in Vietnam
    world = _gate(tmp_path, before_midnight)
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.scan.query_one(Occupancy).display
        assert _occupancy(app) == "In 0 · Out 0 · Inside 0"
        await scan(app, pilot, world.text("valid"))
        await scan(app, pilot, world.text("valid_freight"))
        await scan(app, pilot, world.text("forged"))  # refused: not inside
        await pilot.press("f2")  # out
        await pilot.pause()
        await scan(app, pilot, world.text("valid"))  # CHECK (seen just now) is admitted: counts
        assert _occupancy(app) == "In 2 · Out 1 · Inside 1"

        world.clock.advance(timedelta(minutes=20))  # 00:10: a new day
        app.tick_vehicles()
        await settle(app, pilot)
        assert _occupancy(app) == "In 0 · Out 0 · Inside 0"
        await scan(app, pilot, world.text("valid_freight"))  # came in yesterday, leaves today
        assert _occupancy(app) == "In 0 · Out 1 · Inside -1"

    # counted again from the log by a new app (a restart) on the same day: the same figures
    app2 = app_for(world, world.officer)
    async with app2.run_test(size=SIZE) as pilot:
        await settle(app2, pilot)
        assert _occupancy(app2) == "In 0 · Out 1 · Inside -1"


async def test_occupancy_is_hidden_at_a_road_checkpoint(world: World) -> None:
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not app.scan.query_one(Occupancy).display
        assert not app.scan.query_one("#occupancy-title").display


async def test_a_part_of_a_multi_part_card_does_not_take_the_drivers_seat(world: World) -> None:
    """A SMART Health Card in three QR codes: the first part read is not yet a person, so the driver is the
    one whose card completes first (here the whole card: decided, refused as from an unknown issuer)."""
    from tests.formats.test_shc import qr_texts

    parts = qr_texts("02")
    if not parts:
        pytest.skip("the SMART Health Card examples are not in tests/data")
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await _start_vehicle(app, pilot, "29C-123.45")
        await scan(app, pilot, parts[0])
        assert app.vehicles.open is not None and app.vehicles.open.seats == 0 and "next: driver" in _card(app).plain
        await scan(app, pilot, parts[1])
        await scan(app, pilot, parts[2])  # the card is whole: the driver
        await scan(app, pilot, world.text("valid"))
    assert [r[1] for r in _rows(world)] == ["driver", "passenger"]
