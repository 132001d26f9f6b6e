"""The watch list in the app: a listed person's pass shows CHECK and the instruction, in Vietnamese."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from checkpoint.clock import FixedClock
from checkpoint.config import parse_config
from checkpoint.decision import Display
from checkpoint.demo import PEOPLE, make_world
from checkpoint.trust import keys
from checkpoint.tui.app import StationApp
from checkpoint.tui.wiring import build_services
from tests import factories
from tests.test_watch_list import CASE, watch_list
from tests.tui.conftest import NOW, cheap_hasher
from tests.tui.test_app import SIZE, panel_text, scan

pytestmark = pytest.mark.asyncio


async def test_a_listed_person_is_check_with_the_instruction(tmp_path: Path) -> None:
    root = factories.ed25519()
    pem = tmp_path / "watch-root.pub.pem"
    pem.write_bytes(keys.public_pem(root.public_key()))
    demo = make_world(tmp_path, NOW)
    raw = dict(demo.config.raw)
    raw["station"] = {**raw["station"], "language": "vi"}
    raw["trust"] = {**raw["trust"], "root_keys": [*raw["trust"]["root_keys"], str(pem)]}
    raw["scanner"] = {"source": ""}
    services = build_services(parse_config(raw), FixedClock(NOW), data_dir=tmp_path, camera=None,
                              hasher=cheap_hasher())
    services.station.install_watch_list(watch_list(root, {PEOPLE[0].id_number or "": CASE}, version=3,
                                                   issued=NOW - timedelta(hours=1)))
    officer = services.officers.add("CB01", "Trần Văn Bình", "1234")
    app = StationApp(services, officer=officer)
    valid = next(p.text for p in demo.passes if p.key == "valid")
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, valid)
        text = panel_text(app)
        assert app.outcomes[-1].decision.display is Display.CHECK
        assert "KIỂM TRA" in text and "Ca bệnh đã xác nhận (danh sách theo dõi v3): chuyển bàn y tế" in text
        assert "001085012345" not in text
