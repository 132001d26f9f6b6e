"""On the kiosk's Linux console every character the app draws has a glyph in the console font the installer
sets up (Vietnamese-Fixed16: all 134 Vietnamese letters, box drawing, full and light-shade blocks, but no
other block elements, in 512 glyphs). A character without one is drawn as the font's replacement glyph.

``tests/data/console_font/Vietnamese-Fixed16.codepoints`` is that font's Unicode table (Debian's
console-setup-linux); where the font file itself is on this machine, the list is checked against it."""

from __future__ import annotations

import gzip
import struct
import unicodedata
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np
import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input

from checkpoint.tui.app import StationApp
from checkpoint.tui.messages import PreviewFrame, TextScanned
from checkpoint.tui.widgets.preview import CameraPreview, half_blocks, shade_blocks
from tests.tui.conftest import World, make_services, workers_done

DATA = Path(__file__).resolve().parents[1] / "data" / "console_font" / "Vietnamese-Fixed16.codepoints"
SYSTEM_FONT = Path("/usr/share/consolefonts/Vietnamese-Fixed16.psf.gz")


def font_chars() -> set[str]:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    return {chr(int(line, 16)) for line in lines if line and not line.startswith("#")}


def psf2_chars(path: Path) -> set[str]:
    """The characters of a PSF2 font's Unicode table (single code points; sequences left out)."""
    data = gzip.decompress(path.read_bytes())
    magic, _, header, flags, glyphs, size = struct.unpack("<6I", data[:24])
    assert magic == 0x864AB572 and flags & 1, "a PSF2 font with a Unicode table"
    chars: set[str] = set()
    for entry in data[header + glyphs * size:].split(b"\xff")[:glyphs]:
        chars |= set(entry.split(b"\xfe")[0].decode("utf-8"))
    return chars


def vietnamese_letters() -> set[str]:
    vowels = "aăâeêioôơuưy"
    letters = {unicodedata.normalize("NFC", v + tone) for v in vowels + vowels.upper()
               for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")} | set("đĐ")
    return {c for c in letters if ord(c) > 0x7F}


def test_the_font_shows_every_vietnamese_letter() -> None:
    letters = vietnamese_letters()
    assert len(letters) == 134
    assert letters <= font_chars()


@pytest.mark.skipif(not SYSTEM_FONT.exists(), reason="console-setup's fonts are not installed here")
def test_the_stored_table_is_the_installed_font_s() -> None:
    assert psf2_chars(SYSTEM_FONT) == font_chars()


def on_screen(app: StationApp) -> set[str]:
    return {c for strip in app.screen._compositor.render_strips() for c in strip.text}


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await workers_done(pilot.app)
    await pilot.pause()


Step = Callable[[Pilot[None], World], Awaitable[None]]


async def sign_in(pilot: Pilot[None], world: World) -> None:
    pilot.app.screen.query_one("#officer-id", Input).value = "CB01"


GRAY = np.tile(np.arange(0, 256, 2, dtype=np.uint8), (96, 1))  # every shade from black to white


async def scan_with_preview(pilot: Pilot[None], world: World) -> None:
    pilot.app.post_message(TextScanned(world.text("valid"), "camera"))
    await settle(pilot)
    pilot.app.post_message(PreviewFrame(GRAY))


async def manual_entry(pilot: Pilot[None], world: World) -> None:
    await pilot.press("f4")


async def officers(pilot: Pilot[None], world: World) -> None:
    assert isinstance(pilot.app, StationApp)
    pilot.app.open_supervisor()
    await pilot.pause()
    pilot.app.screen.query_one("#officer-id", Input).value = "CH01"
    pilot.app.screen.query_one("#pin", Input).value = "9876"
    pilot.app.screen.query_one("#pin", Input).focus()
    await pilot.press("enter")
    await settle(pilot)
    pilot.app.screen.query_one("#officers", Button).press()


async def supervisor(pilot: Pilot[None], world: World) -> None:
    await officers(pilot, world)
    await settle(pilot)
    pilot.app.pop_screen()


STEPS: dict[str, tuple[bool, Step]] = {
    "sign_in": (False, sign_in),
    "scan": (True, scan_with_preview),
    "manual_entry": (True, manual_entry),
    "supervisor": (True, supervisor),
    "officers": (True, officers),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pytest.mark.parametrize("name", list(STEPS))
async def test_every_character_on_the_console_has_a_glyph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          name: str, size: tuple[int, int]) -> None:
    monkeypatch.setenv("TERM", "linux")
    for var in ("COLORTERM", "TEXTUAL_COLOR_SYSTEM", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(var, raising=False)
    world = make_services(tmp_path, language="vi", ui={"preview": True})
    signed_in, step = STEPS[name]
    app = StationApp(world.services, officer=world.officer if signed_in else None)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await step(pilot, world)
        await settle(pilot)
        missing = on_screen(app) - font_chars()
        where = [strip.text for strip in app.screen._compositor.render_strips() if set(strip.text) & missing]
        assert not missing, " ".join(f"{c} U+{ord(c):04X}" for c in sorted(missing)) + "\n" + "\n".join(where)


def test_the_console_preview_draws_with_the_font_s_shades() -> None:
    shades = set(shade_blocks(GRAY, 40, 6).plain) - {"\n"}
    assert shades <= font_chars() and len(shades) == 4  # dark to light
    assert not set(half_blocks(GRAY, 40, 6).plain) - {"\n"} <= font_chars()  # what it replaces there


@pytest.mark.asyncio
async def test_the_glyphs_are_swapped_on_the_console_only_and_put_back(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.scrollbar import ScrollBar, ScrollBarRender
    from textual.widgets import Checkbox

    monkeypatch.setenv("TERM", "linux")
    world = make_services(tmp_path, ui={"preview": True})
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.has_class("-console-font") and Checkbox.BUTTON_LEFT == "["
        preview = app.scan.query_one(CameraPreview)
        preview.set_frame(GRAY)
        assert set(str(preview.content)) - {"\n"} <= set(" ░▒█")
    assert ScrollBar.renderer is ScrollBarRender and Checkbox.BUTTON_LEFT == "▐"
    monkeypatch.setenv("TERM", "xterm-256color")
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not app.has_class("-console-font") and Checkbox.BUTTON_LEFT == "▐"


def test_the_console_chart_is_in_whole_cells() -> None:
    from checkpoint.tui.screens.supervisor import bar_chart

    values = [1, 3, 8, 5, 0, 2]
    assert set("".join(bar_chart(values, 4, whole=True))) == {" ", "█"}
    assert not set("".join(bar_chart(values, 4))) <= font_chars()  # the eighth blocks it replaces there
