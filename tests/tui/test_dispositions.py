"""Dispositions in the app (Pilot): after CHECK or REJECT one key 1..7 records what happened next, the officer
sees it recorded, a correction is a second record, and the next scan is never held up or taken for a key."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkpoint.tui.app import StationApp
from checkpoint.tui.widgets.dispositions import DispositionBar
from checkpoint.tui.widgets.verdict_panel import VerdictPanel
from tests.tui.conftest import World, make_services
from tests.tui.test_app import SIZE, app_for, scan, settle, type_like_a_scanner

pytestmark = pytest.mark.asyncio


def bar(app: StationApp) -> DispositionBar:
    return app.scan.query_one(DispositionBar)


def recorded(world: World) -> list[tuple[int, str, str | None]]:
    return [(d.crossing_seq, d.code, d.officer_id) for d in world.services.service.log.dispositions()]


async def test_one_key_after_a_reject_records_the_disposition_and_a_correction(world: World) -> None:
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, world.text("forged"))
        assert app.scan.query_one(VerdictPanel).state == "reject"
        assert bar(app).display and "1 Admitted after ID check" in bar(app).plain
        assert "7 Suspected illegal entry" in bar(app).plain
        await pilot.press("2")
        await settle(app, pilot)
        assert recorded(world) == [(1, "turned_back", "CB01")]
        assert "Disposition recorded: Turned back" in bar(app).plain and bar(app).has_class("-recorded")
        await pilot.press("7")  # a correction: a second record, the first kept
        await settle(app, pilot)
        assert recorded(world) == [(1, "turned_back", "CB01"), (1, "suspected_illegal_entry", "CB01")]
        assert "Suspected illegal entry" in bar(app).plain and "centre is alerted" in bar(app).plain
        assert world.services.service.log.verify_chain().dispositions_checked == 2


async def test_no_keys_after_an_accept_unless_the_station_asks(world: World, tmp_path: Path) -> None:
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, world.text("valid"))
        assert not bar(app).display and bar(app).crossing_seq is None
        await pilot.press("1")
        await settle(app, pilot)
        assert recorded(world) == []
    w = make_services(tmp_path / "on-accept", ui={"dispositions_on_accept": True})
    app = app_for(w, w.officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, w.text("valid"))
        assert bar(app).display
        await pilot.press("1")
        await settle(app, pilot)
        assert recorded(w) == [(1, "admitted_after_check", "CB01")]


async def test_the_next_scan_is_never_held_up_or_taken_for_a_key(world: World) -> None:
    app = app_for(world, world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, world.text("expired"))
        assert bar(app).crossing_seq == 1
        # no disposition given: the next pass, typed by a handheld scanner (its digits included), is checked
        await type_like_a_scanner(app, pilot, world.text("valid"))
        assert [o.decision.display.value for o in app.outcomes] == ["REJECT", "ACCEPT"]
        assert recorded(world) == [] and not bar(app).display
        await scan(app, pilot, world.text("forged"))
        assert bar(app).crossing_seq == 3  # the keys now record for the newest verdict
        await pilot.press("5")
        await settle(app, pilot)
        assert recorded(world) == [(3, "quarantine", "CB01")]


async def test_the_keys_are_in_vietnamese(tmp_path: Path) -> None:
    w = make_services(tmp_path, language="vi")
    app = app_for(w, w.officer)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(app, pilot, w.text("forged"))
        assert "2 Buộc quay lại" in bar(app).plain and "7 Nghi nhập cảnh trái phép" in bar(app).plain
        await pilot.press("6")
        await settle(app, pilot)
        assert "Đã ghi xử lý: Xử phạt" in bar(app).plain
