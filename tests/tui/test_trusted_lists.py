"""The running app and the lists in force: a list installed from the command line takes effect without a
restart, expired lists are shown (status bar, supervisor screen, verdicts), and the supervisor screen
corrects a wrong clock mark with an entry in the log."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from checkpoint.cli import main
from checkpoint.clock import FixedClock
from checkpoint.config import load_config
from checkpoint.decision import Display, Flag, Reason
from checkpoint.trust import keys
from checkpoint.trust._trustlist import KeyEntry
from checkpoint.tui.app import StationApp
from checkpoint.tui.i18n import Texts
from checkpoint.tui.screens.supervisor import SupervisorScreen
from checkpoint.tui.services import Services
from checkpoint.tui.widgets.status_bar import Status, StatusBar, render_status
from checkpoint.tui.widgets.verdict_panel import VerdictPanel
from checkpoint.tui.wiring import build_services
from tests import factories
from tests.factories import T0, make_pass
from tests.tui.conftest import cheap_hasher
from tests.tui.test_app import SIZE, press, scan, settle, sign_in

NOW = T0 + timedelta(hours=3)


@dataclass
class Lanes:
    services: Services
    clock: FixedClock
    root: keys.PrivateKey
    issuer: keys.PrivateKey
    config: Path


def lanes(tmp_path: Path) -> Lanes:
    root, issuer = factories.ed25519(), factories.ed25519()
    (tmp_path / "root.pub.pem").write_bytes(keys.public_pem(root.public_key()))
    tl, rl = tmp_path / "tl.cose", tmp_path / "rl.cose"
    tl.write_bytes(factories.trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI"), issued=T0))
    rl.write_bytes(factories.revocation_list(root, [bytes(16)], issued=T0))
    cfg = tmp_path / "station.toml"
    cfg.write_text(f'[station]\ndata_dir = "{tmp_path / "data"}"\nlanguage = "en"\n'
                   f'[trust]\nroot_keys = ["root.pub.pem"]\ntrust_list = "{tl}"\nrevocation_list = "{rl}"\n'
                   '[ui]\nsound = "bell"\n[scanner]\nsource = ""\n')
    clock = FixedClock(NOW)
    services = build_services(load_config(cfg), clock, camera=None, hasher=cheap_hasher(), sync=False)
    services.officers.add("CB01", "Trần Văn Bình", "1234")
    services.officers.add("CH01", "Lê Thị Hoa", "9876", supervisor=True)
    return Lanes(services, clock, root, issuer, cfg)


def status_text(app: StationApp) -> str:
    return str(app.scan.query_one(StatusBar).content)


@pytest.mark.asyncio
async def test_a_revocation_list_installed_by_the_cli_takes_effect_in_the_running_app(tmp_path: Path) -> None:
    w = lanes(tmp_path)
    officer = w.services.officers.get("CB01")
    pid = os.urandom(16)
    p = make_pass(w.issuer, pass_id=pid, at=NOW - timedelta(hours=1))
    app = StationApp(w.services, officer=officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, p)
        assert app.outcomes[-1].decision.display is Display.ACCEPT
        new = tmp_path / "rl2.cose"
        new.write_bytes(factories.revocation_list(w.root, [bytes(16), pid], version=2, issued=NOW))
        assert main(["trust", "install", "--config", str(w.config), "--at", NOW.isoformat(),
                     "revocation-list", str(new)]) == 0
        for _ in range(600):  # the app's timer stats the files every second (the 60 s only bound a hang)
            await asyncio.sleep(0.1)
            if w.services.station.revocations is not None and w.services.station.revocations.version == 2:
                break
        assert w.services.station.revocations is not None and w.services.station.revocations.version == 2
        await scan(app, pilot, p)
        assert app.outcomes[-1].decision.reason is Reason.PASS_REVOKED
        assert "revoked" in app.scan.query_one(VerdictPanel).plain
        await pilot.press("f5")
        await pilot.pause()
        await sign_in(app, pilot, "CH01", "9876")
        sup = app.screen
        assert isinstance(sup, SupervisorScreen)
        assert "Revocations: version 2" in str(sup._lists())


@pytest.mark.asyncio
async def test_expired_lists_are_shown_and_flag_every_verdict(tmp_path: Path) -> None:
    w = lanes(tmp_path)
    w.clock.set(T0 + timedelta(days=9))  # the revocation list (7 days) has expired; the trust list (30) has not
    app = StationApp(w.services, officer=w.services.officers.get("CB01"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.refresh_status()
        bar = status_text(app)
        assert "Lists: trust STALE 216 h, revocations EXPIRED 216 h" in bar
        fine = make_pass(w.issuer, at=w.clock.now() - timedelta(hours=1))
        await scan(app, pilot, fine)
        d = app.outcomes[-1].decision
        assert d.accepted and d.display is Display.CHECK and Flag.LISTS_STALE in d.flags
        assert "out of date" in app.scan.query_one(VerdictPanel).plain
        revoked = make_pass(w.issuer, pass_id=bytes(16), at=w.clock.now() - timedelta(hours=1))
        await scan(app, pilot, revoked)
        assert app.outcomes[-1].decision.reason is Reason.PASS_REVOKED  # still revoked
        await pilot.press("f5")
        await pilot.pause()
        await sign_in(app, pilot, "CH01", "9876")
        assert "EXPIRED since" in str(app.screen._lists())  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_the_supervisor_corrects_the_clock_mark_from_the_screen(tmp_path: Path) -> None:
    w = lanes(tmp_path)
    st = w.services.station
    st.guard.observe(NOW + timedelta(days=365), "trust list")  # a mark a year ahead (main's bug)
    app = StationApp(w.services, officer=w.services.officers.get("CB01"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        await sign_in(app, pilot, "CH01", "9876")
        assert "behind the trusted-time mark" in str(app.screen._lists())  # type: ignore[attr-defined]
        await press(pilot, app, "#clock-reset")
        assert st.guard.high_water == NOW + timedelta(days=365)  # the first press only asks
        await press(pilot, app, "#clock-reset")
        assert st.guard.high_water == NOW and not st.guard.assess().suspect
        assert st.guard.history[-1]["by"] == "CH01"
    import sqlite3

    with sqlite3.connect(w.services.recorder.log.path) as db:
        assert ("clock_reset", "CH01") in db.execute("SELECT action, officer_id FROM actions").fetchall()
    assert main(["log", "verify", "--config", str(w.config)]) == 0


def test_the_status_bar_shows_both_lists() -> None:
    t = Texts("en")
    text = render_status(Status(trust_age_hours=5, revocation_age_hours=200, revocation_expired=True), t)
    assert "Lists: trust 5 h, revocations EXPIRED 200 h" in text.plain
    assert any(span.style == "bold red" and text.plain[span.start:span.end] == "EXPIRED 200 h" for span in text.spans)
    assert "Lists: trust 5 h, revocations MISSING" in render_status(Status(trust_age_hours=5), t).plain
    vi = render_status(Status(trust_age_hours=500, trust_expired=True, revocation_age_hours=1), Texts("vi")).plain
    assert "Danh sách: tin cậy HẾT HẠN 500 giờ, thu hồi 1 giờ" in vi
