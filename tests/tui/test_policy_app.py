"""The running app and the centre's policy bundle: a bundle installed from the command line takes effect
without a restart, the status bar shows its version and age, the officer reads why ("from Phường Hoàn Kiếm,
level 4: ..."), and a notice comes up on arrival, is acknowledged and recorded in the action chain."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from checkpoint.cli import main
from checkpoint.decision import Display
from checkpoint.model import Subject
from checkpoint.policy import Notice
from checkpoint.tui.app import StationApp
from checkpoint.tui.i18n import Texts
from checkpoint.tui.screens.notice import NoticeScreen
from checkpoint.tui.widgets.status_bar import Status, render_status
from checkpoint.tui.widgets.verdict_panel import VerdictPanel
from tests.factories import PERSON, make_pass
from tests.policy_helpers import bundle
from tests.tui.test_app import SIZE, press, scan, settle, sign_in
from tests.tui.test_trusted_lists import NOW, lanes, status_text

FROM_HOAN_KIEM = Subject(PERSON.name, PERSON.id_number, PERSON.birth_date, "worker", None, "Phường Hoàn Kiếm", None)


async def wait_until(ok: object, tries: int = 600) -> None:
    for _ in range(tries):  # the app's timer stats the files every second (the 60 s only bound a hang)
        if ok():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)


@pytest.mark.asyncio
async def test_a_bundle_installed_by_the_cli_changes_verdicts_and_the_status_bar(tmp_path: Path) -> None:
    w = lanes(tmp_path)
    app = StationApp(w.services, officer=w.services.officers.get("CB01"))
    p = make_pass(w.issuer, subject=FROM_HOAN_KIEM, at=NOW - timedelta(hours=1))
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, p)
        assert app.outcomes[-1].decision.display is Display.ACCEPT
        assert "Policy v" not in status_text(app)
        (tmp_path / "p.cose").write_bytes(bundle(w.root, version=7, issued=NOW - timedelta(hours=2)))
        assert main(["policy", "install", "--config", str(w.config), "--at", NOW.isoformat(),
                     str(tmp_path / "p.cose")]) == 0
        await wait_until(lambda: w.services.station.policy.bundle is not None)
        await scan(app, pilot, p)
        d = app.outcomes[-1].decision
        assert d.display is Display.REJECT and d.policy is not None and d.policy.version == 7
        assert "from Phường Hoàn Kiếm, level 4: a negative test of at most 72 h is needed" in \
            app.scan.query_one(VerdictPanel).plain
        crossing = app.outcomes[-1].crossing
        assert crossing is not None and (crossing.origin_level, crossing.policy_rule) == ("4", "L4:*:test72")
        app.refresh_status()
        assert "Policy v7, 2 h" in status_text(app)
        await pilot.press("f5")
        await pilot.pause()
        await sign_in(app, pilot, "CH01", "9876")
        assert "Policy: version 7" in str(app.screen._lists())  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_a_notice_comes_up_on_arrival_and_its_acknowledgement_is_recorded(tmp_path: Path) -> None:
    w = lanes(tmp_path)
    notice = Notice("n-18h", "urgent", "Chốt đóng cửa từ 18h hôm nay", "The checkpoint closes at 18:00 today",
                    NOW - timedelta(hours=1), NOW + timedelta(hours=8))
    w.services.station.install_policy_bundle(bundle(w.root, version=2, issued=NOW - timedelta(hours=1),
                                                    notices=(notice,)))
    app = StationApp(w.services, officer=w.services.officers.get("CB01"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.refresh_status()
        await pilot.pause()
        assert isinstance(app.screen, NoticeScreen)
        await pilot.press("escape")  # not dismissed by a stray key
        assert isinstance(app.screen, NoticeScreen)
        await scan(app, pilot, make_pass(w.issuer, at=NOW - timedelta(hours=1)))  # kept while the notice is up
        assert app.outcomes == []
        await press(pilot, app, "#ack")
        await settle(app, pilot)
        assert app.screen is app.scan and len(app.outcomes) == 1  # the kept scan is checked now
        app.refresh_status()
        await pilot.pause()
        assert app.screen is app.scan  # acknowledged: not shown again
    with sqlite3.connect(w.services.recorder.log.path) as db:
        rows = db.execute("SELECT action, officer_id, details FROM actions").fetchall()
    assert ("policy_notice_ack", "CB01", '{"notice": "n-18h", "policy_version": "2"}') in rows
    assert [a["notice_id"] for a in w.services.station.policy.notices.unsent()] == ["n-18h"]  # for the heartbeat
    assert main(["log", "verify", "--config", str(w.config)]) == 0


def test_the_status_bar_shows_the_policy_version_age_and_expiry() -> None:
    en, vi = Texts("en"), Texts("vi")
    assert "Policy v3, 5 h" in render_status(Status(policy_version=3, policy_age_hours=5), en).plain
    assert "Policy v3 EXPIRED" in render_status(Status(policy_version=3, policy_expired=True), en).plain
    assert "Chỉ đạo v3, 5 giờ" in render_status(Status(policy_version=3, policy_age_hours=5), vi).plain
    assert "Policy" not in render_status(Status(), en).plain
