"""The headless station service: decide then record, for the app, ``scan --record`` and the demo alike.

Real parts throughout: the demo world's signed lists and passes, a real SQLite log, the real decoders.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkpoint.card_parts import PartialCard
from checkpoint.cli import main
from checkpoint.clock import FixedClock
from checkpoint.config import load_config
from checkpoint.decision import Display
from checkpoint.demo import PEOPLE, DemoWorld, make_world
from checkpoint.log._settings import open_station_log
from checkpoint.service import Outcome, Post, StationService
from tests.scanner.test_cli_scan import _lines, _write_code

POST = Post("CB01", "1", "in")


def _station_toml(world: DemoWorld, path: Path) -> Path:
    """The demo world's station as a config file (what ``checkpoint scan --config`` reads)."""
    keys = world.data_dir / "demo-keys"
    path.write_text(
        f'[station]\nid = "{world.config.station.id}"\ndata_dir = "{world.data_dir}"\n'
        f'[trust]\nroot_keys = ["{keys / "root.pub.pem"}"]\ntrust_list = "{keys / "trust-list.cose"}"\n'
        f'revocation_list = "{keys / "revocation-list.cose"}"\n'
        '[rules]\ncategories = ["resident", "worker", "freight", "official", "medical", "emergency"]\n'
        '[scanner]\nsource = ""\n')
    return path


@pytest.fixture
def world(tmp_path: Path) -> DemoWorld:
    return make_world(tmp_path / "station", datetime.now(UTC).replace(microsecond=0))


def test_the_service_decides_records_and_flags_the_duplicate(world: DemoWorld) -> None:
    clock = FixedClock(world.now)
    service = StationService.open(world.config, clock)
    try:
        valid = next(p for p in world.passes if p.key == "valid").text
        first, again = service.check(valid, POST), service.check(valid, POST)
        assert isinstance(first, Outcome) and isinstance(again, Outcome)
        assert first.decision.display is Display.ACCEPT and first.crossing is not None
        assert again.decision.display is Display.CHECK and again.crossing is not None  # recorded, flagged
        assert service.log.count() == 2
        assert first.card is not None and first.card.masked_id is not None and first.card.masked_id.endswith("2345")
    finally:
        service.close()


def test_parts_of_a_card_are_dropped_by_the_station_clock(world: DemoWorld) -> None:
    """The injected clock (not the wall clock) decides when a half-read card is abandoned."""
    from tests.formats.test_shc import qr_texts

    parts = qr_texts("02")
    clock = FixedClock(world.now)
    service = StationService.open(world.config, clock)
    try:
        assert service.check(parts[2], POST) == PartialCard(1, 3, (1, 2))
        assert service.check(parts[0], POST) == PartialCard(2, 3, (2,))
        clock.advance(timedelta(minutes=3))  # the traveller left; the next one starts afresh
        assert service.check(parts[0], POST) == PartialCard(1, 3, (2, 3))
    finally:
        service.close()


def test_scan_record_records_the_crossing_as_the_app_does(world: DemoWorld, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """``scan --record`` goes through the service: the crossing is on the station's post (lane, no officer) and
    its holder can be looked up by id number in the log, as for a crossing the app recorded."""
    images = tmp_path / "images"
    images.mkdir()
    _write_code(images / "valid.png", next(p for p in world.passes if p.key == "valid").text, 1)
    config = _station_toml(world, tmp_path / "station.toml")
    assert main(["scan", "--source", str(images), "--record", "--json", "--config", str(config)]) == 0
    [line] = _lines(capsys.readouterr().out)
    assert line["verdict"] == "accept" and line["crossing_id"]
    cfg = load_config(config)
    with open_station_log(cfg, FixedClock(world.now)) as log:
        found = log.lookup_id_number(PEOPLE[0].id_number)
    assert [c.id for c in found] == [line["crossing_id"]]
    assert found[0].lane == cfg.station.lane and found[0].officer_id is None
