"""The chip ID card (CCCD) in the app, driven with Pilot: MATCH / MISMATCH right after a pass, "an ID card, not
a pass" without one, and the manual-entry form filled from a card (one through the real camera decoders)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, RadioButton

from checkpoint import sealing
from checkpoint.camera import SimulatedCamera
from checkpoint.config import parse_config
from checkpoint.log import open_personal
from checkpoint.tui.app import StationApp
from checkpoint.tui.messages import Checked, IdCardRead, TextScanned
from checkpoint.tui.screens.manual_entry import ManualEntryScreen
from checkpoint.tui.widgets.counters import Counters
from checkpoint.tui.widgets.verdict_panel import VerdictPanel
from checkpoint.tui.wiring import build_services
from tests.tui.conftest import World, cheap_hasher, make_services, post_keys_like_a_scanner, workers_done

pytestmark = pytest.mark.asyncio

SIZE = (140, 44)
# The demo's "valid" pass is Nguyễn Văn An, 001085012345, born 1985-03-02.
SAME = "001085012345|123456789|Nguyễn Văn An|02031985|Nam|Số 7 Hàng Bài, Hoàn Kiếm, Hà Nội|10052021"
OTHER_BIRTH = "001085012345|123456789|Nguyễn Văn An|02041985|Nam|Số 7 Hàng Bài, Hoàn Kiếm, Hà Nội|10052021"
STRANGER = "079201004567||Lê Hoàng Phúc|15062001|Nam|Quận 7, TP. Hồ Chí Minh|01022022"


async def settle(app: StationApp, pilot: object) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await pilot.pause()
    await workers_done(app)
    await pilot.pause()


async def scan(app: StationApp, pilot: object, text: str) -> None:
    app.post_message(TextScanned(text, "scanner"))
    await settle(app, pilot)


def panel(app: StationApp) -> VerdictPanel:
    return app.scan.query_one(VerdictPanel)


def id_checks(world: World) -> list[dict[str, str]]:
    conn = sqlite3.connect(world.services.recorder.log.path)
    try:
        return [json.loads(d) for (d,) in conn.execute(
            "SELECT details FROM actions WHERE action = 'id_card_check' ORDER BY seq")]
    finally:
        conn.close()


async def test_a_cccd_right_after_the_pass_shows_match_then_mismatch(world: World) -> None:
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, world.text("valid"))
        assert panel(app).state == "accept"
        crossings = world.services.recorder.log.last_seq
        await scan(app, pilot, SAME)
        p = panel(app)
        assert p.plain.startswith("MATCH") and "against the pass just scanned" in p.plain
        assert p.state == "check"  # never the green of ACCEPT: the card proves nothing by itself
        assert "Nguyễn Văn An" in p.plain and "02/03/1985" in p.plain
        assert p.plain.endswith("2345") and "001085012345" not in p.plain  # the id masked
        await scan(app, pilot, OTHER_BIRTH)
        p = panel(app)
        assert p.plain.startswith("MISMATCH") and "Differs: Birth date" in p.plain and p.state == "reject"
        assert "hold the person" in p.plain
        assert app.sound.played[-1] == "REJECT"
        assert world.services.recorder.log.last_seq == crossings  # an ID card is never a crossing
        assert app.scan.query_one(Counters).counts.total == 1
        assert [(d["result"], d["differs"]) for d in id_checks(world)] == [("match", ""), ("mismatch", "birth_date")]


async def test_a_cccd_without_a_recent_pass_is_an_id_card_not_a_pass(world: World) -> None:
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, STRANGER)
        p = panel(app)
        assert "This is an ID card (CCCD), not a pass" in p.plain and "Press F4" in p.plain
        assert "never a pass" in p.plain and p.state == "check"
        assert world.services.recorder.log.last_seq == 0 and not app.outcomes
        await pilot.press("f4")  # offered: manual entry
        await pilot.pause()
        assert isinstance(app.screen, ManualEntryScreen)


async def test_a_cccd_typed_by_a_handheld_scanner_is_read_not_taken_for_a_mangled_pass(world: World) -> None:
    """A wedge types the card's text: its '|' and Vietnamese letters would say "keyboard layout" for a pass."""
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, world.text("valid"))
        post_keys_like_a_scanner(app, SAME)
        await settle(app, pilot)
        assert panel(app).plain.startswith("MATCH")


async def test_a_cccd_shown_in_vietnamese(tmp_path: Path) -> None:
    w = make_services(tmp_path, language="vi")
    app = StationApp(w.services, officer=w.officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, w.text("valid"))
        await scan(app, pilot, OTHER_BIRTH)
        assert panel(app).plain.startswith("KHÔNG KHỚP") and "Khác nhau: Ngày sinh" in panel(app).plain


async def test_hostile_card_text_is_refused_not_shown(world: World) -> None:
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, "001085012345||[red]X[/red]\x1b]0;pwn\x07|02031985|Nam|x|10052021")
        p = panel(app)
        assert p.state == "reject" and "cannot be read" in p.plain
        assert "control or invisible" not in p.plain  # the parser's English words: in app.log only
        assert "\x1b" not in p.plain and "pwn" not in p.plain


def sealing_world(tmp_path: Path) -> tuple[World, X25519PrivateKey]:
    """The test world with personal data sealed to a supervisor's key (the demo keeps none)."""
    supervisor = sealing.generate()
    pub = tmp_path / "supervisor.pub.pem"
    pub.write_bytes(sealing.public_pem(supervisor.public_key()))
    w = make_services(tmp_path)
    w.services.recorder.log.close()
    raw = dict(w.services.station.config.raw) | {"log": {"seal_to": str(pub)}}
    services = build_services(parse_config(raw), w.clock, data_dir=tmp_path, camera=None, hasher=cheap_hasher())
    officer = services.officers.get("CB01")
    assert officer is not None
    return World(w.demo, services, w.clock, officer, w.supervisor), supervisor


async def test_scanning_a_cccd_fills_the_manual_entry(tmp_path: Path) -> None:
    world, supervisor = sealing_world(tmp_path)
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ManualEntryScreen)
        app.post_message(TextScanned(STRANGER, "camera"))  # the camera's scan goes to the open form
        await pilot.pause()
        value = {k: form.query_one(f"#m-{k}", Input).value for k in ("name", "id_number", "birth_year", "address")}
        assert value == {"name": "Lê Hoàng Phúc", "id_number": "079201004567", "birth_year": "15/06/2001",
                         "address": "Quận 7, TP. Hồ Chí Minh"}
        assert "Filled from the ID card" in str(form.query_one("#manual-message").render())
        # a handheld scanner types into the scan field and presses Enter
        scan_field = form.query_one("#m-scan", Input)
        scan_field.focus()
        scan_field.value = SAME
        await pilot.press("enter")
        await pilot.pause()
        assert form.query_one("#m-name", Input).value == "Nguyễn Văn An" and scan_field.value == ""
        form.query_one("#m-places_visited", Input).value = "Lào Cai"
        form.query_one("#m-symptom-cough", Checkbox).value = True
        form.query_one("#m-contact-no", RadioButton).value = True
        form.query_one("#save", Button).press()
        await settle(app, pilot)
        assert app.screen is app.scan
        c = world.services.recorder.recent(1)[0]
        assert c.manual
        assert world.services.recorder.log.last_seq == 1  # the card filled the form; only the entry is recorded
        personal = open_personal(c, supervisor)
        assert personal is not None
        assert (personal.name, personal.id_number, personal.birth_date, personal.address) == (
            "Nguyễn Văn An", "001085012345", "1985-03-02", "Số 7 Hàng Bài, Hoàn Kiếm, Hà Nội")
        assert (personal.places_visited, personal.case_contact, personal.symptoms) == ("Lào Cai", "no", "cough")


async def test_a_cccd_qr_through_the_real_camera_decoders_is_compared_with_the_pass(tmp_path: Path) -> None:
    """Real QR images (rendered frames) of the pass and then of a CCCD-shaped text, decoded by the real decoders
    in the camera loop: the card is compared with the pass, its Vietnamese text read intact."""
    done = asyncio.Event()
    seen: list[Message] = []

    def hook(message: Message) -> None:
        if isinstance(message, Checked | IdCardRead):
            seen.append(message)
            if isinstance(message, IdCardRead):
                done.set()

    world_box: dict[str, World] = {}

    def camera() -> SimulatedCamera:
        return SimulatedCamera([world_box["w"].text("valid"), SAME], fps=30, hold=6, gap=6, size=(800, 600))

    w = make_services(tmp_path, camera=camera)
    world_box["w"] = w
    app = StationApp(w.services, officer=w.officer)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await asyncio.wait_for(done.wait(), timeout=30)
        await pilot.pause()  # (the camera's worker runs until the app stops: not waited for)
        await pilot.pause()
        assert [type(m).__name__ for m in seen] == ["Checked", "IdCardRead"]
        read = seen[-1]
        assert isinstance(read, IdCardRead) and read.scan.card is not None
        assert read.scan.card.address == "Số 7 Hàng Bài, Hoàn Kiếm, Hà Nội"
        assert read.scan.result == "match" and panel(app).plain.startswith("MATCH")
