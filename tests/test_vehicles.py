"""Vehicle crossings: the plate, the occupants' seats, the vehicle's verdict, the freight drivers' rules
(decided and recorded by the real service on a real SQLite log), and occupancy per day."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from checkpoint.clock import FixedClock
from checkpoint.config import parse_config
from checkpoint.decision import Display
from checkpoint.demo import DemoWorld, make_world
from checkpoint.errors import ConfigError
from checkpoint.occupancy import by_day
from checkpoint.service import Outcome, Post, StationService
from checkpoint.vehicle import DRIVER, PASSENGER, Occupant, VehicleLane, is_vietnamese, plate_of, worst

POST = Post("CB01", "1", "in")
T0 = datetime(2021, 7, 24, 3, 0, tzinfo=UTC)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize("typed", ["29C-123.45", "29c 123.45", "29C12345", "２９Ｃ-１２３.４５", "29C-123\u200b.45"])
def test_a_plate_is_normalised_however_it_is_typed(typed: str) -> None:
    assert plate_of(typed) == "29C12345"
    assert is_vietnamese("29C12345") and is_vietnamese("51LD01234") and is_vietnamese("30A11234")


def test_what_cannot_be_a_plate_is_refused_and_a_foreign_plate_kept() -> None:
    assert plate_of("") is None and plate_of(" - . ") is None and plate_of("AB") is None
    assert plate_of("29C-123.45<script>") is None
    assert plate_of("LAO 1234") == "LAO1234" and not is_vietnamese("LAO1234")


def test_the_first_scan_is_the_driver_the_rest_passengers_and_the_worst_verdict_is_the_vehicles() -> None:
    lane = VehicleLane(timedelta(minutes=2))
    assert lane.seat(T0) is None
    assert lane.start("29C12345", True, T0) is None
    first = lane.seat(T0)
    assert first is not None and first.role == DRIVER and first.freight
    lane.add(first.vehicle_id, Occupant(DRIVER, "ACCEPT"), T0)
    second = lane.seat(T0)
    assert second is not None and second.role == PASSENGER and second.vehicle_id == first.vehicle_id
    lane.add(second.vehicle_id, Occupant(PASSENGER, "REJECT"), T0)
    lane.add(second.vehicle_id, Occupant(PASSENGER, "CHECK"), T0)
    assert lane.open is not None and lane.open.verdict == "REJECT"
    assert worst(("ACCEPT", "CHECK")) == "CHECK" and worst(("ACCEPT",)) == "ACCEPT" and worst(()) is None


def test_a_vehicle_closes_on_a_new_vehicle_and_on_its_timeout() -> None:
    lane = VehicleLane(timedelta(minutes=2))
    lane.start("29C12345", False, T0)
    old = lane.open
    closed = lane.start("51LD01234", False, T0 + timedelta(seconds=30))
    assert closed is not None and old is not None and closed.id == old.id and closed.closed_at is not None
    assert lane.open is not None and lane.open.plate == "51LD01234"
    assert lane.expire(T0 + timedelta(seconds=149)) is None  # 119 s after it opened
    assert lane.seat(T0 + timedelta(seconds=151)) is None  # no seat in an expired vehicle
    gone = lane.expire(T0 + timedelta(seconds=151))
    assert gone is not None and gone.plate == "51LD01234" and lane.open is None
    # a late answer for a closed vehicle is not added to another
    lane.start("29C12345", False, T0 + timedelta(minutes=5))
    assert lane.add(gone.id, Occupant(DRIVER, "ACCEPT"), T0 + timedelta(minutes=5)) is None


# -- the freight drivers' rules, decided and recorded by the service --------------------------------------
@pytest.fixture
def world(tmp_path: Path) -> DemoWorld:
    return make_world(tmp_path / "station", T0)


def _service(world: DemoWorld, freight_driver: dict[str, object] | None) -> StationService:
    raw = dict(world.config.raw)
    rules = dict(raw["rules"])
    if freight_driver is not None:
        rules["freight_driver"] = freight_driver
    raw["rules"] = rules
    return StationService.open(parse_config(raw), FixedClock(T0))


def _text(world: DemoWorld, key: str) -> str:
    return next(p.text for p in world.passes if p.key == key)


def test_the_driver_of_a_freight_vehicle_gets_the_freight_drivers_rules(world: DemoWorld) -> None:
    """The freight pass carries a PCR test 20 hours old: fine for the station's rules, too old for freight
    drivers who must show one under 12 hours; a passenger of the same truck, or the driver of a car, is
    judged by the station's rules."""
    service = _service(world, {"max_test_age_hours": 12, "categories": ["freight"]})
    try:
        lane = VehicleLane(timedelta(minutes=2))
        lane.start("83C12345", True, T0)
        driver = lane.seat(T0)
        assert driver is not None
        out = service.check(_text(world, "valid_freight"), POST, seat=driver)
        assert isinstance(out, Outcome) and out.crossing is not None and out.seat == driver
        assert out.decision.display is Display.REJECT and out.decision.rule == "test_age"
        assert out.crossing.rules_applied[0] == "freight_driver"
        assert (out.crossing.vehicle_id, out.crossing.vehicle_role) == (driver.vehicle_id, DRIVER)
        lane.add(driver.vehicle_id, Occupant(DRIVER, out.decision.display.value), T0)

        passenger = lane.seat(T0)
        assert passenger is not None and passenger.role == PASSENGER
        out2 = service.check(_text(world, "valid"), POST, seat=passenger)
        assert isinstance(out2, Outcome) and out2.decision.display is Display.ACCEPT
        assert out2.crossing is not None and "freight_driver" not in out2.crossing.rules_applied
        assert (out2.crossing.vehicle_id, out2.crossing.vehicle_role) == (driver.vehicle_id, PASSENGER)

        # the driver of a car (not freight) with the freight pass: the station's rules, admitted (a duplicate
        # is flagged CHECK, still admitted)
        car = replace(driver, vehicle_id=str(uuid.uuid4()), freight=False)
        out3 = service.check(_text(world, "valid_freight"), POST, seat=car)
        assert isinstance(out3, Outcome) and out3.decision.verdict.value == "accept"
        # the freight drivers' categories: a worker's pass cannot drive a freight vehicle
        lane.start("29C-999.99", True, T0)
        other = lane.seat(T0)
        out4 = service.check(_text(world, "valid"), POST, seat=other)
        assert isinstance(out4, Outcome) and out4.decision.display is Display.REJECT
        assert out4.decision.rule == "category"
        assert service.log.count() == 4
        # read back from the file: the vehicle fields are in the log and the chain holds over them
        back = list(service.log.crossings())
        assert [(c.vehicle_id, c.vehicle_role) for c in back][:2] == [(driver.vehicle_id, DRIVER),
                                                                       (driver.vehicle_id, PASSENGER)]
        assert service.log.verify_chain().ok
    finally:
        service.close()


def test_without_freight_driver_rules_a_freight_driver_is_judged_as_anyone(world: DemoWorld) -> None:
    service = _service(world, None)
    try:
        lane = VehicleLane(timedelta(minutes=2))
        lane.start("83C-123.45", True, T0)
        out = service.check(_text(world, "valid_freight"), POST, seat=lane.seat(T0))
        assert isinstance(out, Outcome) and out.decision.display is Display.ACCEPT
        assert out.crossing is not None and "freight_driver" not in out.crossing.rules_applied
    finally:
        service.close()


def test_the_freight_drivers_rules_table_is_checked_like_the_rest(world: DemoWorld) -> None:
    with pytest.raises(ConfigError, match=r"rules\.freight_driver\.clock_skew_seconds"):
        _service(world, {"clock_skew_seconds": 5})
    with pytest.raises(ConfigError, match=r"rules\.freight_driver\.categories"):
        _service(world, {"categories": ["lorry"]})
    cfg = parse_config({"rules": {"max_test_age_hours": 48, "freight_driver": {"categories": ["freight"]}}})
    fd = cfg.rules.freight_driver
    assert fd is not None and fd.categories == {"freight"} and fd.max_test_age_hours == 48  # the rest inherited
    assert parse_config({}).rules.freight_driver is None


# -- occupancy --------------------------------------------------------------------------------------------
def test_occupancy_counts_admitted_ins_minus_outs_per_local_day_across_midnight() -> None:
    def at(local: str) -> str:
        return datetime.fromisoformat(local).replace(tzinfo=VN).astimezone(UTC).isoformat()

    rows = [
        (at("2021-07-24 23:40"), "in", "accept"),
        (at("2021-07-24 23:50"), "in", "accept"),
        (at("2021-07-24 23:55"), "in", "reject"),  # refused: never counts
        (at("2021-07-24 23:58"), "out", "accept"),
        (at("2021-07-25 00:05"), "out", "accept"),  # came in yesterday
        (at("2021-07-25 00:10"), "in", "accept"),
    ]
    d1, d2 = by_day(rows, VN)
    assert (str(d1.day), d1.ins, d1.outs, d1.inside) == ("2021-07-24", 2, 1, 1)
    assert (str(d2.day), d2.ins, d2.outs, d2.inside) == ("2021-07-25", 1, 1, 0)
    assert by_day(rows, UTC)[0].inside == 1  # in UTC all six fall on the 24th... minus the refused one


# -- counted in the report, carried by the exports and the central server's checks and export --------------
def test_vehicles_and_occupancy_reach_the_report_the_exports_and_the_central_server(world: DemoWorld,
                                                                                    tmp_path: Path) -> None:
    import csv

    from checkpoint.export import LogRows
    from checkpoint.export._columns import PersonalMode, RowMaker
    from checkpoint.export._settings import Period
    from checkpoint.export._station_export import report_station_log
    from checkpoint.report import render_html, render_text
    from sync.server import validate
    from sync.server.export import write_export
    from sync.server.storage import ExportFilter, SQLiteStorage, Stored

    raw = dict(world.config.raw)
    raw["station"] = {**raw["station"], "site": "hospital"}
    config = parse_config(raw)
    clock = FixedClock(T0)  # 10:00 in Vietnam
    service = StationService.open(config, clock)
    try:
        lane = VehicleLane(timedelta(minutes=2))
        lane.start("29C12345", False, clock.now())
        for key in ("valid", "valid_freight", "forged"):  # a car: driver and two passengers, one forged pass
            seat = lane.seat(clock.now())
            out = service.check(_text(world, key), POST, seat=seat)
            assert isinstance(out, Outcome) and seat is not None
            lane.add(seat.vehicle_id, Occupant(seat.role, out.decision.display.value), clock.now())
        assert lane.open is not None and lane.open.verdict == "REJECT"
        clock.advance(timedelta(hours=1))  # 11:00: a van with its driver alone
        lane.start("51LD01234", True, clock.now())
        service.check(_text(world, "symptoms"), POST, seat=lane.seat(clock.now()))
        service.check(_text(world, "valid"), Post("CB01", "1", "out"))  # on foot, going out (a duplicate: CHECK)
        crossings = list(service.log.crossings())
    finally:
        service.close()

    s = report_station_log(config, clock, Period(None, None, "all"))
    v = s.vehicles
    assert (v.vehicles, v.occupants, v.most, v.rejected, v.checks) == (2, 4, 3, 2, 0)
    assert [(h.hour, n) for h, n in v.by_hour] == [(10, 1), (11, 1)] and v.by_size == ((1, 1), (3, 1))
    (day,) = s.occupancy  # admitted only: 2 in (the forged pass and the symptoms are refused), 1 out
    assert (day.ins, day.outs, day.inside) == (2, 1, 1)
    text = render_text(s, "en")
    assert "2 vehicles, 4 people (2.0 per vehicle on average, at most 3)" in text
    assert "Occupancy per day (admitted crossings only: in minus out)" in text
    assert "Vehicles per hour" in render_html(s, "en")

    # the station's exports: the vehicle's id and each occupant's role
    with LogRows(config.data_dir / "crossings.sqlite") as rows:
        maker = RowMaker(PersonalMode.SEALED, "vi", VN)
        machine = [maker.machine(r, datetime.fromisoformat(r.recorded_at), None) for r in rows]
    assert [m["vehicle_role"] for m in machine] == ["driver", "passenger", "passenger", "driver", None]
    assert len({m["vehicle_id"] for m in machine[:3]}) == 1 and machine[4]["vehicle_id"] is None
    human = RowMaker(PersonalMode.SEALED, "vi", VN).human(next(iter(LogRows(config.data_dir / "crossings.sqlite"))),
                                                          T0, None)
    assert human[-4:] == ["Lái xe", None, None, None]  # the role, level and rule (no policy), the disposition

    # the central server: the wire form passes its checks (the hash over the vehicle fields) and is exported
    wire = [c.to_wire() for c in crossings]
    assert wire[0]["vehicle_role"] == "driver" and "vehicle_id" not in wire[4]  # on foot: as before
    for c, w in zip(crossings, wire, strict=True):
        validate.crossing(w, c.seq, c.station_id)
    assert validate.chain_problem(wire) is None
    assert validate.chain_problem([wire[0] | {"vehicle_role": "passenger"}]) is not None  # the chain covers it
    server = SQLiteStorage(tmp_path / "server.sqlite")  # stored by the central server, as a sync stores it
    try:
        now = datetime.now(UTC)
        server.enroll(server.create_token(now, timedelta(hours=1)), crossings[0].station_id, "key", now)
        assert isinstance(server.store_batch(crossings[0].station_id, wire, now), Stored)
        stored = list(server.crossings(ExportFilter()))
        out_csv = tmp_path / "central.csv"
        write_export(stored, out_csv, "csv")
    finally:
        server.close()
    with open(out_csv, encoding="utf-8-sig", newline="") as f:
        table = list(csv.DictReader(f))
    assert [r["vehicle_role"] for r in table] == ["driver", "passenger", "passenger", "driver", ""]
