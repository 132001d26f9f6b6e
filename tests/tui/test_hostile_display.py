"""Hostile pass fields on the scan screen: the app never crashes, shows the true verdict, and no raw
control character (ESC above all) reaches the terminal. Real station, real log, real signatures, Pilot.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input

from checkpoint.atomic import write_atomic
from checkpoint.config import parse_config
from checkpoint.demo import make_world
from checkpoint.display import has_hidden, shown
from checkpoint.model import Subject
from checkpoint.trust import keys
from checkpoint.tui.app import StationApp
from checkpoint.tui.messages import TextScanned
from checkpoint.tui.widgets import block_text
from checkpoint.tui.widgets.verdict_panel import VerdictPanel
from tests.factories import ed25519, make_pass
from tests.tui.conftest import NOW, cheap_hasher, workers_done

SIZE = (140, 44)
PERSON = Subject("Nguyễn Văn An", "001085012345", "1985-03-02", "worker", "29A-123.45", "Hà Nội", "Bắc Ninh",
                 "đi làm")
#: what an attacker puts in a name: terminal escapes (7-bit and 8-bit), markup, bidi, zero-width, Vietnamese
PIECES = (
    "\x1b[32mACCEPT\x1b[0m", "\x1b[2J\x1b[H", "\x1b]0;title\x07", "\x9b31m", "\x1bP", "\r", "\n", "\t", "\x00",
    "\x7f", "\x85", "[/]", "[link=https://x]", "[@click=app.quit]", "[bold green]ACCEPT[/]", "[", "]",
    "\u202e", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff", "\u2028", "\u00ad", "\U000e0041",
    "Nguyễn", unicodedata.normalize("NFD", "Trần Thị Ỷ"), "ĐẶNG", "ử",
)
hostile = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), min_size=1, max_size=5).map(
    "".join).filter(lambda s: s.strip() != "")


class Station:
    """One station (demo world plus an issuer key of the test's own in a trusted key folder), shared by
    the examples: each example starts a fresh app over it."""

    def __init__(self, tmp: Path) -> None:
        demo = make_world(tmp, NOW)
        self.issuer = ed25519()
        folder = tmp / "test-issuers"
        write_atomic(folder / "test.pub.pem", keys.public_pem(self.issuer.public_key()))
        raw = dict(demo.config.raw)
        raw["station"] = {**raw["station"], "language": "en"}
        raw["trust"] = {**raw["trust"], "key_folder": str(folder)}
        raw["ui"] = {"sound": "off", "verdict_seconds": 120}  # no check races the verdict's return to READY
        raw["scanner"] = {"source": ""}
        from checkpoint.clock import FixedClock
        from checkpoint.tui.wiring import build_services

        self.clock = FixedClock(NOW)
        self.services = build_services(parse_config(raw), self.clock, data_dir=tmp, hasher=cheap_hasher())
        self.officer = self.services.officers.add("CB01", "Trần Văn Bình", "1234")

    def valid(self, subject: Subject) -> str:
        return make_pass(self.issuer, subject=subject, at=NOW - timedelta(hours=1))

    def expired(self, subject: Subject) -> str:
        return make_pass(self.issuer, subject=subject, at=NOW - timedelta(days=5), valid_for=timedelta(days=1))


@pytest.fixture(scope="module")
def station() -> Iterator[Station]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Station(Path(tmp))


def screen_text(app: StationApp) -> str:
    """What the terminal would show, as the text of every segment the screen renders (no styles)."""
    console = Console(width=app.size.width, height=app.size.height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True))  # as export_screenshot does
    return console.export_text(styles=False)


def raw_controls(text: str) -> set[str]:
    """Control, bidi and zero-width characters on screen (line feeds between screen rows excepted)."""
    return {c for c in text if c != "\n" and has_hidden(c)}


def big_word(word: str) -> str:
    """The first row of the verdict word in block letters, at the scale the panel uses on this screen."""
    return block_text.render(word, 2)[0].strip()


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await workers_done(pilot.app)
    await pilot.pause()


async def show(app: StationApp, pilot: Pilot[None], text: str) -> str:
    before = len(app.outcomes)
    app.post_message(TextScanned(text, "camera"))
    await settle(pilot)
    assert len(app.outcomes) == before + 1, "the scan got no verdict"
    assert app.is_running
    return screen_text(app)


def check_screen(app: StationApp, screen: str, expected: str) -> None:
    assert raw_controls(screen) == set(), f"raw control characters reached the screen: {raw_controls(screen)}"
    panel = app.scan.query_one(VerdictPanel)
    assert panel.state == expected.lower()
    assert big_word(expected) in screen
    for other in {"ACCEPT", "REJECT", "CHECK"} - {expected}:
        assert big_word(other) not in screen


async def run_case(station: Station, subject: Subject) -> None:
    app = StationApp(station.services, officer=station.officer)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show(app, pilot, station.expired(subject))
        check_screen(app, screen, "REJECT")
        screen = await show(app, pilot, station.valid(subject))
        hidden = any(has_hidden(v) for v in (subject.name, subject.vehicle, subject.origin, subject.purpose))
        check_screen(app, screen, "CHECK" if hidden else "ACCEPT")
        if hidden:
            assert "This name contains hidden characters" in screen
        assert shown(subject.name)[:20] in panel_lines(app)


def panel_lines(app: StationApp) -> str:
    return app.scan.query_one(VerdictPanel).plain


@settings(max_examples=25, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=hostile, vehicle=st.none() | hostile, origin=st.none() | hostile, purpose=st.none() | hostile)
def test_hostile_fields_never_spoof_or_crash_the_scan_screen(station: Station, name: str, vehicle: str | None,
                                                             origin: str | None, purpose: str | None) -> None:
    subject = replace(PERSON, name=name, vehicle=vehicle, origin=origin, purpose=purpose)
    asyncio.run(run_case(station, subject))


@pytest.mark.parametrize("name", ["Bob\x1b[32mACCEPT\x1b[0m", "\x1b[2J\x1b[1;1H\x1b[42m ACCEPT ", "A\x9b2J"])
def test_escape_sequences_in_an_expired_pass_still_show_reject(station: Station, name: str) -> None:
    """The reported attack: an EXPIRED pass whose name paints a green ACCEPT."""

    async def run() -> None:
        app = StationApp(station.services, officer=station.officer)
        async with app.run_test(size=SIZE) as pilot:
            screen = await show(app, pilot, station.expired(replace(PERSON, name=name)))
            check_screen(app, screen, "REJECT")
            assert "\\x1b" in screen or "\\x9b" in screen  # the escape is shown, as text

    asyncio.run(run())


MARKUP = ["[/]", "[link=https://x]click", "[@click=app.quit]Nguyễn", "Lê [bold red]Văn[/bold red] Hùng"]


@pytest.mark.parametrize("name", MARKUP)
def test_markup_in_a_name_is_shown_literally(station: Station, name: str) -> None:
    async def run() -> None:
        app = StationApp(station.services, officer=station.officer)
        async with app.run_test(size=SIZE) as pilot:
            screen = await show(app, pilot, station.valid(replace(PERSON, name=name, vehicle=name)))
            check_screen(app, screen, "ACCEPT")
            assert name in screen  # the brackets as typed, nothing interpreted or dropped

    asyncio.run(run())


@pytest.mark.parametrize("name", MARKUP)
def test_markup_typed_in_manual_entry_is_shown_literally(station: Station, name: str) -> None:
    async def run() -> None:
        app = StationApp(station.services, officer=station.officer)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f4")
            await pilot.pause()
            form = app.screen
            form.query_one("#m-name", Input).value = name
            form.query_one("#m-id_number", Input).value = "001085012345"
            form.query_one("#m-birth_year", Input).value = "1985"
            from textual.widgets import Button

            form.query_one("#save", Button).press()
            await settle(pilot)
            assert app.is_running
            assert app.screen is app.scan
            assert app.outcomes and app.outcomes[-1].source == "manual"
            screen = screen_text(app)
            check_screen(app, screen, "CHECK")
            assert name in screen

    asyncio.run(run())


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_vietnamese_names_render_unchanged(station: Station, form: str) -> None:
    """Every Vietnamese vowel with every tone mark, plus Đ: the combining marks are not hidden characters."""
    vowels = "aăâeêioôơuưy"
    marks = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
    letters = [unicodedata.normalize("NFC", v + m) for v in vowels for m in ["", *marks]]
    words = ["Đ" + "".join(letters[i:i + 6]) for i in range(0, len(letters), 6)]
    words += [w.upper() for w in words]

    async def run() -> None:
        app = StationApp(station.services, officer=station.officer)
        async with app.run_test(size=SIZE) as pilot:
            for i in range(0, len(words), 3):
                name = unicodedata.normalize(form, " ".join(words[i:i + 3]))
                assert not has_hidden(name) and shown(name) == name
                screen = await show(app, pilot, station.valid(replace(PERSON, name=name)))
                check_screen(app, screen, "ACCEPT")
                assert f": {name}\n" in panel_lines(app)
                assert unicodedata.normalize("NFC", name) in unicodedata.normalize("NFC", screen)

    asyncio.run(run())


def test_the_screen_probe_sees_a_raw_escape(station: Station) -> None:
    """The probe above can fail: a widget given a raw ESC does put it on the screen."""

    async def run() -> None:
        from textual.widgets import Label

        app = StationApp(station.services, officer=station.officer)
        async with app.run_test(size=SIZE) as pilot:
            from rich.text import Text

            app.scan.query_one("#lane", Label).update(Text("lane \x1b[31mX"))
            await pilot.pause()
            assert "\x1b" in raw_controls(screen_text(app))

    asyncio.run(run())



def test_markup_in_officer_names_on_the_post_bar_supervisor_and_officers_screens(station: Station) -> None:
    """Officer names are typed by people: the post bar, the supervisor's title and the officers table
    show them as typed."""
    services = station.services
    name = "[/]Lê [@click=app.quit]Hoa[link=https://x]"
    supervisor = services.officers.get("SUP9") or services.officers.add("SUP9", name, "9876", supervisor=True)

    async def run() -> None:
        from textual.widgets import Button

        from checkpoint.tui.screens.officers import OfficersScreen
        from checkpoint.tui.screens.supervisor import SupervisorScreen

        app = StationApp(services, officer=supervisor)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert name in screen_text(app)  # the post bar: "Officer: ..."
            await app.push_screen(SupervisorScreen(services, supervisor))
            await settle(pilot)
            assert app.is_running and name in screen_text(app)
            app.screen.query_one("#officers", Button).press()
            await settle(pilot)
            assert isinstance(app.screen, OfficersScreen)
            assert app.is_running and name in screen_text(app)

    asyncio.run(run())
